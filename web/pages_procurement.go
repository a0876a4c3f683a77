package web

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// registerProcurementPages adds the tender, lot and bid pages. Every
// action is a small form that posts and comes back to the tender's or the
// lot's page, with the refusal at the top when the use case says no.
func (s *Server) registerProcurementPages(g *gin.RouterGroup) {
	g.GET("/tenders", s.tendersPage)
	g.GET("/tenders/new", s.newTenderPage)
	g.POST("/tenders/new", s.createTenderPage)
	g.GET("/tenders/:id", s.tenderPage)
	g.POST("/tenders/:id/:action", s.tenderAction)
	g.GET("/tenders/:id/opening.pdf", s.openingPDFPage)
	g.GET("/bids/:id/notice.pdf", s.noticePDFPage)
	g.GET("/bids/:id/attachments/:n", s.bidAttachmentPage)
	g.GET("/lots/:id", s.lotPage)
	g.POST("/lots/:id/bids", s.submitBidPage)
	g.POST("/lots/:id/award", s.lotAction("award"))
	g.POST("/lots/:id/award/approve", s.lotAction("approve"))
	g.POST("/bids/:id/:action", s.bidAction)
	g.POST("/questions/:id/answer", s.answerQuestionPage)
	g.POST("/objections/:id/decide", s.decideObjectionPage)
}

// procurementPlace puts a procurement refusal at the top of the page.
var procurementPlace = errorPlace{area: "procurement", orphan: func(string) string { return "" }, input: func(string) string { return "" }}

type tendersPage struct {
	basePage
	Tenders []procurement.Tender
	State   string
	States  []procurement.State
}

func (s *Server) tendersPage(c *gin.Context) {
	p := &tendersPage{basePage: s.base(c, "procurement.page.tenders"), State: c.Query("state"), States: procurement.States}
	items, _, err := s.procurement.ListTenders(c.Request.Context(), *p.Actor, procurement.TenderFilter{State: procurement.State(p.State), Page: database.Page{Limit: database.MaxLimit}})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Tenders = items
	s.render(c, http.StatusOK, "procurement_tenders", p)
}

// lotView is a lot with what the reader has to do with it.
type lotView struct {
	procurement.Lot
	OwnBid *procurement.BidDetail
	Notice *procurement.Notice
	// Applications are an open house's, for procurement, with where each
	// one's admission stands ("", pending, admitted).
	Applications []procurement.Bid
	Admission    map[uuid.UUID]string
}

type tenderPage struct {
	basePage
	Tender     procurement.TenderDetail
	Lots       []lotView
	Questions  []procurement.Question
	Opening    *procurement.Opening
	Evaluators []procurement.Evaluator
	Objections []procurement.Objection
	Quality    []procurement.Criterion // the criteria a bid answers
}

// State is the tender's state as a translated word.
func (p tenderPage) StateName(st procurement.State) string {
	return p.T("procurement.state." + string(st))
}

// OnCommittee says whether the evaluator with id sits on the committee.
func (p tenderPage) OnCommittee(id uuid.UUID) bool { return slices.Contains(p.Tender.Evaluators, id) }

// Amount prints an amount for an input field.
func (p tenderPage) Amount(d decimal.Decimal) string { return money.String(d) }

func (s *Server) tenderPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.showTender(c, id, http.StatusOK, nil)
}

