// Package pdftest reads the text of a PDF in tests, with poppler's
// pdftotext: the PDFs Tranche makes are checked for what a reader sees.
package pdftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Text extracts the text of pages first..last (0: to the end) with
// pdftotext -layout; the test fails, not skips, when pdftotext is missing.
func Text(t testing.TB, data []byte, first, last int) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext is needed to read the PDF (apt-get install poppler-utils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "document.pdf")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-layout", "-enc", "UTF-8"}
	if first > 0 {
		args = append(args, "-f", strconv.Itoa(first))
	}
	if last > 0 {
		args = append(args, "-l", strconv.Itoa(last))
	}
	out, err := exec.Command(bin, append(args, file, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
