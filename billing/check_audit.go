package billing

import (
	"context"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// CheckAudited verifies for `tranche check` that every payment run and each
// of its steps (approved, exported, confirmed, cancelled) and every stored
// statement PDF has its audit event, and that the stored files refuse change.
func CheckAudited(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
	return check.Run(ctx, db,
		check.Check{Name: "every change audited: billing", OK: "every payment run, each of its steps and every statement PDF has its audit event",
			Find: check.SQL(check.Unaudited("payment_runs", "payment_run") + ` UNION ALL
			(SELECT format('payment run %s is %s without a payment_run.%s event', r.id, r.state, s.action) AS fault
			FROM payment_runs r CROSS JOIN LATERAL (VALUES ('approve', r.approved_at), ('export', r.exported_at),
				('confirm', r.paid_at), ('cancel', r.cancelled_at)) AS s(action, at)
			WHERE s.at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'payment_run'
				AND a.entity_id = r.id::text AND a.action = 'payment_run.' || s.action) LIMIT 10)
			UNION ALL
			(SELECT format('the PDF of statement %s is stored without a statement.pdf event', p.statement_id) AS fault
			FROM statement_pdfs p WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'statement'
				AND a.entity_id = p.statement_id::text AND a.action = 'statement.pdf') LIMIT 10)`)},
		check.Check{Name: "append-only tables guarded: billing", OK: "stored SEPA files, journals and statement PDFs refuse update and delete",
			Find: check.AppendOnly("run_files", "statement_pdfs")})
}
