package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/money"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// registerBillingPages adds the payment run and statement pages.
func (s *Server) registerBillingPages(g *gin.RouterGroup) {
	g.GET("/payment-runs", s.paymentRunsPage)
	g.GET("/payment-runs.csv", s.paymentRunsCSV)
	g.POST("/payment-runs", s.createPaymentRun)
	g.GET("/payment-runs/:id", s.paymentRunPage)
	g.GET("/payment-runs/:id/progress", s.paymentRunProgress)
	g.GET("/payment-runs/:id/sepa.xml", s.paymentRunFile(s.billing.RunSEPA))
	g.GET("/payment-runs/:id/journal.csv", s.paymentRunFile(s.billing.RunJournal))
	for _, action := range []string{"approve", "export", "confirm", "cancel"} {
		g.POST("/payment-runs/:id/"+action, s.paymentRunAction(action))
	}
	g.GET("/statements", s.statementsPage)
	g.GET("/statements/:id/pdf", s.statementPDFDownload)
}

// billingPerPage is how many runs or statements a list page shows at once.
const billingPerPage = 100

// billingWaiting tells finance which runs wait for it (to approve, export
// or confirm) and a provider how many statements it got lately.
func (s *Server) billingWaiting(ctx context.Context, a access.Actor) ([]waitingItem, error) {
	var out []waitingItem
	if billingWrites(a) {
		var theirs, mine int64
		err := s.eachRun(ctx, a, billing.Draft, func(r billing.Run) {
			if r.MadeBy(a) {
				mine++
			} else {
				theirs++
			}
		})
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "billing.home.to_approve", Count: theirs, Href: "/payment-runs?state=draft", Alert: theirs > 0})
		if mine > 0 {
			out = append(out, waitingItem{Key: "billing.home.own_drafts", Count: mine, Href: "/payment-runs?state=draft"})
		}
		for _, w := range []struct {
			state billing.RunState
			key   string
		}{{billing.Approved, "billing.home.to_export"}, {billing.Exported, "billing.home.to_confirm"}} {
			var n int64
			if err := s.eachRun(ctx, a, w.state, func(billing.Run) { n++ }); err != nil {
				return nil, err
			}
			out = append(out, waitingItem{Key: w.key, Count: n, Href: "/payment-runs?state=" + string(w.state)})
		}
	}
	if a.IsProvider() && a.Can(access.ReadStatements) {
		today := time.Now().UTC().Truncate(24 * time.Hour)
		n, err := s.recentStatements(ctx, a, today.AddDate(0, 0, -billingRecentDays))
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "billing.home.new_statements", Count: n, Href: "/statements"})
	}
	return out, nil
}

// billingRecentDays is how long a statement counts as new on a provider's start page.
const billingRecentDays = 31

// eachRun calls fn for every run in a state that a may see, a page at a time.
func (s *Server) eachRun(ctx context.Context, a access.Actor, state billing.RunState, fn func(billing.Run)) error {
	page := database.Page{Limit: database.MaxLimit}
	for {
		rows, next, err := s.billing.ListRuns(ctx, a, billing.RunFilter{States: []billing.RunState{state}, Page: page})
		if err != nil {
			return err
		}
		for _, r := range rows {
			fn(r)
		}
		if next == "" {
			return nil
		}
		if page, err = database.ParsePage(database.MaxLimit, next); err != nil {
			return err
		}
	}
}

// recentStatements counts the statements a may see issued on or after since.
func (s *Server) recentStatements(ctx context.Context, a access.Actor, since time.Time) (int64, error) {
	var n int64
	page := database.Page{Limit: database.MaxLimit}
	for {
		rows, next, err := s.billing.ListStatements(ctx, a, billing.StatementFilter{Page: page})
		if err != nil {
			return 0, err
		}
		for _, st := range rows {
			if st.IssuedOn != nil && !st.IssuedOn.Before(since) {
				n++
			}
		}
		if next == "" {
			return n, nil
		}
		if page, err = database.ParsePage(database.MaxLimit, next); err != nil {
			return 0, err
		}
	}
}

// billingWrites reports whether a takes part in payment runs: finance, never a provider's user.
func billingWrites(a access.Actor) bool {
	return a.Can(access.WritePayments) && !a.IsProvider() && !a.Has(access.Provider)
}

// ---- what every billing page shares

// billingBase is what every billing page embeds: the base page, the
// typed-in values of its forms, and the ways these pages print billing's values.
type billingBase struct {
	basePage
	Form map[string]string
}

func (s *Server) billingBase(c *gin.Context, titleKey string) billingBase {
	return billingBase{basePage: s.base(c, titleKey), Form: map[string]string{}}
}

// DateOf prints an optional date.
func (p billingBase) DateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.Date(*t)
}