func (s *Server) showTender(c *gin.Context, id uuid.UUID, status int, errs formErrors) {
	ctx := c.Request.Context()
	p := &tenderPage{basePage: s.base(c, "procurement.page.tender")}
	if errs != nil {
		p.Errors = errs
	}
	a := *p.Actor
	d, err := s.procurement.GetTender(ctx, a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Tender, p.Title = d, d.Reference+" — "+d.Title
	for _, cr := range d.Criteria {
		if cr.Kind != procurement.PriceCriterion {
			p.Quality = append(p.Quality, cr)
		}
	}
	if p.Questions, err = s.procurement.Questions(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	var own []procurement.Bid
	if a.IsProvider() {
		if own, err = s.procurement.OwnBids(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	for _, l := range d.Lots {
		v := lotView{Lot: l}
		if i := slices.IndexFunc(own, func(b procurement.Bid) bool { return b.LotID == l.ID }); i >= 0 {
			if b, err := s.procurement.GetBid(ctx, a, own[i].ID); err == nil {
				v.OwnBid = &b
				if n, err := s.procurement.Notice(ctx, a, b.ID); err == nil {
					v.Notice = &n
				}
			}
		}
		if d.Procedure == procurement.OpenHouse && a.Can(access.WriteTenders) {
			if v.Applications, err = s.procurement.ListBids(ctx, a, l.ID); err != nil {
				s.pageError(c, err)
				return
			}
			if v.Admission, err = s.procurement.ApplicationStates(ctx, a, l.ID); err != nil {
				s.pageError(c, err)
				return
			}
		}
		p.Lots = append(p.Lots, v)
	}
	if d.OpenedAt != nil && !a.IsProvider() {
		if o, err := s.procurement.OpeningRecord(ctx, a, id); err == nil {
			p.Opening = &o
		}
	}
	if a.Can(access.WriteTenders) {
		if p.Evaluators, err = s.procurement.Evaluators(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if p.Objections, err = s.procurement.Objections(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, status, "procurement_tender", p)
}

// done ends a page action: a flash and back to where it came from, or the
// refusal at the top of that page.
func (s *Server) done(c *gin.Context, err error, flash string, back func(status int, errs formErrors)) {
	if err != nil {
		status, ok := s.formFailure(c, err)
		if !ok {
			return
		}
		back(status, fieldErrors(s.base(c, "procurement.page.tender"), err, procurementPlace))
		return
	}
	s.sessions.Put(c.Request.Context(), "flash", flash)
	back(0, nil)
}

// toTender answers with the tender's page: a redirect after a success, the
// page with the refusal after a failure.
func (s *Server) toTender(c *gin.Context, id uuid.UUID) func(int, formErrors) {
	return func(status int, errs formErrors) {
		if errs == nil {
			c.Redirect(http.StatusSeeOther, "/tenders/"+id.String())
			return
		}
		s.showTender(c, id, status, errs)
	}
}

func (s *Server) toLot(c *gin.Context, id uuid.UUID) func(int, formErrors) {
	return func(status int, errs formErrors) {
		if errs == nil {
			c.Redirect(http.StatusSeeOther, "/lots/"+id.String())
			return
		}
		s.showLot(c, id, status, errs)
	}
}

func (s *Server) tenderAction(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx, a := c.Request.Context(), actorOrZero(c)
	var err error
	switch c.Param("action") {
	case "publish":
		_, err = s.procurement.PublishTender(ctx, a, id)
	case "cancel":
		_, err = s.procurement.CancelTender(ctx, a, id, strings.TrimSpace(c.PostForm("reason")))
	case "open":
		_, err = s.procurement.OpenTender(ctx, a, id)
	case "evaluate":
		_, err = s.procurement.CompleteEvaluation(ctx, a, id)
	case "conclude":
		_, err = s.procurement.Conclude(ctx, a, id)
	case "committee":
		var members []uuid.UUID
		for _, raw := range c.PostFormArray("members") {
			if m, perr := uuid.Parse(raw); perr == nil {
				members = append(members, m)
			}
		}
		_, err = s.procurement.SetCommittee(ctx, a, id, members)
	case "questions":
		_, err = s.procurement.AskQuestion(ctx, a, id, c.PostForm("question"))
	default:
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	s.done(c, err, "procurement.flash."+c.Param("action"), s.toTender(c, id))
}

func actorOrZero(c *gin.Context) access.Actor {
	a, _ := actorOf(c)
	return a
}

func (s *Server) answerQuestionPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	q, err := s.procurement.AnswerQuestion(c.Request.Context(), actorOrZero(c), id, c.PostForm("answer"))
	tender, _ := uuid.Parse(c.PostForm("tender_id"))
	if err == nil {
		tender = q.TenderID
	}
	s.done(c, err, "procurement.flash.answer", s.toTender(c, tender))
}

// submitBidPage takes a bid form (multipart, with PDF attachments per criterion).
func (s *Server) submitBidPage(c *gin.Context) {
	lot, ok := s.pathID(c)
	if !ok {
		return
	}
	tender, _ := uuid.Parse(c.PostForm("tender_id"))
	form, err := outcomesMultipartForm(c)
	if err != nil {
		s.done(c, err, "", s.toTender(c, tender))
		return
	}
	defer form.RemoveAll()
	value := func(name string) string { return strings.TrimSpace(formValue(form, name)) }
	tender, _ = uuid.Parse(value("tender_id"))
	var errs fault.Fields
	in := procurement.BidInput{LotID: lot, Capacity: parseContractCount(&errs, "capacity", value("capacity")),
		VATExempt: value("vat_treatment") != "rate", Declaration: value("declaration") != "", Answers: map[string]string{}}
	if p := value("price"); p != "" {
		in.Price = money.ParseLocalField(&errs, "price", p, false)
	}
	if !in.VATExempt {
		in.VATRate = parseContractPercent(&errs, "vat_rate", value("vat_rate"))
	}
	for name, vs := range form.Value {
		if code, ok := strings.CutPrefix(name, "answer."); ok && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			in.Answers[code] = vs[0]
		}
	}
	for name, fhs := range form.File {
		code, ok := strings.CutPrefix(name, "attach.")
		if !ok {
			continue
		}
		for _, fh := range fhs {
			if fh.Size > procurement.MaxAttachmentBytes {
				s.done(c, &fault.Error{Code: procurement.AttachmentTooLarge, Detail: fh.Filename + " is larger than 10 MB"}, "", s.toTender(c, tender))
				return
			}
			f, err := fh.Open()
			if err != nil {
				s.pageError(c, err)
				return
			}
			data, err := io.ReadAll(io.LimitReader(f, procurement.MaxAttachmentBytes+1))
			f.Close()
			if err != nil {
				s.pageError(c, err)
				return
			}
			in.Attachments = append(in.Attachments, procurement.Attachment{Criterion: code, Name: fh.Filename, Data: data})
		}
	}
	if err := errs.Err(); err != nil {
		s.done(c, err, "", s.toTender(c, tender))
		return
	}
	_, err = s.procurement.SubmitBid(c.Request.Context(), actorOrZero(c), in)
	s.done(c, err, "procurement.flash.bid", s.toTender(c, tender))
}

// bidAction is one of a bid's small forms; it comes back to the tender
// (the bidder's actions) or the lot (procurement's and the committee's).
func (s *Server) bidAction(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx, a := c.Request.Context(), actorOrZero(c)
	tender, _ := uuid.Parse(c.PostForm("tender_id"))
	lot, _ := uuid.Parse(c.PostForm("lot_id"))
	back := s.toLot(c, lot)
	if lot == uuid.Nil {
		back = s.toTender(c, tender)
	}
	var err error
	switch c.Param("action") {
	case "withdraw":
		_, err = s.procurement.WithdrawBid(ctx, a, id)
	case "confirm":
		_, err = s.procurement.ConfirmBid(ctx, a, id)
	case "objections":
		_, err = s.procurement.LodgeObjection(ctx, a, id, c.PostForm("text"))
	case "exclude":
		_, err = s.procurement.ExcludeBid(ctx, a, id, c.PostForm("reason"), c.PostForm("note"))
	case "admit":
		_, err = s.procurement.AdmitApplication(ctx, a, id)
	case "refuse":
		_, err = s.procurement.RefuseApplication(ctx, a, id, c.PostForm("note"))
	case "scores", "consensus":
		var errs fault.Fields
		score := parseContractPercent(&errs, "score", c.PostForm("score"))
		if err = errs.Err(); err == nil && score == nil {
			err = fault.Invalid(fault.Field("score", procurement.ScoreInvalid.Code, "a score from 0 to 10"))
		}
		if err == nil && c.Param("action") == "scores" {
			_, err = s.procurement.ScoreBid(ctx, a, id, c.PostForm("criterion"), *score, c.PostForm("note"))
		} else if err == nil {
			_, err = s.procurement.RecordConsensus(ctx, a, id, c.PostForm("criterion"), *score, c.PostForm("rationale"))
		}
	default:
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	s.done(c, err, "procurement.flash."+c.Param("action"), back)
}

func (s *Server) decideObjectionPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	lot, _ := uuid.Parse(c.PostForm("lot_id"))
	_, err := s.procurement.DecideObjection(c.Request.Context(), actorOrZero(c), id, c.PostForm("decision"), c.PostForm("note"))
	s.done(c, err, "procurement.flash.decide", s.toLot(c, lot))
}

type lotPage struct {
	basePage
	Tender     procurement.TenderDetail
	Eval       procurement.LotEvaluation
	Details    map[uuid.UUID]procurement.BidDetail // the bids' answers and attachments
	Objections []procurement.Objection
	Reasons    []string
}

// Detail is a bid with its answers and attachments.
func (p lotPage) Detail(id uuid.UUID) procurement.BidDetail { return p.Details[id] }

// Score is what the reader sees of one score: "" when hidden or not given.
func (p lotPage) Score(bid uuid.UUID, criterion uuid.UUID, evaluator uuid.UUID) string {
	for _, s := range p.Eval.Scores {
		if s.BidID == bid && s.CriterionID == criterion && s.EvaluatorID == evaluator {
			return s.Score.StringFixed(2)
		}
	}
	return ""
}

// MyScore is the reader's own score of a bid on a criterion.
func (p lotPage) MyScore(bid, criterion uuid.UUID) string {
	return p.Score(bid, criterion, p.Actor.UserID)
}

// Consensus is the committee's score of a bid on a criterion, or "".
func (p lotPage) Consensus(bid, criterion uuid.UUID) string {
	for _, c := range p.Eval.Consensus {
		if c.BidID == bid && c.CriterionID == criterion {
			return c.Score.StringFixed(2)
		}
	}
	return ""
}

// Bidder names a ranked bid.
func (p lotPage) Bidder(bid uuid.UUID) string {
	for _, b := range p.Eval.Bids {
		if b.ID == bid {
			return b.ProviderName
		}
	}
	return ""
}

// OnCommittee says whether the reader scores this tender.
func (p lotPage) OnCommittee() bool { return slices.Contains(p.Tender.Evaluators, p.Actor.UserID) }

// Quality lists the criteria the committee scores.
func (p lotPage) Quality() []procurement.Criterion {
	var out []procurement.Criterion
	for _, c := range p.Tender.Criteria {
		if c.Kind == procurement.QualityCriterion {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) lotPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	s.showLot(c, id, http.StatusOK, nil)
}

func (s *Server) showLot(c *gin.Context, id uuid.UUID, status int, errs formErrors) {
	ctx := c.Request.Context()
	p := &lotPage{basePage: s.base(c, "procurement.page.lot"), Reasons: procurement.ExclusionReasons}
	if errs != nil {
		p.Errors = errs
	}
	e, err := s.procurement.Evaluation(ctx, *p.Actor, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if p.Tender, err = s.procurement.GetTender(ctx, *p.Actor, e.Lot.TenderID); err != nil {
		s.pageError(c, err)
		return
	}
	p.Eval = e
	p.Details = map[uuid.UUID]procurement.BidDetail{}
	for _, b := range e.Bids {
		if p.Details[b.ID], err = s.procurement.GetBid(ctx, *p.Actor, b.ID); err != nil {
			s.pageError(c, err)
			return
		}
	}
	p.Title = p.Tender.Reference + " — " + p.T("procurement.page.lot_number", "Number", e.Lot.Number)
	all, err := s.procurement.Objections(ctx, *p.Actor, p.Tender.ID)
	if err != nil {
		s.pageError(c, err)
		return
	}
	for _, o := range all {
		if o.LotID == id {
			p.Objections = append(p.Objections, o)
		}
	}
	s.render(c, status, "procurement_lot", p)
}

func (s *Server) lotAction(step string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c)
		if !ok {
			return
		}
		var err error
		call := map[string]func(context.Context, access.Actor, uuid.UUID) (procurement.LotEvaluation, error){
			"award": s.procurement.ProposeAward, "approve": s.procurement.ApproveAward}[step]
		_, err = call(c.Request.Context(), actorOrZero(c), id)
		s.done(c, err, "procurement.flash."+step, s.toLot(c, id))
	}
}

// ---- a new draft tender

// Rows the new-tender form offers; blank rows are dropped.
const (
	tenderCriterionRows = 4
	tenderMilestoneRows = 6
)

// tenderForm is the new-tender form as typed: the terms, the criteria and
// one lot with its schedule (more lots are added through the API). Field
// names are the domain's field paths, so that errors find their inputs.
type tenderForm struct {
	Values map[string]string
}

// V is the typed value of a field.
func (f tenderForm) V(name string) string { return f.Values[name] }

type newTenderPage struct {
	basePage
	Form       tenderForm
	Budgets    []contractOption
	Categories []contractOption
	Domains    []string
	Criteria   []int
	Milestones []int
}

func (s *Server) newTenderPage(c *gin.Context) {
	s.showTenderForm(c, http.StatusOK, tenderForm{Values: map[string]string{"procedure": "open", "criteria[0].code": "price",
		"criteria[0].kind": "price", "lots[0].awardees": "1"}}, nil)
}

func (s *Server) showTenderForm(c *gin.Context, status int, form tenderForm, err error) {
	ctx := c.Request.Context()
	p := &newTenderPage{basePage: s.base(c, "procurement.new.title"), Form: form, Domains: contracts.OutcomeDomains}
	if e := p.Actor.Require(access.WriteTenders); e != nil {
		s.pageError(c, e)
		return
	}
	for i := range tenderCriterionRows {
		p.Criteria = append(p.Criteria, i)
	}
	for i := range tenderMilestoneRows {
		p.Milestones = append(p.Milestones, i)
	}
	budgets, _, e := s.pooling.ListBudgets(ctx, *p.Actor, database.Page{Limit: contractsPickLimit})
	if e != nil {
		s.pageError(c, e)
		return
	}
	for _, b := range budgets {
		p.Budgets = append(p.Budgets, contractOption{b.ID.String(), b.Name})
	}
	cats, e := s.contracts.ListCategories(ctx, *p.Actor, false)
	if e != nil {
		s.pageError(c, e)
		return
	}
	for _, cat := range cats {
		p.Categories = append(p.Categories, contractOption{cat.Code, cat.Name(p.Lang)})
	}
	if err != nil {
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "procurement"})
	}
	s.render(c, status, "procurement_new", p)
}

// tenderFormFields are the form's single fields.
var tenderFormFields = []string{"reference", "title", "description", "procedure", "budget_id", "publication_date", "questions_deadline",
	"submission_deadline", "contract_start", "contract_end", "bid_validity_days", "standstill_days",
	"lots[0].title", "lots[0].category_code", "lots[0].volume", "lots[0].max_price", "lots[0].awardees"}

func tenderFormOf(c *gin.Context) tenderForm {
	f := tenderForm{Values: map[string]string{}}
	names := slices.Clone(tenderFormFields)
	for i := range tenderCriterionRows {
		for _, k := range []string{"code", "name", "kind", "weight"} {
			names = append(names, indexed("criteria", i)+"."+k)
		}
	}
	for i := range tenderMilestoneRows {
		for _, k := range []string{"code", "name", "outcome_domain", "share", "deadline_months", "prerequisites", "evidence_required", "evidence_kinds"} {
			names = append(names, indexed("lots[0].milestones", i)+"."+k)
		}
	}
	for _, n := range names {
		f.Values[n] = strings.TrimSpace(c.PostForm(n))
	}
	return f
}

// indexed is the field path of a list's i-th entry.
func indexed(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// amsterdamMoment reads a datetime-local input as the municipality's time.
func amsterdamMoment(errs *fault.Fields, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, amsterdam)
	if err != nil {
		errs.Add(field, "not_a_moment", "a date and time such as 2026-03-09T12:00")
	}
	return t.UTC()
}

// input reads the form; blank criterion and milestone rows are dropped,
// the domain checks the rest.
func (f tenderForm) input() (procurement.TenderInput, error) {
	var errs fault.Fields
	v := f.V
	in := procurement.TenderInput{Reference: v("reference"), Title: v("title"), Description: v("description"), Procedure: procurement.Procedure(v("procedure"))}
	if raw := v("budget_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			errs.Add("budget_id", procurement.BudgetUnknown.Code, "no such budget")
		}
		in.BudgetID = id
	}
	in.PublicationDate = parseDate(&errs, "publication_date", v("publication_date"), false)
	in.ContractStart = parseDate(&errs, "contract_start", v("contract_start"), false)
	in.ContractEnd = parseDate(&errs, "contract_end", v("contract_end"), false)
	in.QuestionsDeadline = amsterdamMoment(&errs, "questions_deadline", v("questions_deadline"))
	in.SubmissionDeadline = amsterdamMoment(&errs, "submission_deadline", v("submission_deadline"))
	for _, n := range []string{"bid_validity_days", "standstill_days"} {
		if v(n) != "" {
			days := parseContractCount(&errs, n, v(n))
			if n == "bid_validity_days" {
				in.BidValidityDays = &days
			} else {
				in.StandstillDays = &days
			}
		}
	}
	for i := range tenderCriterionRows {
		cf := indexed("criteria", i)
		if v(cf+".code")+v(cf+".name")+v(cf+".weight") == "" {
			continue
		}
		ci := procurement.CriterionInput{Code: v(cf + ".code"), Name: v(cf + ".name"), Kind: v(cf + ".kind")}
		if w := parseContractPercent(&errs, cf+".weight", v(cf+".weight")); w != nil {
			ci.Weight = *w
		}
		in.Criteria = append(in.Criteria, ci)
	}
	lot := procurement.LotInput{Title: v("lots[0].title"), CategoryCode: v("lots[0].category_code"),
		Volume: parseContractCount(&errs, "lots[0].volume", v("lots[0].volume")), MaxPrice: parseContractAmount(&errs, "lots[0].max_price", v("lots[0].max_price"))}
	if v("lots[0].awardees") != "" {
		lot.Awardees = parseContractCount(&errs, "lots[0].awardees", v("lots[0].awardees"))
	}
	for i := range tenderMilestoneRows {
		mf := indexed("lots[0].milestones", i)
		if v(mf+".code")+v(mf+".name")+v(mf+".share") == "" {
			continue
		}
		m := contracts.Milestone{Code: v(mf + ".code"), Name: v(mf + ".name"), OutcomeDomain: v(mf + ".outcome_domain"),
			EvidenceRequired: v(mf+".evidence_required") != "", Prerequisites: splitContractCodes(v(mf + ".prerequisites")),
			EvidenceKinds: splitContractCodes(v(mf + ".evidence_kinds"))}
		m.Share = parseContractPercent(&errs, mf+".share", v(mf+".share"))
		m.DeadlineMonths = parseContractCount(&errs, mf+".deadline_months", v(mf+".deadline_months"))
		lot.Milestones = append(lot.Milestones, m)
	}
	in.Lots = []procurement.LotInput{lot}
	return in, errs.Err()
}

func (s *Server) createTenderPage(c *gin.Context) {
	form := tenderFormOf(c)
	in, err := form.input()
	if err == nil {
		var d procurement.TenderDetail
		if d, err = s.procurement.CreateTender(c.Request.Context(), actorOrZero(c), in); err == nil {
			s.sessions.Put(c.Request.Context(), "flash", "procurement.flash.created")
			c.Redirect(http.StatusSeeOther, "/tenders/"+d.ID.String())
			return
		}
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showTenderForm(c, status, form, err)
}

// ---- downloads on the pages (the API has its own, for tokens)

func (s *Server) sendPDF(c *gin.Context, out *pdfOutput, err error) {
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", out.ContentDisposition)
	c.Header("X-Content-SHA256", out.Digest)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, out.ContentType, out.Body)
}

func (s *Server) openingPDFPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	o, err := s.procurement.OpeningRecord(c.Request.Context(), actorOrZero(c), id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	out, err := pdfAnswer("proces-verbaal-opening-"+o.Reference+".pdf", openingDocument(s.translator("nl"), o))
	s.sendPDF(c, out, err)
}

func (s *Server) noticePDFPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	n, err := s.procurement.Notice(c.Request.Context(), actorOrZero(c), id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	lang := c.Query("lang")
	if !slices.Contains(Languages, lang) {
		lang = requestLang(c)
	}
	out, err := pdfAnswer("notice-"+n.Reference+"-lot-"+strconv.Itoa(n.LotNumber)+".pdf", noticeDocument(s.translator(lang), n))
	s.sendPDF(c, out, err)
}

func (s *Server) bidAttachmentPage(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	a, data, err := s.procurement.BidAttachment(c.Request.Context(), actorOrZero(c), id, n)
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", contentDisposition("attachment", a.Filename))
	c.Header("X-Content-SHA256", a.SHA256)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", data)
}
