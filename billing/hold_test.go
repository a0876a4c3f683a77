package billing_test

import (
	"testing"

	"github.com/euregio/tranche/outcomes"
)

// From approval to confirmation a run's claims cannot be revoked; after
// confirmation a revocation becomes a clawback for the next run.
func TestApprovedRunHoldsItsClaims(t *testing.T) {
	f := newFx(t)
	tr := f.started(f.a, f.contractA)
	c := f.verified(f.a, tr.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	_, err = f.out.Revoke(ctx, verifier, c.ID, "certificate forged")
	wantCode(t, err, outcomes.ClaimInPayment)
	_, err = f.bill.ExportRun(ctx, finance, run.ID)
	check(t, err)
	_, err = f.out.Revoke(ctx, verifier, c.ID, "certificate forged")
	wantCode(t, err, outcomes.ClaimInPayment)
	_, err = f.bill.ConfirmRun(ctx, finance, run.ID)
	check(t, err)
	got, err := f.out.Revoke(ctx, verifier, c.ID, "certificate forged")
	check(t, err)
	if got.State != outcomes.Revoked {
		t.Fatalf("state after revoking a paid claim = %s", got.State)
	}
	next, err := f.bill.CreateRun(ctx, finance, date("2005-04-01"), date("2005-04-30"))
	check(t, err)
	if len(next.Statements) != 1 || !next.Statements[0].Total.IsNegative() {
		t.Fatalf("the next run does not net the clawback: %+v", next.Statements)
	}
	f.checkAll()
}
