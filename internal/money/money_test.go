package money

import (
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"1234.50", "1234.50", ""},
		{"1234,5", "1234.50", ""},
		{"1.234,50", "1234.50", ""},
		{"€ 12", "12.00", ""},
		{"0.10", "0.10", ""},
		{"1.230", "1.23", ""},
		{"1.235", "", CodeTooPrecise},
		{"abc", "", CodeNotAnAmount},
		{"1e3", "", CodeNotAnAmount},
		{"", "", CodeRequired},
		{"1000000000000", "", CodeTooLarge},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("Parse(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got.StringFixed(2) != tt.want {
			t.Errorf("Parse(%q) = %s, %v; want %s", tt.in, got.StringFixed(2), err, tt.want)
		}
	}
}

func TestParseFieldSign(t *testing.T) {
	var errs fault.Fields
	ParseField(&errs, "price", "0", true)
	ParseField(&errs, "fee", "-1", false)
	ParseField(&errs, "ok", "0", false)
	if len(errs) != 2 || errs[0].Code != CodeNotPositive || errs[1].Code != CodeNegative {
		t.Fatalf("errs = %+v, want not_positive on price and negative on fee", errs)
	}
}

func TestFormat(t *testing.T) {
	d := decimal.RequireFromString("-1234567.5")
	if got := Dutch(d); got != "€ -1.234.567,50" {
		t.Errorf("Dutch = %q", got)
	}
	if got := English(decimal.RequireFromString("1234.5")); got != "€1,234.50" {
		t.Errorf("English = %q", got)
	}
	if got := String(decimal.RequireFromString("7")); got != "7.00" {
		t.Errorf("String = %q", got)
	}
}