// Number is a statement's number, or "draft" in the page's language before approval.
func (p billingBase) Number(st billing.Statement) string {
	if st.Number == nil {
		return p.T("billing.statement.concept")
	}
	return *st.Number
}

// VATRate prints a line's VAT rate, or that the contract is exempt.
func (p billingBase) VATRate(r *decimal.Decimal) string {
	if r == nil {
		return p.T("billing.line.vat_exempt")
	}
	return vatRate(*r) + " %"
}

// StateClass is the badge style of a run's state; the badge always carries
// the state's name too, never colour alone.
func (p billingBase) StateClass(st billing.RunState) string {
	switch st {
	case billing.Paid:
		return "ok"
	case billing.Draft, billing.Approved, billing.Exported:
		return "warn"
	case billing.Cancelled:
		return "bad"
	}
	return ""
}

// ---- payment runs

type paymentRunsPage struct {
	billingBase
	Runs     []billing.Run
	States   []billing.RunState
	State    string
	MayWrite bool
	List     *listView
}

// paymentRunsList reads the payment runs list's filter, sort and page.
func paymentRunsList(c *gin.Context) (billing.RunFilter, *listView, error) {
	var f billing.RunFilter
	states, err := parseRunStates(c.Query("state"))
	if err != nil {
		return f, nil, err
	}
	f.States = states
	l, err := parseList(c, "/payment-runs", billing.RunSorts, "state")
	return f, l, err
}

func (s *Server) paymentRunsPage(c *gin.Context) {
	s.showPaymentRuns(c, http.StatusOK, nil)
}

func (s *Server) showPaymentRuns(c *gin.Context, status int, fill func(*paymentRunsPage)) {
	p := &paymentRunsPage{billingBase: s.billingBase(c, "billing.runs.title"), States: billingStates}
	a := *p.Actor
	if err := a.Require(access.ReadPayments); err != nil {
		s.pageError(c, err)
		return
	}
	p.MayWrite = billingWrites(a)
	f, l, err := paymentRunsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if len(f.States) == 1 {
		p.State = string(f.States[0])
	}
	p.List = l
	p.Runs = nil
	if l.Total, err = s.billing.SortedRuns(c.Request.Context(), a, f, l.Sort, func(r billing.Run) error {
		p.Runs = append(p.Runs, r)
		return nil
	}); err != nil {
		s.pageError(c, err)
		return
	}
	// The form offers the previous calendar month: runs are made after a month ends.
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.Form["period_start"] = first.AddDate(0, -1, 0).Format(time.DateOnly)
	p.Form["period_end"] = first.AddDate(0, 0, -1).Format(time.DateOnly)
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "billing_runs", p)
}

// paymentRunsCSV exports the payment runs list as filtered and sorted.
func (s *Server) paymentRunsCSV(c *gin.Context) {
	a, _ := actorOf(c)
	f, l, err := paymentRunsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "period_start", "period_end", "state", "statement_count", "total_transfer", "created_by", "created_at"}
	s.streamCSV(c, "payment-runs.csv", header, func(write func([]string) error) error {
		_, err := s.billing.SortedRuns(c.Request.Context(), a, f, l.exportSort(), func(r billing.Run) error {
			return write([]string{r.ID.String(), csvDate(r.PeriodStart), csvDate(r.PeriodEnd), string(r.State), strconv.Itoa(r.StatementCount),
				money.String(r.TotalTransfer), r.CreatedByLabel, r.CreatedAt.UTC().Format(time.RFC3339)})
		})
		return err
	})
}

func (s *Server) createPaymentRun(c *gin.Context) {
	ctx := c.Request.Context()
	a, _ := actorOf(c)
	form := map[string]string{"period_start": c.PostForm("period_start"), "period_end": c.PostForm("period_end")}
	start, end, err := parseRunPeriod(form["period_start"], form["period_end"])
	var run billing.RunDetail
	if err == nil {
		run, err = s.billing.CreateRun(ctx, a, start, end)
	}
	if err == nil {
		flash := "billing.flash.existing"
		if run.Created {
			flash = "billing.flash.created"
		}
		s.sessions.Put(ctx, "flash", flash)
		c.Redirect(http.StatusSeeOther, "/payment-runs/"+run.ID.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showPaymentRuns(c, status, func(p *paymentRunsPage) {
		p.Form = form
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "billing", input: withoutIndex})
	})
}

// billingProgress is how far the PDFs of a run's statements are.
type billingProgress struct {
	RunID       uuid.UUID
	Done, Total int
}

// Ready reports whether every statement has its PDF.
func (p billingProgress) Ready() bool { return p.Done >= p.Total }

type paymentRunPage struct {
	billingBase
	Run      billing.RunDetail
	Progress *billingProgress // nil while the run is a draft or when cancelled
	// What the reader may do with the run now.
	MayApprove, MayCancel, MayExport, MayConfirm bool
	// IsCreator: the reader made the draft, so another finance user approves it.
	IsCreator bool
	// The files there are to download.
	HasSEPA, HasJournal bool
}

