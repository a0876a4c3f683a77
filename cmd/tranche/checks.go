package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"gorm.io/gorm"
)

// checkResult is one invariant and what checking it found.
type checkResult struct {
	Name   string
	OK     bool
	Detail string
}

// runChecks verifies every invariant of DOMAIN.md that the data can show.
func runChecks(ctx context.Context, db *database.DB) []checkResult {
	var out []checkResult
	out = append(out, checkAuditChain(ctx, db))
	out = append(out, checkAppendOnly(ctx, db))
	for _, capability := range []struct {
		name  string
		check func(context.Context, *gorm.DB) ([]pooling.CheckResult, error)
	}{{"pooling", pooling.Check}, {"outcomes", outcomes.Check}} {
		results, err := capability.check(ctx, db.Gorm)
		for _, r := range results {
			out = append(out, checkResult{Name: r.Name, OK: r.OK, Detail: r.Detail})
		}
		if err != nil {
			out = append(out, checkResult{Name: capability.name, Detail: "could not check: " + err.Error()})
		}
	}
	return out
}

func checkAuditChain(ctx context.Context, db *database.DB) checkResult {
	r := checkResult{Name: "audit trail hash chain"}
	checked, broken, err := audit.Verify(ctx, db.Gorm)
	if err != nil {
		r.Detail = "could not check: " + err.Error()
		return r
	}
	if len(broken) > 0 {
		var parts []string
		for _, b := range broken {
			parts = append(parts, fmt.Sprintf("#%d %s", b.Seq, b.Reason))
		}
		r.Detail = fmt.Sprintf("%d of %d events do not match: %s", len(broken), checked, strings.Join(parts, "; "))
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("%d events, chain intact", checked)
	return r
}

// appendOnlyTables lists the tables the database must refuse to change.
var appendOnlyTables = []string{"audit_events"}

func checkAppendOnly(ctx context.Context, db *database.DB) checkResult {
	r := checkResult{Name: "append-only tables guarded"}
	var missing []string
	for _, table := range appendOnlyTables {
		var n int
		err := db.Pool.QueryRow(ctx, `
			SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
			JOIN pg_proc p ON p.oid = t.tgfoid
			WHERE c.relname = $1 AND p.proname = 'refuse_change' AND t.tgenabled <> 'D'`, table).Scan(&n)
		if err != nil {
			r.Detail = "could not check: " + err.Error()
			return r
		}
		if n < 2 {
			missing = append(missing, table)
		}
	}
	if len(missing) > 0 {
		r.Detail = "update/delete guard missing or disabled on " + strings.Join(missing, ", ")
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("%d tables refuse update and delete", len(appendOnlyTables))
	return r
}
