// Package money parses, checks and prints euro amounts. Amounts are
// decimal.Decimal with two decimals, numeric(14,2) in PostgreSQL and strings
// in JSON ("1234.50"); a float never holds money.
package money

import (
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/fault"
	"github.com/shopspring/decimal"
)

// Max is the largest amount numeric(14,2) holds.
var Max = decimal.RequireFromString("999999999999.99")

// Field error codes for amounts.
const (
	CodeRequired    = "required"
	CodeNotAnAmount = "not_an_amount"
	CodeTooPrecise  = "too_many_decimals"
	CodeNotPositive = "not_positive"
	CodeNegative    = "negative"
	CodeTooLarge    = "too_large"
)

// Parse reads an amount such as "1234.50" (also "1234,50" and "1.234,50" as
// typed on Dutch pages). It accepts at most two decimals and never rounds.
func Parse(s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	if s == "" {
		return decimal.Zero, fmt.Errorf("%s", CodeRequired)
	}
	if strings.Contains(s, ",") {
		// Dutch notation: dots group thousands, the comma marks decimals.
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	}
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") {
		return decimal.Zero, fmt.Errorf("%s", CodeNotAnAmount)
	}
	if d.Exponent() < -2 && !d.Equal(d.Round(2)) {
		return decimal.Zero, fmt.Errorf("%s", CodeTooPrecise)
	}
	if d.Abs().GreaterThan(Max) {
		return decimal.Zero, fmt.Errorf("%s", CodeTooLarge)
	}
	return d.Round(2), nil
}

// ParseField parses a required amount for the named field and checks its sign:
// positive when strictlyPositive, else non-negative. Problems are added to errs.
func ParseField(errs *fault.Fields, field, s string, strictlyPositive bool) decimal.Decimal {
	d, err := Parse(s)
	if err != nil {
		msg := map[string]string{
			CodeRequired:    "an amount is required",
			CodeNotAnAmount: "not an amount; write it like 1234.50",
			CodeTooPrecise:  "an amount has at most two decimals",
			CodeTooLarge:    "the amount is too large",
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
