package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/billing"
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
	out = append(out, checkAuditCoverage(ctx, db))
	for _, capability := range []struct {
		name  string
		check func(context.Context, *gorm.DB) ([]pooling.CheckResult, error)
	}{{"pooling", pooling.Check}, {"outcomes", outcomes.Check}, {"billing", billing.Check}} {
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
		r.Detail = fmt.Sprintf("%d of %d events do not match: %s", len(broken), checked, describeBroken(broken))
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("%d events, chain intact", checked)
	return r
}

// describeBroken lists broken events by sequence and reason, never content.
func describeBroken(broken []audit.Broken) string {
	parts := make([]string, len(broken))
	for i, b := range broken {
		parts[i] = fmt.Sprintf("#%d %s", b.Seq, b.Reason)
	}
	return strings.Join(parts, "; ")
}

// checkAnchors verifies the trail against anchors kept outside the
// database: each anchored event must still be there with its hash.
func checkAnchors(ctx context.Context, db *database.DB, anchors []audit.Anchor) checkResult {
	r := checkResult{Name: "audit trail anchors"}
	broken, err := audit.VerifyAnchors(ctx, db.Gorm, anchors)
	if err != nil {
		r.Detail = "could not check: " + err.Error()
		return r
	}
	if len(broken) > 0 {
		r.Detail = fmt.Sprintf("%d of %d anchors do not match: %s", len(broken), len(anchors), describeBroken(broken))
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("%d anchors, the newest #%d, all in the trail with their hash", len(anchors), maxSeq(anchors))
	return r
}

func maxSeq(anchors []audit.Anchor) int64 {
	var n int64
	for _, a := range anchors {
		n = max(n, a.Seq)
	}
	return n
}

// appendOnlyTables lists the tables the database must refuse to change.
var appendOnlyTables = []string{"audit_events", "run_files", "statement_pdfs", "evidence", "register_imports", "claim_history"}

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

// auditedTables pairs each table of things with the entity type its audit
// events carry; every row must have at least one event.
var auditedTables = [][2]string{
	{"users", "user"}, {"providers", "provider"}, {"contracts", "contract"}, {"funding_streams", "funding_stream"},
	{"budgets", "budget"}, {"commitments", "commitment"}, {"participants", "participant"}, {"trajectories", "trajectory"}, {"claims", "claim"},
	{"payment_runs", "payment_run"},
}

// checkAuditCoverage finds changes of state without an audit event: things
// created behind the application's back, trajectories whose state has no
// event, claims with fewer events than steps in their history, payment runs
// approved, exported, confirmed or cancelled without the event of that step,
// and stored statement PDFs without theirs.
func checkAuditCoverage(ctx context.Context, db *database.DB) checkResult {
	r := checkResult{Name: "every change audited"}
	var faults []string
	for _, t := range auditedTables {
		var rows []struct{ ID string }
		q := fmt.Sprintf(`SELECT x.id::text AS id FROM %s x WHERE NOT EXISTS
			(SELECT 1 FROM audit_events a WHERE a.entity_type = ? AND a.entity_id = x.id::text) LIMIT 5`, t[0])
		if err := db.Gorm.WithContext(ctx).Raw(q, t[1]).Scan(&rows).Error; err != nil {
			r.Detail = "could not check: " + err.Error()
			return r
		}
		for _, row := range rows {
			faults = append(faults, fmt.Sprintf("%s %s has no audit event", t[1], row.ID))
		}
	}
	var rows []struct{ Fault string }
	err := db.Gorm.WithContext(ctx).Raw(`
		SELECT format('trajectory %s is %s without a trajectory.%s event', t.id, t.state,
			CASE t.state WHEN 'active' THEN 'start' WHEN 'declined' THEN 'decline' WHEN 'terminated' THEN 'terminate' ELSE 'complete' END) AS fault
		FROM trajectories t WHERE t.state <> 'referred' AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'trajectory'
			AND a.entity_id = t.id::text AND a.action = 'trajectory.' || CASE t.state WHEN 'active' THEN 'start' WHEN 'declined' THEN 'decline'
			WHEN 'terminated' THEN 'terminate' ELSE 'complete' END)
		UNION ALL
		SELECT format('claim %s has %s steps in its history but %s audit events', h.claim_id, h.n, coalesce(a.n, 0)) AS fault
		FROM (SELECT claim_id, count(*) AS n FROM claim_history WHERE action <> 'pay' GROUP BY claim_id) h
		LEFT JOIN (SELECT entity_id, count(*) AS n FROM audit_events WHERE entity_type = 'claim' GROUP BY entity_id) a ON a.entity_id = h.claim_id::text
		WHERE coalesce(a.n, 0) < h.n
		UNION ALL
		SELECT format('payment run %s is %s without a payment_run.%s event', r.id, r.state, s.action) AS fault
		FROM payment_runs r CROSS JOIN LATERAL (VALUES ('approve', r.approved_at), ('export', r.exported_at),
			('confirm', r.paid_at), ('cancel', r.cancelled_at)) AS s(action, at)
		WHERE s.at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'payment_run'
			AND a.entity_id = r.id::text AND a.action = 'payment_run.' || s.action)
		UNION ALL
		SELECT format('the PDF of statement %s is stored without a statement.pdf event', p.statement_id) AS fault
		FROM statement_pdfs p WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'statement'
			AND a.entity_id = p.statement_id::text AND a.action = 'statement.pdf')
		LIMIT 20`).Scan(&rows).Error
	if err != nil {
		r.Detail = "could not check: " + err.Error()
		return r
	}
	for _, row := range rows {
		faults = append(faults, row.Fault)
	}
	if len(faults) > 0 {
		r.Detail = fmt.Sprintf("%d unaudited change(s): %s", len(faults), strings.Join(faults, "; "))
		return r
	}
	r.OK = true
	r.Detail = fmt.Sprintf("every row of %d kinds of thing, every trajectory state, claim step and payment-run step has its audit event", len(auditedTables))
	return r
}
