package web

import (
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// registerOutcomesPages adds the participant, trajectory, claim and verification pages.
func (s *Server) registerOutcomesPages(g *gin.RouterGroup) {
	g.GET("/participants", s.participantsPage)
	g.GET("/participants.csv", s.participantsCSV)
	g.POST("/participants", s.registerParticipant)
	g.GET("/participants/:id", s.participantPage)
	g.POST("/participants/:id/refer", s.referParticipant)

	g.GET("/referrals", s.referralsPage)
	g.GET("/trajectories", s.trajectoriesPage)
	g.GET("/trajectories.csv", s.trajectoriesCSV)
	g.GET("/trajectories/:id", s.trajectoryPage)
	g.POST("/trajectories/:id/start", s.startTrajectory)
	g.POST("/trajectories/:id/decline", s.declineTrajectory)
	g.POST("/trajectories/:id/terminate", s.terminateTrajectory)
	g.POST("/trajectories/:id/claims", s.submitClaim)

	g.GET("/claims", s.claimsPage)
	g.GET("/claims.csv", s.claimsCSV)
	g.GET("/claims/:id", s.claimPage)
	g.GET("/claims/:id/evidence/:n", s.evidenceDownload)
	for _, action := range []string{"approve", "reject", "request_changes", "resubmit", "object", "revoke"} {
		g.POST("/claims/:id/"+strings.ReplaceAll(action, "_", "-"), s.claimAction(action))
	}

	g.GET("/verify", s.verifyPage)
	g.GET("/registers/exam-results", s.registerImportPage)
	g.POST("/registers/exam-results", s.importRegister)
}

// How many rows a list page shows at once, and how many choices a form offers.
const (
	outcomesPerPage   = 100
	outcomesPickLimit = database.MaxLimit
)

// outcomesWaiting tells each role what outcomes work waits for it: a
// verifier the claims to verify (and how many are overdue), a provider the
// referrals to accept and the claims it must change, a case manager the
// referrals that have not started yet.
func (s *Server) outcomesWaiting(ctx context.Context, a access.Actor) ([]waitingItem, error) {
	var out []waitingItem
	if a.Can(access.VerifyClaims) && !a.IsProvider() {
		waiting, overdue, err := s.outcomes.QueueCounts(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "outcomes.home.to_verify", Count: waiting, Href: "/verify", Alert: overdue > 0})
		if overdue > 0 {
			out = append(out, waitingItem{Key: "outcomes.home.overdue", Count: overdue, Href: "/verify", Alert: true})
		}
	}
	if a.Can(access.StartTrajectory) || a.Can(access.Refer) {
		n, err := s.countTrajectories(ctx, a, outcomes.Referred)
		if err != nil {
			return nil, err
		}
		key := "outcomes.home.not_started"
		if a.Can(access.StartTrajectory) {
			key = "outcomes.home.referrals"
		}
		out = append(out, waitingItem{Key: key, Count: n, Href: "/referrals"})
	}
	if a.Can(access.SubmitClaims) {
		n, err := s.countClaims(ctx, a, outcomes.ChangesRequested)
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "outcomes.home.changes_requested", Count: n, Href: "/claims?status=" + outcomes.ChangesRequested, Alert: n > 0})
	}
	return out, nil
}

// countTrajectories counts the trajectories in a state that a may see, a
// page at a time (the outcomes service has lists, not counts).
func (s *Server) countTrajectories(ctx context.Context, a access.Actor, state string) (int64, error) {
	var n int64
	page := database.Page{Limit: database.MaxLimit}
	for {
		rows, next, err := s.outcomes.ListTrajectories(ctx, a, outcomes.TrajectoryFilter{Page: page, State: state})
		if err != nil {
			return 0, err
		}
		n += int64(len(rows))
		if next == "" {
			return n, nil
		}
		if page, err = database.ParsePage(database.MaxLimit, next); err != nil {
			return 0, err
		}
	}
}

// countClaims counts the claims in a state that a may see, a page at a time.
func (s *Server) countClaims(ctx context.Context, a access.Actor, state string) (int64, error) {
	var n int64
	page := database.Page{Limit: database.MaxLimit}
	for {
		rows, next, err := s.outcomes.ListClaims(ctx, a, outcomes.ClaimFilter{Page: page, States: []string{state}})
		if err != nil {
			return 0, err
		}
		n += int64(len(rows))
		if next == "" {
			return n, nil
		}
		if page, err = database.ParsePage(database.MaxLimit, next); err != nil {
			return 0, err
		}
	}
}

// ---- what every outcomes page shares

