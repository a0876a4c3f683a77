package main

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
	"gorm.io/gorm"
)

// fingerprint sums up the generated data: counts and sums per table and
// hashes over the rows in id order, so that two runs can be compared. The
// things made through the domain services (streams, budgets, providers,
// contracts) get the services' own ids, so rows that point to them are
// compared by their natural keys.
func fingerprint(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	queries := map[string]string{
		"participants": `SELECT count(*)::text || ' ' || md5(string_agg(id::text || reference || given_names || family_name || coalesce(bsn, '') || gender, ',' ORDER BY id)) FROM participants`,
		"trajectories": `SELECT count(*)::text || ' ' || md5(string_agg(t.id::text || t.state || k.reference || coalesce(t.price::text, '') || coalesce(t.start_date::text, '') || coalesce(t.end_date::text, ''), ',' ORDER BY t.id)) FROM trajectories t JOIN contracts k ON k.id = t.contract_id`,
		"milestones":   `SELECT count(*)::text || ' ' || sum(amount)::text || ' ' || md5(string_agg(trajectory_id::text || code || state || amount::text || deadline::text, ',' ORDER BY trajectory_id, code)) FROM trajectory_milestones`,
		"claims":       `SELECT count(*)::text || ' ' || sum(amount)::text || ' ' || md5(string_agg(id::text || state || amount::text || achieved_on::text || submitted_at::text, ',' ORDER BY id)) FROM claims`,
		"history":      `SELECT count(*)::text || ' ' || md5(string_agg(claim_id::text || seq || action || to_state || at::text, ',' ORDER BY claim_id, seq)) FROM claim_history`,
		"commitments":  `SELECT count(*)::text || ' ' || sum(amount)::text || ' ' || md5(string_agg(id::text || reference::text || amount::text, ',' ORDER BY id)) FROM commitments`,
		"parts":        `SELECT count(*)::text || ' ' || md5(string_agg(commitment_id::text || position || amount::text, ',' ORDER BY commitment_id, position)) FROM commitment_parts`,
		"accruals":     `SELECT count(*)::text || ' ' || sum(amount)::text || ' ' || md5(string_agg(id::text || status || amount::text, ',' ORDER BY id)) FROM accruals`,
		"transactions": `SELECT count(*)::text || ' ' || md5(string_agg(id::text || kind || created_at::text, ',' ORDER BY id)) FROM ledger_transactions WHERE kind <> 'allocate'`,
		"postings":     `SELECT count(*)::text || ' ' || md5(string_agg(p.transaction_id::text || p.line || p.account || b.name || s.reporting_code || p.amount::text, ',' ORDER BY p.transaction_id, p.line)) FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id JOIN budgets b ON b.id = p.budget_id JOIN funding_streams s ON s.id = p.funding_stream_id WHERE t.kind <> 'allocate'`,
		"flows":        `SELECT string_agg(name || '/' || code || '/' || flow || '=' || total::text, ' ' ORDER BY name, code, flow) FROM (SELECT b.name, s.reporting_code AS code, l.flow, l.total FROM ledger_flows l JOIN budgets b ON b.id = l.budget_id JOIN funding_streams s ON s.id = l.funding_stream_id) x`,
		"balances":     `SELECT string_agg(name || '/' || code || '/' || account || '=' || balance::text, ' ' ORDER BY name, code, account) FROM (SELECT b.name, s.reporting_code AS code, l.account, l.balance FROM ledger_balances l JOIN budgets b ON b.id = l.budget_id JOIN funding_streams s ON s.id = l.funding_stream_id) x`,
	}
	out := map[string]string{}
	for name, q := range queries {
		var row struct{ V string }
		if err := db.Raw(`SELECT (` + q + `) AS v`).Scan(&row).Error; err != nil {
			t.Fatalf("fingerprint %s: %v", name, err)
		}
		if row.V == "" {
			t.Fatalf("fingerprint %s is empty", name)
		}
		out[name] = row.V
	}
	return out
}

