package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
)

// FundingStreamBody is a funding stream as the API shows it.
type FundingStreamBody struct {
	ID            uuid.UUID `json:"id"`
	Funder        string    `json:"funder"`
	Name          string    `json:"name"`
	ReportingCode string    `json:"reporting_code"`
	Amount        string    `json:"amount" doc:"Euro, two decimals."`
	Allocated     string    `json:"allocated" doc:"Allocated to budgets so far."`
	Unallocated   string    `json:"unallocated" doc:"What may still be allocated."`
	Currency      string    `json:"currency" enum:"EUR"`
	ValidFrom     string    `json:"valid_from" format:"date" doc:"YYYY-MM-DD"`
	ValidTo       string    `json:"valid_to" format:"date" doc:"YYYY-MM-DD"`
	Earmark       []string  `json:"earmark" doc:"Service category codes the stream may pay for; empty when unrestricted."`
	Unrestricted  bool      `json:"unrestricted"`
	CreatedAt     time.Time `json:"created_at"`
}

func fundingStreamBody(f pooling.FundingStream) FundingStreamBody {
	b := FundingStreamBody{ID: f.ID, Funder: f.Funder, Name: f.Name, ReportingCode: f.ReportingCode,
		Amount: money.String(f.Amount), Allocated: money.String(f.Allocated), Unallocated: money.String(f.Unallocated()),
		Currency: f.Currency, ValidFrom: f.ValidFrom.Format(time.DateOnly), ValidTo: f.ValidTo.Format(time.DateOnly),
		Earmark: f.Earmark, Unrestricted: f.Unrestricted(), CreatedAt: f.CreatedAt}
	if b.Earmark == nil {
		b.Earmark = []string{}
	}
	return b
}

// fundingStreamInputBody is a new stream; every field is checked by the
// pooling service, so that each problem is reported on its field.
type fundingStreamInputBody struct {
	Funder        string   `json:"funder,omitempty"`
	Name          string   `json:"name,omitempty"`
	ReportingCode string   `json:"reporting_code,omitempty" doc:"Unique; letters, digits and . _ / -, at most 40."`
	Amount        string   `json:"amount,omitempty" doc:"Euro (\"250000.00\")."`
	Currency      string   `json:"currency,omitempty" doc:"EUR, the default."`
	ValidFrom     string   `json:"valid_from,omitempty" doc:"YYYY-MM-DD"`
	ValidTo       string   `json:"valid_to,omitempty" doc:"YYYY-MM-DD"`
	Earmark       []string `json:"earmark,omitempty" doc:"Service category codes; give these or unrestricted: true."`
	Unrestricted  bool     `json:"unrestricted,omitempty"`
}

func (b fundingStreamInputBody) input() pooling.CreateFundingStreamInput {
	return pooling.CreateFundingStreamInput{Funder: b.Funder, Name: b.Name, ReportingCode: b.ReportingCode, Amount: b.Amount,
		Currency: b.Currency, ValidFrom: b.ValidFrom, ValidTo: b.ValidTo, Earmark: b.Earmark, Unrestricted: b.Unrestricted}
}

// BudgetBody is a budget as the API shows it.
type BudgetBody struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	PeriodStart string    `json:"period_start" format:"date" doc:"YYYY-MM-DD"`
	PeriodEnd   string    `json:"period_end" format:"date" doc:"YYYY-MM-DD"`
	CreatedAt   time.Time `json:"created_at"`
}

func budgetBody(b pooling.Budget) BudgetBody {
	return BudgetBody{ID: b.ID, Name: b.Name, PeriodStart: b.PeriodStart.Format(time.DateOnly),
		PeriodEnd: b.PeriodEnd.Format(time.DateOnly), CreatedAt: b.CreatedAt}
}

type budgetInputBody struct {
	Name        string `json:"name,omitempty"`
	PeriodStart string `json:"period_start,omitempty" doc:"YYYY-MM-DD"`
	PeriodEnd   string `json:"period_end,omitempty" doc:"YYYY-MM-DD"`
}

// AllocationBody is an allocation of a stream's money into a budget.
type AllocationBody struct {
	ID                uuid.UUID `json:"id"`
	BudgetID          uuid.UUID `json:"budget_id"`
	FundingStreamID   uuid.UUID `json:"funding_stream_id"`
	FundingStreamName string    `json:"funding_stream_name"`
	ReportingCode     string    `json:"reporting_code"`
	Amount            string    `json:"amount"`
	TransactionID     uuid.UUID `json:"transaction_id" doc:"The ledger transaction that moved the money."`
	CreatedAt         time.Time `json:"created_at"`
}

func allocationBody(a pooling.Allocation) AllocationBody {
	return AllocationBody{ID: a.ID, BudgetID: a.BudgetID, FundingStreamID: a.FundingStreamID, FundingStreamName: a.StreamName,
		ReportingCode: a.ReportingCode, Amount: money.String(a.Amount), TransactionID: a.TransactionID, CreatedAt: a.CreatedAt}
}

