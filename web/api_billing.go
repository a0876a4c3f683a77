package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// --- bodies ---

// PaymentRunItem is a payment run as a list and a state change show it:
// without its statements.
type PaymentRunItem struct {
	ID             uuid.UUID  `json:"id"`
	PeriodStart    string     `json:"period_start" format:"date"`
	PeriodEnd      string     `json:"period_end" format:"date"`
	State          string     `json:"state" enum:"draft,approved,exported,paid,cancelled"`
	StatementCount int        `json:"statement_count"`
	TotalTransfer  string     `json:"total_transfer" doc:"What the SEPA file transfers: the sum of the statements' positive balances."`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ApprovedBy     string     `json:"approved_by,omitempty"`
	ApprovedAt     *time.Time `json:"approved_at,omitempty"`
	ExportedBy     string     `json:"exported_by,omitempty"`
	ExportedAt     *time.Time `json:"exported_at,omitempty"`
	PaidBy         string     `json:"paid_by,omitempty"`
	PaidAt         *time.Time `json:"paid_at,omitempty"`
	CancelledBy    string     `json:"cancelled_by,omitempty"`
	CancelledAt    *time.Time `json:"cancelled_at,omitempty"`
	CancelReason   string     `json:"cancel_reason,omitempty"`
	SEPAURL        string     `json:"sepa_url,omitempty" doc:"The SEPA credit-transfer file, once exported and when anything is transferred."`
	JournalURL     string     `json:"journal_url,omitempty" doc:"The journal CSV, once exported."`
}

// PaymentRunBody is one payment run with its statements and their lines.
type PaymentRunBody struct {
	PaymentRunItem
	PDFs       *PDFProgressBody `json:"pdfs,omitempty" doc:"How many statement PDFs are stored; they are made in the background after approval. Absent for a draft or cancelled run."`
	Statements []StatementBody  `json:"statements"`
}

// PDFProgressBody tells how far the background generation of a run's
// statement PDFs is.
type PDFProgressBody struct {
	Done  int  `json:"done"`
	Total int  `json:"total"`
	Ready bool `json:"ready"`
}

