package outcomes

// Consistency checks over live data, for `tranche check` and the tests. They
// recompute what constraints and locks should guarantee, so that a
// hand-edited row or a bypassed rule is found.

import (
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/pooling"
	"gorm.io/gorm"
)

// Check verifies the outcomes invariants: tranches sum to each trajectory's
// price; a milestone is verified by at most one approved or paid claim and
// is marked so; nothing is paid beyond a trajectory's price or a contract's
// ceiling; capacity is not exceeded; every approved, paid or revoked claim
// has the matching accrual in the ledger.
func Check(ctx context.Context, db *gorm.DB) ([]pooling.CheckResult, error) {
	db = db.WithContext(ctx)
	checks := []struct {
		name, ok, query string
	}{
		{"tranches_sum_to_price", "every started trajectory's tranches sum exactly to its price", `
			SELECT format('trajectory %s: tranches sum to %s, price %s', t.id, coalesce(sum(m.amount), 0), t.price) AS fault
			FROM trajectories t LEFT JOIN trajectory_milestones m ON m.trajectory_id = t.id
			WHERE t.start_date IS NOT NULL GROUP BY t.id, t.price HAVING coalesce(sum(m.amount), 0) <> t.price`},
		{"one_payment_per_milestone", "no milestone has more than one approved or paid claim", `
			SELECT format('trajectory %s milestone %s has %s approved or paid claims', trajectory_id, milestone_code, count(*)) AS fault
			FROM claims WHERE state IN ('approved', 'paid') GROUP BY trajectory_id, milestone_code HAVING count(*) > 1`},
		{"milestones_match_claims", "a milestone is verified exactly when an approved or paid claim holds it", `
			SELECT format('trajectory %s milestone %s is %s with %s approved or paid claim(s)', m.trajectory_id, m.code, m.state, count(c.id)) AS fault
			FROM trajectory_milestones m LEFT JOIN claims c ON c.trajectory_id = m.trajectory_id AND c.milestone_code = m.code AND c.state IN ('approved', 'paid')
			GROUP BY m.trajectory_id, m.code, m.state HAVING (m.state = 'verified') <> (count(c.id) = 1)`},
		{"claims_match_tranches", "every claim is for its milestone's tranche", `
			SELECT format('claim %s asks %s for a tranche of %s', c.id, c.amount, m.amount) AS fault
			FROM claims c JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code WHERE c.amount <> m.amount`},
		{"paid_within_price", "per trajectory, approved and paid claims stay within its price", `
			SELECT format('trajectory %s: %s approved or paid against a price of %s', t.id, sum(c.amount), t.price) AS fault
			FROM trajectories t JOIN claims c ON c.trajectory_id = t.id AND c.state IN ('approved', 'paid')
			GROUP BY t.id, t.price HAVING sum(c.amount) > t.price`},
		{"paid_within_ceiling", "per contract, approved and paid claims stay within its ceiling", `
			SELECT format('contract %s: %s approved or paid against a ceiling of %s', k.id, sum(c.amount), k.ceiling) AS fault
			FROM contracts k JOIN trajectories t ON t.contract_id = k.id JOIN claims c ON c.trajectory_id = t.id AND c.state IN ('approved', 'paid')
			GROUP BY k.id, k.ceiling HAVING sum(c.amount) > k.ceiling`},
		{"capacity_respected", "no contract runs more trajectories than its capacity", `
			SELECT format('contract %s runs %s trajectories, capacity %s', k.id, count(*), k.capacity) AS fault
			FROM contracts k JOIN trajectories t ON t.contract_id = k.id AND t.state = 'active'
			GROUP BY k.id, k.capacity HAVING count(*) > k.capacity`},
		{"claims_match_accruals", "approved claims are payable, paid claims paid, revoked claims clawed back in the ledger", `
			SELECT format('claim %s is %s but its accrual is %s', c.id, c.state, coalesce(a.status, 'missing')) AS fault
			FROM claims c LEFT JOIN accruals a ON a.id = c.id
			WHERE (c.state = 'approved' AND (a.status IS DISTINCT FROM 'payable' OR a.amount <> c.amount))
			   OR (c.state = 'paid' AND (a.status IS DISTINCT FROM 'paid' OR a.amount <> c.amount))
			   OR (c.state = 'revoked' AND a.status NOT IN ('withdrawn', 'reclaiming', 'reclaimed'))
			   OR (c.state NOT IN ('approved', 'paid', 'revoked') AND a.id IS NOT NULL AND a.status IN ('payable', 'paid'))`},
		{"evidence_matches_hash", "every evidence file has the sha256 and size it was stored with", `
			SELECT format('evidence %s of claim %s does not match its stored sha256 or size', n, claim_id) AS fault
			FROM evidence WHERE sha256(data) <> sha256 OR length(data) <> size
			LIMIT 100`},
		// Content and hash rewritten together still differ from what the
		// (hash-chained) audit trail recorded at the upload.
		{"evidence_matches_audit", "every evidence file has the sha256 and size its upload recorded in the audit trail", `
			SELECT format('evidence %s of claim %s differs from what its upload recorded in the audit trail', e.n, e.claim_id) AS fault
			FROM evidence e
			WHERE EXISTS (SELECT 1 FROM audit_events a
				CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(a.after->'evidence') = 'array' THEN a.after->'evidence'
					WHEN jsonb_typeof(a.after->'evidence_added') = 'array' THEN a.after->'evidence_added' ELSE '[]'::jsonb END) x
				WHERE a.entity_type = 'claim' AND a.entity_id = e.claim_id::text AND (x->>'n')::int = e.n
				  AND (x->>'sha256' IS DISTINCT FROM encode(e.sha256, 'hex') OR (x->>'size')::int IS DISTINCT FROM e.size))
			LIMIT 100`},
	}
	out := make([]pooling.CheckResult, 0, len(checks))
	for _, c := range checks {
		var rows []struct{ Fault string }
		if err := db.Raw(c.query).Scan(&rows).Error; err != nil {
			return out, fmt.Errorf("check %s: %w", c.name, err)
		}
		r := pooling.CheckResult{Name: c.name, OK: len(rows) == 0, Detail: c.ok}
		if !r.OK {
			for i, row := range rows {
				if i == 20 {
					break
				}
				r.Faults = append(r.Faults, row.Fault)
			}
			r.Detail = fmt.Sprintf("%d problem(s): %s", len(rows), strings.Join(r.Faults, "; "))
		}
		out = append(out, r)
	}
	return out, nil
}
