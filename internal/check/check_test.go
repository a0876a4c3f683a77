package check

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gorm.io/gorm"
)

func found(faults ...string) func(context.Context, *gorm.DB) ([]string, error) {
	return func(context.Context, *gorm.DB) ([]string, error) { return faults, nil }
}

func TestRun(t *testing.T) {
	many := make([]string, 25)
	for i := range many {
		many[i] = fmt.Sprintf("fault %d", i)
	}
	rs, err := Run(context.Background(), nil,
		Check{Name: "clean", OK: "all fine", Find: found()},
		Check{Name: "broken", OK: "all fine", Find: found(many...)})
	if err != nil || len(rs) != 2 {
		t.Fatalf("Run = %v, %v", rs, err)
	}
	if !rs[0].OK || rs[0].Detail != "all fine" || rs[0].Faults != nil {
		t.Errorf("clean check: %+v", rs[0])
	}
	if rs[1].OK || len(rs[1].Faults) != MaxFaults || !strings.HasPrefix(rs[1].Detail, "25 problem(s): fault 0; ") {
		t.Errorf("broken check: ok %v, %d faults, detail %q", rs[1].OK, len(rs[1].Faults), rs[1].Detail)
	}
	boom := errors.New("boom")
	rs, err = Run(context.Background(), nil, Check{Name: "a", Find: found()},
		Check{Name: "b", Find: func(context.Context, *gorm.DB) ([]string, error) { return nil, boom }}, Check{Name: "c", Find: found()})
	if !errors.Is(err, boom) || len(rs) != 1 || !strings.Contains(err.Error(), "check b") {
		t.Errorf("a failing check: %v, %d results", err, len(rs))
	}
}

func TestUnauditedNamesItsTable(t *testing.T) {
	q := Unaudited("participants", "participant")
	if !strings.Contains(q, "FROM participants x") || !strings.Contains(q, "a.entity_type = 'participant'") ||
		!strings.Contains(q, "'participant %s has no audit event'") {
		t.Errorf("Unaudited = %s", q)
	}
}
