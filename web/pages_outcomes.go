package web

import (
	"context"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
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
