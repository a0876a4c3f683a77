package pooling

// Bulk writing for synthetic data (`tranche generate`) only. BulkLedger
// plays Reserve, Accrue and Release in memory with the same reservation
// policy and proportional split as the service, and writes what they would
// have written (commitments and parts, accruals and parts, ledger
// transactions and postings, the running balances) a batch at a time with
// COPY. It takes no row locks and checks no permissions: it is for loading
// an empty database that nobody else uses, never for live data.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// CopyFunc copies rows into table (PostgreSQL COPY) on the connection of
// the transaction the bulk writers run in.
type CopyFunc func(ctx context.Context, table string, columns []string, rows [][]any) error

// bulkTriggers are the ledger's triggers that BulkLedger.Flush switches off
// for the length of its transaction and replaces by set-based work: the
// running balances and flows (the statement trigger ledger_postings_apply)
// are added up per batch, and the balance of every transaction of the
// batch (the deferred per-row checks) is checked in one query before the
// commit.
var bulkTriggers = []struct{ table, trigger string }{
	{"ledger_postings", "ledger_postings_apply"},
	{"ledger_postings", "ledger_postings_balanced"},
	{"ledger_transactions", "ledger_transactions_balanced"},
}

type bulkCommitment struct {
	Commitment
	held map[uuid.UUID]decimal.Decimal // committed per stream
}

// BulkLedger writes synthetic commitments and their ledger transactions.
// Not safe for concurrent use.
type BulkLedger struct {
	streams     map[uuid.UUID][]eligibleStream // by budget, with what is available in it
	commitments map[uuid.UUID]*bulkCommitment  // by reference

	commitmentRows, partRows, accrualRows, accrualPartRows, txRows, postingRows [][]any
	txIDs                                                                       []uuid.UUID
	// Counts of what the pending batch holds.
	Reserved, Accrued, Released int
}

// NewBulkLedger reads the budgets' funding streams and what each has
// available, from the running balances.
func NewBulkLedger(ctx context.Context, db *gorm.DB) (*BulkLedger, error) {
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
	l := &BulkLedger{streams: map[uuid.UUID][]eligibleStream{}, commitments: map[uuid.UUID]*bulkCommitment{}}
	for _, r := range rows {
		l.streams[r.BudgetID] = append(l.streams[r.BudgetID], eligibleStream{ID: r.FundingStreamID, Name: r.Name, ReportingCode: r.ReportingCode,
			Earmark: splitEarmark(r.Earmark, r.Unrestricted), ValidTo: r.ValidTo.UTC(), Available: r.Balance})
	}
	return l, nil
}

// Available returns what the budget has available for category over its eligible streams.
func (l *BulkLedger) Available(budgetID uuid.UUID, category string) decimal.Decimal {
	total := decimal.Zero
	for _, s := range l.eligible(budgetID, category) {
		total = total.Add(s.Available)
	}
	return total
}