// parseFundingStreamID reads the stream an allocation draws from; empty is
// the zero id, which pooling refuses with its own code.
func parseFundingStreamID(s string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fault.Invalid(fault.Field("funding_stream_id", "not_an_id", "not a funding stream id"))
	}
	return id, nil
}

type allocationInputBody struct {
	FundingStreamID string `json:"funding_stream_id,omitempty" doc:"The stream to allocate from."`
	Amount          string `json:"amount,omitempty" doc:"Euro (\"10000.00\")."`
}

// ReportLineBody is one budget and stream of the accountability report.
type ReportLineBody struct {
	BudgetID           *uuid.UUID `json:"budget_id,omitempty"`
	BudgetName         string     `json:"budget_name,omitempty"`
	FundingStreamID    *uuid.UUID `json:"funding_stream_id,omitempty"`
	FundingStreamName  string     `json:"funding_stream_name,omitempty"`
	Funder             string     `json:"funder,omitempty"`
	ReportingCode      string     `json:"reporting_code,omitempty"`
	Allocated          string     `json:"allocated"`
	Committed          string     `json:"committed"`
	Payable            string     `json:"payable"`
	Paid               string     `json:"paid"`
	ClawbackReceivable string     `json:"clawback_receivable"`
	Released           string     `json:"released"`
	ClawedBack         string     `json:"clawed_back"`
	Available          string     `json:"available"`
}

// ReportBody is the accountability report.
type ReportBody struct {
	Title           string           `json:"title"`
	BudgetID        *uuid.UUID       `json:"budget_id,omitempty"`
	FundingStreamID *uuid.UUID       `json:"funding_stream_id,omitempty"`
	GeneratedAt     time.Time        `json:"generated_at"`
	Lines           []ReportLineBody `json:"lines"`
	Total           ReportLineBody   `json:"total"`
}

func reportLineBody(l pooling.ReportLine, ids bool) ReportLineBody {
	b := ReportLineBody{BudgetName: l.BudgetName, FundingStreamName: l.StreamName, Funder: l.Funder, ReportingCode: l.ReportingCode,
		Allocated: money.String(l.Allocated), Committed: money.String(l.Committed), Payable: money.String(l.Payable),
		Paid: money.String(l.Paid), ClawbackReceivable: money.String(l.ClawbackReceivable), Released: money.String(l.Released),
		ClawedBack: money.String(l.ClawedBack), Available: money.String(l.Available)}
	if ids {
		budgetID, streamID := l.BudgetID, l.FundingStreamID
		b.BudgetID, b.FundingStreamID = &budgetID, &streamID
	}
	return b
}

func reportBody(r pooling.Report) ReportBody {
	b := ReportBody{Title: r.Title, BudgetID: r.BudgetID, FundingStreamID: r.FundingStreamID, GeneratedAt: r.GeneratedAt,
		Lines: []ReportLineBody{}, Total: reportLineBody(r.Total, false)}
	for _, l := range r.Lines {
		b.Lines = append(b.Lines, reportLineBody(l, true))
	}
	return b
}

type fundingStreamInput struct {
	Body fundingStreamInputBody
}
type fundingStreamOutput struct {
	Body FundingStreamBody
}
type fundingStreamsOutput struct {
	Body ListBody[FundingStreamBody]
}
type budgetInput struct {
	Body budgetInputBody
}
type budgetOutput struct {
	Body BudgetBody
}
type budgetsOutput struct {
	Body ListBody[BudgetBody]
}
type allocationInput struct {
	ID   uuid.UUID `path:"id"`
	Body allocationInputBody
}
type allocationOutput struct {
	Body AllocationBody
}
type allocationsOutput struct {
	Body ListBody[AllocationBody]
}
type reportInput struct {
	ID     uuid.UUID `path:"id"`
	Format string    `query:"format" enum:"json,csv," doc:"json (the default, also when empty) or csv."`
}

// reportOutput carries the report as JSON or CSV; the body is written as
// is, so the handler encodes it.
type reportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// encodeReport writes the report in the asked format.
func encodeReport(r pooling.Report, format, filename string) (*reportOutput, error) {
	if format == "csv" {
		var buf bytes.Buffer
		if err := pooling.WriteReportCSV(&buf, r); err != nil {
			return nil, err
		}
		return &reportOutput{ContentType: "text/csv; charset=utf-8",
			ContentDisposition: `attachment; filename="` + filename + `.csv"`, Body: buf.Bytes()}, nil
	}
	b, err := json.Marshal(reportBody(r))
	if err != nil {
		return nil, err
	}
	return &reportOutput{ContentType: "application/json", Body: b}, nil
}

// reportOperation documents both formats of a report endpoint.
func reportOperation(api huma.API, o huma.Operation) huma.Operation {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeOf(ReportBody{}), true, "")
	o.Responses = map[string]*huma.Response{
		"200": {
			Description: "The report: JSON, or CSV with ?format=csv (a header row, a row per line, a total row; amounts as 1234.50).",
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: schema},
				"text/csv":         {Schema: &huma.Schema{Type: "string"}},
			},
		},
	}
	return o
}

