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

// RejectionReasons are the reason codes a verifier chooses from.
var RejectionReasons = []string{"insufficient_evidence", "not_achieved", "date_incorrect", "duplicate", "not_eligible", "other"}

// reviewStates are the states in which a verifier decides.
var reviewStates = []string{Submitted, AwaitingSecondApproval, Objected}

// mayVerify checks that actor may decide on c: a verifier, a person (never
// a command or job, so every decision has someone the four-eyes rule can
// tell apart), never a provider, never the person who submitted it.
func mayVerify(actor access.Actor, c Claim) error {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return err
	}
	if actor.IsSystem() {
		return fault.New(fault.Forbidden, "a decision on a claim is taken by a verifier, not by a command")
	}
	if actor.IsProvider() {
		return fault.New(fault.Forbidden, "providers never verify claims")
	}
	if c.SubmittedBy != nil && *c.SubmittedBy == actor.UserID {
		return fault.New(OwnClaim, "you submitted this claim; another verifier must decide")
	}
	return nil
}

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
		if err := mayVerify(actor, c); err != nil {
			return err
		}
		if !slices.Contains(reviewStates, c.State) {
			return fault.New(ClaimState, "the claim is %s; it cannot be approved now", c.State)
		}
		if err := s.approveLocked(ctx, tx, actor, c, strings.TrimSpace(note), source); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// approveLocked approves a locked claim in review.
func (s *Service) approveLocked(ctx context.Context, tx *gorm.DB, actor access.Actor, c Claim, note, source string) error {
	settings, err := loadSettings(ctx, tx)
	if err != nil {
		return err
	}
	now := s.now()
	before := c
	from := c.State
	me := userID(actor)
	// Four eyes whatever the source: a register match above the limit is a
	// first approval like a verifier's, and waits for a different person.
	if c.Amount.GreaterThan(settings.SecondApprovalAbove) && c.State != AwaitingSecondApproval {
		c.State, c.FirstApprovedBy, c.UpdatedAt = AwaitingSecondApproval, me, now
		if err := tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": c.State, "first_approved_by": me, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := addHistory(ctx, tx, actor, c.ID, "approve_first", &from, c.State, note, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "claim.approve_first", EntityType: "claim", EntityID: c.ID.String(), Before: before, After: c})
	}
	if c.State == AwaitingSecondApproval && (me == nil || c.FirstApprovedBy == nil || *c.FirstApprovedBy == *me) {
		return fault.New(SecondApproverSame, "you gave the first approval; a different verifier gives the second")
	}
	t, err := lockTrajectory(ctx, tx, access.System("approval"), c.TrajectoryID)
	if err != nil {
		return err
	}
	var m TrajectoryMilestone
	if err := tx.Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Take(&m).Error; err != nil {
		return err
	}
	if m.State != "open" {
		return fault.New(ClaimState, "milestone %s is %s; its money cannot be made payable", m.Code, m.State)
	}
	if _, err := s.pool.Accrue(ctx, tx, actor, c.TrajectoryID, c.ID, c.Amount); err != nil {
		return err
	}
	if err := tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Update("state", "verified").Error; err != nil {
		return err
	}
	c.State, c.DecidedBy, c.DecidedAt, c.DecisionNote, c.Source, c.UpdatedAt = Approved, me, &now, note, source, now
	if err := tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": Approved, "decided_by": me, "decided_at": now,
		"decision_note": note, "source": source, "reason_code": nil, "updated_at": now}).Error; err != nil {
		return err
	}
	if err := addHistory(ctx, tx, actor, c.ID, "approve", &from, Approved, note, now); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.approve", EntityType: "claim", EntityID: c.ID.String(), Before: before, After: c}); err != nil {
		return err
	}
	return s.maybeComplete(ctx, tx, actor, t)
}

