package pooling

// The queries of the bulk writer (BulkLedger, for `tranche generate`): the
// streams' available money to start from, and the set-based work that
// stands in for the ledger's triggers while Flush has them off.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// availableByBudget reads every budget's funding streams and what each has
// available, from the running balances.
func availableByBudget(ctx context.Context, db *gorm.DB) (map[uuid.UUID][]eligibleStream, error) {
	var rows []struct {
		BudgetID        uuid.UUID
		FundingStreamID uuid.UUID
		Balance         decimal.Decimal
		Name            string
		ReportingCode   string
		Earmark         string
		Unrestricted    bool
		ValidTo         time.Time
	}
	err := db.WithContext(ctx).Raw(`
		SELECT b.budget_id, b.funding_stream_id, b.balance, s.name, s.reporting_code,
		       coalesce(array_to_string(s.earmark, ','), '') AS earmark, s.earmark IS NULL AS unrestricted, s.valid_to
		FROM ledger_balances b JOIN funding_streams s ON s.id = b.funding_stream_id
		WHERE b.account = 'available' ORDER BY b.budget_id, b.funding_stream_id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("bulk ledger: read balances: %w", err)
	}
	out := map[uuid.UUID][]eligibleStream{}
	for _, r := range rows {
		out[r.BudgetID] = append(out[r.BudgetID], eligibleStream{ID: r.FundingStreamID, Name: r.Name, ReportingCode: r.ReportingCode,
			Earmark: splitEarmark(r.Earmark, r.Unrestricted), ValidTo: r.ValidTo.UTC(), Available: r.Balance})
	}
	return out, nil
}

// setBulkTriggers switches the triggers of bulkTriggers on or off for the
// rest of tx.
func setBulkTriggers(ctx context.Context, tx *gorm.DB, on bool) error {
	verb := "DISABLE"
	if on {
		verb = "ENABLE"
	}
	db := tx.WithContext(ctx)
	for _, t := range bulkTriggers {
		if err := db.Exec(fmt.Sprintf(`ALTER TABLE %s %s TRIGGER %s`, t.table, verb, t.trigger)).Error; err != nil {
			return fmt.Errorf("bulk ledger: %w", err)
		}
	}
	return nil
}

// applyBatch does the work of the switched-off triggers for the ledger
// transactions txIDs, copied in already: it refuses the batch unless every
// transaction has two or more postings summing to zero per budget and
// stream, adds the postings to ledger_balances (whose rows must exist),
// inserts the batch's commitment_balances rows and adds to ledger_flows.
func applyBatch(ctx context.Context, tx *gorm.DB, txIDs []uuid.UUID) error {
	db := tx.WithContext(ctx)
	strs := make([]string, len(txIDs))
	for i, id := range txIDs {
		strs[i] = id.String()
	}
	ids := uuidArray(strs)
	var bad []struct{ Fault string }
	err := db.Raw(`
		SELECT format('transaction %s: budget %s stream %s sums to %s', transaction_id, budget_id, funding_stream_id, sum(amount)) AS fault
		FROM ledger_postings WHERE transaction_id = ANY (?::uuid[]) GROUP BY transaction_id, budget_id, funding_stream_id HAVING sum(amount) <> 0
		UNION ALL
		SELECT format('transaction %s has %s posting(s)', transaction_id, count(*)) AS fault
		FROM ledger_postings WHERE transaction_id = ANY (?::uuid[]) GROUP BY transaction_id HAVING count(*) < 2
		LIMIT 5`, ids, ids).Scan(&bad).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: check balance: %w", err)
	}
	if len(bad) > 0 {
		return fmt.Errorf("bulk ledger: unbalanced batch: %v", bad)
	}
	// ledger_balances: every (budget, stream, account) row exists since the
	// allocation (ensureBalances); add the batch's sums.
	err = db.Exec(`
		UPDATE ledger_balances b SET balance = b.balance + d.total
		FROM (SELECT budget_id, funding_stream_id, account, sum(amount) AS total
		      FROM ledger_postings WHERE transaction_id = ANY (?::uuid[]) GROUP BY 1, 2, 3) d
		WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account`, ids).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: running balances: %w", err)
	}
	var missing struct{ N int64 }
	if err := db.Raw(`SELECT count(*) AS n FROM (SELECT DISTINCT budget_id, funding_stream_id, account FROM ledger_postings
		WHERE transaction_id = ANY (?::uuid[])) d WHERE NOT EXISTS (SELECT 1 FROM ledger_balances b
		WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account)`, ids).Scan(&missing).Error; err != nil {
		return fmt.Errorf("bulk ledger: running balances: %w", err)
	}
	if missing.N > 0 {
		return fmt.Errorf("bulk ledger: %d running balance row(s) missing; allocate through the service first", missing.N)
	}
	// commitment_balances: a row per commitment, stream and account that a
	// posting touched, also when it sums to zero again (as the trigger leaves it).
	err = db.Exec(`
		INSERT INTO commitment_balances (commitment_id, funding_stream_id, account, balance)
		SELECT t.commitment_id, p.funding_stream_id, p.account, sum(p.amount)
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
		WHERE p.transaction_id = ANY (?::uuid[]) AND t.commitment_id IS NOT NULL
		  AND p.account IN ('committed', 'payable', 'paid', 'clawback_receivable')
		GROUP BY 1, 2, 3`, ids).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: commitment balances: %w", err)
	}
	// ledger_flows: the report's totals released and clawed back.
	err = db.Exec(`
		INSERT INTO ledger_flows AS f (budget_id, funding_stream_id, flow, total)
		SELECT p.budget_id, p.funding_stream_id, CASE t.kind WHEN 'release' THEN 'released' ELSE 'clawed_back' END, sum(p.amount)
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id
		WHERE p.transaction_id = ANY (?::uuid[])
		  AND ((t.kind = 'release' AND p.account = 'available') OR (t.kind = 'claw_back' AND p.amount > 0))
		GROUP BY 1, 2, 3
		ON CONFLICT (budget_id, funding_stream_id, flow) DO UPDATE SET total = f.total + EXCLUDED.total`, ids).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: flows: %w", err)
	}
	return nil
}

// uuidArray renders ids as a PostgreSQL array literal.
func uuidArray(ids []string) string {
	n := 2
	for _, s := range ids {
		n += len(s) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, s := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, s...)
	}
	return string(append(b, '}'))
}
