package outcomes

// Consistency checks over live data, for `tranche check` and the tests. They
// recompute what constraints and locks should guarantee, so that a
// hand-edited row or a bypassed rule is found.

import (
	"context"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// Check verifies the outcomes invariants: tranches sum to each trajectory's
// price; a milestone is verified by at most one approved or paid claim and
// is marked so; nothing is paid beyond a trajectory's price or a contract's
// ceiling; capacity is not exceeded; every approved, paid or revoked claim
// has the matching accrual in the ledger; evidence is what was uploaded;
// every participant, trajectory state and claim step has its audit event;
// the append-only tables refuse change.
func Check(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
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
	cs := make([]check.Check, 0, len(checks)+2)
	for _, c := range checks {
		cs = append(cs, check.Check{Name: c.name, OK: c.ok, Find: check.SQL(c.query)})
	}
	cs = append(cs,
		check.Check{Name: "every change audited: outcomes", OK: "every participant, trajectory and claim, every trajectory state and claim step has its audit event",
			Find: check.SQL(auditCoverage)},
		check.Check{Name: "append-only tables guarded: outcomes", OK: "evidence, register imports and claim history refuse update and delete",
			Find: check.AppendOnly("evidence", "register_imports", "claim_history")})
	return check.Run(ctx, db, cs...)
}

// auditCoverage finds changes of outcomes without their audit event: rows
// made behind the application's back, trajectories whose state has no
// event, claims with fewer events than steps in their history.
var auditCoverage = check.Unaudited("participants", "participant") + " UNION ALL " +
	check.Unaudited("trajectories", "trajectory") + " UNION ALL " +
	check.Unaudited("claims", "claim") + ` UNION ALL
	(SELECT format('trajectory %s is %s without a trajectory.%s event', t.id, t.state,
		CASE t.state WHEN 'active' THEN 'start' WHEN 'declined' THEN 'decline' WHEN 'terminated' THEN 'terminate' ELSE 'complete' END) AS fault
	FROM trajectories t WHERE t.state <> 'referred' AND NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_type = 'trajectory'
		AND a.entity_id = t.id::text AND a.action = 'trajectory.' || CASE t.state WHEN 'active' THEN 'start' WHEN 'declined' THEN 'decline'
		WHEN 'terminated' THEN 'terminate' ELSE 'complete' END) LIMIT 10)
	UNION ALL
	(SELECT format('claim %s has %s steps in its history but %s audit events', h.claim_id, h.n, coalesce(a.n, 0)) AS fault
	FROM (SELECT claim_id, count(*) AS n FROM claim_history WHERE action <> 'pay' GROUP BY claim_id) h
	LEFT JOIN (SELECT entity_id, count(*) AS n FROM audit_events WHERE entity_type = 'claim' GROUP BY entity_id) a ON a.entity_id = h.claim_id::text
	WHERE coalesce(a.n, 0) < h.n LIMIT 10)`