// outcomesBase is what every outcomes page embeds: the base page, the
// typed-in values of its forms (by input id) and the ways these pages print
// states, optional dates and amounts.
type outcomesBase struct {
	basePage
	Form map[string]string
}

func (s *Server) outcomesBase(c *gin.Context, titleKey string) outcomesBase {
	return outcomesBase{basePage: s.base(c, titleKey), Form: map[string]string{}}
}

// DateOf prints an optional date.
func (p outcomesBase) DateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.Date(*t)
}

// MoneyOf prints an optional amount.
func (p outcomesBase) MoneyOf(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return p.Money(*d)
}

// StateClass is the badge style of a trajectory, milestone or claim state;
// the badge always carries the state's name too, never colour alone.
func (p outcomesBase) StateClass(state string) string {
	switch state {
	case outcomes.Active, outcomes.Completed, "verified", outcomes.Approved, outcomes.Paid:
		return "ok"
	case outcomes.Referred, outcomes.ChangesRequested, outcomes.AwaitingSecondApproval, outcomes.Objected:
		return "warn"
	case outcomes.Declined, outcomes.Terminated, outcomes.Rejected, outcomes.Revoked:
		return "bad"
	}
	return ""
}

// FileSize prints a file's size in kilobytes the way the page's language writes it.
func (p outcomesBase) FileSize(n int) string {
	out := decimal.New(int64(n), 0).Div(decimal.New(1024, 0)).StringFixed(1)
	if p.Lang != "en" {
		out = strings.Replace(out, ".", ",", 1)
	}
	return out + " kB"
}

// Today is today's date as a date input writes it, the upper bound of a claim date.
func (p outcomesBase) Today() string { return time.Now().UTC().Format(time.DateOnly) }

// failure sorts an error from a form's use case: a rule the input or the
// object's state broke comes back on the form with its status; anything else
// (not found, not allowed, internal) becomes an error page.
func outcomesFailure(err error) (int, bool) {
	e, ok := fault.As(err)
	if !ok {
		return 0, false
	}
	switch {
	case e.Code.Kind == fault.KindInvalid, e.Code.Kind == fault.KindConflict, e.Code.Kind == fault.KindTooLarge,
		e.Code.Code == outcomes.OwnClaim.Code:
		return problemFor(e.Code, "", nil).Status, true
	}
	return 0, false
}

// outcomesErrors shows a domain error beside the input it names, in the
// page's language where the code has a message (the domain's messages are
// English). input turns the domain's field name into the input's id, for
// pages with several forms; an error without a field goes to the top, or
// beside the input named by orphan when that is not empty.
func outcomesErrors(p basePage, err error, input func(string) string, orphan string) formErrors {
	out := formErrors{}
	e, ok := fault.As(err)
	if !ok {
		out[""] = p.T("error.internal")
		return out
	}
	msg := func(code string, field bool) string {
		key := "outcomes.error." + code
		if m := p.T(key); m != key {
			return m
		}
		return localMessage(p, code, field)
	}
	if len(e.Fields) == 0 {
		field := orphan
		if e.Code.Code == outcomes.BSNTaken.Code {
			field = input("bsn")
		}
		out[field] = msg(e.Code.Code, false)
		return out
	}
	for _, f := range e.Fields {
		id := input(withoutIndex(f.Field))
		if _, dup := out[id]; !dup {
			out[id] = msg(f.Code, true)
		}
	}
	return out
}

func outcomesSameField(f string) string { return f }

// pathID reads the :id of a page's path; a malformed one is a page that does not exist.
func (s *Server) pathID(c *gin.Context) (uuid.UUID, bool) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return uuid.Nil, false
	}
	return id, true
}

// contractLabels names contracts by their reference for lists of trajectories.
func (s *Server) contractLabels(ctx context.Context, a access.Actor) (map[uuid.UUID]string, error) {
	items, _, err := s.contracts.ListContracts(ctx, a, contracts.ContractFilter{Page: database.Page{Limit: outcomesPickLimit}})
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]string{}
	for _, c := range items {
		out[c.ID] = c.Reference
	}
	return out, nil
}

// ---- participants

type participantsPage struct {
	outcomesBase
	Participants []outcomes.ParticipantView
	Query        string
	Genders      []string
	List         *listView
	// Personal: the reader sees names and BSNs.
	Personal bool
}

var outcomesGenders = []string{"female", "male", "other", "unknown"}

func (s *Server) participantsPage(c *gin.Context) {
	s.showParticipants(c, http.StatusOK, nil)
}