// StatementItem is one provider's statement for one run, as a list shows
// it: without its lines.
type StatementItem struct {
	ID           uuid.UUID `json:"id"`
	RunID        uuid.UUID `json:"run_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	Number       string    `json:"number,omitempty" doc:"Assigned at approval, gapless per year: 2005-0001."`
	IssuedOn     string    `json:"issued_on,omitempty" format:"date"`
	ProviderName string    `json:"provider_name"`
	ProviderKVK  string    `json:"provider_kvk"`
	AddressLine1 string    `json:"address_line1,omitempty"`
	AddressLine2 string    `json:"address_line2,omitempty"`
	Postcode     string    `json:"postcode,omitempty"`
	City         string    `json:"city,omitempty"`
	Country      string    `json:"country,omitempty"`
	IBAN         string    `json:"iban"`
	BIC          string    `json:"bic,omitempty"`
	Subtotal     string    `json:"subtotal" doc:"The lines excluding VAT (carried balances not included)."`
	VATTotal     string    `json:"vat_total"`
	Total        string    `json:"total" doc:"Subtotal + VAT: this run's own money."`
	CarriedIn    string    `json:"carried_in" doc:"Negative balances of earlier statements set off now (zero or negative)."`
	Balance      string    `json:"balance" doc:"Total + carried in."`
	ToTransfer   string    `json:"to_transfer" doc:"The positive part of the balance: what the SEPA file pays."`
	CarriedOut   string    `json:"carried_out" doc:"The negative part of the balance, carried into the provider's next run."`
	LineCount    int       `json:"line_count"`
	PDFURL       string    `json:"pdf_url"`
}

// StatementBody is one statement with its lines.
type StatementBody struct {
	StatementItem
	Lines []LineBody `json:"lines"`
}

// LineBody is one line of a statement.
type LineBody struct {
	Position             int           `json:"position"`
	Kind                 string        `json:"kind" enum:"claim,clawback,carried"`
	ClaimID              *uuid.UUID    `json:"claim_id,omitempty"`
	CarriedFrom          *uuid.UUID    `json:"carried_from,omitempty" doc:"The earlier statement whose negative balance this line sets off."`
	ParticipantReference string        `json:"participant_reference,omitempty"`
	TrajectoryID         *uuid.UUID    `json:"trajectory_id,omitempty"`
	ContractID           *uuid.UUID    `json:"contract_id,omitempty"`
	MilestoneCode        string        `json:"milestone_code,omitempty"`
	MilestoneName        string        `json:"milestone_name,omitempty"`
	AchievedOn           string        `json:"achieved_on,omitempty" format:"date"`
	Description          string        `json:"description,omitempty"`
	NetAmount            string        `json:"net_amount"`
	VATRate              string        `json:"vat_rate,omitempty" doc:"Percent; absent when the contract is VAT exempt."`
	VATAmount            string        `json:"vat_amount"`
	Amount               string        `json:"amount" doc:"Including VAT; negative on clawback and carried lines."`
	Funding              []FundingBody `json:"funding" doc:"The funding streams that pay the line (pooling's split)."`
}

// FundingBody is the part of a line one funding stream pays.
type FundingBody struct {
	FundingStreamID   uuid.UUID `json:"funding_stream_id"`
	FundingStreamName string    `json:"funding_stream_name"`
	ReportingCode     string    `json:"reporting_code"`
	BudgetID          uuid.UUID `json:"budget_id"`
	Amount            string    `json:"amount"`
}

func paymentRunItem(r billing.Run) PaymentRunItem {
	b := PaymentRunItem{ID: r.ID, PeriodStart: r.PeriodStart.Format(time.DateOnly), PeriodEnd: r.PeriodEnd.Format(time.DateOnly),
		State: string(r.State), StatementCount: r.StatementCount, TotalTransfer: money.String(r.TotalTransfer),
		CreatedBy: r.CreatedByLabel, CreatedAt: r.CreatedAt, ApprovedAt: r.ApprovedAt, ExportedAt: r.ExportedAt, PaidAt: r.PaidAt,
		CancelledAt: r.CancelledAt, CancelReason: r.CancelReason, ApprovedBy: valueOf(r.ApprovedByLabel),
		ExportedBy: valueOf(r.ExportedByLabel), PaidBy: valueOf(r.PaidByLabel), CancelledBy: valueOf(r.CancelledByLabel)}
	if billingExported(r.State) {
		b.JournalURL = "/api/v1/payment-runs/" + r.ID.String() + "/journal.csv"
		if r.TotalTransfer.IsPositive() {
			b.SEPAURL = "/api/v1/payment-runs/" + r.ID.String() + "/sepa.xml"
		}
	}
	return b
}

func statementItem(st billing.Statement) StatementItem {
	b := StatementItem{ID: st.ID, RunID: st.RunID, ProviderID: st.ProviderID, IssuedOn: dateString(st.IssuedOn), ProviderName: st.ProviderName,
		ProviderKVK: st.ProviderKVK, AddressLine1: st.AddressLine1, AddressLine2: st.AddressLine2, Postcode: st.Postcode, City: st.City,
		Country: st.Country, IBAN: st.IBAN, BIC: st.BIC, Subtotal: money.String(st.Subtotal), VATTotal: money.String(st.VATTotal),
		Total: money.String(st.Total), CarriedIn: money.String(st.CarriedIn), Balance: money.String(st.Balance),
		ToTransfer: money.String(st.ToTransfer), CarriedOut: money.String(st.CarriedOut), LineCount: st.LineCount,
		PDFURL: "/api/v1/statements/" + st.ID.String() + ".pdf"}
	if st.Number != nil {
		b.Number = *st.Number
	}
	return b
}

func statementDetailBody(d billing.StatementDetail) StatementBody {
	b := StatementBody{StatementItem: statementItem(d.Statement), Lines: make([]LineBody, len(d.Lines))}
	for i, l := range d.Lines {
		lb := LineBody{Position: l.Position, Kind: l.Kind, ClaimID: l.ClaimID, CarriedFrom: l.CarriedFrom, ParticipantReference: l.ParticipantReference,
			TrajectoryID: l.TrajectoryID, ContractID: l.ContractID, MilestoneCode: l.MilestoneCode, MilestoneName: l.MilestoneName,
			AchievedOn: dateString(l.AchievedOn), Description: l.Description, NetAmount: money.String(l.NetAmount),
			VATAmount: money.String(l.VATAmount), Amount: money.String(l.Amount), Funding: make([]FundingBody, len(l.Funding))}
		if l.VATRate != nil {
			lb.VATRate = vatRate(*l.VATRate)
		}
		for j, f := range l.Funding {
			lb.Funding[j] = FundingBody{FundingStreamID: f.FundingStreamID, FundingStreamName: f.StreamName, ReportingCode: f.ReportingCode,
				BudgetID: f.BudgetID, Amount: money.String(f.Amount)}
		}
		b.Lines[i] = lb
	}
	return b
}

// runDetailBody is a run with its statements; pdfs is nil for a run whose
// statements get no PDF (a draft, a cancelled run).
func runDetailBody(d billing.RunDetail, pdfs *PDFProgressBody) PaymentRunBody {
	b := PaymentRunBody{PaymentRunItem: paymentRunItem(d.Run), PDFs: pdfs, Statements: make([]StatementBody, len(d.Statements))}
	for i, st := range d.Statements {
		b.Statements[i] = statementDetailBody(st)
	}
	return b
}

func valueOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// vatRate prints a rate without trailing zeros: 21, 9, 10.5.
func vatRate(d decimal.Decimal) string { return d.String() }

// pdfsDue reports whether the run's statements get their PDFs (from approval on).
func pdfsDue(st billing.RunState) bool {
	return st == billing.Approved || st == billing.Exported || st == billing.Paid
}

// billingExported reports whether the run's SEPA file and journal exist.
func billingExported(st billing.RunState) bool { return st == billing.Exported || st == billing.Paid }

// billingStates are the states a list may be filtered by.
var billingStates = []billing.RunState{billing.Draft, billing.Approved, billing.Exported, billing.Paid, billing.Cancelled}

// parseRunStates reads ?state=: one state, or several separated by commas.
func parseRunStates(s string) ([]billing.RunState, error) {
	allowed := make([]string, len(billingStates))
	for i, st := range billingStates {
		allowed[i] = string(st)
	}
	parts, err := oneOfEach("state", s, allowed)
	if err != nil {
		return nil, err
	}
	var out []billing.RunState
	for _, p := range parts {
		out = append(out, billing.RunState(p))
	}
	return out, nil
}

// oneOfEach reads a filter of one value, or several separated by commas,
// from a closed set: each value must be one of allowed, else the answer is
// 422 invalid_input naming the parameter and listing what it may be.
func oneOfEach(param, s string, allowed []string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !slices.Contains(allowed, part) {
			return nil, fault.Invalid(fault.Field(param, "not_allowed_value",
				fmt.Sprintf("%q is not allowed; %s is one of %s, or several separated by commas", shownName(part), param, strings.Join(allowed, ", "))))
		}
		out = append(out, part)
	}
	return out, nil
}

// parseRunPeriod reads a payment run's period, both days required; the
// error names every field that cannot be read.
func parseRunPeriod(start, end string) (time.Time, time.Time, error) {
	var errs fault.Fields
	s := parseDate(&errs, "period_start", start, true)
	e := parseDate(&errs, "period_end", end, true)
	return s, e, errs.Err()
}

// --- inputs and outputs ---

type createRunInput struct {
	Body struct {
		PeriodStart string `json:"period_start" doc:"The period's first day, YYYY-MM-DD."`
		PeriodEnd   string `json:"period_end" doc:"The period's last day, YYYY-MM-DD; claims approved up to this day are paid."`
	}
}

type createRunOutput struct {
	Status int
	Body   PaymentRunBody
}

type runOutput struct{ Body PaymentRunBody }
type runItemOutput struct{ Body PaymentRunItem }
type runsOutput struct{ Body ListBody[PaymentRunItem] }

type runListInput struct {
	ListParams
	State string `query:"state" doc:"One state, or several separated by commas: draft, approved, exported, paid, cancelled."`
}

type cancelRunInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason,omitempty" doc:"Why the draft is cancelled; kept with the run."`
	}
}

