package pooling

// The package's queries. Functions take the *gorm.DB to run on (the
// service's pool or a transaction); those that lock say so.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

func notFound(what string, id uuid.UUID) error {
	return fault.New(notFoundCodes[what], "no %s %s", what, id)
}

// forUpdate appends a row lock to query when lock is set.
func forUpdate(query string, lock bool) string {
	if lock {
		return query + " FOR UPDATE"
	}
	return query
}

// unknownCategories returns the codes that are not service categories.
func unknownCategories(ctx context.Context, db *gorm.DB, codes []string) ([]string, error) {
	var known []struct{ Code string }
	if err := db.WithContext(ctx).Raw(`SELECT code FROM service_categories WHERE code IN ?`, codes).Scan(&known).Error; err != nil {
		return nil, fmt.Errorf("look up service categories: %w", err)
	}
	var unknown []string
	for _, c := range codes {
		if !slices.ContainsFunc(known, func(k struct{ Code string }) bool { return k.Code == c }) {
			unknown = append(unknown, c)
		}
	}
	return unknown, nil
}

func exists(ctx context.Context, db *gorm.DB, query string, args ...any) (bool, error) {
	var row struct{ Found bool }
	if err := db.WithContext(ctx).Raw(`SELECT EXISTS (`+query+`) AS found`, args...).Scan(&row).Error; err != nil {
		return false, err
	}
	return row.Found, nil
}

// --- funding streams ---

const streamColumns = `id, funder, name, reporting_code, amount, allocated, currency, valid_from, valid_to,
	coalesce(array_to_string(earmark, ','), '') AS earmark, earmark IS NULL AS unrestricted, created_at`

type streamRow struct {
	ID            uuid.UUID
	Funder        string
	Name          string
	ReportingCode string
	Amount        decimal.Decimal
	Allocated     decimal.Decimal
	Currency      string
	ValidFrom     time.Time
	ValidTo       time.Time
	Earmark       string
	Unrestricted  bool
	CreatedAt     time.Time
}

func (r streamRow) stream() FundingStream {
	f := FundingStream{ID: r.ID, Funder: r.Funder, Name: r.Name, ReportingCode: r.ReportingCode, Amount: r.Amount,
		Allocated: r.Allocated, Currency: r.Currency, ValidFrom: r.ValidFrom.UTC(), ValidTo: r.ValidTo.UTC(), CreatedAt: r.CreatedAt.UTC()}
	f.Earmark = splitEarmark(r.Earmark, r.Unrestricted)
	return f
}

// splitEarmark reads array_to_string(earmark, ','): category codes hold no
// commas. An unrestricted stream has no earmark (nil).
func splitEarmark(s string, unrestricted bool) []string {
	if unrestricted {
		return nil
	}
	return strings.Split(s, ",")
}

// joinEarmark is the inverse, for string_to_array(?, ','); nil stays NULL.
func joinEarmark(e []string) *string {
	if e == nil {
		return nil
	}
	s := strings.Join(e, ",")
	return &s
}

// reportingCodeTaken reports whether a stream other than self has code.
func reportingCodeTaken(ctx context.Context, db *gorm.DB, code string, self uuid.UUID) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM funding_streams WHERE reporting_code = ? AND id <> ?`, code, self)
}

// streamAllocated reports whether money of the stream has been allocated.
func streamAllocated(ctx context.Context, db *gorm.DB, id uuid.UUID) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM allocations WHERE funding_stream_id = ?`, id)
}

