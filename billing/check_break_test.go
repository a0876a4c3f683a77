package billing_test

import (
	"sort"
	"testing"

	"github.com/euregio/tranche/billing"
	checks "github.com/euregio/tranche/internal/check"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// honestBilling is billing data made through the services only:
//   - first (March, confirmed): A's intake and B's intake, statements 2005-0001 and 2005-0002;
//   - A's intake is then revoked, so it is clawed back;
//   - second (April, confirmed): A's new trajectory's intake and A2, the
//     clawback of A's first intake, and B's KNM exam, statements 2005-0003 and 2005-0004;
//   - third (May, cancelled): B's A2.
type honestBilling struct {
	*fx
	first, second, third billing.RunDetail
	intakeA, intakeB     uuid.UUID // paid in first; intakeA revoked and netted in second
}

func newHonestBilling(t *testing.T) *honestBilling {
	t.Helper()
	h := &honestBilling{fx: newFx(t)}
	f := h.fx
	trA := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.clock.Set("2005-03-10")
	h.intakeA = f.verified(f.a, trA.ID, "intake", "2005-03-02").ID
	h.intakeB = f.verified(f.b, trB.ID, "intake", "2005-03-02").ID
	f.clock.Set("2005-04-01")
	var err error
	h.first, err = f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	f.paid(h.first)

	_, err = f.out.Revoke(ctx, verifier, h.intakeA, "intake not held")
	check(t, err)
	trA2 := f.started(f.a, f.contractA)
	f.clock.Set("2005-04-10")
	f.verified(f.a, trA2.ID, "intake", "2005-04-05")
	f.verified(f.a, trA2.ID, "a2", "2005-04-06")
	f.verified(f.b, trB.ID, "knm", "2005-04-05")
	f.clock.Set("2005-05-01")
	h.second, err = f.bill.CreateRun(ctx, finance, date("2005-04-01"), date("2005-04-30"))
	check(t, err)
	f.paid(h.second)

	f.clock.Set("2005-05-10")
	f.verified(f.b, trB.ID, "a2", "2005-05-05")
	f.clock.Set("2005-06-01")
	h.third, err = f.bill.CreateRun(ctx, finance, date("2005-05-01"), date("2005-05-31"))
	check(t, err)
	_, err = f.bill.CancelRun(ctx, finance, h.third.ID, "wrong period")
	check(t, err)
	return h
}

// failures runs a package's checks and returns the names of those that fail
// with their details.
func (h *honestBilling) failures(run func() ([]checks.Result, error)) map[string]string {
	h.t.Helper()
	results, err := run()
	check(h.t, err)
	failed := map[string]string{}
	for _, r := range results {
		if !r.OK {
			failed[r.Name] = r.Detail
		}
	}
	return failed
}

func (h *honestBilling) count(query string, args ...any) int64 {
	h.t.Helper()
	var n int64
	check(h.t, h.db.Gorm.Raw(query, args...).Scan(&n).Error)
	return n
}

func names(failed map[string]string) []string {
	out := make([]string, 0, len(failed))
	for n := range failed {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestCheckCatchesBrokenBillingInvariant breaks each billing invariant by
// hand on honest data and sees exactly its check fail, while pooling's and
// outcomes' checks still pass. guard statements remove what would refuse the
// edit, in the same transaction as the edit.
func TestCheckCatchesBrokenBillingInvariant(t *testing.T) {
	tests := []struct {
		name  string
		guard []string
		brk   func(tx *gorm.DB, h *honestBilling) error
		want  string
	}{
		{
			name: "run total edited",
			// The statements of the run give one cent less than its total.
			brk: func(tx *gorm.DB, h *honestBilling) error {
				return tx.Exec(`UPDATE payment_runs SET total_transfer = total_transfer + 0.01 WHERE id = ?`, h.second.ID).Error
			},
			want: "run_totals_match_statements",
		},
		{
			name: "paid claim put in a second confirmed run",
			// The partial unique index keeps an item in one live run.
			guard: []string{`DROP INDEX run_items_one_live_run`},
			// B's intake, paid by the first run, is also in the second:
			// paid twice as far as billing can tell.
			brk: func(tx *gorm.DB, h *honestBilling) error {
				return tx.Exec(`INSERT INTO run_items (run_id, item_id, kind, live) VALUES (?, ?, 'claim', true)`, h.second.ID, h.intakeB).Error
			},
			want: "paid_claims_in_one_confirmed_run",
		},
		{
			name: "clawback settled by another run",
			// A's intake was netted in the second run; pooling is made to
			// say the first run settled it.
			brk: func(tx *gorm.DB, h *honestBilling) error {
				return tx.Exec(`UPDATE accruals SET settlement_payment_id = ? WHERE id = ?`, h.first.ID, h.intakeA).Error
			},
			want: "clawbacks_settled_by_their_run",
		},
		{
			name: "statement renumbered past a gap",
			// The last statement of 2005 moves from 2005-0004 to 2005-0005
			// and the counter with it: 2005-0004 is missing.
			brk: func(tx *gorm.DB, h *honestBilling) error {
				if err := tx.Exec(`UPDATE statements SET number_seq = number_seq + 1, number = number_year::text || '-' || lpad((number_seq + 1)::text, 4, '0')
					WHERE number_year = 2005 AND number_seq = (SELECT max(number_seq) FROM statements WHERE number_year = 2005)`).Error; err != nil {
					return err
				}
				return tx.Exec(`UPDATE statement_numbers SET last = last + 1 WHERE year = 2005`).Error
			},
			want: "statement_numbers_gapless",
		},
		{
			name: "cancelled run's items live again",
			// The cancelled run still holds B's A2, which no later run
			// may then take.
			brk: func(tx *gorm.DB, h *honestBilling) error {
				return tx.Exec(`UPDATE run_items SET live = true WHERE run_id = ?`, h.third.ID).Error
			},
			want: "run_items_live",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHonestBilling(t)
			// The honest data holds what each check looks at.
			for _, c := range []struct {
				what, query string
				args        []any
				want        int64
			}{
				{"confirmed runs", `SELECT count(*) FROM payment_runs WHERE state = 'paid'`, nil, 2},
				{"cancelled runs", `SELECT count(*) FROM payment_runs WHERE state = 'cancelled'`, nil, 1},
				{"paid claims", `SELECT count(*) FROM claims WHERE state = 'paid'`, nil, 4},
				{"clawbacks in a confirmed run", `SELECT count(*) FROM run_items i JOIN payment_runs r ON r.id = i.run_id
					WHERE r.state = 'paid' AND i.kind = 'clawback'`, nil, 1},
				{"numbered statements", `SELECT count(*) FROM statements WHERE number IS NOT NULL`, nil, 4},
				{"items of the cancelled run", `SELECT count(*) FROM run_items WHERE run_id = ? AND NOT live`, []any{h.third.ID}, 1},
			} {
				if n := h.count(c.query, c.args...); n != c.want {
					t.Fatalf("honest data has %d %s, want %d", n, c.what, c.want)
				}
			}
			claim, err := h.out.GetClaim(ctx, verifier, h.intakeA)
			check(t, err)
			if claim.State != outcomes.Revoked {
				t.Fatalf("A's first intake is %s, want revoked", claim.State)
			}
			h.checkAll()
			if t.Failed() {
				t.FailNow()
			}

			err = h.db.Gorm.Transaction(func(tx *gorm.DB) error {
				for _, q := range tt.guard {
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
				return tt.brk(tx, h)
			})
			check(t, err)

			failed := h.failures(func() ([]checks.Result, error) { return billing.Check(ctx, h.db.Gorm) })
			if _, ok := failed[tt.want]; !ok || len(failed) != 1 {
				t.Fatalf("after the break: billing checks failed %v, want only %s", names(failed), tt.want)
			}
			t.Logf("%s: %s", tt.want, failed[tt.want])
			if others := h.failures(func() ([]checks.Result, error) { return pooling.Check(ctx, h.db.Gorm) }); len(others) != 0 {
				t.Errorf("after the break: pooling checks failed %v", others)
			}
			if others := h.failures(func() ([]checks.Result, error) { return outcomes.Check(ctx, h.db.Gorm) }); len(others) != 0 {
				t.Errorf("after the break: outcomes checks failed %v", others)
			}
		})
	}
}
