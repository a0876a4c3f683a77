package csvexport

import (
	"encoding/csv"
	"io"
	"regexp"
)

// canonicalNumber is an amount or a count as Tranche writes it: an optional
// minus sign, digits, optionally a dot and more digits.
var canonicalNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// Cell returns s as it is safe to write in a CSV cell: unchanged when it
// cannot start a formula or is a canonical number, else prefixed with a
// single quote.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if canonicalNumber.MatchString(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer whose every cell goes through Cell. It writes
// through to w as it goes (buffered by encoding/csv), so a long export is
// streamed, never held whole.
type Writer struct {
	w   *csv.Writer
	row []string
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, every cell escaped.
func (w *Writer) Write(record []string) error {
	w.row = w.row[:0]
	for _, c := range record {
		w.row = append(w.row, Cell(c))
	}
	return w.w.Write(w.row)
}

// Flush writes buffered rows to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports an error from an earlier Write or Flush.
func (w *Writer) Error() error { return w.w.Error() }

// Close flushes and returns the first error seen.
func (w *Writer) Close() error {
	w.w.Flush()
	return w.w.Error()
}