func insertStream(ctx context.Context, tx *gorm.DB, f FundingStream) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO funding_streams
		(id, funder, name, reporting_code, amount, allocated, currency, valid_from, valid_to, earmark, created_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, string_to_array(?::text, ','), ?)`,
		f.ID, f.Funder, f.Name, f.ReportingCode, f.Amount, f.Currency, f.ValidFrom, f.ValidTo, joinEarmark(f.Earmark), f.CreatedAt).Error
}

// updateStream writes a stream's details (not what is allocated of it).
func updateStream(ctx context.Context, tx *gorm.DB, f FundingStream) error {
	return tx.WithContext(ctx).Exec(`UPDATE funding_streams SET funder = ?, name = ?, reporting_code = ?, amount = ?, currency = ?,
		valid_from = ?, valid_to = ?, earmark = string_to_array(?::text, ',') WHERE id = ?`,
		f.Funder, f.Name, f.ReportingCode, f.Amount, f.Currency, f.ValidFrom, f.ValidTo, joinEarmark(f.Earmark), f.ID).Error
}

// findStream returns a stream, locked for update when lock is set.
func findStream(ctx context.Context, db *gorm.DB, id uuid.UUID, lock bool) (FundingStream, error) {
	var row streamRow
	res := db.WithContext(ctx).Raw(forUpdate(`SELECT `+streamColumns+` FROM funding_streams WHERE id = ?`, lock), id).Scan(&row)
	if res.Error != nil {
		return FundingStream{}, fmt.Errorf("find funding stream %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return FundingStream{}, notFound("funding stream", id)
	}
	return row.stream(), nil
}

func listStreams(ctx context.Context, db *gorm.DB, page database.Page) ([]FundingStream, error) {
	var rows []streamRow
	q := page.Apply(db.WithContext(ctx).Table("funding_streams").Select(streamColumns), "id")
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list funding streams: %w", err)
	}
	out := make([]FundingStream, len(rows))
	for i, r := range rows {
		out[i] = r.stream()
	}
	return out, nil
}

// --- budgets and allocations ---

const budgetColumns = `id, name, period_start, period_end, created_at`

func normaliseBudget(b Budget) Budget {
	b.PeriodStart, b.PeriodEnd, b.CreatedAt = b.PeriodStart.UTC(), b.PeriodEnd.UTC(), b.CreatedAt.UTC()
	return b
}

func budgetNameTaken(ctx context.Context, db *gorm.DB, name string) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM budgets WHERE name = ?`, name)
}

func insertBudget(ctx context.Context, tx *gorm.DB, b Budget) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO budgets (id, name, period_start, period_end, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, b.Name, b.PeriodStart, b.PeriodEnd, b.CreatedAt).Error
}

func findBudget(ctx context.Context, db *gorm.DB, id uuid.UUID, lock bool) (Budget, error) {
	var b Budget
	res := db.WithContext(ctx).Raw(forUpdate(`SELECT `+budgetColumns+` FROM budgets WHERE id = ?`, lock), id).Scan(&b)
	if res.Error != nil {
		return Budget{}, fmt.Errorf("find budget %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Budget{}, notFound("budget", id)
	}
	return normaliseBudget(b), nil
}

func listBudgets(ctx context.Context, db *gorm.DB, page database.Page) ([]Budget, error) {
	var rows []Budget
	q := page.Apply(db.WithContext(ctx).Table("budgets").Select(budgetColumns), "id")
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list budgets: %w", err)
	}
	for i := range rows {
		rows[i] = normaliseBudget(rows[i])
	}
	return rows, nil
}

func insertAllocation(ctx context.Context, tx *gorm.DB, a Allocation) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO allocations (id, budget_id, funding_stream_id, amount, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.BudgetID, a.FundingStreamID, a.Amount, a.CreatedAt).Error
}

// budgetAvailable is what the budget's streams have available, together.
func budgetAvailable(ctx context.Context, db *gorm.DB, budgetID uuid.UUID) (decimal.Decimal, error) {
	var sum decimal.Decimal
	err := db.WithContext(ctx).Raw(`SELECT COALESCE(sum(balance), 0) FROM ledger_balances WHERE budget_id = ? AND account = ?`,
		budgetID, string(Available)).Scan(&sum).Error
	return sum, err
}