// Reject rejects a claim with a reason code (verifier).
func (s *Service) Reject(ctx context.Context, actor access.Actor, id uuid.UUID, reasonCode, note string) (ClaimDetail, error) {
	if !slices.Contains(RejectionReasons, reasonCode) {
		return ClaimDetail{}, fault.Invalid(fault.Field("reason_code", ReasonCodeUnknown.Code, "choose one of "+strings.Join(RejectionReasons, ", ")))
	}
	return s.decide(ctx, actor, id, reviewStates, Rejected, "reject", strings.TrimSpace(note), &reasonCode)
}

// RequestChanges sends a claim back to its provider for more evidence or a
// correction (verifier).
func (s *Service) RequestChanges(ctx context.Context, actor access.Actor, id uuid.UUID, note string) (ClaimDetail, error) {
	if strings.TrimSpace(note) == "" {
		return ClaimDetail{}, fault.Invalid(fault.Field("note", "required", "tell the provider what to change"))
	}
	return s.decide(ctx, actor, id, []string{Submitted, AwaitingSecondApproval}, ChangesRequested, "request_changes", strings.TrimSpace(note), nil)
}

func (s *Service) decide(ctx context.Context, actor access.Actor, id uuid.UUID, from []string, to, action, note string, reason *string) (ClaimDetail, error) {
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if err := mayVerify(actor, c); err != nil {
			return err
		}
		if !slices.Contains(from, c.State) {
			return fault.New(ClaimState, "the claim is %s", c.State)
		}
		now := s.now()
		before := c
		prev := c.State
		c.State, c.DecidedBy, c.DecidedAt, c.DecisionNote, c.ReasonCode, c.UpdatedAt = to, userID(actor), &now, note, reason, now
		if err := tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": to, "decided_by": c.DecidedBy,
			"decided_at": now, "decision_note": note, "reason_code": reason, "first_approved_by": nil, "updated_at": now}).Error; err != nil {
			return err
		}
		histNote := note
		if reason != nil {
			histNote = strings.TrimSpace(*reason + ": " + note)
		}
		if err := addHistory(ctx, tx, actor, c.ID, action, &prev, to, histNote, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim." + action, EntityType: "claim", EntityID: c.ID.String(), Before: before, After: c}); err != nil {
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
		if err := actor.Require(access.VerifyClaims); err != nil {
			return err
		}
		if actor.IsProvider() {
			return fault.New(fault.Forbidden, "providers never revoke claims")
		}
		if c.State != Approved && c.State != Paid {
			return fault.New(ClaimState, "the claim is %s; only approved or paid claims can be revoked", c.State)
		}
		if c.State == Approved && c.PaymentRunID != nil {
			return fault.New(ClaimInPayment, "the claim is in payment run %s, which finance approved; revoke it once the run is confirmed", *c.PaymentRunID)
		}
		t, err := lockTrajectory(ctx, tx, actor, c.TrajectoryID)
		if err != nil {
			return err
		}
		accrual, err := s.pool.ClawBack(ctx, tx, actor, c.ID, reason)
		if err != nil {
			return err
		}
		var m TrajectoryMilestone
		if err := tx.Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Take(&m).Error; err != nil {
			return err
		}
		withdrawn := accrual.Status == pooling.AccrualWithdrawn
		switch {
		case withdrawn && t.State == Active && !m.Deadline.Before(s.today()):
			// The payable money is committed again: the milestone may be claimed again.
			err = tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Update("state", "open").Error
		case withdrawn:
			// Committed again, but nothing can claim it any more: release it.
			if err = tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Update("state", "open").Error; err == nil {
				_, err = s.releaseOpenCodes(ctx, tx, actor, t.ID, c.MilestoneCode)
			}
		default:
			// Paid money comes back through billing's netting in the
			// provider's next run; the milestone is closed.
			err = tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).
				Updates(map[string]any{"state": "released", "released_at": s.now()}).Error
		}
		if err != nil {
			return err
		}
		now := s.now()
		before := c
		prev := c.State
		c.State, c.RevokedReason, c.UpdatedAt = Revoked, reason, now
		if err := tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": Revoked, "revoked_reason": reason, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := addHistory(ctx, tx, actor, c.ID, "revoke", &prev, Revoked, reason, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.revoke", EntityType: "claim", EntityID: c.ID.String(), Before: before, After: c}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// releaseOpenCodes releases one open milestone's money.
