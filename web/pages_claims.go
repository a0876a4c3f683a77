package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

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
		status, ok := s.formFailure(c, err)
		if !ok {
			return
		}
		s.showClaim(c, status, func(p *claimPage) {
			for k, v := range kept {
				p.Form[action+"_"+k] = v
			}
			p.Errors = fieldErrors(p.basePage, err, errorPlace{area: "outcomes", input: prefixed(action + "_")})
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
	in, err := resubmitInputOf(form)
	if err != nil {
		return outcomes.ClaimDetail{}, err
	}
	return s.outcomes.Resubmit(c.Request.Context(), a, id, in)
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
