package pooling

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Commitment is the money reserved for one reference (a trajectory), split
// over funding streams by the reservation policy.
type Commitment struct {
	ID         uuid.UUID       `json:"id"`
	Reference  uuid.UUID       `json:"reference"`
	BudgetID   uuid.UUID       `json:"budget_id"`
	Category   string          `json:"category"`
	Amount     decimal.Decimal `json:"amount"`
	ContractID uuid.UUID       `json:"contract_id"`
	ProviderID uuid.UUID       `json:"provider_id"`
	CreatedAt  time.Time       `json:"created_at"`
	// Parts is the split of the reservation in policy order; it never changes.
	Parts []StreamAmount `json:"parts"`
	// What the reference holds now (filled by GetCommitment).
	Committed          decimal.Decimal `json:"committed"`
	Payable            decimal.Decimal `json:"payable"`
	Paid               decimal.Decimal `json:"paid"`
	ClawbackReceivable decimal.Decimal `json:"clawback_receivable"`
}

// AccrualStatus is where an accrual stands.
type AccrualStatus string

// An accrual goes payable → paid, and may be clawed back: while payable it
// becomes withdrawn (the money is committed again); once paid it becomes
// reclaiming (a receivable that billing nets in a later run) and then
// reclaimed (netted; the money is committed again).
const (
	AccrualPayable    AccrualStatus = "payable"
	AccrualPaid       AccrualStatus = "paid"
	AccrualWithdrawn  AccrualStatus = "withdrawn"
	AccrualReclaiming AccrualStatus = "reclaiming"
	AccrualReclaimed  AccrualStatus = "reclaimed"
)

// Accrual is the part of a commitment a verified claim made payable. Its id
// is the claim's id.
type Accrual struct {
	ID                  uuid.UUID       `json:"id"`
	CommitmentID        uuid.UUID       `json:"commitment_id"`
	Reference           uuid.UUID       `json:"reference"`
	BudgetID            uuid.UUID       `json:"budget_id"`
	ContractID          uuid.UUID       `json:"contract_id"`
	ProviderID          uuid.UUID       `json:"provider_id"`
	Amount              decimal.Decimal `json:"amount"`
	Status              AccrualStatus   `json:"status"`
	PaymentID           *uuid.UUID      `json:"payment_id,omitempty"`
	ClawbackReason      *string         `json:"clawback_reason,omitempty"`
	SettlementPaymentID *uuid.UUID      `json:"settlement_payment_id,omitempty"`
	CreatedAt           time.Time       `json:"created_at"`
	PaidAt              *time.Time      `json:"paid_at,omitempty"`
	ClawedBackAt        *time.Time      `json:"clawed_back_at,omitempty"`
	SettledAt           *time.Time      `json:"settled_at,omitempty"`
	// Parts is the split over streams, taken from the commitment's split.
	Parts []StreamAmount `json:"parts"`
}

// ReserveInput asks to reserve money for a reference.
type ReserveInput struct {
	BudgetID   uuid.UUID
	Category   string // a service category code
	Amount     decimal.Decimal
	Reference  uuid.UUID // what the money is for, e.g. a trajectory id; one commitment per reference
	ContractID uuid.UUID
	ProviderID uuid.UUID
}

// Reserve commits amount of the budget to the reference, split over the
// budget's streams whose earmark allows the category by the reservation
// policy (see the package documentation). When those streams together hold
// less than amount it returns budget_insufficient and writes nothing, so the
// caller's transaction stays usable. Safe under concurrency: the balance
// rows of the eligible streams are locked in a fixed order before they are
// read.
//
// Reserve runs inside the caller's transaction. The caller checks the
// permission for its own step (starting a trajectory); a provider actor may
// reserve only for its own provider.
func (s *Service) Reserve(ctx context.Context, tx *gorm.DB, actor access.Actor, in ReserveInput) (Commitment, error) {
	if err := in.validate(); err != nil {
		return Commitment{}, err
	}
	if actor.IsProvider() && !actor.OwnsProvider(in.ProviderID) {
		return Commitment{}, fault.New(fault.Forbidden, "a provider reserves only for itself")
	}
	if _, err := findBudget(ctx, tx, in.BudgetID, false); err != nil {
		return Commitment{}, err
	}
	unknown, err := unknownCategories(ctx, tx, []string{in.Category})
	if err != nil {
		return Commitment{}, err
	}
	if len(unknown) > 0 {
		return Commitment{}, fault.Invalid(fault.Field("category", codeUnknownCategory, "unknown service category "+in.Category))
	}
	exists, err := commitmentExists(ctx, tx, in.Reference)
	if err != nil {
		return Commitment{}, err
	}
	if exists {
		return Commitment{}, fault.New(CommitmentExists, "reference %s already has a commitment", in.Reference)
	}
	streams, err := lockEligibleStreams(ctx, tx, in.BudgetID, in.Category)
	if err != nil {
		return Commitment{}, err
	}
	parts, err := planReservation(in, streams)
	if err != nil {
		return Commitment{}, err
	}
	c := Commitment{ID: uuid.Must(uuid.NewV7()), Reference: in.Reference, BudgetID: in.BudgetID, Category: in.Category,
		Amount: in.Amount, ContractID: in.ContractID, ProviderID: in.ProviderID, CreatedAt: s.timestamp(),
		Parts: parts, Committed: in.Amount, Payable: decimal.Zero, Paid: decimal.Zero, ClawbackReceivable: decimal.Zero}
	if err := insertCommitment(ctx, tx, c); err != nil {
		return Commitment{}, fmt.Errorf("reserve for %s: %w", in.Reference, err)
	}
	commitmentID := c.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindReserve, CommitmentID: &commitmentID, Actor: actorLabel(actor),
		CreatedAt: c.CreatedAt, Postings: moves(Available, Committed, c.BudgetID, parts)}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return Commitment{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "commitment.reserve", EntityType: "commitment", EntityID: c.ID.String(), After: c}); err != nil {
		return Commitment{}, err
	}
	return c, nil
}

// commitmentShares locks the commitment of reference and returns it with
// one share per stream whose room is what the reference holds on account.
func commitmentShares(ctx context.Context, tx *gorm.DB, reference uuid.UUID, account Account) (Commitment, []share, error) {
	c, err := lockCommitment(ctx, tx, reference)
	if err != nil {
		return Commitment{}, nil, err
	}
	held, err := commitmentHoldings(ctx, tx, c.ID, account)
	if err != nil {
		return Commitment{}, nil, err
	}
	shares := make([]share, len(c.Parts))
	for i, p := range c.Parts {
		shares[i] = share{StreamAmount: p, Weight: p.Amount, Room: held[p.FundingStreamID]}
	}
	return c, shares, nil
}

// Release returns amount of what the reference has committed to the
// budget's available money (for example when a milestone expires or a
// trajectory ends early), split over streams in proportion to the original
// reservation. Asking more than is committed gives commitment_insufficient.
//
// Release runs inside the caller's transaction. A provider actor may release
// only its own commitments.
func (s *Service) Release(ctx context.Context, tx *gorm.DB, actor access.Actor, reference uuid.UUID, amount decimal.Decimal) ([]StreamAmount, error) {
	var errs fault.Fields
	checkAmount(&errs, "amount", amount)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	c, shares, err := commitmentShares(ctx, tx, reference, Committed)
	if err != nil {
		return nil, err
	}
	if actor.IsProvider() && !actor.OwnsProvider(c.ProviderID) {
		return nil, fault.New(CommitmentNotFound, "no commitment for reference %s", reference)
	}
	parts, ok := splitProportional(shares, amount)
	if !ok {
		return nil, fault.New(CommitmentInsufficient, "reference %s has %s committed, %s asked to release",
			reference, money.String(roomOf(shares)), money.String(amount))
	}
	commitmentID := c.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindRelease, CommitmentID: &commitmentID, Actor: actorLabel(actor),
		CreatedAt: s.timestamp(), Postings: moves(Committed, Available, c.BudgetID, parts)}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return nil, err
	}
	err = audit.Record(ctx, tx, actor, audit.Event{Action: "commitment.release", EntityType: "commitment", EntityID: c.ID.String(),
		After: map[string]any{"reference": reference, "amount": money.String(amount), "parts": parts, "transaction_id": t.ID}})
	if err != nil {
		return nil, err
	}
	return parts, nil
}

func roomOf(shares []share) decimal.Decimal {
	total := decimal.Zero
	for _, s := range shares {
		total = total.Add(s.Room)
	}
	return total
}

// Accrue makes amount of what the reference has committed payable for the
// accrual accrualID (the verified claim), split over streams in proportion to
// the original reservation. The same accrualID twice gives accrual_exists;
// more than is committed gives commitment_insufficient.
//
// Accrue runs inside the caller's transaction. Provider actors are refused.
func (s *Service) Accrue(ctx context.Context, tx *gorm.DB, actor access.Actor, reference, accrualID uuid.UUID, amount decimal.Decimal) (Accrual, error) {
	if err := refuseProvider(actor, "accrue"); err != nil {
		return Accrual{}, err
	}
	var errs fault.Fields
	if accrualID == uuid.Nil {
		errs.Add("accrual_id", codeRequired, "an accrual id is required")
	}
	checkAmount(&errs, "amount", amount)
	if err := errs.Err(); err != nil {
		return Accrual{}, err
	}
	c, shares, err := commitmentShares(ctx, tx, reference, Committed)
	if err != nil {
		return Accrual{}, err
	}
	exists, err := accrualExists(ctx, tx, accrualID)
	if err != nil {
		return Accrual{}, err
	}
	if exists {
		return Accrual{}, fault.New(AccrualExists, "accrual %s exists already", accrualID)
	}
	parts, ok := splitProportional(shares, amount)
	if !ok {
		return Accrual{}, fault.New(CommitmentInsufficient, "reference %s has %s committed, %s asked to accrue",
			reference, money.String(roomOf(shares)), money.String(amount))
	}
	a := Accrual{ID: accrualID, CommitmentID: c.ID, Reference: c.Reference, BudgetID: c.BudgetID, ContractID: c.ContractID,
		ProviderID: c.ProviderID, Amount: amount, Status: AccrualPayable, CreatedAt: s.timestamp(), Parts: parts}
	if err := insertAccrual(ctx, tx, a); err != nil {
		return Accrual{}, fmt.Errorf("accrue %s: %w", accrualID, err)
	}
	commitmentID := c.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindAccrue, CommitmentID: &commitmentID, AccrualID: &a.ID,
		Actor: actorLabel(actor), CreatedAt: a.CreatedAt, Postings: moves(Committed, Payable, c.BudgetID, parts)}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return Accrual{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "accrual.create", EntityType: "accrual", EntityID: a.ID.String(), After: a}); err != nil {
		return Accrual{}, err
	}
	return a, nil
}

// lockAccrualFor locks, in the fixed order commitment then accrual, the
// accrual accrualID and returns it with its parts.
func lockAccrualFor(ctx context.Context, tx *gorm.DB, accrualID uuid.UUID) (Accrual, error) {
	a, err := findAccrual(ctx, tx, accrualID, false)
	if err != nil {
		return Accrual{}, err
	}
	if _, err := lockCommitment(ctx, tx, a.Reference); err != nil {
		return Accrual{}, err
	}
	return findAccrual(ctx, tx, accrualID, true)
}

// Pay marks a payable accrual paid by the payment (run) paymentID and moves
// its parts from payable to paid. Anything but a payable accrual gives
// accrual_not_payable.
//
// Pay runs inside the caller's transaction. Provider actors are refused.
func (s *Service) Pay(ctx context.Context, tx *gorm.DB, actor access.Actor, accrualID, paymentID uuid.UUID) (Accrual, error) {
	if err := refuseProvider(actor, "pay"); err != nil {
		return Accrual{}, err
	}
	if paymentID == uuid.Nil {
		return Accrual{}, fault.Invalid(fault.Field("payment_id", codeRequired, "a payment id is required"))
	}
	before, err := lockAccrualFor(ctx, tx, accrualID)
	if err != nil {
		return Accrual{}, err
	}
	a, t, err := planPay(before, paymentID, s.timestamp(), actorLabel(actor))
	if err != nil {
		return Accrual{}, err
	}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return Accrual{}, err
	}
	if err := updateAccrual(ctx, tx, a); err != nil {
		return Accrual{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "accrual.pay", EntityType: "accrual", EntityID: a.ID.String(), Before: before, After: a}); err != nil {
		return Accrual{}, err
	}
	return a, nil
}

// ClawBack takes back an accrued amount that must not be paid or kept (a
// revoked claim), stream by stream as it was accrued:
//   - payable (not yet paid): a transaction reversing the accrual moves it
//     back to committed; the accrual becomes withdrawn. The reference keeps
//     the money reserved, so the milestone may be claimed again; the caller
//     releases it when the trajectory ends.
//   - paid: it moves from paid to clawback_receivable and the accrual becomes
//     reclaiming; billing nets it in the provider's next payment run and
//     then calls SettleClawBack.
//
// A second clawback gives accrual_clawed_back. ClawBack runs inside the
// caller's transaction. Provider actors are refused.
func (s *Service) ClawBack(ctx context.Context, tx *gorm.DB, actor access.Actor, accrualID uuid.UUID, reason string) (Accrual, error) {
	if err := refuseProvider(actor, "claw back"); err != nil {
		return Accrual{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Accrual{}, fault.Invalid(fault.Field("reason", codeRequired, "a reason is required"))
	}
	before, err := lockAccrualFor(ctx, tx, accrualID)
	if err != nil {
		return Accrual{}, err
	}
	var accrued *Transaction // what a payable accrual's clawback reverses
	if before.Status == AccrualPayable {
		t, err := findAccrualTransaction(ctx, tx, before.ID)
		if err != nil {
			return Accrual{}, err
		}
		accrued = &t
	}
	a, t, err := planClawBack(before, accrued, reason, s.timestamp(), actorLabel(actor))
	if err != nil {
		return Accrual{}, err
	}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return Accrual{}, err
	}
	if err := updateAccrual(ctx, tx, a); err != nil {
		return Accrual{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "accrual.claw_back", EntityType: "accrual", EntityID: a.ID.String(), Before: before, After: a}); err != nil {
		return Accrual{}, err
	}
	return a, nil
}

// SettleClawBack records that billing netted a reclaiming accrual in the
// payment (run) paymentID: the receivable moves back to the reference's
// committed money, and the accrual becomes reclaimed. Anything but a
// reclaiming accrual gives clawback_not_open.
//
// SettleClawBack runs inside the caller's transaction. Provider actors are refused.
func (s *Service) SettleClawBack(ctx context.Context, tx *gorm.DB, actor access.Actor, accrualID, paymentID uuid.UUID) (Accrual, error) {
	if err := refuseProvider(actor, "settle a clawback"); err != nil {
		return Accrual{}, err
	}
	if paymentID == uuid.Nil {
		return Accrual{}, fault.Invalid(fault.Field("payment_id", codeRequired, "a payment id is required"))
	}
	before, err := lockAccrualFor(ctx, tx, accrualID)
	if err != nil {
		return Accrual{}, err
	}
	a, t, err := planSettle(before, paymentID, s.timestamp(), actorLabel(actor))
	if err != nil {
		return Accrual{}, err
	}
	if err := writeTransaction(ctx, tx, t); err != nil {
		return Accrual{}, err
	}
	if err := updateAccrual(ctx, tx, a); err != nil {
		return Accrual{}, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "accrual.settle_claw_back", EntityType: "accrual", EntityID: a.ID.String(), Before: before, After: a}); err != nil {
		return Accrual{}, err
	}
	return a, nil
}

// GetCommitment returns the commitment of reference with what it holds now.
// It runs inside the caller's transaction and takes no locks.
func (s *Service) GetCommitment(ctx context.Context, tx *gorm.DB, reference uuid.UUID) (Commitment, error) {
	c, err := findCommitment(ctx, tx, reference, false)
	if err != nil {
		return Commitment{}, err
	}
	sums, err := commitmentTotals(ctx, tx, c.ID)
	if err != nil {
		return Commitment{}, err
	}
	c.Committed, c.Payable, c.Paid, c.ClawbackReceivable = sums[Committed], sums[Payable], sums[Paid], sums[ClawbackReceivable]
	return c, nil
}

// Exposure returns what the contract's commitments hold: still committed,
// payable, and paid. Paid includes clawbacks not yet netted by billing (the
// provider still holds that money), so committed+payable+paid is what the
// contract may cost and is compared with its ceiling. It runs inside the
// caller's transaction; to compare and then reserve safely the caller locks
// the contract row first.
func (s *Service) Exposure(ctx context.Context, tx *gorm.DB, contractID uuid.UUID) (committed, payable, paid decimal.Decimal, err error) {
	sums, err := contractTotals(ctx, tx, contractID)
	if err != nil {
		return decimal.Zero, decimal.Zero, decimal.Zero, err
	}
	return sums[Committed], sums[Payable], sums[Paid].Add(sums[ClawbackReceivable]), nil
}

// AccrualSplit returns how an accrual's amount is attributed to budget and
// funding streams (with the stream's name and reporting code), in the order
// of the original reservation. It runs inside the caller's transaction.
func (s *Service) AccrualSplit(ctx context.Context, tx *gorm.DB, accrualID uuid.UUID) ([]StreamAmount, error) {
	a, err := findAccrual(ctx, tx, accrualID, false)
	if err != nil {
		return nil, err
	}
	return a.Parts, nil
}

// AccrualSplits is AccrualSplit for many accruals in one query (a payment
// run gathers thousands). An id without an accrual is an error. It runs
// inside the caller's transaction and takes no locks.
func (s *Service) AccrualSplits(ctx context.Context, tx *gorm.DB, accrualIDs []uuid.UUID) (map[uuid.UUID][]StreamAmount, error) {
	out, err := accrualParts(ctx, tx, accrualIDs)
	if err != nil {
		return nil, err
	}
	for _, id := range accrualIDs {
		if len(out[id]) == 0 {
			return nil, fault.New(AccrualNotFound, "no accrual %s", id)
		}
	}
	return out, nil
}

// GetAccrual returns one accrual with its split. It runs inside the caller's
// transaction and takes no locks.
func (s *Service) GetAccrual(ctx context.Context, tx *gorm.DB, accrualID uuid.UUID) (Accrual, error) {
	return findAccrual(ctx, tx, accrualID, false)
}

// ProviderAccruals returns the provider's accruals in the given status,
// oldest first, each with its split: AccrualPayable for what a payment run
// pays, AccrualReclaiming for the clawbacks it nets. It runs inside the
// caller's transaction.
func (s *Service) ProviderAccruals(ctx context.Context, tx *gorm.DB, providerID uuid.UUID, status AccrualStatus) ([]Accrual, error) {
	return listProviderAccruals(ctx, tx, providerID, status)
}
