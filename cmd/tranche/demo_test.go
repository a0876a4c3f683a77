package main

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
)

func TestDemoLoadsOnceAndPassesCheck(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	code, out, errOut := tranche(t, "", "demo")
	if code != 0 || !strings.Contains(out, "250 participants") || !strings.Contains(out, "toetsing@enschede.example") || !strings.Contains(out, demoPassword) {
		t.Fatalf("demo = %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = tranche(t, "", "check")
	if code != 0 {
		t.Fatalf("check after the demo = %d\n%s", code, out)
	}
	db := openTestDB(t)
	var states []struct {
		State string
		N     int
	}
	db.Raw(`SELECT state, count(*) AS n FROM claims GROUP BY state`).Scan(&states)
	seen := map[string]bool{}
	for _, s := range states {
		seen[s.State] = true
	}
	for _, want := range []string{"submitted", "approved", "paid", "rejected", "objected", "changes_requested", "awaiting_second_approval", "revoked"} {
		if !seen[want] {
			t.Errorf("the demo has no %s claim; states: %+v", want, states)
		}
	}
	db.Raw(`SELECT state, count(*) AS n FROM trajectories GROUP BY state`).Scan(&states)
	seen = map[string]bool{}
	for _, s := range states {
		seen[s.State] = true
	}
	for _, want := range []string{"referred", "active", "completed", "terminated", "declined"} {
		if !seen[want] {
			t.Errorf("the demo has no %s trajectory; states: %+v", want, states)
		}
	}

	db.Raw(`SELECT state, count(*) AS n FROM payment_runs GROUP BY state ORDER BY state`).Scan(&states)
	if len(states) != 2 || states[0].State != "draft" || states[1].State != "paid" {
		t.Errorf("payment runs = %+v, want one draft and one paid", states)
	}

	// The procurement cycle: the year's contracts come from a concluded
	// tender; one tender takes bids, one is in evaluation.
	db.Raw(`SELECT state, count(*) AS n FROM tenders GROUP BY state ORDER BY state`).Scan(&states)
	if len(states) != 3 || states[0].State != "concluded" || states[1].State != "opened" || states[2].State != "published" {
		t.Errorf("tenders = %+v, want one concluded, one opened and one published", states)
	}
	var unbought int64
	db.Raw(`SELECT count(*) FROM contracts c WHERE NOT EXISTS (SELECT 1 FROM bid_contracts b WHERE b.contract_id = c.id)`).Scan(&unbought)
	if unbought != 0 {
		t.Errorf("%d demo contracts did not come from the tender", unbought)
	}

	// A change made behind the application's back is found.
	if err := db.Exec(`INSERT INTO participants (id, reference, given_names, family_name) VALUES (gen_random_uuid(), 'P-1999-0001', 'Nameless', 'Intruder')`).Error; err != nil {
		t.Fatal(err)
	}
	code, out, _ = tranche(t, "", "check")
	if code != 1 || !strings.Contains(out, "FAIL every change audited") {
		t.Fatalf("check after an unaudited insert = %d\n%s", code, out)
	}

	code, _, errOut = tranche(t, "", "demo")
	if code == 0 || !strings.Contains(errOut, "--reset") {
		t.Fatalf("a second demo = %d %q, want a refusal naming --reset", code, errOut)
	}
	code, out, errOut = tranche(t, "", "demo", "--reset", "--seed", "7")
	if code != 0 || !strings.Contains(out, "250 participants") {
		t.Fatalf("demo --reset = %d\n%s\n%s", code, out, errOut)
	}
}