type runStatementsInput struct {
	ID uuid.UUID `path:"id"`
	ListParams
}

type statementListInput struct {
	ListParams
	RunID string `query:"run_id" doc:"Only the statements of this payment run."`
}

type statementOutput struct{ Body StatementBody }
type statementsOutput struct{ Body ListBody[StatementItem] }

// downloadOutput is a file billing produced.
type downloadOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Digest             string `header:"X-Content-SHA256"`
	Body               []byte
}

func download(f billing.File) *downloadOutput {
	return &downloadOutput{ContentType: f.ContentType, ContentDisposition: contentDisposition("attachment", f.Name), Digest: f.SHA256Hex(), Body: f.Data}
}

// downloadOp documents an operation that answers a file of contentType.
func downloadOp(path, id, summary, contentType string) huma.Operation {
	o := op(http.MethodGet, path, id, summary, "Payment runs")
	o.Responses = map[string]*huma.Response{"200": {Description: summary, Content: map[string]*huma.MediaType{contentType: {}}}}
	return o
}

func (s *Server) registerBillingAPI(api huma.API) {
	registerRoutes(api,
		route(createPaymentRunOp(), s.handleCreatePaymentRun),
		route(op(http.MethodGet, "/api/v1/payment-runs", "list-payment-runs", "List payment runs (finance, auditor)", "Payment runs"),
			s.handleListPaymentRuns),
		route(op(http.MethodGet, "/api/v1/payment-runs/{id}", "get-payment-run",
			"Get a payment run with its statements, lines, funding and PDF progress (finance, auditor)", "Payment runs"),
			s.handleGetPaymentRun),
		runAction(s, "approve", "Approve a draft (finance, not its creator): numbers the statements and starts making their PDFs",
			s.handleApprovePaymentRun),
		runAction(s, "export", "Export an approved run (finance): writes the SEPA file and the journal",
			s.handleExportPaymentRun),
		runAction(s, "confirm", "Confirm an exported run after the bank executed it (finance): the claims become paid; repeating changes nothing",
			s.handleConfirmPaymentRun),
		runAction(s, "cancel", "Cancel a draft (finance): its claims are free for a later run",
			s.handleCancelPaymentRun),
		route(downloadOp("/api/v1/payment-runs/{id}/sepa.xml", "get-payment-run-sepa",
			"The run's SEPA credit-transfer file, pain.001 (finance, auditor)", "application/xml"),
			s.handleGetPaymentRunSEPA),
		route(downloadOp("/api/v1/payment-runs/{id}/journal.csv", "get-payment-run-journal",
			"The run's journal for the municipal ledger, CSV (finance, auditor)", "text/csv"),
			s.handleGetPaymentRunJournal),
		route(op(http.MethodGet, "/api/v1/payment-runs/{id}/statements", "list-payment-run-statements",
			"The run's statements, without their lines (finance, auditor)", "Payment runs"),
			s.handleListPaymentRunStatements),
		route(op(http.MethodGet, "/api/v1/statements", "list-statements",
			"List statements (finance, auditor: all; a provider: its own, once approved)", "Statements"),
			s.handleListStatements),
		route(s.getStatementOp(), s.handleGetStatement),
		documentStatementPDF,
	)
}