func listAllocations(ctx context.Context, db *gorm.DB, budgetID uuid.UUID) ([]Allocation, error) {
	var rows []Allocation
	err := db.WithContext(ctx).Raw(`
		SELECT a.id, a.budget_id, a.funding_stream_id, s.name AS stream_name, s.reporting_code, a.amount, t.id AS transaction_id, a.created_at
		FROM allocations a
		JOIN funding_streams s ON s.id = a.funding_stream_id
		JOIN ledger_transactions t ON t.allocation_id = a.id
		WHERE a.budget_id = ? ORDER BY a.id`, budgetID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list allocations of budget %s: %w", budgetID, err)
	}
	for i := range rows {
		rows[i].CreatedAt = rows[i].CreatedAt.UTC()
	}
	return rows, nil
}

// --- the ledger ---

// ensureBalances creates the balance rows of a budget and stream, so that
// every later transaction finds its rows to lock.
func ensureBalances(ctx context.Context, tx *gorm.DB, budgetID, streamID uuid.UUID) error {
	err := tx.WithContext(ctx).Exec(`INSERT INTO ledger_balances (budget_id, funding_stream_id, account, balance)
		SELECT ?, ?, code, 0 FROM ledger_accounts ORDER BY code
		ON CONFLICT (budget_id, funding_stream_id, account) DO NOTHING`, budgetID, streamID).Error
	if err != nil {
		return fmt.Errorf("create balances of budget %s stream %s: %w", budgetID, streamID, err)
	}
	return nil
}

// lockBalances locks the balance rows the postings touch. Every writer
// locks its rows in one statement in the order (budget, stream, account),
// so two writers never wait for each other in a circle.
func lockBalances(ctx context.Context, tx *gorm.DB, ps []Posting) error {
	var keys [][]any
	seen := map[string]bool{}
	for _, p := range ps {
		k := p.BudgetID.String() + p.FundingStreamID.String() + string(p.Account)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, []any{p.BudgetID, p.FundingStreamID, string(p.Account)})
		}
	}
	var locked []struct{ Account string }
	err := tx.WithContext(ctx).Raw(`SELECT account FROM ledger_balances
		WHERE (budget_id, funding_stream_id, account) IN ?
		ORDER BY budget_id, funding_stream_id, account FOR UPDATE`, keys).Scan(&locked).Error
	if err != nil {
		return fmt.Errorf("lock balances: %w", err)
	}
	return nil
}

// writeTransaction validates t, locks the balances it touches and appends
// it to the ledger (two statements, whatever the number of postings). A
// trigger updates the balances; the database checks at commit that the
// transaction balances.
func writeTransaction(ctx context.Context, tx *gorm.DB, t Transaction) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := lockBalances(ctx, tx, t.Postings); err != nil {
		return err
	}
	if err := writeTransactions(ctx, tx, []Transaction{t}); err != nil {
		return fmt.Errorf("write ledger transaction %s: %w", t.Kind, err)
	}
	return nil
}

// payBatch is how many ledger transactions (with their postings) one
// INSERT of PayMany writes (a variable so that a test can make batches
// small).
var payBatch = 1000

// writeTransactions appends validated transactions to the ledger, payBatch
// transactions to a statement (database.InsertJSON); the caller has locked
// the balances they touch. The statement trigger on ledger_postings adds
// each INSERT's postings to the balances; the database checks at commit
// that every transaction balances.
func writeTransactions(ctx context.Context, tx *gorm.DB, ts []Transaction) error {
	type txRow struct {
		ID           uuid.UUID  `json:"id"`
		Kind         Kind       `json:"kind"`
		AllocationID *uuid.UUID `json:"allocation_id"`
		CommitmentID *uuid.UUID `json:"commitment_id"`
		AccrualID    *uuid.UUID `json:"accrual_id"`
		ReversesID   *uuid.UUID `json:"reverses_id"`
		Memo         string     `json:"memo"`
		Actor        string     `json:"actor"`
		CreatedAt    time.Time  `json:"created_at"`
	}
	type newPosting struct {
		TransactionID   uuid.UUID       `json:"transaction_id"`
		Line            int             `json:"line"`
		Account         Account         `json:"account"`
		BudgetID        uuid.UUID       `json:"budget_id"`
		FundingStreamID uuid.UUID       `json:"funding_stream_id"`
		Amount          decimal.Decimal `json:"amount"`
	}
	for start := 0; start < len(ts); start += payBatch {
		batch := ts[start:min(start+payBatch, len(ts))]
		txs := make([]txRow, len(batch))
		var postings []newPosting
		for i, t := range batch {
			txs[i] = txRow{t.ID, t.Kind, t.AllocationID, t.CommitmentID, t.AccrualID, t.ReversesID, t.Memo, t.Actor, t.CreatedAt}
			for n, p := range t.Postings {
				postings = append(postings, newPosting{t.ID, n + 1, p.Account, p.BudgetID, p.FundingStreamID, p.Amount})
			}
		}
		if err := database.InsertJSON(ctx, tx, "ledger_transactions", txs, "id uuid", "kind text", "allocation_id uuid",
			"commitment_id uuid", "accrual_id uuid", "reverses_id uuid", "memo text", "actor text", "created_at timestamptz"); err != nil {
			return err
		}
		if err := database.InsertJSON(ctx, tx, "ledger_postings", postings, "transaction_id uuid", "line smallint", "account text",
			"budget_id uuid", "funding_stream_id uuid", "amount numeric(14,2)"); err != nil {
			return err
		}
	}
	return nil
}