func (s *Service) releaseOpenCodes(ctx context.Context, tx *gorm.DB, actor access.Actor, trajectoryID uuid.UUID, code string) (bool, error) {
	var m TrajectoryMilestone
	if err := tx.Where("trajectory_id = ? AND code = ? AND state = 'open'", trajectoryID, code).Take(&m).Error; err != nil {
		if database.ErrNotFound(err) {
			return false, nil
		}
		return false, err
	}
	if m.Amount.IsPositive() {
		if _, err := s.pool.Release(ctx, tx, actor, trajectoryID, m.Amount); err != nil {
			return false, err
		}
	}
	return true, tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code = ?", trajectoryID, code).
		Updates(map[string]any{"state": "released", "released_at": s.now()}).Error
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
	q := s.claimRows(ctx, actor)
	if len(f.States) > 0 {
		q = q.Where("c.state IN ?", f.States)
	}
	if f.TrajectoryID != nil {
		q = q.Where("c.trajectory_id = ?", *f.TrajectoryID)
	}
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
	q := s.claimRows(ctx, actor)
	if len(f.States) > 0 {
		q = q.Where("c.state IN ?", f.States)
	}
	if f.TrajectoryID != nil {
		q = q.Where("c.trajectory_id = ?", *f.TrajectoryID)
	}
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
	err := s.claimRows(ctx, actor).Where("c.state IN ?", reviewStates).Order("c.due_on, c.submitted_at").Limit(limit).Find(&rows).Error
	s.markOverdue(rows)
	return rows, err
}

// QueueCounts tells how many claims wait for verification and how many of those are overdue.
func (s *Service) QueueCounts(ctx context.Context, actor access.Actor) (waiting, overdue int64, err error) {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return 0, 0, err
	}
	var r struct{ Waiting, Overdue int64 }
	err = s.db.WithContext(ctx).Raw(`SELECT count(*) AS waiting, count(*) FILTER (WHERE due_on < ?) AS overdue FROM claims WHERE state IN ?`,
		s.today(), reviewStates).Scan(&r).Error
	return r.Waiting, r.Overdue, err
}

func (s *Service) claimRows(ctx context.Context, actor access.Actor) *gorm.DB {
	q := s.db.WithContext(ctx).Table("claims c").
		Select("c.*, p.reference AS participant_reference, m.name AS milestone_name, pr.legal_name AS provider_name").
		Joins("JOIN trajectories t ON t.id = c.trajectory_id").
		Joins("JOIN participants p ON p.id = t.participant_id").
		Joins("JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code").
		Joins("JOIN providers pr ON pr.id = c.provider_id")
	if actor.IsProvider() {
		q = q.Where("c.provider_id = ?", *actor.ProviderID)
	}
	return q
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
	var e Evidence
	res := s.db.WithContext(ctx).Table("evidence e").Select("e.*").Joins("JOIN claims c ON c.id = e.claim_id").
		Where("e.claim_id = ? AND e.n = ?", claimID, n)
	if actor.IsProvider() {
		res = res.Where("c.provider_id = ?", *actor.ProviderID)
	}
	r := res.Limit(1).Find(&e)
	if r.Error != nil {
		return Evidence{}, r.Error
	}
	if r.RowsAffected == 0 {
		return Evidence{}, fault.New(EvidenceNotFound, "no evidence %d on claim %s", n, claimID)
	}
	if sum := sha256.Sum256(e.Data); !bytes.Equal(sum[:], e.SHA256) || len(e.Data) != e.Size {
		return Evidence{}, fmt.Errorf("%w: evidence %d of claim %s", database.ErrStoredFileAltered, n, claimID)
	}
	return e, nil
}