func createPaymentRunOp() huma.Operation {
	o := created(op(http.MethodPost, "/api/v1/payment-runs", "create-payment-run",
		"Create a payment run for a period (finance)", "Payment runs"))
	o.Description = "Gathers every approved, unpaid claim decided up to the period's last day and every open clawback into a draft " +
		"with one statement per provider (201 Created). While a draft for the same period exists, that draft is returned " +
		"instead with 200 OK: creating is idempotent. Nothing to pay answers 409 payment_run_empty."
	return o
}

func (s *Server) handleCreatePaymentRun(ctx context.Context, in *createRunInput) (*createRunOutput, error) {
	start, end, err := parseRunPeriod(in.Body.PeriodStart, in.Body.PeriodEnd)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	d, err := s.billing.CreateRun(ctx, actorFrom(ctx), start, end)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &createRunOutput{Status: http.StatusOK, Body: runDetailBody(d, nil)}
	if d.Created {
		out.Status = http.StatusCreated
	}
	return out, nil
}

func (s *Server) handleListPaymentRuns(ctx context.Context, in *runListInput) (*runsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	states, err := parseRunStates(in.State)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.billing.ListRuns(ctx, actorFrom(ctx), billing.RunFilter{States: states, Page: page})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &runsOutput{Body: listOf(rows, next, paymentRunItem)}, nil
}