type postingRow struct {
	TransactionID   uuid.UUID
	Line            int
	Account         string
	BudgetID        uuid.UUID
	FundingStreamID uuid.UUID
	Amount          decimal.Decimal
}

// findAccrualTransaction returns the transaction that accrued accrualID, with its postings.
func findAccrualTransaction(ctx context.Context, db *gorm.DB, accrualID uuid.UUID) (Transaction, error) {
	var t struct {
		ID        uuid.UUID
		Memo      string
		Actor     string
		CreatedAt time.Time
	}
	res := db.WithContext(ctx).Raw(`SELECT id, memo, actor, created_at FROM ledger_transactions WHERE accrual_id = ? AND kind = 'accrue'`, accrualID).Scan(&t)
	if res.Error != nil {
		return Transaction{}, fmt.Errorf("find accrual transaction of %s: %w", accrualID, res.Error)
	}
	if res.RowsAffected == 0 {
		return Transaction{}, fmt.Errorf("accrual %s has no accrue transaction", accrualID)
	}
	var rows []postingRow
	if err := db.WithContext(ctx).Raw(`SELECT transaction_id, line, account, budget_id, funding_stream_id, amount
		FROM ledger_postings WHERE transaction_id = ? ORDER BY line`, t.ID).Scan(&rows).Error; err != nil {
		return Transaction{}, fmt.Errorf("postings of %s: %w", t.ID, err)
	}
	out := Transaction{ID: t.ID, Kind: KindAccrue, AccrualID: &accrualID, Memo: t.Memo, Actor: t.Actor, CreatedAt: t.CreatedAt.UTC()}
	for _, r := range rows {
		out.Postings = append(out.Postings, Posting{Account: Account(r.Account), BudgetID: r.BudgetID, FundingStreamID: r.FundingStreamID, Amount: r.Amount})
	}
	return out, nil
}

// --- commitments ---

