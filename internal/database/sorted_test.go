package database

import (
	"testing"

	"github.com/euregio/tranche/internal/fault"
)

func TestSortKeysParse(t *testing.T) {
	k := NewSortKeys("x.id", "name", "x.name", "amount", "x.amount")
	s, err := k.Parse("", "", 0, 10)
	if err != nil || s.Key != "name" || s.Desc || s.Page != 1 {
		t.Fatalf("default = %+v %v, want name ascending page 1", s, err)
	}
	if got := k.order(Sort{Key: "amount", Desc: true}); got != "x.amount DESC NULLS LAST, x.id DESC" {
		t.Errorf("order = %q", got)
	}
	for _, bad := range []struct{ key, dir string }{{"x.name", ""}, {"name;DROP TABLE x", ""}, {"name", "up"}} {
		if _, err := k.Parse(bad.key, bad.dir, 1, 10); !fault.HasCode(err, fault.InvalidInput) {
			t.Errorf("Parse(%q, %q) = %v, want invalid_input", bad.key, bad.dir, err)
		}
	}
	if _, err := k.Parse("name", "", MaxPage+1, 10); err == nil {
		t.Errorf("a page beyond MaxPage is accepted")
	}
}