func (s *Server) showParticipants(c *gin.Context, status int, fill func(*participantsPage)) {
	p := &participantsPage{outcomesBase: s.outcomesBase(c, "outcomes.participants.title"), Query: strings.TrimSpace(c.Query("q")), Genders: outcomesGenders}
	p.Personal = p.Actor.Can(access.ReadPersonalData)
	l, err := parseList(c, "/participants", outcomes.ParticipantSorts, "q")
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.List = l
	l.Total, err = s.outcomes.SortedParticipants(c.Request.Context(), *p.Actor, outcomes.ParticipantFilter{Query: p.Query}, l.Sort,
		func(v outcomes.ParticipantView) error {
			p.Participants = append(p.Participants, v)
			return nil
		})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Form["gender"] = "unknown"
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_participants", p)
}

// participantsCSV exports the participants list as searched and sorted;
// names, dates of birth and BSNs only for who may see them.
func (s *Server) participantsCSV(c *gin.Context) {
	a, _ := actorOf(c)
	l, err := parseList(c, "/participants", outcomes.ParticipantSorts, "q")
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "reference", "registered_at"}
	personal := a.Can(access.ReadPersonalData)
	if personal {
		header = append(header, "given_names", "family_name", "date_of_birth", "gender", "bsn", "arrival_date", "status_group")
	}
	s.streamCSV(c, "participants.csv", header, func(write func([]string) error) error {
		_, err := s.outcomes.SortedParticipants(c.Request.Context(), a, outcomes.ParticipantFilter{Query: strings.TrimSpace(c.Query("q"))},
			l.exportSort(), func(v outcomes.ParticipantView) error {
				row := []string{v.ID.String(), v.Reference, v.CreatedAt.UTC().Format(time.RFC3339)}
				if personal && v.Personal != nil {
					d := v.Personal
					row = append(row, d.GivenNames, d.FamilyName, csvDateOf(d.DateOfBirth), d.Gender, d.BSN, csvDateOf(d.ArrivalDate), d.StatusGroup)
				}
				return write(row)
			})
		return err
	})
}

var outcomesParticipantFields = []string{"given_names", "family_name", "date_of_birth", "gender", "bsn", "arrival_date", "status_group"}

func (s *Server) registerParticipant(c *gin.Context) {
	a, _ := actorOf(c)
	form := map[string]string{}
	for _, f := range outcomesParticipantFields {
		form[f] = c.PostForm(f)
	}
	v, err := s.outcomes.CreateParticipant(c.Request.Context(), a, outcomes.ParticipantInput{GivenNames: form["given_names"],
		FamilyName: form["family_name"], DateOfBirth: form["date_of_birth"], Gender: form["gender"], BSN: form["bsn"],
		ArrivalDate: form["arrival_date"], StatusGroup: form["status_group"]})
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.registered")
		c.Redirect(http.StatusSeeOther, "/participants/"+v.ID.String())
		return
	}
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	s.showParticipants(c, status, func(p *participantsPage) {
		p.Form = form
		p.Errors = outcomesErrors(p.basePage, err, outcomesSameField, "")
	})
}

// referOption is one contract product a participant can be referred to.
type referOption struct {
	Value, Label string
}

// referGroup is an active contract with the products it offers.
type referGroup struct {
	Label   string
	Options []referOption
}

type participantPage struct {
	outcomesBase
	Participant  outcomes.ParticipantView
	Trajectories []outcomes.TrajectoryRow
	Contracts    map[uuid.UUID]string
	Offers       []referGroup
}

func (s *Server) participantPage(c *gin.Context) {
	s.showParticipant(c, http.StatusOK, nil)
}

