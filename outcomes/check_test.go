package outcomes_test

import (
	"testing"

	"github.com/euregio/tranche/outcomes"
)

// Each outcomes check passes on honest data and catches its invariant broken by hand.
func TestCheckCatchesBrokenInvariants(t *testing.T) {
	tests := []struct {
		check  string
		breakf string
	}{
		{"tranches_sum_to_price", `UPDATE trajectory_milestones SET amount = amount + 0.01 WHERE code = 'job'`},
		{"milestones_match_claims", `UPDATE trajectory_milestones SET state = 'verified' WHERE code = 'knm'`},
		{"claims_match_tranches", `UPDATE claims SET amount = amount + 1`},
		{"paid_within_price", `UPDATE claims SET amount = 5000.00`},
		{"capacity_respected", `UPDATE contracts SET capacity = 1`},
		{"paid_within_ceiling", `UPDATE contracts SET ceiling = 100.00`},
		{"one_payment_per_milestone", `DROP INDEX claims_one_live_per_milestone;
			INSERT INTO claims (id, trajectory_id, milestone_code, provider_id, state, amount, achieved_on, submitted_at, due_on, updated_at)
			SELECT gen_random_uuid(), trajectory_id, milestone_code, provider_id, 'approved', amount, achieved_on, submitted_at, due_on, updated_at
			FROM claims WHERE state = 'approved'`},
		{"claims_match_accruals", `UPDATE claims SET state = 'paid'`},
	}
	for _, tt := range tests {
		t.Run(tt.check, func(t *testing.T) {
			f := newFx(t)
			d := f.started()
			f.started()
			f.clock.Set("2005-04-01")
			f.verified(d.ID, "intake", "2005-03-15")
			results, err := outcomes.Check(ctx, f.db.Gorm)
			check(t, err)
			for _, r := range results {
				if !r.OK {
					t.Fatalf("%s fails on honest data: %s", r.Name, r.Detail)
				}
			}
			if err := f.db.Gorm.Exec(tt.breakf).Error; err != nil {
				t.Fatalf("breaking %s: %v", tt.check, err)
			}
			results, err = outcomes.Check(ctx, f.db.Gorm)
			check(t, err)
			for _, r := range results {
				if r.Name == tt.check {
					if r.OK {
						t.Fatalf("%s did not notice: %s", tt.check, tt.breakf)
					}
					return
				}
			}
			t.Fatalf("no check named %s", tt.check)
		})
	}
}
