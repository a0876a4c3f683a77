package billing

// Consistency checks over live data, for `tranche check` and the tests. They
// recompute what the constraints and locks should already guarantee, so
// that a hand-edited row or a bypassed rule is found.

import (
	"context"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// Check verifies the billing invariants: every statement's totals equal its
// lines and every line's funding equals its amount; every run's total equals
// its statements; every paid claim is in exactly one confirmed run (the one
// pooling paid it by), every settled clawback in the run that settled it;
// statement numbers are gapless per year; a run's items are live exactly
// while it is not cancelled; stored files match their hashes and the audit
// trail; every payment run, each of its steps and every stored statement
// PDF has its audit event; the stored files refuse change. The error is for
// a query that failed, not for a failed check.
func Check(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
	checks := []struct {
		name, ok, query string
	}{
		{"statement_totals_match_lines", "every statement's subtotal, VAT, carried balance and total equal the sums of its lines", `
			WITH sums AS (
				SELECT s.id,
				       coalesce(sum(l.net_amount) FILTER (WHERE l.kind <> 'carried'), 0) AS subtotal,
				       coalesce(sum(l.vat_amount) FILTER (WHERE l.kind <> 'carried'), 0) AS vat,
				       coalesce(sum(l.amount) FILTER (WHERE l.kind = 'carried'), 0) AS carried,
				       count(l.id) AS lines
				FROM statements s LEFT JOIN statement_lines l ON l.statement_id = s.id GROUP BY s.id)
			SELECT format('statement %s (%s): subtotal %s, VAT %s, total %s, carried in %s, %s lines; the lines give %s, %s, %s, %s, %s lines',
			       s.id, coalesce(s.number, 'draft'), s.subtotal, s.vat_total, s.total, s.carried_in, s.line_count,
			       x.subtotal, x.vat, x.subtotal + x.vat, x.carried, x.lines) AS fault
			FROM statements s JOIN sums x ON x.id = s.id
			WHERE s.subtotal <> x.subtotal OR s.vat_total <> x.vat OR s.total <> x.subtotal + x.vat OR s.carried_in <> x.carried
			   OR s.line_count <> x.lines OR s.balance <> s.total + s.carried_in
			   OR s.to_transfer <> greatest(s.balance, 0) OR s.carried_out <> least(s.balance, 0)
			LIMIT 100`},
		{"line_funding_matches_amount", "every claim and clawback line's funding streams add up to its amount", `
			SELECT format('line %s of statement %s: amount %s, funding %s', l.id, l.statement_id, l.amount, coalesce(sum(f.amount), 0)) AS fault
			FROM statement_lines l LEFT JOIN statement_line_funding f ON f.line_id = l.id
			WHERE l.kind <> 'carried' GROUP BY l.id, l.statement_id, l.amount HAVING coalesce(sum(f.amount), 0) <> l.amount
			LIMIT 100`},
		{"run_totals_match_statements", "every run's total to transfer and statement count equal its statements", `
			SELECT format('run %s: total %s over %s statements; the statements give %s over %s', r.id, r.total_transfer, r.statement_count,
			       coalesce(sum(s.to_transfer), 0), count(s.id)) AS fault
			FROM payment_runs r LEFT JOIN statements s ON s.run_id = r.id
			GROUP BY r.id, r.total_transfer, r.statement_count
			HAVING r.total_transfer <> coalesce(sum(s.to_transfer), 0) OR r.statement_count <> count(s.id)
			LIMIT 100`},
		{"paid_claims_in_one_confirmed_run", "every paid claim is in exactly one confirmed run, the one pooling paid it by, and nothing else is", `
			WITH paid_runs AS (
				SELECT i.item_id, count(*) AS runs, min(i.run_id::text)::uuid AS run_id
				FROM run_items i JOIN payment_runs r ON r.id = i.run_id AND r.state = 'paid'
				WHERE i.kind = 'claim' GROUP BY i.item_id)
			SELECT format('claim %s is %s, its accrual %s paid by %s, in %s confirmed run(s)', c.id, c.state, coalesce(a.status, 'missing'),
			       coalesce(a.payment_id::text, 'nothing'), coalesce(p.runs, 0)) AS fault
			FROM claims c LEFT JOIN accruals a ON a.id = c.id LEFT JOIN paid_runs p ON p.item_id = c.id
			WHERE (c.state = 'paid' OR a.status IN ('paid', 'reclaiming', 'reclaimed') OR p.item_id IS NOT NULL)
			  AND (p.runs IS DISTINCT FROM 1 OR a.payment_id IS DISTINCT FROM p.run_id
			       OR a.status NOT IN ('paid', 'reclaiming', 'reclaimed') OR c.state NOT IN ('paid', 'revoked'))
			LIMIT 100`},
		{"clawbacks_settled_by_their_run", "every clawback in a confirmed run is settled in pooling by that run", `
			SELECT format('clawback %s in confirmed run %s: accrual %s settled by %s', i.item_id, i.run_id, coalesce(a.status, 'missing'),
			       coalesce(a.settlement_payment_id::text, 'nothing')) AS fault
			FROM run_items i JOIN payment_runs r ON r.id = i.run_id AND r.state = 'paid' LEFT JOIN accruals a ON a.id = i.item_id
			WHERE i.kind = 'clawback' AND (a.status IS DISTINCT FROM 'reclaimed' OR a.settlement_payment_id IS DISTINCT FROM i.run_id)
			LIMIT 100`},
		{"statement_numbers_gapless", "per year the statement numbers run 1..n without gaps or repeats, and the counter stands at n", `
			WITH years AS (
				SELECT number_year AS year, count(*) AS n, count(DISTINCT number_seq) AS distinct_n, max(number_seq) AS top
				FROM statements WHERE number IS NOT NULL GROUP BY number_year)
			SELECT format('year %s: %s numbers (%s distinct), highest %s, counter %s', coalesce(y.year, c.year), coalesce(y.n, 0),
			       coalesce(y.distinct_n, 0), coalesce(y.top, 0), coalesce(c.last, 0)) AS fault
			FROM years y FULL JOIN statement_numbers c ON c.year = y.year
			WHERE coalesce(y.n, 0) <> coalesce(y.top, 0) OR coalesce(y.distinct_n, 0) <> coalesce(y.n, 0) OR coalesce(y.top, 0) <> coalesce(c.last, 0)
			LIMIT 100`},
		{"run_items_live", "a run's claims, clawbacks and carried balances are live exactly while the run is not cancelled", `
			SELECT format('run %s (%s) holds %s %s with live = %s', r.id, r.state, i.kind, i.item_id, i.live) AS fault
			FROM run_items i JOIN payment_runs r ON r.id = i.run_id
			WHERE i.live <> (r.state <> 'cancelled')
			LIMIT 100`},
		{"stored_files_match_hash", "every stored SEPA file, journal and statement PDF has the sha256 it was stored with", `
			SELECT format('%s file of run %s does not match its stored sha256', kind, run_id) AS fault
			FROM run_files WHERE sha256(data) <> sha256
			UNION ALL
			SELECT format('PDF of statement %s does not match its stored sha256', statement_id)
			FROM statement_pdfs WHERE sha256(data) <> sha256
			LIMIT 100`},
		// Content and hash rewritten together still differ from the hash the
		// (hash-chained) audit trail recorded when the file was made.
		{"stored_files_match_audit", "every stored SEPA file, journal and statement PDF has the sha256 its audit event recorded", `
			SELECT format('%s file of run %s has another sha256 than its export recorded in the audit trail', f.kind, f.run_id) AS fault
			FROM run_files f JOIN audit_events a ON a.entity_type = 'payment_run' AND a.entity_id = f.run_id::text AND a.action = 'payment_run.export'
			WHERE a.after->'sha256'->>f.kind IS DISTINCT FROM encode(f.sha256, 'hex')
			UNION ALL
			SELECT format('PDF of statement %s has another sha256 than the audit trail recorded', p.statement_id)
			FROM statement_pdfs p JOIN audit_events a ON a.entity_type = 'statement' AND a.entity_id = p.statement_id::text AND a.action = 'statement.pdf'
			WHERE a.after->>'sha256' IS DISTINCT FROM encode(p.sha256, 'hex')
			LIMIT 100`},
	}
	cs := make([]check.Check, 0, len(checks)+2)
	for _, c := range checks {
		cs = append(cs, check.Check{Name: c.name, OK: c.ok, Find: check.SQL(c.query)})
	}
	cs = append(cs,
		check.Check{Name: "every change audited: billing", OK: "every payment run, each of its steps and every statement PDF has its audit event",
			Find: check.SQL(auditCoverage)},
		check.Check{Name: "append-only tables guarded: billing", OK: "stored SEPA files, journals and statement PDFs refuse update and delete",
			Find: check.AppendOnly("run_files", "statement_pdfs")})
	return check.Run(ctx, db, cs...)
}

// auditCoverage finds changes of billing without their audit event: runs
// made behind the application's back, a run's step (approved, exported,
// confirmed, cancelled) without its event, a stored statement PDF without
// its event.
var auditCoverage = check.Unaudited("payment_runs", "payment_run") + ` UNION ALL
	(SELECT format('payment run %s is %s without a payment_run.%s event', r.id, r.state, s.action) AS fault
	FROM payment_runs r CROSS JOIN LATERAL (VALUES ('approve', r.approved_at), ('export', r.exported_at),
		('confirm', r.paid_at), ('cancel', r.cancelled_at)) AS s(action, at)
	WHERE s.at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'payment_run'
		AND a.entity_id = r.id::text AND a.action = 'payment_run.' || s.action) LIMIT 10)
	UNION ALL
	(SELECT format('the PDF of statement %s is stored without a statement.pdf event', p.statement_id) AS fault
	FROM statement_pdfs p WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'statement'
		AND a.entity_id = p.statement_id::text AND a.action = 'statement.pdf') LIMIT 10)`
