package web

import (
	"errors"
	"mime/multipart"
	"net/http"
	"slices"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

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
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	suffix := "-" + id.String()
	s.showReferrals(c, status, func(p *referralsPage) {
		p.Form[field+suffix] = value
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: func(f string) string {
			if f = withoutIndex(f); f == "reason" {
				f = "decline_reason"
			}
			return f + suffix
		}})
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
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showTrajectory(c, status, func(p *trajectoryPage) {
		p.Form["terminate_reason"] = reason
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: prefixed("terminate_")})
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
	achieved, note := formValue(form, "achieved_on"), formValue(form, "note")
	var created outcomes.ClaimDetail
	in, err := submitInputOf(form, id, nil)
	code := in.MilestoneCode
	if err == nil {
		created, err = s.outcomes.Submit(c.Request.Context(), a, in)
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "outcomes.flash.claimed")
		c.Redirect(http.StatusSeeOther, "/claims/"+created.ID.String())
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	suffix := "-" + code
	s.showTrajectory(c, status, func(p *trajectoryPage) {
		p.Form["achieved_on"+suffix], p.Form["note"+suffix] = achieved, note
		// The trajectory and milestone are the form's own; an error about
		// them is shown at the top.
		p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: func(f string) string {
			if f = withoutIndex(f); f == "trajectory_id" || f == "milestone_code" {
				return ""
			}
			return f + suffix
		}})
	})
}
