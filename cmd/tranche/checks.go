package main

import (
	"context"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/check"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"gorm.io/gorm"
)

// runChecks verifies every invariant of DOMAIN.md that the data can show:
// each package checks the tables it owns; anchors, when given, are checked
// against the audit trail.
func runChecks(ctx context.Context, db *gorm.DB, anchors []audit.Anchor) []check.Result {
	var out []check.Result
	for _, capability := range []struct {
		name  string
		check func(context.Context, *gorm.DB) ([]check.Result, error)
	}{
		{"audit", func(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
			return audit.Check(ctx, db, anchors...)
		}},
		{"users", access.Check},
		{"pooling", pooling.Check},
		{"contracts", contracts.Check},
		{"outcomes", outcomes.Check},
		{"billing", billing.Check},
	} {
		results, err := capability.check(ctx, db)
		out = append(out, results...)
		if err != nil {
			out = append(out, check.Result{Name: capability.name, Detail: "could not check: " + err.Error()})
		}
	}
	return out
}
