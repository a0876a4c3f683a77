package money

import (
	"errors"
	"regexp"
	"strings"

	"github.com/euregio/tranche/internal/fault"
	"github.com/shopspring/decimal"
)

// Max is the largest amount numeric(14,2) holds.
var Max = decimal.RequireFromString("999999999999.99")

// Field error codes for amounts.
const (
	CodeRequired    = "required"
	CodeInvalid     = "invalid_amount"
	CodeTooPrecise  = "too_many_decimals"
	CodeNotPositive = "not_positive"
	CodeNegative    = "negative"
	CodeTooLarge    = "too_large"
)

// canonical is the API's notation: digits, and a dot before the cents.
var canonical = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// Parse reads an amount in the API's canonical notation: "1234.50", "1234.5"
// or "1234"; a minus sign in front, nothing else. There are no thousands
// separators, so nothing is ever guessed: "1,000.00" and "1.000,00" are
// refused (invalid_amount), as are exponents. At most two decimals; an amount
// is never rounded.
func Parse(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, errors.New(CodeRequired)
	}
	if !canonical.MatchString(s) || dutchGrouped.MatchString(strings.TrimPrefix(s, "-")) {
		// "1.000" is a thousand in Dutch and one in this notation: refused.
		return decimal.Zero, errors.New(CodeInvalid)
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > 2 {
		return decimal.Zero, errors.New(CodeTooPrecise)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, errors.New(CodeInvalid)
	}
	if d.Abs().GreaterThan(Max) {
		return decimal.Zero, errors.New(CodeTooLarge)
	}
	return d, nil
}

// dutchGrouped is an integer part with dots between thousands: "1.234.567".
var dutchGrouped = regexp.MustCompile(`^[1-9][0-9]{0,2}(\.[0-9]{3})+$`)

// Canonical rewrites an amount as typed on a page into the API's notation,
// so that Parse reads it: the canonical "1000.00", and the Dutch "1000,00"
// or "1.000,00" (dots between thousands, a comma before the cents), with an
// optional euro sign. What could be read two ways is left as typed for Parse
// to refuse: "1.000" (one thousand in Dutch, one in the API's notation), and
// any mix such as "1,000.00".
func Canonical(s string) string {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	sign := ""
	if rest, ok := strings.CutPrefix(t, "-"); ok {
		sign, t = "-", rest
	}
	intPart, frac, comma := strings.Cut(t, ",")
	switch {
	case comma:
		if strings.Contains(frac, ".") || strings.Contains(frac, ",") {
			return s
		}
		if dutchGrouped.MatchString(intPart) {
			intPart = strings.ReplaceAll(intPart, ".", "")
		}
		return sign + intPart + "." + frac
	case dutchGrouped.MatchString(t):
		if strings.Count(t, ".") == 1 {
			return s // "1.000": a thousand, or one with three decimals
		}
		return sign + strings.ReplaceAll(t, ".", "")
	default:
		return sign + t
	}
}

// ParseLocal reads an amount as typed on a page (see Canonical).
func ParseLocal(s string) (decimal.Decimal, error) { return Parse(Canonical(s)) }

// ParseField parses a required amount in the API's notation for the named
// field and checks its sign: positive when strictlyPositive, else
// non-negative. Problems are added to errs.
func ParseField(errs *fault.Fields, field, s string, strictlyPositive bool) decimal.Decimal {
	d, err := Parse(s)
	if err != nil {
		msg := map[string]string{
			CodeRequired:   "an amount is required",
			CodeInvalid:    "not an amount in this notation; write it like 1234.50, without thousands separators",
			CodeTooPrecise: "an amount has at most two decimals",
			CodeTooLarge:   "the amount is too large",
		}[err.Error()]
		errs.Add(field, err.Error(), msg)
		return decimal.Zero
	}
	if strictlyPositive && !d.IsPositive() {
		errs.Add(field, CodeNotPositive, "the amount must be more than zero")
	} else if d.IsNegative() {
		errs.Add(field, CodeNegative, "the amount cannot be negative")
	}
	return d
}

// ParseLocalField is ParseField for an amount as typed on a page.
func ParseLocalField(errs *fault.Fields, field, s string, strictlyPositive bool) decimal.Decimal {
	return ParseField(errs, field, Canonical(s), strictlyPositive)
}

// String prints an amount as JSON and CSV carry it: "1234.50".
func String(d decimal.Decimal) string { return d.StringFixed(2) }

// Dutch prints an amount for Dutch and German pages: "€ 1.234,50".
func Dutch(d decimal.Decimal) string {
	s := d.Abs().StringFixed(2)
	intPart, frac := s[:len(s)-3], s[len(s)-2:]
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	sign := ""
	if d.IsNegative() {
		sign = "-"
	}
	return "€ " + sign + b.String() + "," + frac
}

// English prints an amount for English pages: "€1,234.50".
func English(d decimal.Decimal) string {
	s := Dutch(d)
	s = strings.NewReplacer(".", ",", ",", ".").Replace(strings.TrimPrefix(s, "€ "))
	return "€" + s
}
