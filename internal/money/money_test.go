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
		{"1234.5", "1234.50", ""},
		{"1234", "1234.00", ""},
		{" 0.10 ", "0.10", ""},
		{"-12.50", "-12.50", ""},
		{"1,000.00", "", CodeInvalid}, // never 1.00
		{"1.000,00", "", CodeInvalid}, // Dutch: pages only
		{"1000,00", "", CodeInvalid},
		{"1.000", "", CodeInvalid}, // a thousand, or one?
		{"12.345", "", CodeInvalid},
		{"0.125", "", CodeTooPrecise},
		{"1234.567", "", CodeTooPrecise},
		{"1.230", "", CodeInvalid},
		{"€ 12", "", CodeInvalid},
		{"abc", "", CodeInvalid},
		{"1e3", "", CodeInvalid},
		{"+5", "", CodeInvalid},
		{".5", "", CodeInvalid},
		{"5.", "", CodeInvalid},
		{"", "", CodeRequired},
		{"1000000000000", "", CodeTooLarge},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		checkParse(t, "Parse", tt.in, got, err, tt.want, tt.err)
	}
}

func TestParseLocal(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{"1000.00", "1000.00", ""},
		{"1000,00", "1000.00", ""},
		{"1.000,00", "1000.00", ""},
		{"1.234.567,8", "1234567.80", ""},
		{"1.234.567", "1234567.00", ""},
		{"€ 1.234,50", "1234.50", ""},
		{"-1.234,50", "-1234.50", ""},
		{"1234,5", "1234.50", ""},
		{"1,000.00", "", CodeInvalid}, // English grouping: never 1.00
		{"1,000", "", CodeInvalid},    // a thousand in English, one in Dutch
		{"1.000", "", CodeInvalid},    // a thousand, or one?
		{"1.00.000,00", "", CodeInvalid},
		{"12.34,50", "", CodeInvalid},
		{"1000,", "", CodeInvalid},
		{"1,2,3", "", CodeInvalid},
		{"1234,567", "", CodeTooPrecise},
		{"abc", "", CodeInvalid},
		{"", "", CodeRequired},
	}
	for _, tt := range tests {
		got, err := ParseLocal(tt.in)
		checkParse(t, "ParseLocal", tt.in, got, err, tt.want, tt.err)
	}
}

func checkParse(t *testing.T, fn, in string, got decimal.Decimal, err error, want, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Errorf("%s(%q) = %s, %v; want error %s", fn, in, got, err, wantErr)
		}
		return
	}
	if err != nil || got.StringFixed(2) != want {
		t.Errorf("%s(%q) = %s, %v; want %s", fn, in, got.StringFixed(2), err, want)
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
