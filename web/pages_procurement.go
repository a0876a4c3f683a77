package web

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"

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
	g.GET("/tenders/:id", s.tenderPage)
	g.POST("/tenders/:id/:action", s.tenderAction)
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
	Objections []procurement.Objection
	Reasons    []string
}

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
