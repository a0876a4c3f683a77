package outcomes

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Approve approves a claim (verifier). A claim for more than the
// second-approval amount first waits for a second, different verifier.
// Final approval makes the tranche payable in the same transaction.
func (s *Service) Approve(ctx context.Context, actor access.Actor, id uuid.UUID, note string) (ClaimDetail, error) {
	return s.approve(ctx, actor, id, note, "verifier")
}

func (s *Service) approve(ctx context.Context, actor access.Actor, id uuid.UUID, note, source string) (ClaimDetail, error) {
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		// PlanApprove decides who may approve; the trajectory is locked
		// first so that a final approval and a start or expiry cannot race.
		t, err := lockTrajectory(ctx, tx, access.System("approval"), c.TrajectoryID)
		if err != nil {
			return err
		}
		m, err := loadMilestone(ctx, tx, c.TrajectoryID, c.MilestoneCode)
		if err != nil {
			return err
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		plan, err := PlanApprove(c, m, settings, actor, note, source, s.now())
		if err != nil {
			return err
		}
		action := "claim.approve_first"
		if plan.Final {
			action = "claim.approve"
			if _, err := s.pool.Accrue(ctx, tx, actor, c.TrajectoryID, c.ID, c.Amount); err != nil {
				return err
			}
			if err := setMilestones(ctx, tx, c.TrajectoryID, []string{c.MilestoneCode}, VerifiedMilestone, nil); err != nil {
				return err
			}
		}
		if err := saveClaim(ctx, tx, plan.Claim); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, plan.History, c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "claim", EntityID: c.ID.String(), Before: c, After: plan.Claim}); err != nil {
			return err
		}
		if plan.Final {
			if err := s.maybeComplete(ctx, tx, actor, t); err != nil {
				return err
			}
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// Reject rejects a claim with a reason code (verifier).
func (s *Service) Reject(ctx context.Context, actor access.Actor, id uuid.UUID, reasonCode, note string) (ClaimDetail, error) {
	if err := checkReason(reasonCode); err != nil {
		return ClaimDetail{}, err
	}
	return s.decide(ctx, actor, id, "claim.reject", func(c Claim) (Claim, HistoryEntry, error) {
		return PlanReject(c, actor, reasonCode, note, s.now())
	})
}

// RequestChanges sends a claim back to its provider for more evidence or a
// correction (verifier).
func (s *Service) RequestChanges(ctx context.Context, actor access.Actor, id uuid.UUID, note string) (ClaimDetail, error) {
	if err := checkChangesNote(note); err != nil {
		return ClaimDetail{}, err
	}
	return s.decide(ctx, actor, id, "claim.request_changes", func(c Claim) (Claim, HistoryEntry, error) {
		return PlanRequestChanges(c, actor, note, s.now())
	})
}

// decide locks a claim, lets plan decide on it, and writes and audits the
// decision as action.
func (s *Service) decide(ctx context.Context, actor access.Actor, id uuid.UUID, action string, plan func(Claim) (Claim, HistoryEntry, error)) (ClaimDetail, error) {
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		after, h, err := plan(c)
		if err != nil {
			return err
		}
		if err := saveClaim(ctx, tx, after); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, h, c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "claim", EntityID: c.ID.String(), Before: c, After: after}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// Revoke withdraws an approved or paid claim found wrong (verifier). Pooling
// claws the money back. An approved, unpaid claim's money returns to the
// commitment and the milestone may be claimed again while the trajectory is
// active and the deadline has not passed (else the money is released). A
// paid claim's money becomes a clawback that billing nets in the provider's
// next payment run, and the milestone is closed.
func (s *Service) Revoke(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (ClaimDetail, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ClaimDetail{}, fault.Invalid(fault.Field("reason", "required", "say why the claim is revoked"))
	}
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkRevocable(c, actor); err != nil {
			return err
		}
		t, err := lockTrajectory(ctx, tx, actor, c.TrajectoryID)
		if err != nil {
			return err
		}
		accrual, err := s.pool.ClawBack(ctx, tx, actor, c.ID, reason)
		if err != nil {
			return err
		}
		m, err := loadMilestone(ctx, tx, c.TrajectoryID, c.MilestoneCode)
		if err != nil {
			return err
		}
		now := s.now()
		withdrawn := accrual.Status == pooling.AccrualWithdrawn
		switch {
		case withdrawn && t.State == Active && !m.Deadline.Before(s.today()):
			// The payable money is committed again: the milestone may be claimed again.
			err = setMilestones(ctx, tx, c.TrajectoryID, []string{c.MilestoneCode}, OpenMilestone, nil)
		case withdrawn:
			// Committed again, but nothing can claim it any more: release it.
			if m.Amount.IsPositive() {
				_, err = s.pool.Release(ctx, tx, actor, t.ID, m.Amount)
			}
			if err == nil {
				err = setMilestones(ctx, tx, c.TrajectoryID, []string{c.MilestoneCode}, ReleasedMilestone, &now)
			}
		default:
			// Paid money comes back through billing's netting in the
			// provider's next run; the milestone is closed.
			err = setMilestones(ctx, tx, c.TrajectoryID, []string{c.MilestoneCode}, ReleasedMilestone, &now)
		}
		if err != nil {
			return err
		}
		prev := c.State
		after := c
		after.State, after.RevokedReason, after.UpdatedAt = Revoked, reason, now
		if err := saveClaim(ctx, tx, after); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, newHistory(actor, "revoke", &prev, Revoked, reason, now), c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.revoke", EntityType: "claim", EntityID: c.ID.String(), Before: c, After: after}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// ClaimFilter narrows a list of claims.
type ClaimFilter struct {
	Page         database.Page
	States       []string
	TrajectoryID *uuid.UUID
}

// ClaimRow is a claim in a list.
type ClaimRow struct {
	Claim
	ParticipantReference string `json:"participant_reference"`
	MilestoneName        string `json:"milestone_name"`
	ProviderName         string `json:"provider_name"`
	Overdue              bool   `json:"overdue"`
}

// ListClaims lists claims in id order; a provider sees only its own.
func (s *Service) ListClaims(ctx context.Context, actor access.Actor, f ClaimFilter) ([]ClaimRow, string, error) {
	if err := actor.Require(access.ReadClaims); err != nil {
		return nil, "", err
	}
	q := filteredClaims(ctx, s.db, actor, f)
	var rows []ClaimRow
	if err := f.Page.Apply(q, "c.id").Find(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next := database.Trim(f.Page, rows, func(r ClaimRow) uuid.UUID { return r.ID })
	s.markOverdue(rows)
	return rows, next, nil
}

// ClaimSorts are the keys a list of claims may be sorted by.
var ClaimSorts = database.NewSortKeys("c.id",
	"submitted", "c.submitted_at",
	"reference", "p.reference",
	"milestone", "m.name",
	"provider", "pr.legal_name",
	"achieved", "c.achieved_on",
	"amount", "c.amount",
	"state", "c.state",
	"due", "c.due_on")

// SortedClaims calls fn with the claims f selects that actor may see, in
// the order and on the page srt asks for (all of them, streamed, when it
// has no limit), and returns how many f selects in all. It applies the
// same rules as ListClaims: a provider sees only its own.
func (s *Service) SortedClaims(ctx context.Context, actor access.Actor, f ClaimFilter, srt database.Sort, fn func(ClaimRow) error) (int64, error) {
	if err := actor.Require(access.ReadClaims); err != nil {
		return 0, err
	}
	q := filteredClaims(ctx, s.db, actor, f)
	return database.Sorted(q, ClaimSorts, srt, func(r ClaimRow) error {
		one := []ClaimRow{r}
		s.markOverdue(one)
		return fn(one[0])
	})
}

// Queue is the verifier's work: claims waiting for a decision, the earliest
// due first, overdue ones marked.
func (s *Service) Queue(ctx context.Context, actor access.Actor, limit int) ([]ClaimRow, error) {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	var rows []ClaimRow
	err := claimRows(ctx, s.db, actor).Where("c.state IN ?", reviewStates).Order("c.due_on, c.submitted_at").Limit(limit).Find(&rows).Error
	s.markOverdue(rows)
	return rows, err
}

// QueueCounts tells how many claims wait for verification and how many of those are overdue.
func (s *Service) QueueCounts(ctx context.Context, actor access.Actor) (waiting, overdue int64, err error) {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return 0, 0, err
	}
	return queueCounts(ctx, s.db, s.today())
}

func (s *Service) markOverdue(rows []ClaimRow) {
	today := s.today()
	for i := range rows {
		rows[i].Overdue = slices.Contains(reviewStates, rows[i].State) && rows[i].DueOn.Before(today)
	}
}

// GetClaim returns a claim with its evidence list and history.
func (s *Service) GetClaim(ctx context.Context, actor access.Actor, id uuid.UUID) (ClaimDetail, error) {
	if err := actor.Require(access.ReadClaims); err != nil {
		return ClaimDetail{}, err
	}
	d, err := loadClaim(ctx, s.db, id, s.today())
	if database.ErrNotFound(err) || (err == nil && actor.IsProvider() && !actor.OwnsProvider(d.ProviderID)) {
		return ClaimDetail{}, fault.New(ClaimNotFound, "no claim %s", id)
	}
	return d, err
}

// EvidenceFile returns one evidence file with its content (verifier,
// auditor, the owning provider).
func (s *Service) EvidenceFile(ctx context.Context, actor access.Actor, claimID uuid.UUID, n int) (Evidence, error) {
	if err := actor.Require(access.ReadEvidence); err != nil {
		return Evidence{}, err
	}
	var provider *uuid.UUID
	if actor.IsProvider() {
		provider = actor.ProviderID
	}
	e, found, err := findEvidence(ctx, s.db, claimID, n, provider)
	if err != nil {
		return Evidence{}, err
	}
	if !found {
		return Evidence{}, fault.New(EvidenceNotFound, "no evidence %d on claim %s", n, claimID)
	}
	if sum := sha256.Sum256(e.Data); !bytes.Equal(sum[:], e.SHA256) || len(e.Data) != e.Size {
		return Evidence{}, fmt.Errorf("%w: evidence %d of claim %s", database.ErrStoredFileAltered, n, claimID)
	}
	return e, nil
}