func TestGenerateIsDeterministicAndPassesCheck(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	code, out, errOut := tranche(t, "", "generate", "--participants", "300", "--seed", "11", "--batch", "120")
	if code != 0 || !strings.Contains(out, "300 participants") || !strings.Contains(errOut, "batch 3/3") {
		t.Fatalf("generate = %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = tranche(t, "", "check")
	if code != 0 || !strings.Contains(out, "all ") {
		t.Fatalf("check after generate = %d\n%s", code, out)
	}
	db := openTestDB(t)
	first := fingerprint(t, db)

	var states []struct {
		State string
		N     int
	}
	db.Raw(`SELECT state, count(*) AS n FROM trajectories GROUP BY state`).Scan(&states)
	seen := map[string]int{}
	for _, s := range states {
		seen[s.State] = s.N
	}
	for _, want := range []string{"referred", "declined", "active", "completed", "terminated"} {
		if seen[want] == 0 {
			t.Errorf("no %s trajectory generated; states: %+v", want, states)
		}
	}
	db.Raw(`SELECT state, count(*) AS n FROM claims GROUP BY state`).Scan(&states)
	seen = map[string]int{}
	total := 0
	for _, s := range states {
		seen[s.State] = s.N
		total += s.N
	}
	for _, want := range []string{"approved", "submitted", "rejected", "changes_requested"} {
		if seen[want] == 0 {
			t.Errorf("no %s claim generated; states: %+v", want, states)
		}
	}
	if seen["approved"]*10 < total*8 {
		t.Errorf("%d of %d claims approved, want most", seen["approved"], total)
	}
	var split struct{ N int }
	db.Raw(`SELECT count(*) AS n FROM (SELECT commitment_id FROM commitment_parts GROUP BY 1 HAVING count(*) > 1) x`).Scan(&split)
	if split.N == 0 {
		t.Error("no commitment is split over two streams: the reservation policy's spill is not exercised")
	}
	var batchEvents struct{ N int }
	db.Raw(`SELECT count(*) AS n FROM audit_events WHERE action = 'generate.claims' AND after->>'seed' = '11'`).Scan(&batchEvents)
	if batchEvents.N != 3 {
		t.Errorf("%d generate.claims audit events, want one per batch (3)", batchEvents.N)
	}

	code, _, errOut = tranche(t, "", "generate", "--participants", "300", "--seed", "11")
	if code != 2 || !strings.Contains(errOut, "--reset") {
		t.Fatalf("a second generate = %d %q, want a refusal naming --reset", code, errOut)
	}

	// The same participants and seed again, in other batches: the same data.
	code, _, errOut = tranche(t, "", "generate", "--participants", "300", "--seed", "11", "--batch", "1000", "--reset")
	if code != 0 {
		t.Fatalf("generate --reset = %d\n%s", code, errOut)
	}
	again := fingerprint(t, db)
	for k, v := range first {
		if again[k] != v {
			t.Errorf("seed 11 twice: %s differs:\n  %s\n  %s", k, v, again[k])
		}
	}

	code, _, errOut = tranche(t, "", "generate", "--participants", "300", "--seed", "12", "--reset")
	if code != 0 {
		t.Fatalf("generate --seed 12 = %d\n%s", code, errOut)
	}
	other := fingerprint(t, db)
	if other["claims"] == first["claims"] || other["participants"] == first["participants"] {
		t.Error("seeds 11 and 12 gave the same claims or participants")
	}
	if code, out, _ = tranche(t, "", "check"); code != 0 {
		t.Fatalf("check after generate --seed 12 = %d\n%s", code, out)
	}
}

func TestGenerateRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--participants", "0"}, {"--participants", "2000000"}, {"--batch", "0"}, {"--year", "1999"}} {
		code, _, errOut := tranche(t, "", append([]string{"generate"}, args...)...)
		if code != 2 || !strings.Contains(errOut, "--participants must lie") {
			t.Errorf("generate %v = %d %q, want 2 and the rule", args, code, errOut)
		}
	}
}
