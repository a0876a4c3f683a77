package access_test

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
)

func TestPasswordPolicy(t *testing.T) {
	cases := []struct {
		name, pw, code string // code "" means accepted
	}{
		{"twelve spaces", strings.Repeat(" ", 12), access.CodePasswordBlank},
		{"tabs and newlines", "\t\t\t\n\n\n            ", access.CodePasswordBlank},
		{"eleven characters", "abcdefghijk", access.CodePasswordTooShort},
		{"eleven runes, more bytes", "çççççççççç!", access.CodePasswordTooShort},
		{"one character repeated", strings.Repeat("a", 20), access.CodePasswordRepeated},
		{"one multibyte character repeated", strings.Repeat("ş", 12), access.CodePasswordRepeated},
		{"common", "password1234", access.CodePasswordCommon},
		{"common in other case", "WelKom123456", access.CodePasswordCommon},
		{"common with spaces around", "  qwertyuiopas ", access.CodePasswordCommon},
		{"129 characters", strings.Repeat("ab", 64) + "c", access.CodePasswordTooLong},
		{"exactly twelve", "kaas-en-brood", ""},
		{"64 characters", strings.Repeat("wortel-", 9) + "vijftig", ""},
		{"128 characters", strings.Repeat("ab", 64), ""},
		{"a passphrase with spaces", "correct horse battery staple", ""},
		{"spaces inside are fine", "  een zin met spaties  ", ""},
		{"no composition rules", "alleenkleineletters", ""},
		{"unicode", "Nguyễn Ólafsdóttir Çelik", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var errs fault.Fields
			access.CheckPassword(&errs, "password", c.pw)
			switch {
			case c.code == "" && len(errs) > 0:
				t.Fatalf("refused %q: %v, want accepted", c.pw, errs)
			case c.code != "" && (len(errs) != 1 || errs[0].Code != c.code || errs[0].Field != "password"):
				t.Fatalf("CheckPassword(%q) = %v, want one error %s on password", c.pw, errs, c.code)
			}
		})
	}
}
