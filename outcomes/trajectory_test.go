package outcomes_test

import (
	"sync"
	"testing"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/shopspring/decimal"
)

func TestStartFreezesScheduleAndCommitsPrice(t *testing.T) {
	f := newFx(t)
	d := f.started()
	if d.State != outcomes.Active || d.ContractVersionID == nil || *d.ContractVersionID != *f.contract.Contract.CurrentVersionID {
		t.Fatalf("trajectory = %+v, want active under the contract's current version", d.Trajectory)
	}
	want := map[string]string{"intake": "200.00", "a2": "800.00", "knm": "400.00", "job": "600.00"}
	sum := decimal.Zero
	for _, m := range d.Milestones {
		eq(t, "tranche "+m.Code, m.Amount, want[m.Code])
		sum = sum.Add(m.Amount)
	}
	eq(t, "sum of tranches", sum, "2000.00")
	if got := d.Milestones[0].Deadline.Format("2006-01-02"); got != "2005-05-01" {
		t.Fatalf("intake deadline = %s, want 2005-05-01", got)
	}
	committed, payable, paid := f.exposure(f.contract.ID)
	eq(t, "committed", committed, "2000.00")
	eq(t, "payable", payable.Add(paid), "0")
}

func TestStartRefusals(t *testing.T) {
	f := newFx(t)
	tr := f.refer(f.contract)
	_, err := f.s.Start(ctx, f.other, tr.ID, date("2005-03-01"))
	wantCode(t, err, outcomes.TrajectoryNotFound)
	_, err = f.s.Start(ctx, casemanager, tr.ID, date("2005-03-01"))
	wantCode(t, err, fault.Forbidden)
	_, err = f.s.Start(ctx, f.provider, tr.ID, date("2006-03-01"))
	wantCode(t, err, contracts.ContractOutsidePeriod)
	if _, err := f.s.Start(ctx, f.provider, tr.ID, date("2005-03-01")); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Start(ctx, f.provider, tr.ID, date("2005-03-01"))
	wantCode(t, err, outcomes.TrajectoryState)
	if _, err := f.s.Decline(ctx, f.provider, tr.ID, "full"); !fault.HasCode(err, outcomes.TrajectoryState) {
		t.Fatalf("declining an active trajectory: %v", err)
	}

	declined := f.refer(f.contract)
	if _, err := f.s.Decline(ctx, f.provider, declined.ID, "no place in the class"); err != nil {
		t.Fatal(err)
	}
	_, err = f.s.Start(ctx, f.provider, declined.ID, date("2005-03-01"))
	wantCode(t, err, outcomes.TrajectoryState)
}

func TestCeilingRefusesStart(t *testing.T) {
	f := newFx(t, fxOptions{ceiling: "5000.00"})
	f.started()
	f.started()
	tr := f.refer(f.contract)
	_, err := f.s.Start(ctx, f.provider, tr.ID, date("2005-03-01"))
	wantCode(t, err, outcomes.ContractCeiling)
	committed, _, _ := f.exposure(f.contract.ID)
	eq(t, "committed after the refused start", committed, "4000.00")
}

func TestReferRefusals(t *testing.T) {
	f := newFx(t)
	p := f.participant()
	_, err := f.s.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: p.ID, ContractID: f.contract.ID, ProductCode: "NOPE"})
	if e, ok := fault.As(err); !ok || e.Fields[0].Code != outcomes.ProductNotInContract.Code {
		t.Fatalf("unknown product: %v", err)
	}
	_, err = f.s.Refer(ctx, f.provider, outcomes.ReferInput{ParticipantID: p.ID, ContractID: f.contract.ID, ProductCode: "NT2"})
	wantCode(t, err, fault.Forbidden)
	_, err = f.s.Refer(ctx, casemanager, outcomes.ReferInput{ContractID: f.contract.ID})
	wantCode(t, err, fault.InvalidInput)
}

// Starting in parallel never exceeds the contract's capacity.
func TestConcurrentStartsRespectCapacity(t *testing.T) {
	f := newFx(t, fxOptions{capacity: 5})
	trs := make([]outcomes.Trajectory, 12)
	for i := range trs {
		trs[i] = f.refer(f.contract)
	}
	errs := startAll(f, trs)
	ok, full := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case fault.HasCode(err, outcomes.ContractCapacityFull):
			full++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 5 || full != 7 {
		t.Fatalf("started %d, refused for capacity %d; want 5 and 7", ok, full)
	}
	committed, _, _ := f.exposure(f.contract.ID)
	eq(t, "committed", committed, "10000.00")
}

