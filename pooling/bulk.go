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
	streams, err := availableByBudget(ctx, db)
	if err != nil {
		return nil, err
	}
	return &BulkLedger{streams: streams, commitments: map[uuid.UUID]*bulkCommitment{}}, nil
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
	if err := setBulkTriggers(ctx, tx, false); err != nil {
		return err
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
	if err := applyBatch(ctx, tx, l.txIDs); err != nil {
		return err
	}
	if err := setBulkTriggers(ctx, tx, true); err != nil {
		return err
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
