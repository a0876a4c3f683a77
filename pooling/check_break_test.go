package pooling

import (
	"sort"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// honestLedger is pooling data made through the service only: one language
// reservation of 400.00 (300.00 language-only, 100.00 language and civic),
// an accrual paid by a run, an accrual clawed back while payable (a
// reversing transaction), an accrual still payable and a partial release.
type honestLedger struct {
	*scenario
	commitment Commitment
	paid       uuid.UUID // accrual of 100.00, paid
	withdrawn  uuid.UUID // accrual of 40.00, clawed back by a reversal
	payable    uuid.UUID // accrual of 60.00, payable
}

func newHonestLedger(t *testing.T) *honestLedger {
	t.Helper()
	h := &honestLedger{scenario: newScenario(t)}
	in := h.reserveInput("language", "400.00")
	c, err := h.reserve(system, in)
	if err != nil {
		t.Fatal(err)
	}
	h.commitment = c
	h.paid, h.withdrawn, h.payable = uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err = h.in(func(tx *gorm.DB) error {
		for _, a := range []struct {
			id     uuid.UUID
			amount string
		}{{h.paid, "100.00"}, {h.withdrawn, "40.00"}, {h.payable, "60.00"}} {
			if _, err := h.s.Accrue(h.ctx, tx, system, in.Reference, a.id, d(a.amount)); err != nil {
				return err
			}
		}
		if _, err := h.s.Pay(h.ctx, tx, system, h.paid, uuid.Must(uuid.NewV7())); err != nil {
			return err
		}
		if _, err := h.s.ClawBack(h.ctx, tx, system, h.withdrawn, "certificate forged"); err != nil {
			return err
		}
		_, err := h.s.Release(h.ctx, tx, system, in.Reference, d("25.00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// count runs a query returning one integer.
func (h *honestLedger) count(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Gorm.Raw(query, args...).Scan(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}

func failedNames(failed map[string]string) []string {
	names := make([]string, 0, len(failed))
	for n := range failed {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestCheckCatchesBrokenInvariant breaks each invariant by hand on honest
// data and sees exactly its check fail. guard statements switch off what
// would refuse the edit, in the same transaction as the edit; restore
// switches it back on where that is possible.
func TestCheckCatchesBrokenInvariant(t *testing.T) {
	tests := []struct {
		name           string
		guard, restore []string
		brk            func(tx *gorm.DB, h *honestLedger) error
		want           string
	}{
		{
			name: "hand-made balanced transaction overdraws a stream",
			// The sign CHECK on the running balances refuses the
			// overdraft; put it back afterwards without validating.
			guard:   []string{`ALTER TABLE ledger_balances DROP CONSTRAINT ledger_balances_sign`},
			restore: []string{`ALTER TABLE ledger_balances ADD CONSTRAINT ledger_balances_sign CHECK (CASE WHEN account = 'funding' THEN balance <= 0 ELSE balance >= 0 END) NOT VALID`},
			// The transaction balances, the posting trigger keeps the
			// running balances equal to the postings and no commitment is
			// involved: only the available balance of the reintegration
			// stream, 400.00, goes to -100.00.
			brk: func(tx *gorm.DB, h *honestLedger) error {
				var alloc struct{ ID uuid.UUID }
				if err := tx.Raw(`SELECT id FROM allocations WHERE budget_id = ? AND funding_stream_id = ?`, h.b.ID, h.reint.ID).Scan(&alloc).Error; err != nil {
					return err
				}
				id := uuid.Must(uuid.NewV7())
				if err := tx.Exec(`INSERT INTO ledger_transactions (id, kind, allocation_id, memo, actor, created_at) VALUES (?, 'allocate', ?, 'hand-made', 'psql', now())`,
					id, alloc.ID).Error; err != nil {
					return err
				}
				return tx.Exec(`INSERT INTO ledger_postings (transaction_id, line, account, budget_id, funding_stream_id, amount)
					VALUES (?, 1, 'committed', ?, ?, 500.00), (?, 2, 'available', ?, ?, -500.00)`,
					id, h.b.ID, h.reint.ID, id, h.b.ID, h.reint.ID).Error
			},
			want: "balances_not_negative",
		},
		{
			name:    "commitment split edited",
			guard:   []string{`ALTER TABLE commitment_parts DISABLE TRIGGER commitment_parts_append_only`},
			restore: []string{`ALTER TABLE commitment_parts ENABLE TRIGGER commitment_parts_append_only`},
			// The parts no longer add up to the commitment's amount.
			brk: func(tx *gorm.DB, h *honestLedger) error {
				return tx.Exec(`UPDATE commitment_parts SET amount = amount + 1 WHERE commitment_id = ? AND position = 1`, h.commitment.ID).Error
			},
			want: "commitments_match_ledger",
		},
		{
			name: "accrual marked withdrawn without a ledger transaction",
			// The commitment's payable money no longer matches its
			// payable accruals.
			brk: func(tx *gorm.DB, h *honestLedger) error {
				return tx.Exec(`UPDATE accruals SET status = 'withdrawn', clawback_reason = 'by hand', clawed_back_at = now() WHERE id = ?`, h.payable).Error
			},
			want: "commitments_match_ledger",
		},
		{
			name:    "reversal pointed at another transaction",
			guard:   []string{`ALTER TABLE ledger_transactions DISABLE TRIGGER ledger_transactions_append_only`},
			restore: []string{`ALTER TABLE ledger_transactions ENABLE TRIGGER ledger_transactions_append_only`},
			// The clawback's reversal undoes the accrual; make it claim to
			// reverse the reservation instead.
			brk: func(tx *gorm.DB, h *honestLedger) error {
				return tx.Exec(`UPDATE ledger_transactions SET reverses_id = (SELECT id FROM ledger_transactions WHERE kind = 'reserve' AND commitment_id = ?)
					WHERE reverses_id IS NOT NULL AND accrual_id = ?`, h.commitment.ID, h.withdrawn).Error
			},
			want: "reversals_exact",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHonestLedger(t)
			// The honest data holds what each check looks at.
			if n := h.count(`SELECT count(*) FROM ledger_transactions WHERE reverses_id IS NOT NULL`); n != 1 {
				t.Fatalf("%d reversing transactions, want 1", n)
			}
			if n := h.count(`SELECT count(*) FROM accruals WHERE status = 'payable'`); n != 1 {
				t.Fatalf("%d payable accruals, want 1", n)
			}
			if failed := checkFailures(t, h.env); len(failed) != 0 {
				t.Fatalf("honest data: failed %v", failed)
			}
			err := h.db.Gorm.Transaction(func(tx *gorm.DB) error {
				for _, q := range tt.guard {
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
				if err := tt.brk(tx, h); err != nil {
					return err
				}
				for _, q := range tt.restore {
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatalf("break: %v", err)
			}
			failed := checkFailures(t, h.env)
			if _, ok := failed[tt.want]; !ok || len(failed) != 1 {
				t.Fatalf("after the break: failed %v, want only %s", failedNames(failed), tt.want)
			}
			t.Logf("%s: %s", tt.want, failed[tt.want])
		})
	}
}
