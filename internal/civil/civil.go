package civil

import (
	"strings"
	"time"

	"github.com/euregio/tranche/internal/fault"
)

// Field error codes for days.
const (
	CodeRequired   = "required"
	CodeInvalid    = "invalid_date"
	CodeOutOfRange = "date_out_of_range"
)

// Earliest and Latest bound every day Tranche reads: the oldest date of
// birth of a living person, and far beyond any contract or trajectory.
var (
	Earliest = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	Latest   = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
)

// Parse reads a day written YYYY-MM-DD. It answers the day (UTC midnight)
// or the code of what is wrong: required, invalid_date or date_out_of_range.
func Parse(s string) (time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, CodeRequired
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, CodeInvalid
	}
	if d.Before(Earliest) || d.After(Latest) {
		return time.Time{}, CodeOutOfRange
	}
	return d, ""
}

// messages are the English texts of the codes (pages translate by code).
var messages = map[string]string{
	CodeRequired:   "a date is required; write it like 2005-01-31",
	CodeInvalid:    "not a date; write it like 2005-01-31",
	CodeOutOfRange: "the date lies outside " + Earliest.Format(time.DateOnly) + " to " + Latest.Format(time.DateOnly),
}

// Field reads a required day for the named field; a problem is added to errs
// and the zero time returned.
func Field(errs *fault.Fields, field, s string) time.Time {
	d, code := Parse(s)
	if code != "" {
		errs.Add(field, code, messages[code])
	}
	return d
}

// Optional reads a day that may be left empty (nil).
func Optional(errs *fault.Fields, field, s string) *time.Time {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	d, code := Parse(s)
	if code != "" {
		errs.Add(field, code, messages[code])
		return nil
	}
	return &d
}
