package outcomes_test

import (
	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
)

func TestRegisterImport(t *testing.T) {
	f := newFx(t)
	d1, d2, d3 := f.started(), f.started(), f.started()
	f.clock.Set("2005-04-01")
	c1, err := f.submit(d1.ID, "intake", "2005-03-10")
	check(t, err)
	c2, err := f.submit(d2.ID, "intake", "2005-03-11")
	check(t, err)
	_, err = f.submit(d3.ID, "intake", "2005-03-12")
	check(t, err)
	_, err = f.s.RequestChanges(ctx, verifier, c2.ID, "report missing") // no longer submitted
	check(t, err)
	p1, _ := f.s.GetTrajectory(ctx, verifier, d1.ID)
	p2, _ := f.s.GetTrajectory(ctx, verifier, d2.ID)
	p3, _ := f.s.GetTrajectory(ctx, verifier, d3.ID)

	csv := strings.Join([]string{
		"deelnemer;mijlpaal;niveau;datum",
		p1.ParticipantReference + ";intake;;2005-03-10", // verified
		p2.ParticipantReference + ";intake;;2005-03-11", // claim awaits changes
		p3.ParticipantReference + ";intake;;2005-03-13", // date differs
		"P-2005-9999;intake;;2005-03-10",                // unknown participant
		p1.ParticipantReference + ";knm;A2;2005-03-10",  // no claim
		p3.ParticipantReference + ";intake;;10 maart",   // bad date
		";intake;;2005-03-10",                           // incomplete
		"",
	}, "\n")
	res, err := f.s.ImportExamResults(ctx, verifier, "examens-maart.csv", strings.NewReader(csv))
	check(t, err)
	if res.Rows != 7 || res.Verified != 1 || res.Matched != 3 || len(res.Unmatched) != 6 {
		t.Fatalf("result = %+v", res)
	}
	reasons := map[int]string{}
	for _, u := range res.Unmatched {
		reasons[u.Row] = u.Reason
	}
	want := map[int]string{3: "claim_not_submitted", 4: "date_differs", 5: "participant_unknown", 6: "no_claim", 7: "invalid_date", 8: "incomplete_row"}
	for row, reason := range want {
		if reasons[row] != reason {
			t.Errorf("row %d: reason %q, want %q", row, reasons[row], reason)
		}
	}
	c, err := f.s.GetClaim(ctx, verifier, c1.ID)
	check(t, err)
	if c.State != outcomes.Approved || c.Source != "register" {
		t.Fatalf("claim after import = %s from %s", c.State, c.Source)
	}
	_, payable, _ := f.exposure(f.contract.ID)
	eq(t, "payable", payable, "200.00")

	_, err = f.s.ImportExamResults(ctx, verifier, "rubbish.csv", strings.NewReader("this is not\na register"))
	wantCode(t, err, outcomes.RegisterFileMalformed)
	_, err = f.s.ImportExamResults(ctx, verifier, "quote.csv", strings.NewReader("participant,milestone,date\n\"P-1,intake,2005"))
	wantCode(t, err, outcomes.RegisterFileMalformed)
	_, err = f.s.ImportExamResults(ctx, f.provider, "x.csv", strings.NewReader(csv))
	wantCode(t, err, fault.Forbidden)
}

// A register match above the second-approval amount is a first approval:
// the importing verifier cannot also give the second, by import or by hand,
// and nothing becomes payable until a different verifier does.
func TestRegisterImportKeepsFourEyes(t *testing.T) {
	f := newFx(t)
	_, err := f.s.UpdateSettings(ctx, access.System("test"), 10, "100.00", 14) // intake asks 200.00
	check(t, err)
	d1, d2 := f.started(), f.started()
	f.clock.Set("2005-04-01")
	c1, err := f.submit(d1.ID, "intake", "2005-03-10")
	check(t, err)
	c2, err := f.submit(d2.ID, "intake", "2005-03-11")
	check(t, err)
	p1, _ := f.s.GetTrajectory(ctx, verifier, d1.ID)
	p2, _ := f.s.GetTrajectory(ctx, verifier, d2.ID)
	both := "participant,milestone,date\n" + p1.ParticipantReference + ",intake,2005-03-10\n" + p2.ParticipantReference + ",intake,2005-03-11\n"

	res, err := f.s.ImportExamResults(ctx, verifier, "mine.csv", strings.NewReader(both))
	check(t, err)
	if res.Matched != 2 || res.Verified != 0 || res.FirstApprovals != 2 || len(res.Unmatched) != 2 {
		t.Fatalf("first import = %+v", res)
	}
	for _, u := range res.Unmatched {
		if u.Reason != outcomes.RegisterAwaitingSecond {
			t.Errorf("row %d: reason %q, want %q", u.Row, u.Reason, outcomes.RegisterAwaitingSecond)
		}
	}
	for _, id := range []uuid.UUID{c1.ID, c2.ID} {
		c, err := f.s.GetClaim(ctx, verifier, id)
		check(t, err)
		if c.State != outcomes.AwaitingSecondApproval || c.FirstApprovedBy == nil || *c.FirstApprovedBy != verifier.UserID {
			t.Fatalf("claim after one verifier's import = %s, first approval by %v", c.State, c.FirstApprovedBy)
		}
	}
	_, payable, _ := f.exposure(f.contract.ID)
	eq(t, "payable after a first approval", payable, "0.00")

	// The same verifier again, by import and by hand: refused.
	res, err = f.s.ImportExamResults(ctx, verifier, "mine-again.csv", strings.NewReader(both))
	check(t, err)
	if res.Verified != 0 || len(res.Unmatched) != 2 || res.Unmatched[0].Reason != outcomes.SecondApproverSame.Code {
		t.Fatalf("same verifier's second import = %+v", res)
	}
	_, err = f.s.Approve(ctx, verifier, c2.ID, "")
	wantCode(t, err, outcomes.SecondApproverSame)
	_, payable, _ = f.exposure(f.contract.ID)
	eq(t, "payable after the same verifier twice", payable, "0.00")

	// A different verifier: by import for one, by hand for the other.
	res, err = f.s.ImportExamResults(ctx, verifier2, "theirs.csv", strings.NewReader("participant,milestone,date\n"+p1.ParticipantReference+",intake,2005-03-10\n"))
	check(t, err)
	if res.Verified != 1 || res.FirstApprovals != 0 || len(res.Unmatched) != 0 {
		t.Fatalf("second verifier's import = %+v", res)
	}
	_, err = f.s.Approve(ctx, verifier2, c2.ID, "")
	check(t, err)
	for _, id := range []uuid.UUID{c1.ID, c2.ID} {
		c, err := f.s.GetClaim(ctx, verifier, id)
		check(t, err)
		if c.State != outcomes.Approved || c.DecidedBy == nil || *c.DecidedBy != verifier2.UserID {
			t.Fatalf("claim after the second verifier = %s decided by %v", c.State, c.DecidedBy)
		}
	}
	_, payable, _ = f.exposure(f.contract.ID)
	eq(t, "payable after two verifiers", payable, "400.00")

	// A command is nobody the four-eyes rule can tell apart: it never decides.
	_, err = f.s.ImportExamResults(ctx, access.System("cli"), "cli.csv", strings.NewReader(both))
	wantCode(t, err, fault.Forbidden)
}