func commitmentExists(ctx context.Context, db *gorm.DB, reference uuid.UUID) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM commitments WHERE reference = ?`, reference)
}

// lockEligibleStreams locks the available and committed balances of the
// budget's streams whose earmark allows category, in the fixed lock order,
// and returns each stream with its available amount.
func lockEligibleStreams(ctx context.Context, tx *gorm.DB, budgetID uuid.UUID, category string) ([]eligibleStream, error) {
	var rows []struct {
		FundingStreamID uuid.UUID
		Account         string
		Balance         decimal.Decimal
		Name            string
		ReportingCode   string
		Earmark         string
		Unrestricted    bool
		ValidTo         time.Time
	}
	err := tx.WithContext(ctx).Raw(`
		SELECT b.funding_stream_id, b.account, b.balance, s.name, s.reporting_code,
		       coalesce(array_to_string(s.earmark, ','), '') AS earmark, s.earmark IS NULL AS unrestricted, s.valid_to
		FROM ledger_balances b JOIN funding_streams s ON s.id = b.funding_stream_id
		WHERE b.budget_id = ? AND b.account IN ('available', 'committed')
		  AND (s.earmark IS NULL OR ? = ANY (s.earmark))
		ORDER BY b.budget_id, b.funding_stream_id, b.account
		FOR UPDATE OF b`, budgetID, category).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("lock eligible streams of budget %s: %w", budgetID, err)
	}
	var out []eligibleStream
	for _, r := range rows {
		if Account(r.Account) != Available {
			continue
		}
		out = append(out, eligibleStream{ID: r.FundingStreamID, Name: r.Name, ReportingCode: r.ReportingCode,
			Earmark: splitEarmark(r.Earmark, r.Unrestricted), ValidTo: r.ValidTo.UTC(), Available: r.Balance})
	}
	return out, nil
}

func insertCommitment(ctx context.Context, tx *gorm.DB, c Commitment) error {
	db := tx.WithContext(ctx)
	err := db.Exec(`INSERT INTO commitments (id, reference, budget_id, category, amount, contract_id, provider_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.Reference, c.BudgetID, c.Category, c.Amount, c.ContractID, c.ProviderID, c.CreatedAt).Error
	if err != nil {
		if database.IsUniqueViolation(err, "commitments_reference_key") {
			return fault.New(CommitmentExists, "reference %s already has a commitment", c.Reference)
		}
		return err
	}
	for i, p := range c.Parts {
		err := db.Exec(`INSERT INTO commitment_parts (commitment_id, position, funding_stream_id, amount) VALUES (?, ?, ?, ?)`,
			c.ID, i+1, p.FundingStreamID, p.Amount).Error
		if err != nil {
			return err
		}
	}
	return nil
}

type commitmentRow struct {
	ID         uuid.UUID
	Reference  uuid.UUID
	BudgetID   uuid.UUID
	Category   string
	Amount     decimal.Decimal
	ContractID uuid.UUID
	ProviderID uuid.UUID
	CreatedAt  time.Time
}

// findCommitment returns the commitment of reference with its parts,
// locking the commitment row when lock is set.
func findCommitment(ctx context.Context, db *gorm.DB, reference uuid.UUID, lock bool) (Commitment, error) {
	var r commitmentRow
	res := db.WithContext(ctx).Raw(forUpdate(`SELECT id, reference, budget_id, category, amount, contract_id, provider_id, created_at
		FROM commitments WHERE reference = ?`, lock), reference).Scan(&r)
	if res.Error != nil {
		return Commitment{}, fmt.Errorf("find commitment of %s: %w", reference, res.Error)
	}
	if res.RowsAffected == 0 {
		return Commitment{}, fault.New(CommitmentNotFound, "no commitment for reference %s", reference)
	}
	c := Commitment{ID: r.ID, Reference: r.Reference, BudgetID: r.BudgetID, Category: r.Category, Amount: r.Amount,
		ContractID: r.ContractID, ProviderID: r.ProviderID, CreatedAt: r.CreatedAt.UTC()}
	err := db.WithContext(ctx).Raw(`
		SELECT c.budget_id, p.funding_stream_id, s.name AS stream_name, s.reporting_code, p.amount
		FROM commitment_parts p JOIN commitments c ON c.id = p.commitment_id JOIN funding_streams s ON s.id = p.funding_stream_id
		WHERE p.commitment_id = ? ORDER BY p.position`, c.ID).Scan(&c.Parts).Error
	if err != nil {
		return Commitment{}, fmt.Errorf("parts of commitment %s: %w", c.ID, err)
	}
	return c, nil
}

// lockCommitment locks the commitment of reference. Every step on a
// commitment takes this lock first.
func lockCommitment(ctx context.Context, tx *gorm.DB, reference uuid.UUID) (Commitment, error) {
	return findCommitment(ctx, tx, reference, true)
}