func (s *Server) showParticipant(c *gin.Context, status int, fill func(*participantPage)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := &participantPage{outcomesBase: s.outcomesBase(c, "outcomes.participant.title")}
	a := *p.Actor
	var err error
	if p.Participant, err = s.outcomes.GetParticipant(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	if a.Can(access.ReadTrajectories) {
		if p.Trajectories, _, err = s.outcomes.ListTrajectories(ctx, a, outcomes.TrajectoryFilter{Page: database.Page{Limit: outcomesPickLimit}, ParticipantID: &id}); err != nil {
			s.pageError(c, err)
			return
		}
		if p.Contracts, err = s.contractLabels(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if a.Can(access.Refer) {
		if p.Offers, err = s.referOffers(ctx, a); err != nil {
			s.pageError(c, err)
			return
		}
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_participant", p)
}

// referOffers lists the products of every active contract.
func (s *Server) referOffers(ctx context.Context, a access.Actor) ([]referGroup, error) {
	items, _, err := s.contracts.ListContracts(ctx, a, contracts.ContractFilter{Status: contracts.Active, Page: database.Page{Limit: outcomesPickLimit}})
	if err != nil {
		return nil, err
	}
	var out []referGroup
	for _, ct := range items {
		d, err := s.contracts.GetContract(ctx, a, ct.ID)
		if err != nil {
			return nil, err
		}
		g := referGroup{Label: fmt.Sprintf("%s · %s · %s", ct.Reference, ct.ProviderName, ct.Title)}
		for _, pr := range d.Current.Products {
			g.Options = append(g.Options, referOption{Value: ct.ID.String() + "/" + pr.Code, Label: pr.Code + " · " + pr.Name})
		}
		if len(g.Options) > 0 {
			out = append(out, g)
		}
	}
	return out, nil
}

func (s *Server) referParticipant(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	offer, note := c.PostForm("offer"), c.PostForm("note")
	contractID, product, _ := strings.Cut(offer, "/")
	in := outcomes.ReferInput{ParticipantID: id, ProductCode: product, Note: note}
	in.ContractID, _ = uuid.Parse(contractID)
	_, err := s.outcomes.Refer(c.Request.Context(), a, in)
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.referred")
		c.Redirect(http.StatusSeeOther, "/participants/"+id.String())
		return
	}
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	s.showParticipant(c, status, func(p *participantPage) {
		p.Form["offer"], p.Form["note"] = offer, note
		// The contract and its product are one choice on the page.
		p.Errors = outcomesErrors(p.basePage, err, func(f string) string {
			if f == "contract_id" || f == "product_code" {
				return "offer"
			}
			return f
		}, "offer")
	})
}

// ---- referrals and trajectories

type referralsPage struct {
	outcomesBase
	Referrals []outcomes.TrajectoryRow
	Contracts map[uuid.UUID]string
	Next      string
}

func (s *Server) referralsPage(c *gin.Context) {
	s.showReferrals(c, http.StatusOK, nil)
}

func (s *Server) showReferrals(c *gin.Context, status int, fill func(*referralsPage)) {
	ctx := c.Request.Context()
	p := &referralsPage{outcomesBase: s.outcomesBase(c, "outcomes.referrals.title")}
	page, err := database.ParsePage(outcomesPerPage, c.Query("cursor"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	if p.Referrals, p.Next, err = s.outcomes.ListTrajectories(ctx, *p.Actor, outcomes.TrajectoryFilter{Page: page, State: outcomes.Referred}); err != nil {
		s.pageError(c, err)
		return
	}
	if p.Contracts, err = s.contractLabels(ctx, *p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	for _, r := range p.Referrals {
		p.Form["start_date-"+r.ID.String()] = p.Today()
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_referrals", p)
}

func (s *Server) startTrajectory(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	raw := c.PostForm("start_date")
	d, err := dateParam("start_date", raw, true)
	if err == nil {
		_, err = s.outcomes.Start(c.Request.Context(), a, id, d)
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.started")
		c.Redirect(http.StatusSeeOther, "/trajectories/"+id.String())
		return
	}
	s.referralFailed(c, err, id, "start_date", raw)
}

func (s *Server) declineTrajectory(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	reason := c.PostForm("reason")
	_, err := s.outcomes.Decline(c.Request.Context(), a, id, reason)
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.declined")
		c.Redirect(http.StatusSeeOther, "/referrals")
		return
	}
	s.referralFailed(c, err, id, "decline_reason", reason)
}

// referralFailed shows the referrals again with the error beside the row's input.
func (s *Server) referralFailed(c *gin.Context, err error, id uuid.UUID, field, value string) {
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	suffix := "-" + id.String()
	s.showReferrals(c, status, func(p *referralsPage) {
		p.Form[field+suffix] = value
		p.Errors = outcomesErrors(p.basePage, err, func(f string) string {
			if f == "reason" {
				f = "decline_reason"
			}
			return f + suffix
		}, "")
	})
}

type trajectoriesPage struct {
	outcomesBase
	Trajectories []outcomes.TrajectoryRow
	Contracts    map[uuid.UUID]string
	States       []string
	State        string
	List         *listView
}

var outcomesTrajectoryStates = []string{outcomes.Referred, outcomes.Active, outcomes.Completed, outcomes.Terminated, outcomes.Declined}

// trajectoriesList reads the trajectories list's filter, sort and page.
func trajectoriesList(c *gin.Context) (outcomes.TrajectoryFilter, *listView, error) {
	f := outcomes.TrajectoryFilter{State: c.Query("state")}
	if f.State != "" && !slices.Contains(outcomesTrajectoryStates, f.State) {
		return f, nil, fault.Invalid(fault.Field("state", "state_unknown", "no such state"))
	}
	l, err := parseList(c, "/trajectories", outcomes.TrajectorySorts, "state")
	return f, l, err
}

func (s *Server) trajectoriesPage(c *gin.Context) {
	ctx := c.Request.Context()
	p := &trajectoriesPage{outcomesBase: s.outcomesBase(c, "outcomes.trajectories.title"), States: outcomesTrajectoryStates, State: c.Query("state")}
	f, l, err := trajectoriesList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.List = l
	l.Total, err = s.outcomes.SortedTrajectories(ctx, *p.Actor, f, l.Sort, func(r outcomes.TrajectoryRow) error {
		p.Trajectories = append(p.Trajectories, r)
		return nil
	})
	if err != nil {
		s.pageError(c, err)
		return
	}
	if p.Contracts, err = s.contractLabels(ctx, *p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_trajectories", p)
}

// trajectoriesCSV exports the trajectories list as filtered and sorted.
func (s *Server) trajectoriesCSV(c *gin.Context) {
	a, _ := actorOf(c)
	f, l, err := trajectoriesList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "participant_reference", "contract_id", "product_code", "state", "referred_at", "start_date", "end_date", "price"}
	s.streamCSV(c, "trajectories.csv", header, func(write func([]string) error) error {
		_, err := s.outcomes.SortedTrajectories(c.Request.Context(), a, f, l.exportSort(), func(r outcomes.TrajectoryRow) error {
			price := ""
			if r.Price != nil {
				price = money.String(*r.Price)
			}
			return write([]string{r.ID.String(), r.ParticipantReference, r.ContractID.String(), r.ProductCode, r.State,
				r.ReferredAt.UTC().Format(time.RFC3339), csvDateOf(r.StartDate), csvDateOf(r.EndDate), price})
		})
		return err
	})
}

// trajectoryMilestoneRow is a milestone of a trajectory with its latest claim,
// whether the reader may claim it now, and the names of the prerequisites
// that must be verified before it can be claimed.
type trajectoryMilestoneRow struct {
	outcomes.TrajectoryMilestone
	Claim     *outcomes.ClaimRow
	Claimable bool
	Needs     []string
}

type trajectoryPage struct {
	outcomesBase
	Trajectory outcomes.TrajectoryDetail
	Contract   contracts.ContractDetail
	Milestones []trajectoryMilestoneRow
	Claims     []outcomes.ClaimRow
	// MayReadParticipant: the reference links to the participant's page.
	MayReadParticipant bool
}

func (s *Server) trajectoryPage(c *gin.Context) {
	s.showTrajectory(c, http.StatusOK, nil)
}

func (s *Server) showTrajectory(c *gin.Context, status int, fill func(*trajectoryPage)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	p := &trajectoryPage{outcomesBase: s.outcomesBase(c, "outcomes.trajectory.title")}
	a := *p.Actor
	var err error
	if p.Trajectory, err = s.outcomes.GetTrajectory(ctx, a, id); err != nil {
		s.pageError(c, err)
		return
	}
	if p.Contract, err = s.contracts.GetContract(ctx, a, p.Trajectory.ContractID); err != nil {
		s.pageError(c, err)
		return
	}
	if a.Can(access.ReadClaims) {
		if p.Claims, _, err = s.outcomes.ListClaims(ctx, a, outcomes.ClaimFilter{Page: database.Page{Limit: outcomesPickLimit}, TrajectoryID: &id}); err != nil {
			s.pageError(c, err)
			return
		}
	}
	p.MayReadParticipant = a.Can(access.ReadParticipants) &&
		(!a.IsProvider() || p.Trajectory.State == outcomes.Referred || p.Trajectory.State == outcomes.Active)
	canClaim := a.Can(access.SubmitClaims) && p.Trajectory.State == outcomes.Active
	for _, m := range p.Trajectory.Milestones {
		row := trajectoryMilestoneRow{TrajectoryMilestone: m}
		live := false
		for i := range p.Claims {
			cl := &p.Claims[i]
			if cl.MilestoneCode != m.Code {
				continue
			}
			// Claims come in id order, so the last is the latest.
			row.Claim = cl
			live = live || (cl.State != outcomes.Rejected && cl.State != outcomes.Revoked)
		}
		if canClaim && m.State == "open" && !live {
			// Offer the form only once the prerequisites are verified; the
			// service refuses the claim otherwise anyway.
			for _, pre := range m.Prerequisites {
				i := slices.IndexFunc(p.Trajectory.Milestones, func(o outcomes.TrajectoryMilestone) bool { return o.Code == pre })
				switch {
				case i < 0:
					row.Needs = append(row.Needs, pre)
				case p.Trajectory.Milestones[i].State != "verified":
					row.Needs = append(row.Needs, p.Trajectory.Milestones[i].Name)
				}
			}
			row.Claimable = len(row.Needs) == 0
		}
		p.Milestones = append(p.Milestones, row)
	}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_trajectory", p)
}

func (s *Server) terminateTrajectory(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	reason := c.PostForm("reason")
	_, err := s.outcomes.Terminate(c.Request.Context(), a, id, reason)
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.terminated")
		c.Redirect(http.StatusSeeOther, "/trajectories/"+id.String())
		return
	}
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	s.showTrajectory(c, status, func(p *trajectoryPage) {
		p.Form["terminate_reason"] = reason
		p.Errors = outcomesErrors(p.basePage, err, func(f string) string { return "terminate_" + f }, "")
	})
}

// multipartForm reads a multipart form; the caller removes its files.
func outcomesMultipartForm(c *gin.Context) (*multipart.Form, error) {
	form, err := c.MultipartForm()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, fault.New(bodyTooLarge, "the upload is larger than %d bytes", tooLarge.Limit)
		}
		return nil, fault.New(fault.MalformedInput, "the form cannot be read: send it as multipart/form-data")
	}
	return form, nil
}

func (s *Server) submitClaim(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	a, _ := actorOf(c)
	form, err := outcomesMultipartForm(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	defer form.RemoveAll()
	code := strings.TrimSpace(formValue(form, "milestone_code"))
	achieved, note := formValue(form, "achieved_on"), formValue(form, "note")
	var created outcomes.ClaimDetail
	d, err := dateParam("achieved_on", achieved, true)
	if err == nil {
		var files []outcomes.File
		if files, err = formFiles(form, "evidence"); err == nil {
			created, err = s.outcomes.Submit(c.Request.Context(), a, outcomes.SubmitInput{TrajectoryID: id, MilestoneCode: code,
				AchievedOn: d, Note: note, Evidence: files})
		}
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.claimed")
		c.Redirect(http.StatusSeeOther, "/claims/"+created.ID.String())
		return
	}
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	suffix := "-" + code
	s.showTrajectory(c, status, func(p *trajectoryPage) {
		p.Form["achieved_on"+suffix], p.Form["note"+suffix] = achieved, note
		// The trajectory and milestone are the form's own; an error about
		// them is shown at the top.
		p.Errors = outcomesErrors(p.basePage, err, func(f string) string {
			if f == "trajectory_id" || f == "milestone_code" {
				return ""
			}
			return f + suffix
		}, "")
	})
}

// ---- claims

type claimsPage struct {
	outcomesBase
	Claims []outcomes.ClaimRow
	States []string
	State  string
	List   *listView
}

var outcomesClaimStates = []string{outcomes.Submitted, outcomes.ChangesRequested, outcomes.AwaitingSecondApproval, outcomes.Approved,
	outcomes.Rejected, outcomes.Objected, outcomes.Paid, outcomes.Revoked}

// claimsList reads the claims list's filter, sort and page.
func claimsList(c *gin.Context) (outcomes.ClaimFilter, *listView, error) {
	var f outcomes.ClaimFilter
	if st := c.Query("status"); st != "" {
		if !slices.Contains(outcomesClaimStates, st) {
			return f, nil, fault.Invalid(fault.Field("status", "state_unknown", "no such state"))
		}
		f.States = []string{st}
	}
	l, err := parseList(c, "/claims", outcomes.ClaimSorts, "status")
	return f, l, err
}

func (s *Server) claimsPage(c *gin.Context) {
	p := &claimsPage{outcomesBase: s.outcomesBase(c, "outcomes.claims.title"), States: outcomesClaimStates, State: c.Query("status")}
	f, l, err := claimsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.List = l
	l.Total, err = s.outcomes.SortedClaims(c.Request.Context(), *p.Actor, f, l.Sort, func(r outcomes.ClaimRow) error {
		p.Claims = append(p.Claims, r)
		return nil
	})
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_claims", p)
}

// claimsCSV exports the claims list as filtered and sorted.
func (s *Server) claimsCSV(c *gin.Context) {
	a, _ := actorOf(c)
	f, l, err := claimsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "participant_reference", "milestone", "provider", "achieved_on", "amount", "state", "due_on", "overdue", "submitted_at"}
	s.streamCSV(c, "claims.csv", header, func(write func([]string) error) error {
		_, err := s.outcomes.SortedClaims(c.Request.Context(), a, f, l.exportSort(), func(r outcomes.ClaimRow) error {
			return write([]string{r.ID.String(), r.ParticipantReference, r.MilestoneName, r.ProviderName, csvDate(r.AchievedOn),
				money.String(r.Amount), r.State, csvDate(r.DueOn), strconv.FormatBool(r.Overdue), r.SubmittedAt.UTC().Format(time.RFC3339)})
		})
		return err
	})
}

type claimPage struct {
	outcomesBase
	Claim   outcomes.ClaimDetail
	Reasons []string
	// What the reader may do with the claim now.
	MayDecide, MayRequestChanges, MayRevoke, MayResubmit, MayObject, MayReadEvidence bool
}

// RejectReason is the reason code of a rejection, "" when there is none.
func (p claimPage) RejectReason() string {
	if p.Claim.ReasonCode == nil {
		return ""
	}
	return *p.Claim.ReasonCode
}

func (s *Server) claimPage(c *gin.Context) {
	s.showClaim(c, http.StatusOK, nil)
}

func (s *Server) showClaim(c *gin.Context, status int, fill func(*claimPage)) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	p := &claimPage{outcomesBase: s.outcomesBase(c, "outcomes.claim.title"), Reasons: outcomes.RejectionReasons}
	a := *p.Actor
	var err error
	if p.Claim, err = s.outcomes.GetClaim(c.Request.Context(), a, id); err != nil {
		s.pageError(c, err)
		return
	}
	st := p.Claim.State
	verifier := a.Can(access.VerifyClaims) && !a.IsProvider()
	p.MayDecide = verifier && (st == outcomes.Submitted || st == outcomes.AwaitingSecondApproval || st == outcomes.Objected)
	p.MayRequestChanges = verifier && (st == outcomes.Submitted || st == outcomes.AwaitingSecondApproval)
	p.MayRevoke = verifier && (st == outcomes.Approved || st == outcomes.Paid)
	p.MayResubmit = a.Can(access.SubmitClaims) && st == outcomes.ChangesRequested
	p.MayObject = a.Can(access.SubmitClaims) && st == outcomes.Rejected && p.Claim.ObjectedAt == nil
	p.MayReadEvidence = a.Can(access.ReadEvidence)
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "outcomes_claim", p)
}

// claimAction handles one of the claim page's forms. Each form's inputs are
// named after the service's fields and their ids carry the action, so that
// an error shows beside the right form's input.
func (s *Server) claimAction(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c)
		if !ok {
			return
		}
		ctx := c.Request.Context()
		a, _ := actorOf(c)
		kept := map[string]string{}
		var d outcomes.ClaimDetail
		var err error
		switch action {
		case "approve":
			kept["note"] = c.PostForm("note")
			d, err = s.outcomes.Approve(ctx, a, id, kept["note"])
		case "reject":
			kept["reason_code"], kept["note"] = c.PostForm("reason_code"), c.PostForm("note")
			d, err = s.outcomes.Reject(ctx, a, id, kept["reason_code"], kept["note"])
		case "request_changes":
			kept["note"] = c.PostForm("note")
			d, err = s.outcomes.RequestChanges(ctx, a, id, kept["note"])
		case "object":
			kept["note"] = c.PostForm("note")
			d, err = s.outcomes.Object(ctx, a, id, kept["note"])
		case "revoke":
			kept["reason"] = c.PostForm("reason")
			d, err = s.outcomes.Revoke(ctx, a, id, kept["reason"])
		case "resubmit":
			d, err = s.resubmit(c, a, id, kept)
		}
		if err == nil {
			flash := "outcomes.flash." + action
			if d.State == outcomes.AwaitingSecondApproval {
				flash = "outcomes.flash.approve_first"
			}
			s.sessions.Put(ctx, "flash", flash)
			c.Redirect(http.StatusSeeOther, "/claims/"+id.String())
			return
		}
		status, ok := outcomesFailure(err)
		if !ok {
			s.pageError(c, err)
			return
		}
		s.showClaim(c, status, func(p *claimPage) {
			for k, v := range kept {
				p.Form[action+"_"+k] = v
			}
			p.Errors = outcomesErrors(p.basePage, err, func(f string) string { return action + "_" + f }, "")
		})
	}
}