func (s *Server) registerPoolingAPI(api huma.API) {
	registerRoutes(api,
		route(created(op(http.MethodPost, "/api/v1/funding-streams", "create-funding-stream", "Record a funding stream", "Funding")),
			s.handleCreateFundingStream),
		route(op(http.MethodGet, "/api/v1/funding-streams", "list-funding-streams", "List funding streams", "Funding"),
			s.handleListFundingStreams),
		route(op(http.MethodGet, "/api/v1/funding-streams/{id}", "get-funding-stream", "Get a funding stream", "Funding"),
			s.handleGetFundingStream),
		route(reportOperation(api, op(http.MethodGet, "/api/v1/funding-streams/{id}/report", "get-funding-stream-report",
			"The accountability report of a funding stream, per budget", "Funding")),
			s.handleFundingStreamReport),
		route(created(op(http.MethodPost, "/api/v1/budgets", "create-budget", "Create a budget", "Funding")),
			s.handleCreateBudget),
		route(op(http.MethodGet, "/api/v1/budgets", "list-budgets", "List budgets", "Funding"),
			s.handleListBudgets),
		route(op(http.MethodGet, "/api/v1/budgets/{id}", "get-budget", "Get a budget", "Funding"),
			s.handleGetBudget),
		route(created(op(http.MethodPost, "/api/v1/budgets/{id}/allocations", "allocate", "Allocate money of a funding stream to the budget", "Funding")),
			s.handleAllocate),
		route(op(http.MethodGet, "/api/v1/budgets/{id}/allocations", "list-allocations", "The budget's allocations", "Funding"),
			s.handleListAllocations),
		route(reportOperation(api, op(http.MethodGet, "/api/v1/budgets/{id}/report", "get-budget-report",
			"The accountability report of a budget, per funding stream", "Funding")),
			s.handleBudgetReport),
	)
}

func (s *Server) handleCreateFundingStream(ctx context.Context, in *fundingStreamInput) (*fundingStreamOutput, error) {
	f, err := s.pooling.CreateFundingStream(ctx, actorFrom(ctx), in.Body.input())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &fundingStreamOutput{Body: fundingStreamBody(f)}, nil
}

func (s *Server) handleListFundingStreams(ctx context.Context, in *ListParams) (*fundingStreamsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	items, next, err := s.pooling.ListFundingStreams(ctx, actorFrom(ctx), page)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &fundingStreamsOutput{Body: listOf(items, next, fundingStreamBody)}, nil
}

func (s *Server) handleGetFundingStream(ctx context.Context, in *idPath) (*fundingStreamOutput, error) {
	f, err := s.pooling.GetFundingStream(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &fundingStreamOutput{Body: fundingStreamBody(f)}, nil
}

func (s *Server) handleFundingStreamReport(ctx context.Context, in *reportInput) (*reportOutput, error) {
	r, err := s.pooling.StreamReport(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return encodeReport(r, in.Format, "report-stream-"+in.ID.String())
}

func (s *Server) handleCreateBudget(ctx context.Context, in *budgetInput) (*budgetOutput, error) {
	b, err := s.pooling.CreateBudget(ctx, actorFrom(ctx), pooling.CreateBudgetInput{Name: in.Body.Name,
		PeriodStart: in.Body.PeriodStart, PeriodEnd: in.Body.PeriodEnd})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &budgetOutput{Body: budgetBody(b)}, nil
}

func (s *Server) handleListBudgets(ctx context.Context, in *ListParams) (*budgetsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	items, next, err := s.pooling.ListBudgets(ctx, actorFrom(ctx), page)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &budgetsOutput{Body: listOf(items, next, budgetBody)}, nil
}

func (s *Server) handleGetBudget(ctx context.Context, in *idPath) (*budgetOutput, error) {
	b, err := s.pooling.GetBudget(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &budgetOutput{Body: budgetBody(b)}, nil
}

func (s *Server) handleAllocate(ctx context.Context, in *allocationInput) (*allocationOutput, error) {
	streamID, err := parseFundingStreamID(in.Body.FundingStreamID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	a, err := s.pooling.Allocate(ctx, actorFrom(ctx), pooling.AllocateInput{BudgetID: in.ID, FundingStreamID: streamID, Amount: in.Body.Amount})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &allocationOutput{Body: allocationBody(a)}, nil
}

func (s *Server) handleListAllocations(ctx context.Context, in *idPath) (*allocationsOutput, error) {
	items, err := s.pooling.ListAllocations(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &allocationsOutput{Body: listOf(items, "", allocationBody)}, nil
}

func (s *Server) handleBudgetReport(ctx context.Context, in *reportInput) (*reportOutput, error) {
	r, err := s.pooling.Report(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return encodeReport(r, in.Format, "report-budget-"+in.ID.String())
}
