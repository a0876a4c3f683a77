package web

import (
	"bytes"
	"github.com/euregio/tranche/internal/money"
	"net/http"
	"slices"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/pooling"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

// registerPoolingPages adds the funding-stream, budget and report pages.
func (s *Server) registerPoolingPages(g *gin.RouterGroup) {
	g.GET("/funding-streams", s.fundingStreamsPage)
	g.POST("/funding-streams", s.createFundingStream)
	g.GET("/funding-streams/:id/edit", s.editFundingStreamPage)
	g.POST("/funding-streams/:id", s.updateFundingStream)
	g.GET("/budgets", s.budgetsPage)
	g.POST("/budgets", s.createBudget)
	g.GET("/budgets/:id", s.budgetPage)
	g.POST("/budgets/:id/allocations", s.allocate)
	g.GET("/budgets/:id/report.csv", s.budgetReportCSV)
}

// ---- funding streams

// streamForm is the funding-stream form as typed.
type streamForm struct {
	Funder, Name, ReportingCode, Amount, ValidFrom, ValidTo string
	Earmark                                                 []string
	Unrestricted                                            bool
}

// Marked reports whether the category's box is ticked.
func (f streamForm) Marked(code string) bool { return slices.Contains(f.Earmark, code) }

func (f streamForm) input() pooling.CreateFundingStreamInput {
	return pooling.CreateFundingStreamInput{Funder: f.Funder, Name: f.Name, ReportingCode: f.ReportingCode, Amount: f.Amount,
		ValidFrom: f.ValidFrom, ValidTo: f.ValidTo, Earmark: f.Earmark, Unrestricted: f.Unrestricted}
}

type fundingStreamsPage struct {
	basePage
	Streams    []pooling.FundingStream
	Categories []contracts.Category
	Form       streamForm
	// Editing is the stream the form corrects; nil: the form adds one.
	Editing *pooling.FundingStream
}

// CategoryName is the category's name in the page's language.
func (p fundingStreamsPage) CategoryName(code string) string {
	for _, c := range p.Categories {
		if c.Code == code {
			return c.Name(p.Lang)
		}
	}
	return code
}

func (s *Server) fundingStreamsPage(c *gin.Context) {
	s.showFundingStreams(c, http.StatusOK, nil)
}

func (s *Server) showFundingStreams(c *gin.Context, status int, fill func(*fundingStreamsPage)) {
	p := &fundingStreamsPage{basePage: s.base(c, "pooling.streams.title")}
	ctx := c.Request.Context()
	items, _, err := s.pooling.ListFundingStreams(ctx, *p.Actor, database.Page{Limit: database.MaxLimit})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Streams = items
	if p.Actor.Can(access.WriteFunding) {
		if p.Categories, err = s.contracts.ListCategories(ctx, *p.Actor, false); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "pooling_streams", p)
}

// streamFormOf reads the funding-stream form as typed.
func streamFormOf(c *gin.Context) streamForm {
	return streamForm{Funder: c.PostForm("funder"), Name: c.PostForm("name"), ReportingCode: c.PostForm("reporting_code"),
		Amount: c.PostForm("amount"), ValidFrom: c.PostForm("valid_from"), ValidTo: c.PostForm("valid_to"),
		Earmark: c.PostFormArray("earmark"), Unrestricted: c.PostForm("unrestricted") != ""}
}

// editFundingStreamPage shows the streams with the form holding one
// stream's details, to correct before money of it is allocated.
func (s *Server) editFundingStreamPage(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	if err := a.Require(access.WriteFunding); err != nil {
		s.pageError(c, err)
		return
	}
	f, err := s.pooling.GetFundingStream(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.showFundingStreams(c, http.StatusOK, func(p *fundingStreamsPage) {
		p.Editing = &f
		p.Form = streamForm{Funder: f.Funder, Name: f.Name, ReportingCode: f.ReportingCode, Amount: money.String(f.Amount),
			ValidFrom: f.ValidFrom.Format(time.DateOnly), ValidTo: f.ValidTo.Format(time.DateOnly), Earmark: f.Earmark, Unrestricted: f.Unrestricted()}
	})
}

// updateFundingStream corrects an unused stream's details (the domain
// refuses a stream money was allocated from, and audits the change).
func (s *Server) updateFundingStream(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	f, err := s.pooling.GetFundingStream(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.saveFundingStream(c, &f)
}

func (s *Server) createFundingStream(c *gin.Context) { s.saveFundingStream(c, nil) }

// saveFundingStream records a new stream (editing nil) or corrects one;
// a refused form comes back with what was typed and its errors.
func (s *Server) saveFundingStream(c *gin.Context, editing *pooling.FundingStream) {
	a, _ := actorOf(c)
	form := streamFormOf(c)
	in := form.input()
	in.Amount = money.Canonical(in.Amount)
	var err error
	flash := "pooling.streams.created"
	if editing == nil {
		_, err = s.pooling.CreateFundingStream(c.Request.Context(), a, in)
	} else {
		_, err = s.pooling.UpdateFundingStream(c.Request.Context(), a, editing.ID, in)
		flash = "pooling.streams.updated"
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", flash)
		c.Redirect(http.StatusSeeOther, "/funding-streams")
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showFundingStreams(c, status, func(p *fundingStreamsPage) {
		p.Editing, p.Form = editing, form
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "pooling"})
	})
}

// ---- budgets

type budgetForm struct{ Name, PeriodStart, PeriodEnd string }

type budgetsPage struct {
	basePage
	Budgets []pooling.Budget
	Form    budgetForm
}

func (s *Server) budgetsPage(c *gin.Context) {
	s.showBudgets(c, http.StatusOK, nil)
}

func (s *Server) showBudgets(c *gin.Context, status int, fill func(*budgetsPage)) {
	p := &budgetsPage{basePage: s.base(c, "pooling.budgets.title")}
	items, _, err := s.pooling.ListBudgets(c.Request.Context(), *p.Actor, database.Page{Limit: database.MaxLimit})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Budgets = items
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "pooling_budgets", p)
}

func (s *Server) createBudget(c *gin.Context) {
	a, _ := actorOf(c)
	form := budgetForm{Name: c.PostForm("name"), PeriodStart: c.PostForm("period_start"), PeriodEnd: c.PostForm("period_end")}
	b, err := s.pooling.CreateBudget(c.Request.Context(), a, pooling.CreateBudgetInput{Name: form.Name, PeriodStart: form.PeriodStart, PeriodEnd: form.PeriodEnd})
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "pooling.budgets.created")
		c.Redirect(http.StatusSeeOther, "/budgets/"+b.ID.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showBudgets(c, status, func(p *budgetsPage) {
		p.Form = form
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "pooling"})
	})
}