func (l *BulkLedger) eligible(budgetID uuid.UUID, category string) []eligibleStream {
	var out []eligibleStream
	for _, s := range l.streams[budgetID] {
		if s.Earmark == nil || containsString(s.Earmark, category) {
			out = append(out, s)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (l *BulkLedger) addAvailable(budgetID, streamID uuid.UUID, d decimal.Decimal) {
	ss := l.streams[budgetID]
	for i := range ss {
		if ss[i].ID == streamID {
			ss[i].Available = ss[i].Available.Add(d)
			return
		}
	}
}

// Reserve is Service.Reserve for synthetic data: it splits in.Amount over
// the eligible streams by the reservation policy and records the
// commitment commitmentID with the reserve transaction txID. ok is false
// (and nothing is recorded) when the budget holds too little.
func (l *BulkLedger) Reserve(in ReserveInput, commitmentID, txID uuid.UUID, at time.Time, actor string) (c Commitment, ok bool, err error) {
	if err := in.validate(); err != nil {
		return Commitment{}, false, err
	}
	if _, dup := l.commitments[in.Reference]; dup {
		return Commitment{}, false, fmt.Errorf("bulk reserve: reference %s already has a commitment", in.Reference)
	}
	parts, ok := splitReservation(in.BudgetID, l.eligible(in.BudgetID, in.Category), in.Amount)
	if !ok {
		return Commitment{}, false, nil
	}
	at = at.UTC().Truncate(time.Microsecond)
	c = Commitment{ID: commitmentID, Reference: in.Reference, BudgetID: in.BudgetID, Category: in.Category, Amount: in.Amount,
		ContractID: in.ContractID, ProviderID: in.ProviderID, CreatedAt: at, Parts: parts,
		Committed: in.Amount, Payable: decimal.Zero, Paid: decimal.Zero, ClawbackReceivable: decimal.Zero}
	bc := &bulkCommitment{Commitment: c, held: map[uuid.UUID]decimal.Decimal{}}
	l.commitments[in.Reference] = bc
	l.commitmentRows = append(l.commitmentRows, []any{c.ID, c.Reference, c.BudgetID, c.Category, c.Amount, c.ContractID, c.ProviderID, at})
	for i, p := range parts {
		l.partRows = append(l.partRows, []any{c.ID, int16(i + 1), p.FundingStreamID, p.Amount})
		l.addAvailable(c.BudgetID, p.FundingStreamID, p.Amount.Neg())
		bc.held[p.FundingStreamID] = p.Amount
	}
	id := c.ID
	if err := l.write(Transaction{ID: txID, Kind: KindReserve, CommitmentID: &id, Actor: actor, CreatedAt: at,
		Postings: moves(Available, Committed, c.BudgetID, parts)}); err != nil {
		return Commitment{}, false, err
	}
	l.Reserved++
	return c, true, nil
}

// shares is commitmentShares over the in-memory holdings.
func (bc *bulkCommitment) shares() []share {
	out := make([]share, len(bc.Parts))
	for i, p := range bc.Parts {
		out[i] = share{StreamAmount: p, Weight: p.Amount, Room: bc.held[p.FundingStreamID]}
	}
	return out
}

// Accrue is Service.Accrue for synthetic data: it makes amount of what the
// reference has committed payable for the accrual accrualID (a claim id),
// split in proportion to the reservation, with the accrue transaction txID.
func (l *BulkLedger) Accrue(reference, accrualID, txID uuid.UUID, amount decimal.Decimal, at time.Time, actor string) (Accrual, error) {
	bc, ok := l.commitments[reference]
	if !ok {
		return Accrual{}, fmt.Errorf("bulk accrue: no commitment for %s", reference)
	}
	parts, ok := splitProportional(bc.shares(), amount)
	if !ok {
		return Accrual{}, fmt.Errorf("bulk accrue: reference %s has too little committed for %s", reference, amount)
	}
	at = at.UTC().Truncate(time.Microsecond)
	a := Accrual{ID: accrualID, CommitmentID: bc.ID, Reference: reference, BudgetID: bc.BudgetID, ContractID: bc.ContractID,
		ProviderID: bc.ProviderID, Amount: amount, Status: AccrualPayable, CreatedAt: at, Parts: parts}
	l.accrualRows = append(l.accrualRows, []any{a.ID, a.CommitmentID, a.Amount, string(a.Status), at})
	for _, p := range parts {
		l.accrualPartRows = append(l.accrualPartRows, []any{a.ID, p.FundingStreamID, p.Amount})
		bc.held[p.FundingStreamID] = bc.held[p.FundingStreamID].Sub(p.Amount)
	}
	id := bc.ID
	if err := l.write(Transaction{ID: txID, Kind: KindAccrue, CommitmentID: &id, AccrualID: &a.ID, Actor: actor, CreatedAt: at,
		Postings: moves(Committed, Payable, bc.BudgetID, parts)}); err != nil {
		return Accrual{}, err
	}
	l.Accrued++
	return a, nil
}

// Release is Service.Release for synthetic data: amount of what the
// reference has committed goes back to the budget's available money, with
// the release transaction txID.
func (l *BulkLedger) Release(reference, txID uuid.UUID, amount decimal.Decimal, at time.Time, actor string) ([]StreamAmount, error) {
	bc, ok := l.commitments[reference]
	if !ok {
		return nil, fmt.Errorf("bulk release: no commitment for %s", reference)
	}
	parts, ok := splitProportional(bc.shares(), amount)
	if !ok {
		return nil, fmt.Errorf("bulk release: reference %s has too little committed for %s", reference, amount)
	}
	at = at.UTC().Truncate(time.Microsecond)
	for _, p := range parts {
		bc.held[p.FundingStreamID] = bc.held[p.FundingStreamID].Sub(p.Amount)
		l.addAvailable(bc.BudgetID, p.FundingStreamID, p.Amount)
	}
	id := bc.ID
	if err := l.write(Transaction{ID: txID, Kind: KindRelease, CommitmentID: &id, Actor: actor, CreatedAt: at,
		Postings: moves(Committed, Available, bc.BudgetID, parts)}); err != nil {
		return nil, err
	}
	l.Released++
	return parts, nil
}

func (l *BulkLedger) write(t Transaction) error {
	if err := t.Validate(); err != nil {
		return err
	}
	l.txIDs = append(l.txIDs, t.ID)
	l.txRows = append(l.txRows, []any{t.ID, string(t.Kind), t.AllocationID, t.CommitmentID, t.AccrualID, t.ReversesID, t.Memo, t.Actor, t.CreatedAt})
	for i, p := range t.Postings {
		l.postingRows = append(l.postingRows, []any{t.ID, int16(i + 1), string(p.Account), p.BudgetID, p.FundingStreamID, p.Amount})
	}
	return nil
}

// Pending reports whether a batch waits to be flushed.
func (l *BulkLedger) Pending() bool { return len(l.txRows) > 0 }

// Flush writes the pending batch inside the caller's transaction tx, with
// cp copying on tx's connection. For the length of the transaction it
// switches off the ledger's triggers (bulkTriggers) and does their
// work set-based: it adds the batch's postings to ledger_balances and
// ledger_flows, inserts the commitment_balances rows of the batch's
// commitments, and refuses the batch unless every transaction
// has two or more postings summing to zero per budget and stream. The
// triggers are on again before Flush returns; the result is what the
// triggers would have written (`tranche check` compares balances with
// postings). A commitment lives in one batch: Reserve, Accrue and Release
// for a reference are called between the same two flushes, and Flush
// forgets the batch's commitments.
func (l *BulkLedger) Flush(ctx context.Context, tx *gorm.DB, cp CopyFunc) error {
	if !l.Pending() {
		return nil
	}
	db := tx.WithContext(ctx)
	for _, t := range bulkTriggers {
		if err := db.Exec(fmt.Sprintf(`ALTER TABLE %s DISABLE TRIGGER %s`, t.table, t.trigger)).Error; err != nil {
			return fmt.Errorf("bulk ledger: %w", err)
		}
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"commitments", []string{"id", "reference", "budget_id", "category", "amount", "contract_id", "provider_id", "created_at"}, l.commitmentRows},
		{"commitment_parts", []string{"commitment_id", "position", "funding_stream_id", "amount"}, l.partRows},
		{"accruals", []string{"id", "commitment_id", "amount", "status", "created_at"}, l.accrualRows},
		{"accrual_parts", []string{"accrual_id", "funding_stream_id", "amount"}, l.accrualPartRows},
		{"ledger_transactions", []string{"id", "kind", "allocation_id", "commitment_id", "accrual_id", "reverses_id", "memo", "actor", "created_at"}, l.txRows},
		{"ledger_postings", []string{"transaction_id", "line", "account", "budget_id", "funding_stream_id", "amount"}, l.postingRows},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if err := cp(ctx, c.table, c.cols, c.rows); err != nil {
			return fmt.Errorf("bulk ledger: copy %s: %w", c.table, err)
		}
	}
	ids := make([]string, len(l.txIDs))
	for i, id := range l.txIDs {
		ids[i] = id.String()
	}
	var bad []struct{ Fault string }
	err := db.Raw(`
		SELECT format('transaction %s: budget %s stream %s sums to %s', transaction_id, budget_id, funding_stream_id, sum(amount)) AS fault
		FROM ledger_postings WHERE transaction_id = ANY (?::uuid[]) GROUP BY transaction_id, budget_id, funding_stream_id HAVING sum(amount) <> 0
		UNION ALL
		SELECT format('transaction %s has %s posting(s)', transaction_id, count(*)) AS fault
		FROM ledger_postings WHERE transaction_id = ANY (?::uuid[]) GROUP BY transaction_id HAVING count(*) < 2
		LIMIT 5`, uuidArray(ids), uuidArray(ids)).Scan(&bad).Error
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
		WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account`, uuidArray(ids)).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: running balances: %w", err)
	}
	var missing struct{ N int64 }
	if err := db.Raw(`SELECT count(*) AS n FROM (SELECT DISTINCT budget_id, funding_stream_id, account FROM ledger_postings
		WHERE transaction_id = ANY (?::uuid[])) d WHERE NOT EXISTS (SELECT 1 FROM ledger_balances b
		WHERE b.budget_id = d.budget_id AND b.funding_stream_id = d.funding_stream_id AND b.account = d.account)`, uuidArray(ids)).Scan(&missing).Error; err != nil {
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
		GROUP BY 1, 2, 3`, uuidArray(ids)).Error
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
		ON CONFLICT (budget_id, funding_stream_id, flow) DO UPDATE SET total = f.total + EXCLUDED.total`, uuidArray(ids)).Error
	if err != nil {
		return fmt.Errorf("bulk ledger: flows: %w", err)
	}
	for _, t := range bulkTriggers {
		if err := db.Exec(fmt.Sprintf(`ALTER TABLE %s ENABLE TRIGGER %s`, t.table, t.trigger)).Error; err != nil {
			return fmt.Errorf("bulk ledger: %w", err)
		}
	}
	l.reset()
	return nil
}

func (l *BulkLedger) reset() {
	l.commitmentRows, l.partRows, l.accrualRows, l.accrualPartRows, l.txRows, l.postingRows = nil, nil, nil, nil, nil, nil
	l.txIDs = nil
	l.commitments = map[uuid.UUID]*bulkCommitment{}
	l.Reserved, l.Accrued, l.Released = 0, 0, 0
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