// Starting in parallel never commits more than the budget holds.
func TestConcurrentStartsRespectBudget(t *testing.T) {
	f := newFx(t, fxOptions{streamAmount: "7000.00"})
	trs := make([]outcomes.Trajectory, 10)
	for i := range trs {
		trs[i] = f.refer(f.contract)
	}
	errs := startAll(f, trs)
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case fault.HasCode(err, pooling.BudgetInsufficient):
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("started %d, want 3 (7000.00 holds three trajectories of 2000.00)", ok)
	}
	committed, _, _ := f.exposure(f.contract.ID)
	eq(t, "committed", committed, "6000.00")
}

func startAll(f *fx, trs []outcomes.Trajectory) []error {
	errs := make([]error, len(trs))
	var wg sync.WaitGroup
	for i, tr := range trs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.s.Start(ctx, f.provider, tr.ID, date("2005-03-01"))
		}()
	}
	wg.Wait()
	return errs
}

func TestTerminateReleasesUnverifiedMoney(t *testing.T) {
	f := newFx(t)
	d := f.started()
	f.clock.Set("2005-04-15")
	f.verified(d.ID, "intake", "2005-03-10")
	c, err := f.submit(d.ID, "knm", "2005-04-01")
	check(t, err)
	_, err = f.s.Terminate(ctx, casemanager, d.ID, "moved away")
	wantCode(t, err, outcomes.ClaimsPending)
	_, err = f.s.Reject(ctx, verifier, c.ID, "not_achieved", "no exam result")
	check(t, err)
	_, err = f.s.Terminate(ctx, f.provider, d.ID, "moved away")
	wantCode(t, err, fault.Forbidden)
	_, err = f.s.Terminate(ctx, casemanager, d.ID, "")
	wantCode(t, err, fault.InvalidInput)
	tr, err := f.s.Terminate(ctx, casemanager, d.ID, "moved away")
	check(t, err)
	if tr.State != outcomes.Terminated {
		t.Fatalf("state = %s", tr.State)
	}
	committed, payable, _ := f.exposure(f.contract.ID)
	eq(t, "committed after termination", committed, "0")
	eq(t, "payable after termination", payable, "200.00")
	_, err = f.submit(d.ID, "knm", "2005-04-01")
	wantCode(t, err, outcomes.TrajectoryNotActive)
}

func TestExpiryReleasesPassedDeadlines(t *testing.T) {
	f := newFx(t)
	d := f.started()
	f.clock.Set("2005-05-02") // the intake deadline was 2005-05-01
	res, err := f.s.ExpireMilestones(ctx, access.System("expiry"), f.clock.Now())
	check(t, err)
	if res.Milestones != 1 || !res.Released.Equal(dec("200.00")) {
		t.Fatalf("expiry = %+v, want one milestone of 200.00", res)
	}
	committed, _, _ := f.exposure(f.contract.ID)
	eq(t, "committed", committed, "1800.00")
	_, err = f.submit(d.ID, "intake", "2005-04-01")
	wantCode(t, err, outcomes.MilestoneReleased)
	again, err := f.s.ExpireMilestones(ctx, access.System("expiry"), f.clock.Now())
	check(t, err)
	if again.Milestones != 0 {
		t.Fatalf("second expiry released %d milestones again", again.Milestones)
	}

	// Everything expired: the trajectory completes.
	f.clock.Set("2007-05-02")
	_, err = f.s.ExpireMilestones(ctx, access.System("expiry"), f.clock.Now())
	check(t, err)
	got, err := f.s.GetTrajectory(ctx, casemanager, d.ID)
	check(t, err)
	if got.State != outcomes.Completed {
		t.Fatalf("state after every deadline passed = %s, want completed", got.State)
	}
	committed, _, _ = f.exposure(f.contract.ID)
	eq(t, "committed at the end", committed, "0")
}

func TestExpiryWaitsForPendingClaims(t *testing.T) {
	f := newFx(t)
	d := f.started()
	f.clock.Set("2005-04-25")
	c, err := f.submit(d.ID, "intake", "2005-04-20")
	check(t, err)
	f.clock.Set("2005-05-10")
	res, err := f.s.ExpireMilestones(ctx, access.System("expiry"), f.clock.Now())
	check(t, err)
	if res.Milestones != 0 {
		t.Fatalf("released a milestone whose claim waits for a decision")
	}
	_, err = f.s.Approve(ctx, verifier, c.ID, "")
	check(t, err)
	_, payable, _ := f.exposure(f.contract.ID)
	eq(t, "payable", payable, "200.00")
}