// commitmentHoldings returns what the commitment holds on account, per stream.
func commitmentHoldings(ctx context.Context, db *gorm.DB, commitmentID uuid.UUID, account Account) (map[uuid.UUID]decimal.Decimal, error) {
	var rows []struct {
		FundingStreamID uuid.UUID
		Balance         decimal.Decimal
	}
	err := db.WithContext(ctx).Raw(`SELECT funding_stream_id, balance FROM commitment_balances WHERE commitment_id = ? AND account = ?`,
		commitmentID, string(account)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("holdings of commitment %s: %w", commitmentID, err)
	}
	out := map[uuid.UUID]decimal.Decimal{}
	for _, r := range rows {
		out[r.FundingStreamID] = r.Balance
	}
	return out, nil
}

type accountSum struct {
	Account string
	Total   decimal.Decimal
}

func sumsByAccount(rows []accountSum) map[Account]decimal.Decimal {
	out := map[Account]decimal.Decimal{}
	for _, a := range Accounts {
		out[a] = decimal.Zero
	}
	for _, r := range rows {
		out[Account(r.Account)] = r.Total
	}
	return out
}

func commitmentTotals(ctx context.Context, db *gorm.DB, commitmentID uuid.UUID) (map[Account]decimal.Decimal, error) {
	var rows []accountSum
	err := db.WithContext(ctx).Raw(`SELECT account, sum(balance) AS total FROM commitment_balances WHERE commitment_id = ? GROUP BY account`,
		commitmentID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("totals of commitment %s: %w", commitmentID, err)
	}
	return sumsByAccount(rows), nil
}

func contractTotals(ctx context.Context, db *gorm.DB, contractID uuid.UUID) (map[Account]decimal.Decimal, error) {
	var rows []accountSum
	err := db.WithContext(ctx).Raw(`SELECT b.account, sum(b.balance) AS total
		FROM commitment_balances b JOIN commitments c ON c.id = b.commitment_id
		WHERE c.contract_id = ? GROUP BY b.account`, contractID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("exposure of contract %s: %w", contractID, err)
	}
	return sumsByAccount(rows), nil
}

// --- accruals ---

func accrualExists(ctx context.Context, db *gorm.DB, id uuid.UUID) (bool, error) {
	return exists(ctx, db, `SELECT 1 FROM accruals WHERE id = ?`, id)
}