// ---- one budget: allocations and the report

type allocationForm struct{ FundingStreamID, Amount string }

type budgetPage struct {
	basePage
	Budget      pooling.Budget
	Allocations []pooling.Allocation
	Report      pooling.Report
	Streams     []pooling.FundingStream // to allocate from: those with money left
	CanReport   bool
	Form        allocationForm
}

func (s *Server) budgetPage(c *gin.Context) {
	s.showBudget(c, http.StatusOK, nil)
}

func (s *Server) showBudget(c *gin.Context, status int, fill func(*budgetPage)) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	p := &budgetPage{basePage: s.base(c, "pooling.budget.title")}
	ctx := c.Request.Context()
	if p.Budget, err = s.pooling.GetBudget(ctx, *p.Actor, id); err != nil {
		s.pageError(c, err)
		return
	}
	p.Title = p.Budget.Name
	if p.Allocations, err = s.pooling.ListAllocations(ctx, *p.Actor, id); err != nil {
		s.pageError(c, err)
		return
	}
	if p.CanReport = p.Actor.Can(access.ReadReport); p.CanReport {
		if p.Report, err = s.pooling.Report(ctx, *p.Actor, id); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if p.Actor.Can(access.WriteFunding) {
		streams, _, err := s.pooling.ListFundingStreams(ctx, *p.Actor, database.Page{Limit: database.MaxLimit})
		if err != nil {
			s.pageError(c, err)
			return
		}
		for _, f := range streams {
			if f.Unallocated().IsPositive() && f.Covers(p.Budget.PeriodStart, p.Budget.PeriodEnd) {
				p.Streams = append(p.Streams, f)
			}
		}
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "pooling_budget", p)
}

func (s *Server) allocate(c *gin.Context) {
	a, _ := actorOf(c)
	budgetID, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	form := allocationForm{FundingStreamID: c.PostForm("funding_stream_id"), Amount: c.PostForm("amount")}
	in := pooling.AllocateInput{BudgetID: budgetID, Amount: money.Canonical(form.Amount)}
	in.FundingStreamID, err = parseFundingStreamID(form.FundingStreamID)
	if err == nil {
		_, err = s.pooling.Allocate(c.Request.Context(), a, in)
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "pooling.budget.allocated")
		c.Redirect(http.StatusSeeOther, "/budgets/"+budgetID.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showBudget(c, status, func(p *budgetPage) {
		p.Form = form
		// A rule about the allocation as a whole belongs beside the amount.
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "pooling", orphan: beside("amount")})
	})
}

func (s *Server) budgetReportCSV(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	r, err := s.pooling.Report(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	var buf bytes.Buffer
	if err := pooling.WriteReportCSV(&buf, r); err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="report-budget-`+id.String()+`.csv"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