func (s *Server) paymentRunPage(c *gin.Context) {
	s.showPaymentRun(c, http.StatusOK, nil)
}

func (s *Server) showPaymentRun(c *gin.Context, status int, fill func(*paymentRunPage)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := &paymentRunPage{billingBase: s.billingBase(c, "billing.run.title")}
	a := *p.Actor
	var err error
	if p.Run, err = s.billing.GetRun(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	st := p.Run.State
	if pdfsDue(st) {
		pr := &billingProgress{RunID: id}
		if pr.Done, pr.Total, err = s.statementPDFProgress(ctx, id); err != nil {
			s.pageError(c, err)
			return
		}
		p.Progress = pr
	}
	writes := billingWrites(a)
	p.IsCreator = p.Run.Run.MadeBy(a)
	p.MayApprove = writes && st == billing.Draft && !p.IsCreator
	p.MayCancel = writes && st == billing.Draft
	p.MayExport = writes && st == billing.Approved
	p.MayConfirm = writes && st == billing.Exported
	p.HasJournal = billingExported(st)
	p.HasSEPA = p.HasJournal && p.Run.TotalTransfer.IsPositive()
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "billing_run", p)
}

type paymentRunProgressPage struct {
	basePage
	Progress *billingProgress
}

// paymentRunProgress renders the progress of a run's PDFs alone, for the
// run page to poll while they are being made.
func (s *Server) paymentRunProgress(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	p := &paymentRunProgressPage{basePage: s.base(c, "billing.run.title"), Progress: &billingProgress{RunID: id}}
	if err := p.Actor.Require(access.ReadPayments); err != nil {
		s.pageError(c, err)
		return
	}
	var err error
	if p.Progress.Done, p.Progress.Total, err = s.statementPDFProgress(c.Request.Context(), id); err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	s.renderFragment(c, http.StatusOK, "billing_run", "billing-progress", p)
}

// paymentRunAction handles one of the run page's forms.
func (s *Server) paymentRunAction(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		a, _ := actorOf(c)
		kept := map[string]string{}
		var err error
		switch action {
		case "approve":
			if _, err = s.billing.ApproveRun(ctx, a, id); err == nil {
				s.startStatementPDFs(ctx, id)
			}
		case "export":
			_, err = s.billing.ExportRun(ctx, a, id)
		case "confirm":
			_, err = s.billing.ConfirmRun(ctx, a, id)
		case "cancel":
			kept["reason"] = c.PostForm("reason")
			_, err = s.billing.CancelRun(ctx, a, id, kept["reason"])
		}
		if err == nil {
			s.sessions.Put(ctx, "flash", "billing.flash."+action)
			c.Redirect(http.StatusSeeOther, "/payment-runs/"+id.String())
			return
		}
		status, ok := s.formFailure(c, err)
		if !ok {
			return
		}
		s.showPaymentRun(c, status, func(p *paymentRunPage) {
			for k, v := range kept {
				p.Form[action+"_"+k] = v
			}
			p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "billing", input: prefixed(action + "_")})
		})
	}
}

// paymentRunFile sends one of a run's files as a download.
func (s *Server) paymentRunFile(get func(context.Context, access.Actor, uuid.UUID) (billing.File, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c)
		if !ok {
			return
		}
		a, _ := actorOf(c)
		f, err := get(c.Request.Context(), a, id)
		if err != nil {
			s.pageError(c, err)
			return
		}
		s.sendBillingFile(c, f)
	}
}

func (s *Server) sendBillingFile(c *gin.Context, f billing.File) {
	c.Header("Content-Disposition", contentDisposition("attachment", f.Name))
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-SHA256", f.SHA256Hex())
	c.Data(http.StatusOK, f.ContentType, f.Data)
}

// ---- statements

type statementsPage struct {
	billingBase
	Statements []billing.Statement
	Next       string
	// MayReadRuns: the statements link to their run.
	MayReadRuns bool
}

func (s *Server) statementsPage(c *gin.Context) {
	p := &statementsPage{billingBase: s.billingBase(c, "billing.statements.title")}
	a := *p.Actor
	p.MayReadRuns = a.Can(access.ReadPayments)
	page, err := database.ParsePage(billingPerPage, c.Query("cursor"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	if p.Statements, p.Next, err = s.billing.ListStatements(c.Request.Context(), a, billing.StatementFilter{Page: page}); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "billing_statements", p)
}

// statementPDFDownload sends a statement's PDF; another provider's
// statement is not found.
func (s *Server) statementPDFDownload(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	f, err := s.billing.StatementPDF(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.sendBillingFile(c, f)
}
