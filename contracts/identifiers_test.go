package contracts

import "testing"

func TestIBAN(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"NL91ABNA0417164300", true},
		{"nl91 abna 0417 1643 00", true},
		{"NL44RABO0123456789", true},
		{"NL20INGB0001234567", true},
		{"NL02RABO0123456789", false}, // a well-known example with wrong check digits
		{"DE89370400440532013000", true},
		{"BE68539007547034", true},
		{"GB82WEST12345698765432", true},
		{"NL91ABNA0417164301", false},    // check digits do not match
		{"NL19ABNA0417164300", false},    // check digits altered
		{"NL91ABNA041716430", false},     // one character short for NL
		{"DE8937040044053201300", false}, // one short for DE
		{"BE685390075470341", false},     // one long for BE
		{"XX91ABNA0417164300", false},    // unknown country
		{"NLAAABNA0417164300", false},    // check digits not digits
		{"NL91ABNA04171643-0", false},    // not alphanumeric
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidIBAN(NormalizeIBAN(tt.in)); got != tt.want {
			t.Errorf("ValidIBAN(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestKVK(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"12345678", true},
		{" 08123456 ", true},
		{"1234567", false},
		{"123456789", false},
		{"1234567a", false},
		{"1234 5678", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidKVK(NormalizeKVK(tt.in)); got != tt.want {
			t.Errorf("ValidKVK(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBIC(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"ABNANL2A", true},
		{"rabo nl 2u", true},
		{"DEUTDEFF500", true},
		{"ABNANL2", false},
		{"ABNANL2AX", false},
		{"AB1ANL2A", false},
		{"ABNA1L2A", false},
	}
	for _, tt := range tests {
		if got := ValidBIC(NormalizeBIC(tt.in)); got != tt.want {
			t.Errorf("ValidBIC(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestVATNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"NL001234567B01", true},
		{"nl 0012.34.567 b01", true},
		{"DE123456789", true},
		{"BE0123456789", true},
		{"NL001234567B1", false},
		{"NL00123456B01", false},
		{"NL001234567X01", false},
		{"DE12345678", false},
		{"FR12345678901", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ValidVATNumber(NormalizeVATNumber(tt.in)); got != tt.want {
			t.Errorf("ValidVATNumber(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