// resubmit reads the multipart resubmission form into kept and sends it on.
func (s *Server) resubmit(c *gin.Context, a access.Actor, id uuid.UUID, kept map[string]string) (outcomes.ClaimDetail, error) {
	form, err := outcomesMultipartForm(c)
	if err != nil {
		return outcomes.ClaimDetail{}, err
	}
	defer form.RemoveAll()
	kept["achieved_on"], kept["note"] = formValue(form, "achieved_on"), formValue(form, "note")
	d, err := dateParam("achieved_on", kept["achieved_on"], false)
	if err != nil {
		return outcomes.ClaimDetail{}, err
	}
	files, err := formFiles(form, "evidence")
	if err != nil {
		return outcomes.ClaimDetail{}, err
	}
	return s.outcomes.Resubmit(c.Request.Context(), a, id, outcomes.ResubmitInput{AchievedOn: d, Note: kept["note"], Evidence: files})
}

// evidenceDownload streams one evidence file for viewing in the browser.
// Its type was recognised from its content at upload, so the browser may
// show it inline; another provider's file is not found.
func (s *Server) evidenceDownload(c *gin.Context) {
	id, ok := s.pathID(c)
	if !ok {
		return
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n < 1 {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	a, _ := actorOf(c)
	e, err := s.outcomes.EvidenceFile(c.Request.Context(), a, id, n)
	if err != nil {
		s.pageError(c, err)
		return
	}
	c.Header("Content-Disposition", contentDisposition("inline", e.Filename))
	c.Header("Cache-Control", "private, no-store")
	c.Header("X-Content-SHA256", e.SHA256Hex())
	c.Data(http.StatusOK, e.ContentType, e.Data)
}

// ---- verification

type verifyPage struct {
	outcomesBase
	Claims           []outcomes.ClaimRow
	Waiting, Overdue int64
}

func (s *Server) verifyPage(c *gin.Context) {
	ctx := c.Request.Context()
	p := &verifyPage{outcomesBase: s.outcomesBase(c, "outcomes.verify.title")}
	var err error
	if p.Claims, err = s.outcomes.Queue(ctx, *p.Actor, 500); err != nil {
		s.pageError(c, err)
		return
	}
	if p.Waiting, p.Overdue, err = s.outcomes.QueueCounts(ctx, *p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_verify", p)
}

type registerImportPage struct {
	outcomesBase
	Result *outcomes.ImportResult
}

// Reason names why a register row verified nothing, in the page's language
// where there is a message for it.
func (p registerImportPage) Reason(r outcomes.UnmatchedRow) string {
	// A row the approval refused carries the refusal's error code.
	for _, key := range []string{"outcomes.register.reason." + r.Reason, "outcomes.error." + r.Reason} {
		if m := p.T(key); m != key {
			return m
		}
	}
	return r.Reason + ": " + r.Detail
}

func (s *Server) registerImportPage(c *gin.Context) {
	p := &registerImportPage{outcomesBase: s.outcomesBase(c, "outcomes.register.title")}
	if err := mayImportRegister(*p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "outcomes_register", p)
}

func mayImportRegister(a access.Actor) error {
	if err := a.Require(access.VerifyClaims); err != nil {
		return err
	}
	if a.IsProvider() {
		return fault.New(fault.Forbidden, "providers never verify claims")
	}
	return nil
}

func (s *Server) importRegister(c *gin.Context) {
	p := &registerImportPage{outcomesBase: s.outcomesBase(c, "outcomes.register.title")}
	if err := mayImportRegister(*p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	res, err := s.importFile(c, *p.Actor)
	if err == nil {
		p.Result = &res
		p.Flash = p.T("outcomes.flash.imported")
		s.render(c, http.StatusOK, "outcomes_register", p)
		return
	}
	status, ok := outcomesFailure(err)
	if !ok {
		s.pageError(c, err)
		return
	}
	p.Errors = outcomesErrors(p.basePage, err, func(string) string { return "file" }, "file")
	s.render(c, status, "outcomes_register", p)
}

func (s *Server) importFile(c *gin.Context, a access.Actor) (outcomes.ImportResult, error) {
	form, err := outcomesMultipartForm(c)
	if err != nil {
		return outcomes.ImportResult{}, err
	}
	defer form.RemoveAll()
	files := form.File["file"]
	if len(files) == 0 {
		return outcomes.ImportResult{}, fault.Invalid(fault.Field("file", "required", "choose a CSV file"))
	}
	f, err := files[0].Open()
	if err != nil {
		return outcomes.ImportResult{}, err
	}
	defer f.Close()
	return s.outcomes.ImportExamResults(c.Request.Context(), a, files[0].Filename, f)
}
