package outcomes_test

import (
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
