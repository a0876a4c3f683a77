package billing

// The rules of billing, as pure functions: who may take part in a payment
// run, the period of a new run, which state allows which step and the
// four-eyes rule of approval, what each step changes of the run, gapless
// statement numbering, gathering claims and clawbacks into lines, netting
// them per provider with carried-in balances into statements, and the VAT
// in each line. They take values (what a use case loaded under its locks)
// and return what to write or the domain error that refuses it; they touch
// no database and are table-tested without one (rules_test.go). The SEPA
// file is built from values too, in sepa.go.

import (
	"fmt"
	"sort"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ---- who may act

// requireMunicipal checks the action and keeps provider users away from
// paying (DOMAIN.md's separation of duties).
func requireMunicipal(actor access.Actor, action access.Action) error {
	if err := actor.Require(action); err != nil {
		return err
	}
	if actor.IsProvider() || actor.Has(access.Provider) {
		return fault.New(fault.Forbidden, "provider users never take part in payment runs")
	}
	return nil
}

// requirePerson refuses a command or job where the four-eyes rule compares
// people: a run is created and approved by two different finance users.
func requirePerson(actor access.Actor) error {
	if actor.IsSystem() {
		return fault.New(fault.Forbidden, "payment runs are created and approved by finance users, not by a command")
	}
	return nil
}

// userID is the actor's user id, nil for a system actor.
func userID(a access.Actor) *uuid.UUID {
	id, _ := a.AuditIdentity()
	return id
}

// label is how the run names who acted.
func label(a access.Actor) string {
	_, l := a.AuditIdentity()
	return l
}

// dateOf is the calendar date of t in UTC, as midnight.
func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ---- runs: the period, the states and the four-eyes rule

// Live reports whether the run still holds its claims (it is not cancelled).
func (r Run) Live() bool { return r.State != Cancelled }

// MadeBy reports whether actor created the run: the four-eyes rule of
// payment runs, which pages ask too, so that the rule lives here alone.
func (r Run) MadeBy(actor access.Actor) bool {
	me := userID(actor)
	return (r.CreatedBy != nil && me != nil && *r.CreatedBy == *me) || r.CreatedByLabel == label(actor)
}

// checkPeriod checks the period of a new run and returns it as dates.
func checkPeriod(start, end time.Time) (time.Time, time.Time, error) {
	var errs fault.Fields
	if start.IsZero() {
		errs.Add("period_start", codeRequired, "the first day of the period")
	}
	if end.IsZero() {
		errs.Add("period_end", codeRequired, "the last day of the period")
	}
	start, end = dateOf(start), dateOf(end)
	if len(errs) == 0 && end.Before(start) {
		errs.Add("period_end", codePeriodReversed, "the period ends before it starts")
	}
	return start, end, errs.Err()
}

// checkApprove allows approving only a draft, and only by someone who did
// not create it (the four-eyes rule; payment_runs_four_eyes backs it).
func checkApprove(run Run, actor access.Actor) error {
	if run.State != Draft {
		return fault.New(RunStateConflict, "the run is %s; only a draft is approved", run.State)
	}
	if run.MadeBy(actor) {
		return fault.New(CreatorCannotApprove, "you created this run; another finance user approves it")
	}
	return nil
}

// checkCancel allows cancelling only a draft.
func checkCancel(run Run) error {
	if run.State != Draft {
		return fault.New(RunStateConflict, "the run is %s; only a draft is cancelled", run.State)
	}
	return nil
}

// checkExport allows exporting only an approved run.
func checkExport(run Run) error {
	if run.State != Approved {
		return fault.New(RunStateConflict, "the run is %s; only an approved run is exported", run.State)
	}
	return nil
}

// checkConfirm allows confirming only an exported run; done is true for a
// run paid already, which confirming again leaves as it is.
func checkConfirm(run Run) (done bool, err error) {
	switch run.State {
	case Paid:
		return true, nil
	case Exported:
		return false, nil
	}
	return false, fault.New(RunStateConflict, "the run is %s; only an exported run is confirmed", run.State)
}

// approve is run approved by actor at now, with the columns that change.
func approve(run Run, actor access.Actor, now time.Time) (Run, map[string]any) {
	who := label(actor)
	run.State, run.ApprovedBy, run.ApprovedByLabel, run.ApprovedAt = Approved, userID(actor), &who, &now
	return run, map[string]any{"state": run.State, "approved_by": run.ApprovedBy, "approved_by_label": who, "approved_at": now}
}

// cancel is run cancelled by actor at now for reason, with the columns that change.
func cancel(run Run, actor access.Actor, now time.Time, reason string) (Run, map[string]any) {
	who := label(actor)
	run.State, run.CancelledByLabel, run.CancelledAt, run.CancelReason = Cancelled, &who, &now, reason
	return run, map[string]any{"state": run.State, "cancelled_by_label": who, "cancelled_at": now, "cancel_reason": reason}
}

// export is run exported by actor at now, with the columns that change.
func export(run Run, actor access.Actor, now time.Time) (Run, map[string]any) {
	who := label(actor)
	run.State, run.ExportedByLabel, run.ExportedAt = Exported, &who, &now
	return run, map[string]any{"state": run.State, "exported_by_label": who, "exported_at": now}
}

// confirm is run paid, confirmed by actor at now, with the columns that change.
func confirm(run Run, actor access.Actor, now time.Time) (Run, map[string]any) {
	who := label(actor)
	run.State, run.PaidByLabel, run.PaidAt = Paid, &who, &now
	return run, map[string]any{"state": run.State, "paid_by_label": who, "paid_at": now}
}

// ---- statement numbers

// StatementNumber formats the seq-th statement number of a year: 2005-0001.
func StatementNumber(year, seq int) string { return fmt.Sprintf("%d-%04d", year, seq) }

// numbered is the number a statement gets.
type numbered struct {
	ID     uuid.UUID
	Seq    int
	Number string
}

// numberStatements gives the statements ids (in numbering order) the
// numbers of year that follow last, the year's counter: consecutive, so
// without gaps or repeats. next is the counter afterwards.
func numberStatements(ids []uuid.UUID, year, last int) (out []numbered, next int) {
	out = make([]numbered, len(ids))
	for i, id := range ids {
		seq := last + i + 1
		out[i] = numbered{ID: id, Seq: seq, Number: StatementNumber(year, seq)}
	}
	return out, last + len(ids)
}

// ---- gathering and netting

// gathered is what a new run takes: per provider its claim and clawback
// lines (amounts incl. VAT, a clawback's negative), and the ids the lines
// refer to, for loading what the statements copy.
type gathered struct {
	Lines     map[uuid.UUID][]Line // by provider: claims, then clawbacks
	Providers []uuid.UUID
	Contracts []uuid.UUID
	Claims    []uuid.UUID // of every line, for the funding of each
}

// gatherLines turns the payable claims that no live run holds and the open
// clawbacks into lines per provider. Nothing at all gives
// payment_run_empty (end is the period's last day, for the message).
func gatherLines(claims []outcomes.PayableClaim, live map[uuid.UUID]bool, clawbacks []clawbackRow, end time.Time) (gathered, error) {
	g := gathered{Lines: map[uuid.UUID][]Line{}}
	for _, c := range claims {
		if live[c.ClaimID] {
			continue
		}
		g.Lines[c.ProviderID] = append(g.Lines[c.ProviderID], claimLine(LineClaim, c.ClaimID, c.TrajectoryID, c.ContractID,
			c.ParticipantReference, c.MilestoneCode, c.MilestoneName, c.AchievedOn, c.Amount))
		g.Contracts = append(g.Contracts, c.ContractID)
	}
	for _, c := range clawbacks {
		g.Lines[c.ProviderID] = append(g.Lines[c.ProviderID], claimLine(LineClawback, c.ClaimID, c.TrajectoryID, c.ContractID,
			c.ParticipantReference, c.MilestoneCode, c.MilestoneName, c.AchievedOn, c.Amount.Neg()))
		g.Contracts = append(g.Contracts, c.ContractID)
	}
	if len(g.Lines) == 0 {
		return gathered{}, fault.New(NothingToPay, "no approved claims or open clawbacks up to %s that are not in another run", end.Format(time.DateOnly))
	}
	for id := range g.Lines {
		g.Providers = append(g.Providers, id)
	}
	for _, pid := range g.Providers {
		for _, l := range g.Lines[pid] {
			g.Claims = append(g.Claims, *l.ClaimID)
		}
	}
	return g, nil
}

func claimLine(kind string, claimID, trajectoryID, contractID uuid.UUID, ref, code, name string, achieved time.Time, amount decimal.Decimal) Line {
	a := dateOf(achieved)
	return Line{ID: uuid.Must(uuid.NewV7()), Kind: kind, ClaimID: &claimID, TrajectoryID: &trajectoryID, ContractID: &contractID,
		ParticipantReference: ref, MilestoneCode: code, MilestoneName: name, AchievedOn: &a, Amount: amount}
}

// planStatements nets, per provider of g, its claim and clawback lines with
// the negative balances of its earlier statements carried in (carries) into
// one statement of run, with the provider's details copied (providers), the
// VAT of each line's contract (vat: nil exempt) and each line's funding
// (splits, negated on a clawback); a positive balance is transferred, a
// negative one carried out. The statements come in provider-name order and
// the run's total to transfer is their sum.
func planStatements(run RunDetail, g gathered, providers map[uuid.UUID]Statement, carries map[uuid.UUID][]carryRow,
	vat map[uuid.UUID]*decimal.Decimal, splits map[uuid.UUID][]pooling.StreamAmount) (RunDetail, error) {
	run.TotalTransfer = decimal.Zero
	for _, pid := range g.Providers {
		p, ok := providers[pid]
		if !ok {
			return RunDetail{}, fmt.Errorf("provider %s of a payable claim not found", pid)
		}
		st := StatementDetail{Statement: p}
		st.ID, st.RunID, st.ProviderID = uuid.Must(uuid.NewV7()), run.ID, pid
		for _, c := range carries[pid] {
			from := c.StatementID
			st.Lines = append(st.Lines, Line{ID: uuid.Must(uuid.NewV7()), Kind: LineCarried, CarriedFrom: &from,
				Description: "Saldo specificatie " + c.Number, NetAmount: c.CarriedOut, VATAmount: decimal.Zero, Amount: c.CarriedOut, Funding: []Funding{}})
		}
		for _, l := range g.Lines[pid] {
			rate := vat[*l.ContractID]
			l.VATRate = rate
			l.NetAmount, l.VATAmount = VATOf(l.Amount, rate)
			l.Funding = fundingOf(splits[*l.ClaimID], l.Kind == LineClawback)
			st.Lines = append(st.Lines, l)
		}
		st.settle()
		run.Statements = append(run.Statements, st)
		run.TotalTransfer = run.TotalTransfer.Add(st.ToTransfer)
	}
	sort.SliceStable(run.Statements, func(i, j int) bool {
		a, b := run.Statements[i], run.Statements[j]
		if a.ProviderName != b.ProviderName {
			return a.ProviderName < b.ProviderName
		}
		return a.ProviderID.String() < b.ProviderID.String()
	})
	run.StatementCount = len(run.Statements)
	return run, nil
}

// ---- statement lines

var hundred = decimal.NewFromInt(100)

// VATOf splits an amount that includes VAT into net and VAT at rate percent
// (nil: exempt). The VAT is rounded half away from zero to the cent and the
// net takes the remainder, so net + VAT is exactly the amount.
func VATOf(amount decimal.Decimal, rate *decimal.Decimal) (net, vat decimal.Decimal) {
	if rate == nil || rate.IsZero() {
		return amount, decimal.Zero
	}
	vat = amount.Mul(*rate).Div(hundred.Add(*rate)).Round(2)
	return amount.Sub(vat), vat
}

// fundingOf turns pooling's split of an accrual into a line's funding,
// negated for a clawback.
func fundingOf(parts []pooling.StreamAmount, negate bool) []Funding {
	out := make([]Funding, len(parts))
	for i, p := range parts {
		amount := p.Amount
		if negate {
			amount = amount.Neg()
		}
		out[i] = Funding{FundingStreamID: p.FundingStreamID, BudgetID: p.BudgetID, StreamName: p.StreamName, ReportingCode: p.ReportingCode, Amount: amount}
	}
	return out
}

// settle computes the statement's totals from its lines.
func (d *StatementDetail) settle() {
	d.Subtotal, d.VATTotal, d.CarriedIn = decimal.Zero, decimal.Zero, decimal.Zero
	for i := range d.Lines {
		l := &d.Lines[i]
		l.Position = i + 1
		l.StatementID = d.ID
		if l.Kind == LineCarried {
			d.CarriedIn = d.CarriedIn.Add(l.Amount)
			continue
		}
		d.Subtotal = d.Subtotal.Add(l.NetAmount)
		d.VATTotal = d.VATTotal.Add(l.VATAmount)
	}
	d.Total = d.Subtotal.Add(d.VATTotal)
	d.Balance = d.Total.Add(d.CarriedIn)
	d.ToTransfer = decimal.Max(d.Balance, decimal.Zero)
	d.CarriedOut = decimal.Min(d.Balance, decimal.Zero)
	d.LineCount = len(d.Lines)
}

// Reconciles reports whether the statement's totals equal the sums of its
// lines, every line's parts add up, and the balance splits into transfer
// and carry as the rules say.
func (d StatementDetail) Reconciles() bool {
	c := d
	c.Lines = append([]Line(nil), d.Lines...)
	c.settle()
	if !c.Subtotal.Equal(d.Subtotal) || !c.VATTotal.Equal(d.VATTotal) || !c.Total.Equal(d.Total) || !c.CarriedIn.Equal(d.CarriedIn) ||
		!c.Balance.Equal(d.Balance) || !c.ToTransfer.Equal(d.ToTransfer) || !c.CarriedOut.Equal(d.CarriedOut) || c.LineCount != d.LineCount {
		return false
	}
	for _, l := range d.Lines {
		if !l.NetAmount.Add(l.VATAmount).Equal(l.Amount) {
			return false
		}
		if l.Kind == LineCarried {
			continue
		}
		sum := decimal.Zero
		for _, f := range l.Funding {
			sum = sum.Add(f.Amount)
		}
		if !sum.Equal(l.Amount) {
			return false
		}
	}
	return true
}
