package pooling

import (
	"context"
	"io"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/csvexport"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ReportLine is one budget and funding stream in the accountability report.
// Every figure is computed from the ledger. Allocated always equals
// Available + Committed + Payable + Paid + ClawbackReceivable.
type ReportLine struct {
	BudgetID        uuid.UUID `json:"budget_id"`
	BudgetName      string    `json:"budget_name"`
	FundingStreamID uuid.UUID `json:"funding_stream_id"`
	StreamName      string    `json:"funding_stream_name"`
	Funder          string    `json:"funder"`
	ReportingCode   string    `json:"reporting_code"`
	// Balances now.
	Allocated          decimal.Decimal `json:"allocated"`           // put into the budget from the stream
	Committed          decimal.Decimal `json:"committed"`           // reserved for running trajectories
	Payable            decimal.Decimal `json:"payable"`             // verified claims not yet paid
	Paid               decimal.Decimal `json:"paid"`                // paid to providers, less clawbacks
	ClawbackReceivable decimal.Decimal `json:"clawback_receivable"` // clawed back after payment, not yet netted
	Available          decimal.Decimal `json:"available"`           // free to reserve
	// Totals of movements so far.
	Released   decimal.Decimal `json:"released"`    // reservations given back to available
	ClawedBack decimal.Decimal `json:"clawed_back"` // accrued or paid amounts clawed back
}

// add sums l and m into a total line.
func (l ReportLine) add(m ReportLine) ReportLine {
	l.Allocated = l.Allocated.Add(m.Allocated)
	l.Committed = l.Committed.Add(m.Committed)
	l.Payable = l.Payable.Add(m.Payable)
	l.Paid = l.Paid.Add(m.Paid)
	l.ClawbackReceivable = l.ClawbackReceivable.Add(m.ClawbackReceivable)
	l.Available = l.Available.Add(m.Available)
	l.Released = l.Released.Add(m.Released)
	l.ClawedBack = l.ClawedBack.Add(m.ClawedBack)
	return l
}

// Reconciles reports whether the line's balances add up to what was allocated.
func (l ReportLine) Reconciles() bool {
	return l.Allocated.Equal(l.Available.Add(l.Committed).Add(l.Payable).Add(l.Paid).Add(l.ClawbackReceivable))
}

// Report is the funders' accountability report (verantwoording) for one
// budget, a line per funding stream, or for one stream, a line per budget.
type Report struct {
	Title           string       `json:"title"`
	BudgetID        *uuid.UUID   `json:"budget_id,omitempty"`
	FundingStreamID *uuid.UUID   `json:"funding_stream_id,omitempty"`
	GeneratedAt     time.Time    `json:"generated_at"`
	Lines           []ReportLine `json:"lines"`
	Total           ReportLine   `json:"total"`
}

func newReport(title string, lines []ReportLine, at time.Time) Report {
	r := Report{Title: title, GeneratedAt: at, Lines: lines}
	if r.Lines == nil {
		r.Lines = []ReportLine{}
	}
	for _, l := range r.Lines {
		r.Total = r.Total.add(l)
	}
	return r
}

// Report returns the accountability report of a budget: per funding stream
// allocated, committed, payable, paid, clawback receivable, released, clawed
// back and available.
func (s *Service) Report(ctx context.Context, actor access.Actor, budgetID uuid.UUID) (Report, error) {
	if err := actor.Require(access.ReadReport); err != nil {
		return Report{}, err
	}
	b, err := findBudget(ctx, s.db, budgetID, false)
	if err != nil {
		return Report{}, err
	}
	lines, err := reportLines(ctx, s.db, &budgetID, nil)
	if err != nil {
		return Report{}, err
	}
	r := newReport(b.Name, lines, s.timestamp())
	r.BudgetID = &b.ID
	return r, nil
}

// StreamReport returns the accountability report of a funding stream over
// every budget it was allocated to, as its funder asks for it.
func (s *Service) StreamReport(ctx context.Context, actor access.Actor, streamID uuid.UUID) (Report, error) {
	if err := actor.Require(access.ReadReport); err != nil {
		return Report{}, err
	}
	f, err := findStream(ctx, s.db, streamID, false)
	if err != nil {
		return Report{}, err
	}
	lines, err := reportLines(ctx, s.db, nil, &streamID)
	if err != nil {
		return Report{}, err
	}
	r := newReport(f.Name+" ("+f.ReportingCode+")", lines, s.timestamp())
	r.FundingStreamID = &f.ID
	return r, nil
}

// ReportCSVHeader is the first row WriteReportCSV writes.
var ReportCSVHeader = []string{"budget_id", "budget", "funding_stream_id", "funding_stream", "funder", "reporting_code",
	"allocated", "committed", "payable", "paid", "clawback_receivable", "released", "clawed_back", "available"}

// WriteReportCSV writes the report as CSV: a header, a row per line and a
// final row "total"; amounts as 1234.50, text cells that could start a
// formula escaped (see csvexport).
func WriteReportCSV(w io.Writer, r Report) error {
	cw := csvexport.NewWriter(w)
	if err := cw.Write(ReportCSVHeader); err != nil {
		return err
	}
	row := func(l ReportLine, ids bool) []string {
		budgetID, streamID := "", ""
		if ids {
			budgetID, streamID = l.BudgetID.String(), l.FundingStreamID.String()
		}
		return []string{budgetID, l.BudgetName, streamID, l.StreamName, l.Funder, l.ReportingCode,
			money.String(l.Allocated), money.String(l.Committed), money.String(l.Payable), money.String(l.Paid),
			money.String(l.ClawbackReceivable), money.String(l.Released), money.String(l.ClawedBack), money.String(l.Available)}
	}
	for _, l := range r.Lines {
		if err := cw.Write(row(l, true)); err != nil {
			return err
		}
	}
	total := r.Total
	total.BudgetName = "total"
	if err := cw.Write(row(total, false)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}