func insertAccrual(ctx context.Context, tx *gorm.DB, a Accrual) error {
	db := tx.WithContext(ctx)
	err := db.Exec(`INSERT INTO accruals (id, commitment_id, amount, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.CommitmentID, a.Amount, string(a.Status), a.CreatedAt).Error
	if err != nil {
		if database.IsUniqueViolation(err, "accruals_pkey") {
			return fault.New(AccrualExists, "accrual %s exists already", a.ID)
		}
		return err
	}
	for _, p := range a.Parts {
		if err := db.Exec(`INSERT INTO accrual_parts (accrual_id, funding_stream_id, amount) VALUES (?, ?, ?)`,
			a.ID, p.FundingStreamID, p.Amount).Error; err != nil {
			return err
		}
	}
	return nil
}

func updateAccrual(ctx context.Context, tx *gorm.DB, a Accrual) error {
	err := tx.WithContext(ctx).Exec(`UPDATE accruals SET status = ?, payment_id = ?, clawback_reason = ?, settlement_payment_id = ?,
		paid_at = ?, clawed_back_at = ?, settled_at = ? WHERE id = ?`,
		string(a.Status), a.PaymentID, a.ClawbackReason, a.SettlementPaymentID, a.PaidAt, a.ClawedBackAt, a.SettledAt, a.ID).Error
	if err != nil {
		return fmt.Errorf("update accrual %s: %w", a.ID, err)
	}
	return nil
}

// lockCommitmentsOf locks, in id order, the commitments of the accruals ids.
func lockCommitmentsOf(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) error {
	var locked []struct{ ID uuid.UUID }
	if err := tx.WithContext(ctx).Raw(`SELECT id FROM commitments WHERE id IN (SELECT commitment_id FROM accruals WHERE id = ANY(?::uuid[]))
		ORDER BY id FOR UPDATE`, database.UUIDs(ids)).Scan(&locked).Error; err != nil {
		return fmt.Errorf("pay: lock commitments: %w", err)
	}
	return nil
}

// lockAccruals locks the accruals ids in id order and returns those found,
// without their parts.
func lockAccruals(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) (map[uuid.UUID]Accrual, error) {
	var rows []accrualRow
	if err := tx.WithContext(ctx).Raw(accrualSelect+` WHERE a.id = ANY(?::uuid[]) ORDER BY a.id FOR UPDATE OF a`, database.UUIDs(ids)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("pay: lock accruals: %w", err)
	}
	out := make(map[uuid.UUID]Accrual, len(rows))
	for _, r := range rows {
		out[r.ID] = r.accrual()
	}
	return out, nil
}

// markAccrualsPaid marks the accruals ids paid by paymentID at at.
func markAccrualsPaid(ctx context.Context, tx *gorm.DB, ids []uuid.UUID, paymentID uuid.UUID, at time.Time) error {
	if err := tx.WithContext(ctx).Exec(`UPDATE accruals SET status = ?, payment_id = ?, paid_at = ? WHERE id = ANY(?::uuid[])`,
		string(AccrualPaid), paymentID, at, database.UUIDs(ids)).Error; err != nil {
		return fmt.Errorf("pay: update accruals: %w", err)
	}
	return nil
}

const accrualSelect = `SELECT a.id, a.commitment_id, c.reference, c.budget_id, c.contract_id, c.provider_id, a.amount, a.status,
	a.payment_id, a.clawback_reason, a.settlement_payment_id, a.created_at, a.paid_at, a.clawed_back_at, a.settled_at
	FROM accruals a JOIN commitments c ON c.id = a.commitment_id`

type accrualRow struct {
	ID                  uuid.UUID
	CommitmentID        uuid.UUID
	Reference           uuid.UUID
	BudgetID            uuid.UUID
	ContractID          uuid.UUID
	ProviderID          uuid.UUID
	Amount              decimal.Decimal
	Status              string
	PaymentID           *uuid.UUID
	ClawbackReason      *string
	SettlementPaymentID *uuid.UUID
	CreatedAt           time.Time
	PaidAt              *time.Time
	ClawedBackAt        *time.Time
	SettledAt           *time.Time
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r accrualRow) accrual() Accrual {
	return Accrual{ID: r.ID, CommitmentID: r.CommitmentID, Reference: r.Reference, BudgetID: r.BudgetID, ContractID: r.ContractID,
		ProviderID: r.ProviderID, Amount: r.Amount, Status: AccrualStatus(r.Status), PaymentID: r.PaymentID,
		ClawbackReason: r.ClawbackReason, SettlementPaymentID: r.SettlementPaymentID, CreatedAt: r.CreatedAt.UTC(),
		PaidAt: utcPtr(r.PaidAt), ClawedBackAt: utcPtr(r.ClawedBackAt), SettledAt: utcPtr(r.SettledAt)}
}

// accrualParts returns the splits of the accruals, in reservation order.
func accrualParts(ctx context.Context, db *gorm.DB, ids []uuid.UUID) (map[uuid.UUID][]StreamAmount, error) {
	var rows []struct {
		AccrualID uuid.UUID
		StreamAmount
	}
	err := db.WithContext(ctx).Raw(`
		SELECT ap.accrual_id, c.budget_id, ap.funding_stream_id, s.name AS stream_name, s.reporting_code, ap.amount
		FROM accrual_parts ap
		JOIN accruals a ON a.id = ap.accrual_id
		JOIN commitments c ON c.id = a.commitment_id
		JOIN commitment_parts cp ON cp.commitment_id = a.commitment_id AND cp.funding_stream_id = ap.funding_stream_id
		JOIN funding_streams s ON s.id = ap.funding_stream_id
		WHERE ap.accrual_id = ANY(?::uuid[]) ORDER BY ap.accrual_id, cp.position`, database.UUIDs(ids)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("accrual parts: %w", err)
	}
	out := map[uuid.UUID][]StreamAmount{}
	for _, r := range rows {
		out[r.AccrualID] = append(out[r.AccrualID], r.StreamAmount)
	}
	return out, nil
}

// findAccrual returns an accrual with its split, locking its row when lock is set.
func findAccrual(ctx context.Context, db *gorm.DB, id uuid.UUID, lock bool) (Accrual, error) {
	var r accrualRow
	q := accrualSelect + ` WHERE a.id = ?`
	if lock {
		q += ` FOR UPDATE OF a`
	}
	res := db.WithContext(ctx).Raw(q, id).Scan(&r)
	if res.Error != nil {
		return Accrual{}, fmt.Errorf("find accrual %s: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Accrual{}, notFound("accrual", id)
	}
	a := r.accrual()
	parts, err := accrualParts(ctx, db, []uuid.UUID{id})
	if err != nil {
		return Accrual{}, err
	}
	a.Parts = parts[id]
	return a, nil
}

func listProviderAccruals(ctx context.Context, db *gorm.DB, providerID uuid.UUID, status AccrualStatus) ([]Accrual, error) {
	var rows []accrualRow
	err := db.WithContext(ctx).Raw(accrualSelect+` WHERE c.provider_id = ? AND a.status = ? ORDER BY a.created_at, a.id`,
		providerID, string(status)).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("accruals of provider %s: %w", providerID, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	parts, err := accrualParts(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Accrual, len(rows))
	for i, r := range rows {
		out[i] = r.accrual()
		out[i].Parts = parts[r.ID]
	}
	return out, nil
}

// --- the accountability report ---

// reportLines reads the report of one budget or one stream from the
// running figures the ledger's trigger keeps with every posting: the
// balances (ledger_balances) and the totals released and clawed back
// (ledger_flows). So it costs the same at a thousand postings as at ten
// million; tranche check recomputes every line from the postings
// themselves (ledgerReportLines) and compares. Exactly one of budgetID and
// streamID is set.
func reportLines(ctx context.Context, db *gorm.DB, budgetID, streamID *uuid.UUID) ([]ReportLine, error) {
	where, arg := `budget_id = ?`, any(budgetID)
	if streamID != nil {
		where, arg = `funding_stream_id = ?`, any(streamID)
	}
	var rows []ReportLine
	err := db.WithContext(ctx).Raw(`
		WITH bal AS (
			SELECT budget_id, funding_stream_id,
			       -coalesce(sum(balance) FILTER (WHERE account = 'funding'), 0) AS allocated,
			       coalesce(sum(balance) FILTER (WHERE account = 'committed'), 0) AS committed,
			       coalesce(sum(balance) FILTER (WHERE account = 'payable'), 0) AS payable,
			       coalesce(sum(balance) FILTER (WHERE account = 'paid'), 0) AS paid,
			       coalesce(sum(balance) FILTER (WHERE account = 'clawback_receivable'), 0) AS clawback_receivable,
			       coalesce(sum(balance) FILTER (WHERE account = 'available'), 0) AS available
			FROM ledger_balances WHERE `+where+`
			GROUP BY budget_id, funding_stream_id
		), flows AS (
			SELECT budget_id, funding_stream_id,
			       coalesce(sum(total) FILTER (WHERE flow = 'released'), 0) AS released,
			       coalesce(sum(total) FILTER (WHERE flow = 'clawed_back'), 0) AS clawed_back
			FROM ledger_flows WHERE `+where+`
			GROUP BY budget_id, funding_stream_id
		)
		SELECT bal.budget_id, b.name AS budget_name, bal.funding_stream_id, s.name AS stream_name, s.funder, s.reporting_code,
		       bal.allocated, bal.committed, bal.payable, bal.paid, bal.clawback_receivable,
		       coalesce(f.released, 0) AS released, coalesce(f.clawed_back, 0) AS clawed_back, bal.available
		FROM bal
		LEFT JOIN flows f ON f.budget_id = bal.budget_id AND f.funding_stream_id = bal.funding_stream_id
		JOIN budgets b ON b.id = bal.budget_id
		JOIN funding_streams s ON s.id = bal.funding_stream_id
		ORDER BY b.name, bal.budget_id, s.reporting_code, bal.funding_stream_id`, arg, arg).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return rows, nil
}
