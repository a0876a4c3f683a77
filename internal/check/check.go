package check

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// Result is the outcome of one consistency check.
type Result struct {
	Name   string   `json:"name"`
	OK     bool     `json:"ok"`
	Detail string   `json:"detail"`
	Faults []string `json:"faults,omitempty"` // at most MaxFaults examples
}

// MaxFaults bounds the examples a check reports.
const MaxFaults = 20

// A Check is one invariant: Find returns what breaks it, one line a fault
// (naming ids and amounts, never a person's data); OK says what holds when
// it finds nothing.
type Check struct {
	Name, OK string
	Find     func(ctx context.Context, db *gorm.DB) ([]string, error)
}

// SQL is a Find that runs query, whose rows carry what it found in a
// column named fault.
func SQL(query string, args ...any) func(context.Context, *gorm.DB) ([]string, error) {
	return func(ctx context.Context, db *gorm.DB) ([]string, error) {
		var faults []string
		err := db.WithContext(ctx).Raw(query, args...).Pluck("fault", &faults).Error
		return faults, err
	}
}

// Run runs the checks in order. The error is for a check that could not
// run, not for one that failed; the results before it are returned.
func Run(ctx context.Context, db *gorm.DB, checks ...Check) ([]Result, error) {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		faults, err := c.Find(ctx, db)
		if err != nil {
			return out, fmt.Errorf("check %s: %w", c.Name, err)
		}
		out = append(out, result(c, faults))
	}
	return out, nil
}

func result(c Check, faults []string) Result {
	r := Result{Name: c.Name, OK: len(faults) == 0, Detail: c.OK}
	if !r.OK {
		r.Faults = faults[:min(len(faults), MaxFaults)]
		r.Detail = fmt.Sprintf("%d problem(s): %s", len(faults), strings.Join(r.Faults, "; "))
	}
	return r
}

// AppendOnly is a Find that reports each of tables whose guard against
// update and delete (the triggers calling refuse_change) is missing or
// disabled.
func AppendOnly(tables ...string) func(context.Context, *gorm.DB) ([]string, error) {
	return SQL(`SELECT format('%s: the update/delete guard is missing or disabled', t.name) AS fault
		FROM unnest(?::text[]) AS t(name)
		WHERE (SELECT count(*) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_proc p ON p.oid = g.tgfoid
			WHERE c.relname = t.name AND p.proname = 'refuse_change' AND g.tgenabled <> 'D') < 2
		ORDER BY t.name`, textArray(tables))
}

// Unaudited is a SQL fragment (for a check's UNION ALL) that finds up to
// five rows of table without any audit event of entityType: things made
// behind the application's back. Both names are the code's constants, never
// input.
func Unaudited(table, entityType string) string {
	return fmt.Sprintf(`(SELECT format('%[2]s %%s has no audit event', x.id) AS fault FROM %[1]s x
		WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = '%[2]s' AND a.entity_id = x.id::text) LIMIT 5)`, table, entityType)
}

// textArray is a PostgreSQL text[] literal of ss (the code's own names).
func textArray(ss []string) string {
	return "{" + strings.Join(ss, ",") + "}"
}
