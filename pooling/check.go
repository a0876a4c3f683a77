package pooling

// Consistency checks over live data, for `tranche check` and for the tests.
// The queries here recompute what the database constraints and triggers
// should already guarantee, so that a disabled trigger or a hand-made row
// is found.

import (
	"context"
	"fmt"

	"github.com/euregio/tranche/internal/check"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// appendOnlyTriggers are the triggers that keep the ledger append-only and
// balanced, by table.
var appendOnlyTriggers = map[string][]string{
	"ledger_transactions": {"ledger_transactions_append_only", "ledger_transactions_no_truncate", "ledger_transactions_balanced"},
	"ledger_postings":     {"ledger_postings_append_only", "ledger_postings_no_truncate", "ledger_postings_balanced", "ledger_postings_apply"},
	"allocations":         {"allocations_append_only", "allocations_no_truncate", "allocations_apply"},
	"commitments":         {"commitments_append_only"},
	"commitment_parts":    {"commitment_parts_append_only"},
	"accrual_parts":       {"accrual_parts_append_only"},
}

// Check verifies the pooling data: every ledger transaction balances, no
// balance is negative, the running balances equal the sum of the postings,
// the report equals the ledger, commitments and accruals agree with it,
// reversals undo exactly what they reverse, the append-only triggers are in
// place, and every funding stream, budget and commitment has its audit
// event (none was made behind the application's back). The error is for a
// query that failed, not for a failed check.
func Check(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
	on := func(find func(*gorm.DB) ([]string, error)) func(context.Context, *gorm.DB) ([]string, error) {
		return func(ctx context.Context, db *gorm.DB) ([]string, error) { return find(db.WithContext(ctx)) }
	}
	return check.Run(ctx, db,
		check.Check{Name: "ledger_balanced", OK: "every ledger transaction has two or more postings summing to zero per budget and stream", Find: on(checkBalanced)},
		check.Check{Name: "balances_not_negative", OK: "no available, committed, payable, paid or receivable balance is negative", Find: on(checkNotNegative)},
		check.Check{Name: "balances_match_postings", OK: "the running balances and the totals released and clawed back equal the sums of the postings", Find: on(checkBalancesMatch)},
		check.Check{Name: "report_matches_ledger", OK: "every report figure equals the same figure summed from the postings, allocated equals the allocations, and every line reconciles", Find: on(checkReport)},
		check.Check{Name: "commitments_match_ledger", OK: "commitment and accrual splits add up and agree with the ledger", Find: on(checkCommitments)},
		check.Check{Name: "reversals_exact", OK: "every reversing transaction undoes exactly the transaction it reverses", Find: on(checkReversals)},
		check.Check{Name: "append_only_triggers", OK: "the triggers that keep the ledger append-only and balanced are present and enabled", Find: on(checkTriggers)},
		check.Check{Name: "every change audited: pooling", OK: "every funding stream, budget and commitment has its audit event",
			Find: check.SQL(check.Unaudited("funding_streams", "funding_stream") + " UNION ALL " + check.Unaudited("budgets", "budget") +
				" UNION ALL " + check.Unaudited("commitments", "commitment"))},
	)
}

// faultRows runs a query whose rows each describe one fault in a column "fault".
func faultRows(db *gorm.DB, query string, args ...any) ([]string, error) {
	var rows []struct{ Fault string }
	if err := db.Raw(query, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Fault
	}
	return out, nil
}

func checkBalanced(db *gorm.DB) ([]string, error) {
	return faultRows(db, `
		SELECT format('transaction %s: budget %s stream %s sums to %s', transaction_id, budget_id, funding_stream_id, sum(amount)) AS fault
		FROM ledger_postings GROUP BY transaction_id, budget_id, funding_stream_id HAVING sum(amount) <> 0
		UNION ALL
		SELECT format('transaction %s has %s posting(s)', t.id, count(p.line)) AS fault
		FROM ledger_transactions t LEFT JOIN ledger_postings p ON p.transaction_id = t.id
		GROUP BY t.id HAVING count(p.line) < 2
		LIMIT 100`)
}

func checkNotNegative(db *gorm.DB) ([]string, error) {
	return faultRows(db, `
		SELECT format('budget %s stream %s %s is %s', budget_id, funding_stream_id, account, balance) AS fault
		FROM ledger_balances WHERE CASE WHEN account = 'funding' THEN balance > 0 ELSE balance < 0 END
		UNION ALL
		SELECT format('commitment %s stream %s %s is %s', commitment_id, funding_stream_id, account, balance) AS fault
		FROM commitment_balances WHERE balance < 0
		LIMIT 100`)
}

func checkBalancesMatch(db *gorm.DB) ([]string, error) {
	return faultRows(db, `
		WITH posted AS (
			SELECT budget_id, funding_stream_id, account, sum(amount) AS total
			FROM ledger_postings GROUP BY budget_id, funding_stream_id, account
		)
		SELECT format('budget %s stream %s %s: balance %s, postings %s',
			coalesce(b.budget_id, p.budget_id), coalesce(b.funding_stream_id, p.funding_stream_id),
			coalesce(b.account, p.account), coalesce(b.balance, 0), coalesce(p.total, 0)) AS fault
		FROM ledger_balances b FULL JOIN posted p
			ON p.budget_id = b.budget_id AND p.funding_stream_id = b.funding_stream_id AND p.account = b.account
		WHERE coalesce(b.balance, 0) <> coalesce(p.total, 0)
		UNION ALL
		(WITH held AS (
			SELECT t.commitment_id, p.funding_stream_id, p.account, sum(p.amount) AS total
			FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
			WHERE t.commitment_id IS NOT NULL AND p.account IN ('committed', 'payable', 'paid', 'clawback_receivable')
			GROUP BY t.commitment_id, p.funding_stream_id, p.account
		)
		SELECT format('commitment %s stream %s %s: balance %s, postings %s',
			coalesce(b.commitment_id, h.commitment_id), coalesce(b.funding_stream_id, h.funding_stream_id),
			coalesce(b.account, h.account), coalesce(b.balance, 0), coalesce(h.total, 0)) AS fault
		FROM commitment_balances b FULL JOIN held h
			ON h.commitment_id = b.commitment_id AND h.funding_stream_id = b.funding_stream_id AND h.account = b.account
		WHERE coalesce(b.balance, 0) <> coalesce(h.total, 0))
		UNION ALL
		(WITH moved AS (
			SELECT p.budget_id, p.funding_stream_id, CASE t.kind WHEN 'release' THEN 'released' ELSE 'clawed_back' END AS flow, sum(p.amount) AS total
			FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
			WHERE (t.kind = 'release' AND p.account = 'available') OR (t.kind = 'claw_back' AND p.amount > 0)
			GROUP BY 1, 2, 3
		)
		SELECT format('budget %s stream %s %s: running total %s, postings %s',
			coalesce(f.budget_id, m.budget_id), coalesce(f.funding_stream_id, m.funding_stream_id),
			coalesce(f.flow, m.flow), coalesce(f.total, 0), coalesce(m.total, 0)) AS fault
		FROM ledger_flows f FULL JOIN moved m
			ON m.budget_id = f.budget_id AND m.funding_stream_id = f.funding_stream_id AND m.flow = f.flow
		WHERE coalesce(f.total, 0) <> coalesce(m.total, 0))
		LIMIT 100`)
}

// checkReport builds every budget's report the way users get it (from the
// running balances) and compares each figure with the same figure summed
// from the postings, and what is allocated with the allocations.
func checkReport(db *gorm.DB) ([]string, error) {
	ctx := db.Statement.Context
	var budgets []struct{ ID uuid.UUID }
	if err := db.Raw(`SELECT id FROM budgets ORDER BY id`).Scan(&budgets).Error; err != nil {
		return nil, err
	}
	var allocs []struct {
		BudgetID        uuid.UUID
		FundingStreamID uuid.UUID
		Total           decimal.Decimal
	}
	if err := db.Raw(`SELECT budget_id, funding_stream_id, sum(amount) AS total FROM allocations GROUP BY budget_id, funding_stream_id`).Scan(&allocs).Error; err != nil {
		return nil, err
	}
	type key struct{ budget, stream uuid.UUID }
	allocated := map[key]decimal.Decimal{}
	for _, a := range allocs {
		allocated[key{a.BudgetID, a.FundingStreamID}] = a.Total
	}
	figures := func(l ReportLine) []decimal.Decimal {
		return []decimal.Decimal{l.Allocated, l.Committed, l.Payable, l.Paid, l.ClawbackReceivable, l.Released, l.ClawedBack, l.Available}
	}
	names := []string{"allocated", "committed", "payable", "paid", "clawback_receivable", "released", "clawed_back", "available"}
	var faults []string
	seen := map[key]bool{}
	for _, b := range budgets {
		id := b.ID
		lines, err := reportLines(ctx, db, &id, nil)
		if err != nil {
			return nil, err
		}
		posted, err := ledgerReportLines(ctx, db, id)
		if err != nil {
			return nil, err
		}
		want := map[key]ReportLine{}
		for _, l := range posted {
			want[key{l.BudgetID, l.FundingStreamID}] = l
		}
		for _, l := range lines {
			k := key{l.BudgetID, l.FundingStreamID}
			seen[k] = true
			where := fmt.Sprintf("budget %s stream %s", l.BudgetID, l.FundingStreamID)
			if !l.Reconciles() {
				faults = append(faults, where+": allocated does not equal available+committed+payable+paid+receivable")
			}
			w, ok := want[k]
			if !ok {
				faults = append(faults, where+": in the report, but no postings")
				continue
			}
			delete(want, k)
			got, exp := figures(l), figures(w)
			for i := range got {
				if !got[i].Equal(exp[i]) {
					faults = append(faults, fmt.Sprintf("%s: report %s %s, postings %s", where, names[i], got[i], exp[i]))
				}
			}
			if a := allocated[k]; !l.Allocated.Equal(a) {
				faults = append(faults, fmt.Sprintf("%s: report allocated %s, allocations %s", where, l.Allocated, a))
			}
		}
		for k := range want {
			faults = append(faults, fmt.Sprintf("budget %s stream %s: postings, but no line in the report", k.budget, k.stream))
		}
	}
	for k, total := range allocated {
		if !seen[k] && !total.IsZero() {
			faults = append(faults, fmt.Sprintf("budget %s stream %s: allocations %s missing from the report", k.budget, k.stream, total))
		}
	}
	more, err := faultRows(db, `
		SELECT format('funding stream %s: allocated %s, allocations %s', s.id, s.allocated, coalesce(a.total, 0)) AS fault
		FROM funding_streams s LEFT JOIN (SELECT funding_stream_id, sum(amount) AS total FROM allocations GROUP BY funding_stream_id) a
			ON a.funding_stream_id = s.id
		WHERE s.allocated <> coalesce(a.total, 0) OR s.allocated > s.amount
		LIMIT 100`)
	if err != nil {
		return nil, err
	}
	return append(faults, more...), nil
}

// ledgerReportLines computes a budget's report figures per stream from the
// postings alone, as the reference the report is checked against.
func ledgerReportLines(ctx context.Context, db *gorm.DB, budgetID uuid.UUID) ([]ReportLine, error) {
	var rows []ReportLine
	err := db.WithContext(ctx).Raw(`
		SELECT p.budget_id, p.funding_stream_id,
		       -coalesce(sum(p.amount) FILTER (WHERE p.account = 'funding'), 0) AS allocated,
		       coalesce(sum(p.amount) FILTER (WHERE p.account = 'committed'), 0) AS committed,
		       coalesce(sum(p.amount) FILTER (WHERE p.account = 'payable'), 0) AS payable,
		       coalesce(sum(p.amount) FILTER (WHERE p.account = 'paid'), 0) AS paid,
		       coalesce(sum(p.amount) FILTER (WHERE p.account = 'clawback_receivable'), 0) AS clawback_receivable,
		       coalesce(sum(p.amount) FILTER (WHERE t.kind = 'release' AND p.account = 'available'), 0) AS released,
		       coalesce(sum(p.amount) FILTER (WHERE t.kind = 'claw_back' AND p.amount > 0), 0) AS clawed_back,
		       coalesce(sum(p.amount) FILTER (WHERE p.account = 'available'), 0) AS available
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
		WHERE p.budget_id = ?
		GROUP BY p.budget_id, p.funding_stream_id`, budgetID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("report from the postings: %w", err)
	}
	return rows, nil
}

func checkCommitments(db *gorm.DB) ([]string, error) {
	return faultRows(db, `
		SELECT format('commitment %s: parts sum to %s, amount %s', c.id, coalesce(sum(p.amount), 0), c.amount) AS fault
		FROM commitments c LEFT JOIN commitment_parts p ON p.commitment_id = c.id
		GROUP BY c.id HAVING coalesce(sum(p.amount), 0) <> c.amount
		UNION ALL
		SELECT format('accrual %s: parts sum to %s, amount %s', a.id, coalesce(sum(p.amount), 0), a.amount) AS fault
		FROM accruals a LEFT JOIN accrual_parts p ON p.accrual_id = a.id
		GROUP BY a.id HAVING coalesce(sum(p.amount), 0) <> a.amount
		UNION ALL
		-- What a commitment holds is what it reserved less what it released.
		(WITH moved AS (
			SELECT t.commitment_id,
				coalesce(sum(p.amount) FILTER (WHERE t.kind = 'reserve' AND p.account = 'committed'), 0) AS reserved,
				coalesce(sum(p.amount) FILTER (WHERE t.kind = 'release' AND p.account = 'available'), 0) AS released
			FROM ledger_transactions t JOIN ledger_postings p ON p.transaction_id = t.id
			WHERE t.commitment_id IS NOT NULL GROUP BY t.commitment_id
		)
		SELECT format('commitment %s: holds %s, reserved %s less released %s', c.id, coalesce(h.total, 0), m.reserved, m.released) AS fault
		FROM commitments c
		JOIN moved m ON m.commitment_id = c.id
		LEFT JOIN (SELECT commitment_id, sum(balance) AS total FROM commitment_balances GROUP BY commitment_id) h ON h.commitment_id = c.id
		WHERE m.reserved <> c.amount OR coalesce(h.total, 0) <> m.reserved - m.released)
		UNION ALL
		-- Each account of a commitment holds exactly its accruals in the matching status.
		(WITH expected AS (
			SELECT a.commitment_id, ap.funding_stream_id,
				CASE a.status WHEN 'payable' THEN 'payable' WHEN 'paid' THEN 'paid' WHEN 'reclaiming' THEN 'clawback_receivable' END AS account,
				sum(ap.amount) AS total
			FROM accruals a JOIN accrual_parts ap ON ap.accrual_id = a.id
			WHERE a.status IN ('payable', 'paid', 'reclaiming')
			GROUP BY 1, 2, 3
		), held AS (
			SELECT commitment_id, funding_stream_id, account, balance AS total FROM commitment_balances
			WHERE account IN ('payable', 'paid', 'clawback_receivable') AND balance <> 0
		)
		SELECT format('commitment %s stream %s %s: holds %s, accruals %s',
			coalesce(h.commitment_id, e.commitment_id), coalesce(h.funding_stream_id, e.funding_stream_id),
			coalesce(h.account, e.account), coalesce(h.total, 0), coalesce(e.total, 0)) AS fault
		FROM held h FULL JOIN expected e
			ON e.commitment_id = h.commitment_id AND e.funding_stream_id = h.funding_stream_id AND e.account = h.account
		WHERE coalesce(h.total, 0) <> coalesce(e.total, 0))
		LIMIT 100`)
}

func checkReversals(db *gorm.DB) ([]string, error) {
	return faultRows(db, `
		WITH pairs AS (SELECT id, reverses_id FROM ledger_transactions WHERE reverses_id IS NOT NULL),
		diff AS (
			SELECT r.id, p.account, p.budget_id, p.funding_stream_id, p.amount
			FROM pairs r JOIN ledger_postings p ON p.transaction_id = r.id
			UNION ALL
			SELECT r.id, p.account, p.budget_id, p.funding_stream_id, p.amount
			FROM pairs r JOIN ledger_postings p ON p.transaction_id = r.reverses_id
		)
		SELECT format('transaction %s does not exactly reverse its original (%s %s)', id, account, sum(amount)) AS fault
		FROM diff GROUP BY id, account, budget_id, funding_stream_id HAVING sum(amount) <> 0
		LIMIT 100`)
}

func checkTriggers(db *gorm.DB) ([]string, error) {
	var rows []struct {
		Table   string
		Trigger string
		Enabled string
	}
	if err := db.Raw(`SELECT c.relname AS "table", t.tgname AS trigger, t.tgenabled::text AS enabled
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE NOT t.tgisinternal AND c.relname IN ?`, tableNames()).Scan(&rows).Error; err != nil {
		return nil, err
	}
	state := map[string]string{}
	for _, r := range rows {
		state[r.Table+"."+r.Trigger] = r.Enabled
	}
	var faults []string
	for _, table := range tableNames() {
		for _, trig := range appendOnlyTriggers[table] {
			switch e, ok := state[table+"."+trig]; {
			case !ok:
				faults = append(faults, fmt.Sprintf("trigger %s on %s is missing", trig, table))
			case e == "D":
				faults = append(faults, fmt.Sprintf("trigger %s on %s is disabled", trig, table))
			}
		}
	}
	return faults, nil
}

func tableNames() []string {
	return []string{"ledger_transactions", "ledger_postings", "allocations", "commitments", "commitment_parts", "accrual_parts"}
}