func (s *Server) handleGetPaymentRun(ctx context.Context, in *idPath) (*runOutput, error) {
	d, err := s.billing.GetRun(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	var pdfs *PDFProgressBody
	if pdfsDue(d.State) {
		done, total, err := s.statementPDFProgress(ctx, in.ID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		pdfs = &PDFProgressBody{Done: done, Total: total, Ready: done >= total}
	}
	return &runOutput{Body: runDetailBody(d, pdfs)}, nil
}

func (s *Server) handleApprovePaymentRun(ctx context.Context, in *idPath) (billing.Run, error) {
	r, err := s.billing.ApproveRun(ctx, actorFrom(ctx), in.ID)
	if err == nil {
		// Under an Idempotency-Key the approval commits after this
		// returns; the job must see it.
		database.AfterCommit(ctx, func() { s.startStatementPDFs(ctx, r.ID) })
	}
	return r, err
}

func (s *Server) handleExportPaymentRun(ctx context.Context, in *idPath) (billing.Run, error) {
	return s.billing.ExportRun(ctx, actorFrom(ctx), in.ID)
}

func (s *Server) handleConfirmPaymentRun(ctx context.Context, in *idPath) (billing.Run, error) {
	return s.billing.ConfirmRun(ctx, actorFrom(ctx), in.ID)
}

func (s *Server) handleCancelPaymentRun(ctx context.Context, in *cancelRunInput) (billing.Run, error) {
	return s.billing.CancelRun(ctx, actorFrom(ctx), in.ID, in.Body.Reason)
}

func (s *Server) handleGetPaymentRunSEPA(ctx context.Context, in *idPath) (*downloadOutput, error) {
	f, err := s.billing.RunSEPA(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return download(f), nil
}

func (s *Server) handleGetPaymentRunJournal(ctx context.Context, in *idPath) (*downloadOutput, error) {
	f, err := s.billing.RunJournal(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return download(f), nil
}

func (s *Server) handleListPaymentRunStatements(ctx context.Context, in *runStatementsInput) (*statementsOutput, error) {
	a := actorFrom(ctx)
	// Providers read their statements through /statements, never a run.
	if err := a.Require(access.ReadPayments); err != nil {
		return nil, s.fail(ctx, err)
	}
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.billing.ListStatements(ctx, a, billing.StatementFilter{RunID: &in.ID, Page: page})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if len(rows) == 0 && in.Cursor == "" {
		// Every run has a statement, so none means no such run.
		if _, _, err := s.billing.RunProgress(ctx, in.ID); err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	return statementsOut(rows, next), nil
}

func (s *Server) handleListStatements(ctx context.Context, in *statementListInput) (*statementsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	f := billing.StatementFilter{Page: page}
	if f.RunID, err = optionalUUID("run_id", in.RunID); err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.billing.ListStatements(ctx, actorFrom(ctx), f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return statementsOut(rows, next), nil
}

// getStatementOp is GET /api/v1/statements/{id}. /statements/{id}.pdf
// shares the router's {id} segment with it, so one route serves both: the
// middleware answers the PDF, the handler the JSON. The PDF is documented
// on its own (documentStatementPDF).
func (s *Server) getStatementOp() huma.Operation {
	o := op(http.MethodGet, "/api/v1/statements/{id}", "get-statement",
		"Get a statement with its lines (finance, auditor, the provider it is for)", "Statements")
	o.Middlewares = huma.Middlewares{func(hc huma.Context, next func(huma.Context)) {
		if raw, ok := strings.CutSuffix(hc.Param("id"), ".pdf"); ok {
			s.serveStatementPDF(hc, raw)
			return
		}
		next(hc)
	}}
	return o
}

func (s *Server) handleGetStatement(ctx context.Context, in *idPath) (*statementOutput, error) {
	d, err := s.billing.GetStatement(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &statementOutput{Body: statementDetailBody(d)}, nil
}

// documentStatementPDF adds GET /api/v1/statements/{id}.pdf to the
// document only; getStatementOp's middleware serves it.
func documentStatementPDF(api huma.API) {
	pdfOp := op(http.MethodGet, "/api/v1/statements/{id}.pdf", "get-statement-pdf",
		"Download a statement as PDF (finance, auditor, the provider it is for; another provider gets 404)", "Statements")
	pdfOp.Description = "A PDF not yet made in the background is rendered on the spot; the bytes are the same either way."
	pdfOp.Parameters = []*huma.Param{{Name: "id", In: "path", Required: true, Schema: &huma.Schema{Type: "string", Format: "uuid"}}}
	pdfOp.Responses = map[string]*huma.Response{
		"200": {Description: "The statement PDF", Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}},
			Headers: downloadHeaders()},
	}
	problem := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "")
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity, http.StatusInternalServerError} {
		pdfOp.Responses[strconv.Itoa(status)] = &huma.Response{Description: http.StatusText(status),
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}}
	}
	api.OpenAPI().AddOperation(&pdfOp)
}

// runAction is POST /api/v1/payment-runs/{id}/<action>; it answers the run without its statements.
func runAction[I any](s *Server, action, summary string, fn func(context.Context, *I) (billing.Run, error)) apiRoute {
	return route(op(http.MethodPost, "/api/v1/payment-runs/{id}/"+action, action+"-payment-run", summary, "Payment runs"),
		func(ctx context.Context, in *I) (*runItemOutput, error) {
			r, err := fn(ctx, in)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &runItemOutput{Body: paymentRunItem(r)}, nil
		})
}

func statementsOut(rows []billing.Statement, next string) *statementsOutput {
	return &statementsOutput{Body: listOf(rows, next, statementItem)}
}

// serveStatementPDF answers GET /api/v1/statements/{id}.pdf.
func (s *Server) serveStatementPDF(hc huma.Context, raw string) {
	ctx := hc.Context()
	id, err := uuid.Parse(raw)
	if err != nil {
		writeHumaProblem(hc, problemFromError(ctx, s.log, fault.Invalid(fault.Field("id", "invalid_uuid", "not a statement id"))))
		return
	}
	f, err := s.billing.StatementPDF(ctx, actorFrom(ctx), id)
	if err != nil {
		writeHumaProblem(hc, problemFromError(ctx, s.log, err))
		return
	}
	hc.SetHeader("Content-Type", f.ContentType)
	hc.SetHeader("Content-Disposition", contentDisposition("attachment", f.Name))
	hc.SetHeader("X-Content-SHA256", f.SHA256Hex())
	hc.SetStatus(http.StatusOK)
	_, _ = hc.BodyWriter().Write(f.Data)
}

func writeHumaProblem(hc huma.Context, p *Problem) {
	hc.SetHeader("Content-Type", "application/problem+json")
	hc.SetHeader("Cache-Control", "no-store")
	hc.SetStatus(p.Status)
	_ = json.NewEncoder(hc.BodyWriter()).Encode(p)
}
