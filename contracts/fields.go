package contracts

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/euregio/tranche/internal/fault"
)

// addField records a field error with one of this package's codes.
func addField(errs *fault.Fields, field string, code fault.Code, message string) {
	errs.Add(field, code.Code, message)
}

// requireText checks a required, trimmed text of at most max characters.
func requireText(errs *fault.Fields, field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		addField(errs, field, Required, "required")
	case utf8.RuneCountInString(v) > max:
		addField(errs, field, TooLong, "too long")
	}
}

func fieldIndex(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }
