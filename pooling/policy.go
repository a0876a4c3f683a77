package pooling

// The rules of pooling, as pure functions: the validation of a funding
// stream, budget, allocation and reservation input, whether a stream may
// still change or take an allocation, the reservation policy and the
// proportional split, the steps of an accrual (pay, claw back, settle) and
// the plan of paying many accruals at once. They take values (what a use
// case loaded under its locks) and return what to write or the domain error
// that refuses it; they touch no database and are table-tested without one
// (policy_test.go). BulkLedger (`tranche generate`) uses the same
// reservation policy and split.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/civil"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ---- funding streams

// Unrestricted reports whether the stream may pay for any category.
func (f FundingStream) Unrestricted() bool { return f.Earmark == nil }

// Allows reports whether the stream may pay for the category.
func (f FundingStream) Allows(category string) bool {
	return f.Earmark == nil || slices.Contains(f.Earmark, category)
}

// Unallocated is what may still be allocated to budgets.
func (f FundingStream) Unallocated() decimal.Decimal { return f.Amount.Sub(f.Allocated) }

// Covers reports whether the period from..to lies within the stream's validity.
func (f FundingStream) Covers(from, to time.Time) bool {
	return !from.Before(f.ValidFrom) && !to.After(f.ValidTo)
}

var reportingCodeFormat = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

const dateLayout = "2006-01-02"

// parseDate reads a required date for field.
func parseDate(errs *fault.Fields, field, s string) time.Time {
	return civil.Field(errs, field, s)
}

// requireText checks a required, bounded text field.
func requireText(errs *fault.Fields, field, s string, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		errs.Add(field, codeRequired, "this field is required")
	case len([]rune(s)) > max:
		errs.Add(field, codeTooLong, fmt.Sprintf("at most %d characters", max))
	}
	return s
}

// parse checks everything that needs no database and returns the stream.
func (in CreateFundingStreamInput) parse() (FundingStream, fault.Fields) {
	var errs fault.Fields
	f := FundingStream{Currency: "EUR"}
	f.Funder = requireText(&errs, "funder", in.Funder, 200)
	f.Name = requireText(&errs, "name", in.Name, 200)
	f.ReportingCode = strings.TrimSpace(in.ReportingCode)
	if f.ReportingCode == "" {
		errs.Add("reporting_code", codeRequired, "a reporting code is required")
	} else if !reportingCodeFormat.MatchString(f.ReportingCode) {
		errs.Add("reporting_code", codeInvalidFormat, "letters, digits and . _ / - only, at most 40")
	}
	f.Amount = money.ParseField(&errs, "amount", in.Amount, true)
	if c := strings.ToUpper(strings.TrimSpace(in.Currency)); c != "" && c != "EUR" {
		errs.Add("currency", codeCurrency, "only EUR is supported")
	}
	f.ValidFrom = parseDate(&errs, "valid_from", in.ValidFrom)
	f.ValidTo = parseDate(&errs, "valid_to", in.ValidTo)
	if !f.ValidFrom.IsZero() && !f.ValidTo.IsZero() && f.ValidTo.Before(f.ValidFrom) {
		errs.Add("valid_to", codeEndBeforeStart, "the validity ends before it starts")
	}
	var earmark []string
	for _, c := range in.Earmark {
		c = strings.TrimSpace(strings.ToLower(c))
		if c != "" && !slices.Contains(earmark, c) {
			earmark = append(earmark, c)
		}
	}
	slices.Sort(earmark)
	switch {
	case in.Unrestricted && len(earmark) > 0:
		errs.Add("earmark", codeEarmarkChoice, "choose service categories or unrestricted, not both")
	case !in.Unrestricted && len(earmark) == 0:
		errs.Add("earmark", codeEarmarkChoice, "choose the service categories the stream may pay for, or unrestricted")
	}
	if !in.Unrestricted {
		f.Earmark = earmark
	}
	return f, errs
}

// checkStreamChangeable refuses a change of a stream's details once money
// of it has been allocated (allocated: an allocation row exists).
func checkStreamChangeable(before FundingStream, allocated bool) error {
	if allocated || before.Allocated.IsPositive() {
		return fault.New(FundingStreamInUse, "money of funding stream %s has been allocated; its details can no longer change", before.ReportingCode)
	}
	return nil
}

// ---- budgets and allocations

func (in CreateBudgetInput) parse() (Budget, fault.Fields) {
	var errs fault.Fields
	b := Budget{Name: requireText(&errs, "name", in.Name, 200)}
	b.PeriodStart = parseDate(&errs, "period_start", in.PeriodStart)
	b.PeriodEnd = parseDate(&errs, "period_end", in.PeriodEnd)
	if !b.PeriodStart.IsZero() && !b.PeriodEnd.IsZero() && b.PeriodEnd.Before(b.PeriodStart) {
		errs.Add("period_end", codeEndBeforeStart, "the period ends before it starts")
	}
	return b, errs
}

// parse checks the allocation input and returns the amount.
func (in AllocateInput) parse() (decimal.Decimal, error) {
	var errs fault.Fields
	if in.BudgetID == uuid.Nil {
		errs.Add("budget_id", codeRequired, "a budget is required")
	}
	if in.FundingStreamID == uuid.Nil {
		errs.Add("funding_stream_id", codeRequired, "a funding stream is required")
	}
	amount := money.ParseField(&errs, "amount", in.Amount, true)
	return amount, errs.Err()
}

// checkAllocation holds the rules of putting amount of stream f into budget
// b: the budget's period lies within the stream's validity, and the amount
// is no more than what the stream has unallocated.
func checkAllocation(b Budget, f FundingStream, amount decimal.Decimal) error {
	if !f.Covers(b.PeriodStart, b.PeriodEnd) {
		return fault.New(AllocationOutsideValidity, "budget %q runs %s to %s, funding stream %q is valid %s to %s",
			b.Name, b.PeriodStart.Format(dateLayout), b.PeriodEnd.Format(dateLayout),
			f.Name, f.ValidFrom.Format(dateLayout), f.ValidTo.Format(dateLayout))
	}
	if amount.GreaterThan(f.Unallocated()) {
		return fault.New(AllocationExceedsStream, "funding stream %q has %s unallocated, %s asked",
			f.Name, money.String(f.Unallocated()), money.String(amount))
	}
	return nil
}

// ---- reservations

// checkAmount adds a field error unless d is a positive amount in cents.
func checkAmount(errs *fault.Fields, field string, d decimal.Decimal) {
	switch {
	case !d.IsPositive():
		errs.Add(field, money.CodeNotPositive, "the amount must be more than zero")
	case !d.Equal(d.Round(2)):
		errs.Add(field, money.CodeTooPrecise, "an amount has at most two decimals")
	case d.GreaterThan(money.Max):
		errs.Add(field, money.CodeTooLarge, "the amount is too large")
	}
}

func (in ReserveInput) validate() error {
	var errs fault.Fields
	if in.BudgetID == uuid.Nil {
		errs.Add("budget_id", codeRequired, "a budget is required")
	}
	if strings.TrimSpace(in.Category) == "" {
		errs.Add("category", codeRequired, "a service category is required")
	}
	checkAmount(&errs, "amount", in.Amount)
	if in.Reference == uuid.Nil {
		errs.Add("reference", codeRequired, "a reference is required")
	}
	if in.ContractID == uuid.Nil {
		errs.Add("contract_id", codeRequired, "a contract is required")
	}
	if in.ProviderID == uuid.Nil {
		errs.Add("provider_id", codeRequired, "a provider is required")
	}
	return errs.Err()
}

// planReservation splits in.Amount over the eligible streams by the
// reservation policy, or returns budget_insufficient when they hold less.
func planReservation(in ReserveInput, streams []eligibleStream) ([]StreamAmount, error) {
	parts, ok := splitReservation(in.BudgetID, streams, in.Amount)
	if !ok {
		eligible := decimal.Zero
		for _, st := range streams {
			eligible = eligible.Add(st.Available)
		}
		return nil, fault.New(BudgetInsufficient, "%s available for %s in this budget, %s asked",
			money.String(eligible), in.Category, money.String(in.Amount))
	}
	return parts, nil
}

// eligibleStream is a stream of a budget that may pay for a category, with
// what it still has available in that budget.
type eligibleStream struct {
	ID            uuid.UUID
	Name          string
	ReportingCode string
	Earmark       []string // nil: unrestricted
	ValidTo       time.Time
	Available     decimal.Decimal
}

// reservationOrder sorts streams by the reservation policy: earmarked streams
// before unrestricted ones; among earmarked streams the one with the fewest
// categories first (the money that can be spent on least is used first);
// then the earliest end of validity (money that lapses first is used first);
// then the stream id, so that equal streams always come in the same order.
func reservationOrder(streams []eligibleStream) {
	slices.SortStableFunc(streams, func(a, b eligibleStream) int {
		ua, ub := a.Earmark == nil, b.Earmark == nil
		if ua != ub {
			if ua {
				return 1
			}
			return -1
		}
		if len(a.Earmark) != len(b.Earmark) {
			return len(a.Earmark) - len(b.Earmark)
		}
		if c := a.ValidTo.Compare(b.ValidTo); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
}

// splitReservation takes amount from the streams in policy order, each
// giving what it has available until the amount is covered. ok is false when
// the streams together hold less than amount.
func splitReservation(budgetID uuid.UUID, streams []eligibleStream, amount decimal.Decimal) (parts []StreamAmount, ok bool) {
	ordered := slices.Clone(streams)
	reservationOrder(ordered)
	rest := amount
	for _, s := range ordered {
		if !rest.IsPositive() {
			break
		}
		if !s.Available.IsPositive() {
			continue
		}
		take := decimal.Min(rest, s.Available)
		parts = append(parts, StreamAmount{BudgetID: budgetID, FundingStreamID: s.ID, StreamName: s.Name, ReportingCode: s.ReportingCode, Amount: take})
		rest = rest.Sub(take)
	}
	if rest.IsPositive() {
		return nil, false
	}
	return parts, true
}

// share is one stream's part of a commitment: its weight is what the
// original reservation took from the stream, room what the operation may
// still take from it now.
type share struct {
	StreamAmount
	Weight decimal.Decimal
	Room   decimal.Decimal
}

// splitProportional divides amount over the shares in proportion to their
// weights (the original reservation's split): each share gets its
// proportion rounded down to the cent, but never more than its room; the
// cents left over go to the shares in their order (the reservation's order,
// so the most restricted stream first) as far as each has room. ok is false
// when the shares together have less room than amount. The parts always sum
// exactly to amount.
func splitProportional(shares []share, amount decimal.Decimal) (parts []StreamAmount, ok bool) {
	weight := decimal.Zero
	for _, s := range shares {
		weight = weight.Add(s.Weight)
	}
	if !weight.IsPositive() {
		return nil, false
	}
	got := make([]decimal.Decimal, len(shares))
	rest := amount
	for i, s := range shares {
		g := amount.Mul(s.Weight).Div(weight).Truncate(2)
		g = decimal.Min(g, s.Room)
		if g.IsNegative() {
			g = decimal.Zero
		}
		got[i] = g
		rest = rest.Sub(g)
	}
	for i, s := range shares {
		if !rest.IsPositive() {
			break
		}
		extra := decimal.Min(rest, s.Room.Sub(got[i]))
		if extra.IsPositive() {
			got[i] = got[i].Add(extra)
			rest = rest.Sub(extra)
		}
	}
	if rest.IsPositive() {
		return nil, false
	}
	for i, s := range shares {
		if got[i].IsPositive() {
			p := s.StreamAmount
			p.Amount = got[i]
			parts = append(parts, p)
		}
	}
	return parts, true
}

// ---- accruals: paying, clawing back, settling

// planPay marks the accrual a (locked, with its parts) paid by paymentID at
// now and builds its pay transaction, which moves its parts from payable to
// paid. Anything but a payable accrual gives accrual_not_payable.
func planPay(a Accrual, paymentID uuid.UUID, now time.Time, actor string) (Accrual, Transaction, error) {
	if a.Status != AccrualPayable {
		return Accrual{}, Transaction{}, fault.New(AccrualNotPayable, "accrual %s is %s", a.ID, a.Status)
	}
	a.Status, a.PaymentID, a.PaidAt = AccrualPaid, &paymentID, &now
	commitmentID, accrualID := a.CommitmentID, a.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindPay, CommitmentID: &commitmentID, AccrualID: &accrualID,
		Actor: actor, CreatedAt: now, Postings: moves(Payable, Paid, a.BudgetID, a.Parts)}
	return a, t, nil
}

// planClawBack claws the accrual a back for reason at now: a payable one is
// withdrawn by reversing accrued, the transaction that accrued it (the
// caller loads it for a payable accrual only); a paid one moves from paid to
// clawback_receivable and becomes reclaiming. Any other gives
// accrual_clawed_back.
func planClawBack(a Accrual, accrued *Transaction, reason string, now time.Time, actor string) (Accrual, Transaction, error) {
	commitmentID, accrualID := a.CommitmentID, a.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindClawBack, CommitmentID: &commitmentID, AccrualID: &accrualID,
		Actor: actor, CreatedAt: now, Memo: reason}
	switch {
	case a.Status == AccrualPayable && accrued != nil:
		reverses := accrued.ID
		t.ReversesID = &reverses
		t.Postings = reversal(accrued.Postings)
		a.Status = AccrualWithdrawn
	case a.Status == AccrualPayable:
		return Accrual{}, Transaction{}, fmt.Errorf("claw back %s: the accrue transaction is needed", a.ID)
	case a.Status == AccrualPaid:
		t.Postings = moves(Paid, ClawbackReceivable, a.BudgetID, a.Parts)
		a.Status = AccrualReclaiming
	default:
		return Accrual{}, Transaction{}, fault.New(AccrualClawedBack, "accrual %s is %s", a.ID, a.Status)
	}
	a.ClawbackReason, a.ClawedBackAt = &reason, &now
	return a, t, nil
}

// planSettle records that the reclaiming accrual a was netted in the
// payment (run) paymentID at now: the receivable moves back to committed
// and the accrual becomes reclaimed. Anything else gives clawback_not_open.
func planSettle(a Accrual, paymentID uuid.UUID, now time.Time, actor string) (Accrual, Transaction, error) {
	if a.Status != AccrualReclaiming {
		return Accrual{}, Transaction{}, fault.New(ClawBackNotOpen, "accrual %s is %s", a.ID, a.Status)
	}
	a.Status, a.SettlementPaymentID, a.SettledAt = AccrualReclaimed, &paymentID, &now
	commitmentID, accrualID := a.CommitmentID, a.ID
	t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindSettleClawBack, CommitmentID: &commitmentID, AccrualID: &accrualID,
		Actor: actor, CreatedAt: now, Postings: moves(ClawbackReceivable, Committed, a.BudgetID, a.Parts)}
	return a, t, nil
}

// ---- paying many accruals

// sortedAccrualIDs returns ids in id order (the order their rows are
// locked in), refusing an id listed twice with accrual_not_payable.
func sortedAccrualIDs(ids []uuid.UUID) ([]uuid.UUID, error) {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			return nil, fault.New(AccrualNotPayable, "accrual %s is listed twice", out[i])
		}
	}
	return out, nil
}

// checkAllPayable refuses the payment unless every one of ids was found
// (not_found) and is payable (accrual_not_payable), in the order given.
func checkAllPayable(ids []uuid.UUID, found map[uuid.UUID]Accrual) error {
	for _, id := range ids {
		a, ok := found[id]
		if !ok {
			return notFound("accrual", id)
		}
		if a.Status != AccrualPayable {
			return fault.New(AccrualNotPayable, "accrual %s is %s", id, a.Status)
		}
	}
	return nil
}

// paidAccruals is what paying many accruals writes: per accrual (in the
// order asked) the accrual before and after and its pay transaction.
type paidAccruals struct {
	Before, After []Accrual
	Transactions  []Transaction
	Postings      []Posting // of every transaction, for the balance locks
}

// planPayMany marks every accrual of ids (each payable, with its parts)
// paid by paymentID at now and builds its pay transaction, moving its parts
// from payable to paid.
func planPayMany(ids []uuid.UUID, found map[uuid.UUID]Accrual, paymentID uuid.UUID, now time.Time, actor string) (paidAccruals, error) {
	if err := checkAllPayable(ids, found); err != nil {
		return paidAccruals{}, err
	}
	p := paidAccruals{Before: make([]Accrual, len(ids)), After: make([]Accrual, len(ids)), Transactions: make([]Transaction, len(ids))}
	for i, id := range ids {
		p.Before[i] = found[id]
		a, t, err := planPay(found[id], paymentID, now, actor)
		if err != nil {
			return paidAccruals{}, err
		}
		p.After[i] = a
		if err := t.Validate(); err != nil {
			return paidAccruals{}, err
		}
		p.Transactions[i] = t
		p.Postings = append(p.Postings, t.Postings...)
	}
	return p, nil
}
