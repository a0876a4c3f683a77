package outcomes_test

import (
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
)

func TestPayableClaimsAndMarkPaid(t *testing.T) {
	f := newFx(t)
	d := f.started()
	f.clock.Set("2005-04-01")
	c := f.verified(d.ID, "intake", "2005-03-15")
	pending, err := f.submit(d.ID, "knm", "2005-03-20")
	check(t, err)

	claims, err := outcomes.PayableClaims(ctx, f.db.Gorm, date("2005-05-01"), nil)
	check(t, err)
	if len(claims) != 1 || claims[0].ClaimID != c.ID || claims[0].ParticipantReference == "" || claims[0].ContractID != f.contract.ID {
		t.Fatalf("payable = %+v", claims)
	}
	claims, err = outcomes.PayableClaims(ctx, f.db.Gorm, date("2005-03-01"), nil)
	check(t, err)
	if len(claims) != 0 {
		t.Fatalf("claims approved after the period's end are gathered: %+v", claims)
	}
	other := f.contract2.ProviderID
	claims, err = outcomes.PayableClaims(ctx, f.db.Gorm, date("2005-05-01"), &other)
	check(t, err)
	if len(claims) != 0 {
		t.Fatalf("another provider's filter finds %d claims", len(claims))
	}

	run := uuid.Must(uuid.NewV7())
	fin := access.System("billing")
	wantCode(t, outcomes.MarkPaid(ctx, f.db.Gorm, fin, []uuid.UUID{c.ID, pending.ID}, run), outcomes.ClaimState)
	check(t, outcomes.MarkPaid(ctx, f.db.Gorm, fin, []uuid.UUID{c.ID}, run))
	check(t, outcomes.MarkPaid(ctx, f.db.Gorm, fin, []uuid.UUID{c.ID}, run)) // again: nothing changes
	got, err := f.s.GetClaim(ctx, verifier, c.ID)
	check(t, err)
	if got.State != outcomes.Paid || got.History[len(got.History)-1].Action != "pay" || len(got.History) != 3 {
		t.Fatalf("claim after payment = %s, history %+v", got.State, got.History)
	}

	// Several claims at once: each gets its own next step in its history.
	var many []uuid.UUID
	for range 3 {
		many = append(many, f.verified(f.started().ID, "intake", "2005-03-16").ID)
	}
	check(t, outcomes.MarkPaid(ctx, f.db.Gorm, fin, many, run))
	for _, id := range many {
		got, err := f.s.GetClaim(ctx, verifier, id)
		check(t, err)
		last := got.History[len(got.History)-1]
		if got.State != outcomes.Paid || len(got.History) != 3 || last.Action != "pay" || last.Seq != 3 || last.ToState != outcomes.Paid {
			t.Fatalf("claim %s paid with others = %s, history %+v", id, got.State, got.History)
		}
	}
}
