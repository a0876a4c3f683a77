package pooling

import (
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

func checkFailures(t *testing.T, e *env) map[string]string {
	t.Helper()
	results, err := Check(e.ctx, e.db.Gorm)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if len(results) != 8 {
		t.Fatalf("Check returned %d results, want 8", len(results))
	}
	failed := map[string]string{}
	for _, r := range results {
		if !r.OK {
			failed[r.Name] = r.Detail
		}
	}
	return failed
}

func TestCheckFindsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(tx *gorm.DB, s *scenario) error
		want   string
	}{
		{"hand-made unbalanced posting", func(tx *gorm.DB, s *scenario) error {
			// The table owner switches the balance check off for one
			// insert, as a careless repair or a restore might.
			if err := tx.Exec(`ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_balanced`).Error; err != nil {
				return err
			}
			var t struct{ ID uuid.UUID }
			tx.Raw(`SELECT id FROM ledger_transactions ORDER BY id LIMIT 1`).Scan(&t)
			if err := tx.Exec(`INSERT INTO ledger_postings (transaction_id, line, account, budget_id, funding_stream_id, amount) VALUES (?, 99, 'available', ?, ?, 5)`,
				t.ID, s.b.ID, s.lang.ID).Error; err != nil {
				return err
			}
			return tx.Exec(`ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_balanced`).Error
		}, "ledger_balanced"},
		{"balance edited", func(tx *gorm.DB, s *scenario) error {
			return tx.Exec(`UPDATE ledger_balances SET balance = balance + 1 WHERE budget_id = ? AND funding_stream_id = ? AND account = 'available'`, s.b.ID, s.own.ID).Error
		}, "balances_match_postings"},
		{"running total released edited", func(tx *gorm.DB, s *scenario) error {
			return tx.Exec(`INSERT INTO ledger_flows (budget_id, funding_stream_id, flow, total) VALUES (?, ?, 'released', 1)
				ON CONFLICT (budget_id, funding_stream_id, flow) DO UPDATE SET total = ledger_flows.total + 1`, s.b.ID, s.own.ID).Error
		}, "balances_match_postings"},
		{"running total released edited, as the report reads it", func(tx *gorm.DB, s *scenario) error {
			return tx.Exec(`INSERT INTO ledger_flows (budget_id, funding_stream_id, flow, total) VALUES (?, ?, 'released', 1)
				ON CONFLICT (budget_id, funding_stream_id, flow) DO UPDATE SET total = ledger_flows.total + 1`, s.b.ID, s.own.ID).Error
		}, "report_matches_ledger"},
		{"balance edited, as the report reads it", func(tx *gorm.DB, s *scenario) error {
			return tx.Exec(`UPDATE ledger_balances SET balance = balance + 1 WHERE budget_id = ? AND funding_stream_id = ? AND account = 'available'`, s.b.ID, s.own.ID).Error
		}, "report_matches_ledger"},
		{"append-only trigger disabled", func(tx *gorm.DB, _ *scenario) error {
			return tx.Exec(`ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_append_only`).Error
		}, "append_only_triggers"},
		{"stream's allocated figure edited", func(tx *gorm.DB, s *scenario) error {
			return tx.Exec(`UPDATE funding_streams SET allocated = allocated - 1 WHERE id = ?`, s.own.ID).Error
		}, "report_matches_ledger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t)
			in := s.reserveInput("language", "400.00")
			if _, err := s.reserve(system, in); err != nil {
				t.Fatal(err)
			}
			if failed := checkFailures(t, s.env); len(failed) != 0 {
				t.Fatalf("before tampering: failed %v", failed)
			}
			if err := s.db.Gorm.Transaction(func(tx *gorm.DB) error { return tt.tamper(tx, s) }); err != nil {
				t.Fatalf("tamper: %v", err)
			}
			failed := checkFailures(t, s.env)
			if _, ok := failed[tt.want]; !ok {
				t.Fatalf("after tampering: failed %v, want %s among them", failed, tt.want)
			}
		})
	}
}
