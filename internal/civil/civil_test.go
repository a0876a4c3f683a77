package civil

import (
	"testing"

	"github.com/euregio/tranche/internal/fault"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct{ in, want, code string }{
		{"2005-03-10", "2005-03-10", ""},
		{" 1900-01-01 ", "1900-01-01", ""},
		{"2099-12-31", "2099-12-31", ""},
		{"", "", CodeRequired},
		{"10 maart 2005", "", CodeInvalid},
		{"2005-02-30", "", CodeInvalid},
		{"0000-01-01", "", CodeOutOfRange},
		{"0001-01-01", "", CodeOutOfRange},
		{"1899-12-31", "", CodeOutOfRange},
		{"2100-01-01", "", CodeOutOfRange},
		{"9999-12-31", "", CodeOutOfRange},
	} {
		d, code := Parse(tt.in)
		if code != tt.code || (code == "" && d.Format("2006-01-02") != tt.want) {
			t.Errorf("Parse(%q) = %s, %q; want %s, %q", tt.in, d.Format("2006-01-02"), code, tt.want, tt.code)
		}
	}
}

func TestFieldAndOptional(t *testing.T) {
	var errs fault.Fields
	Field(&errs, "start", "")
	if got := Optional(&errs, "end", ""); got != nil {
		t.Errorf("Optional of nothing = %v", got)
	}
	Optional(&errs, "born", "0001-01-01")
	if len(errs) != 2 || errs[0].Field != "start" || errs[0].Code != CodeRequired || errs[1].Field != "born" || errs[1].Code != CodeOutOfRange {
		t.Fatalf("errs = %+v", errs)
	}
}
