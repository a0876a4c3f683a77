package pooling

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Account is a ledger account. Every posting also names a budget and a
// funding stream, so an account's balance exists per budget and stream.
// Amounts are signed: a debit is positive, a credit negative.
type Account string

// The accounts, in the order money flows through them.
const (
	// Funding is the source of every euro: an allocation credits it. Its
	// balance is minus the amount allocated.
	Funding            Account = "funding"
	Available          Account = "available"           // allocated, not reserved
	Committed          Account = "committed"           // reserved for a reference
	Payable            Account = "payable"             // owed for a verified claim
	Paid               Account = "paid"                // paid to a provider
	ClawbackReceivable Account = "clawback_receivable" // paid, clawed back, to be netted by billing
)

// Accounts lists every account in flow order.
var Accounts = []Account{Funding, Available, Committed, Payable, Paid, ClawbackReceivable}

// Kind says what a ledger transaction does.
type Kind string

// The transaction kinds and the movement each makes (per stream):
const (
	KindAllocate       Kind = "allocate"         // funding → available
	KindReserve        Kind = "reserve"          // available → committed
	KindRelease        Kind = "release"          // committed → available
	KindAccrue         Kind = "accrue"           // committed → payable
	KindPay            Kind = "pay"              // payable → paid
	KindClawBack       Kind = "claw_back"        // payable → committed (a reversal of the accrual), or paid → clawback_receivable
	KindSettleClawBack Kind = "settle_claw_back" // clawback_receivable → committed
)

// Posting is one line of a ledger transaction.
type Posting struct {
	Account         Account         `json:"account"`
	BudgetID        uuid.UUID       `json:"budget_id"`
	FundingStreamID uuid.UUID       `json:"funding_stream_id"`
	Amount          decimal.Decimal `json:"amount"`
}

// Transaction is a balanced set of postings. It is never changed once
// written; ReversesID points to the transaction a correction reverses.
type Transaction struct {
	ID           uuid.UUID  `json:"id"`
	Kind         Kind       `json:"kind"`
	AllocationID *uuid.UUID `json:"allocation_id,omitempty"`
	CommitmentID *uuid.UUID `json:"commitment_id,omitempty"`
	AccrualID    *uuid.UUID `json:"accrual_id,omitempty"`
	ReversesID   *uuid.UUID `json:"reverses_id,omitempty"`
	Memo         string     `json:"memo,omitempty"`
	Actor        string     `json:"actor"`
	CreatedAt    time.Time  `json:"created_at"`
	Postings     []Posting  `json:"postings"`
}

// Validate checks what the database checks again at commit: at least two
// postings, none zero, at most two decimals, and a sum of zero for every
// budget and stream (money never moves between streams).
func (t Transaction) Validate() error {
	if len(t.Postings) < 2 {
		return fmt.Errorf("ledger transaction %s: %d postings, want at least two", t.ID, len(t.Postings))
	}
	sums := map[[2]uuid.UUID]decimal.Decimal{}
	for i, p := range t.Postings {
		if p.Amount.IsZero() {
			return fmt.Errorf("ledger transaction %s: posting %d is zero", t.ID, i+1)
		}
		if !p.Amount.Equal(p.Amount.Round(2)) {
			return fmt.Errorf("ledger transaction %s: posting %d has more than two decimals", t.ID, i+1)
		}
		if p.BudgetID == uuid.Nil || p.FundingStreamID == uuid.Nil {
			return fmt.Errorf("ledger transaction %s: posting %d lacks its budget or stream", t.ID, i+1)
		}
		k := [2]uuid.UUID{p.BudgetID, p.FundingStreamID}
		sums[k] = sums[k].Add(p.Amount)
	}
	for k, sum := range sums {
		if !sum.IsZero() {
			return fmt.Errorf("ledger transaction %s: postings of budget %s stream %s sum to %s, want 0", t.ID, k[0], k[1], sum)
		}
	}
	return nil
}

// move returns the two postings that move amount from one account to
// another within one budget and stream; the credit comes first so that no
// running balance dips below zero between the two.
func move(from, to Account, budgetID, streamID uuid.UUID, amount decimal.Decimal) []Posting {
	return []Posting{
		{Account: from, BudgetID: budgetID, FundingStreamID: streamID, Amount: amount.Neg()},
		{Account: to, BudgetID: budgetID, FundingStreamID: streamID, Amount: amount},
	}
}

// moves builds the postings of a transaction that moves each part.
func moves(from, to Account, budgetID uuid.UUID, parts []StreamAmount) []Posting {
	var out []Posting
	for _, p := range parts {
		out = append(out, move(from, to, budgetID, p.FundingStreamID, p.Amount)...)
	}
	return out
}

// reversal returns the postings that undo ps, credits first.
func reversal(ps []Posting) []Posting {
	out := make([]Posting, 0, len(ps))
	for _, p := range ps {
		p.Amount = p.Amount.Neg()
		out = append(out, p)
	}
	// Put the credits (now negative) first, keeping their relative order.
	sorted := make([]Posting, 0, len(out))
	for _, p := range out {
		if p.Amount.IsNegative() {
			sorted = append(sorted, p)
		}
	}
	for _, p := range out {
		if p.Amount.IsPositive() {
			sorted = append(sorted, p)
		}
	}
	return sorted
}

// StreamAmount is an amount attributed to one budget and funding stream.
type StreamAmount struct {
	BudgetID        uuid.UUID       `json:"budget_id"`
	FundingStreamID uuid.UUID       `json:"funding_stream_id"`
	StreamName      string          `json:"funding_stream_name,omitempty"`
	ReportingCode   string          `json:"reporting_code,omitempty"`
	Amount          decimal.Decimal `json:"amount"`
}

// sumAmounts adds the amounts of parts.
func sumAmounts(parts []StreamAmount) decimal.Decimal {
	total := decimal.Zero
	for _, p := range parts {
		total = total.Add(p.Amount)
	}
	return total
}
