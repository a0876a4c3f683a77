package outcomes

import (
	"context"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Claim states (see docs/outcomes.md for the diagram).
const (
	Submitted              = "submitted"
	ChangesRequested       = "changes_requested"
	AwaitingSecondApproval = "awaiting_second_approval"
	Approved               = "approved"
	Rejected               = "rejected"
	Objected               = "objected"
	Paid                   = "paid"
	Revoked                = "revoked"
)

// Claim is a provider's claim that a milestone was achieved.
type Claim struct {
	ID              uuid.UUID       `json:"id"`
	TrajectoryID    uuid.UUID       `json:"trajectory_id"`
	MilestoneCode   string          `json:"milestone_code"`
	ProviderID      uuid.UUID       `json:"provider_id"`
	State           string          `json:"state"`
	Amount          decimal.Decimal `json:"amount"`
	AchievedOn      time.Time       `json:"achieved_on"`
	Note            string          `json:"note"`
	Source          string          `json:"source"`
	SubmittedBy     *uuid.UUID      `json:"-"`
	SubmittedAt     time.Time       `json:"submitted_at"`
	DueOn           time.Time       `json:"due_on"`
	FirstApprovedBy *uuid.UUID      `json:"-"`
	DecidedBy       *uuid.UUID      `json:"-"`
	DecidedAt       *time.Time      `json:"decided_at,omitempty"`
	ReasonCode      *string         `json:"reason_code,omitempty"`
	DecisionNote    string          `json:"decision_note,omitempty"`
	ObjectedAt      *time.Time      `json:"objected_at,omitempty"`
	ObjectionNote   string          `json:"objection_note,omitempty"`
	RevokedReason   string          `json:"revoked_reason,omitempty"`
	PaymentRunID    *uuid.UUID      `json:"payment_run_id,omitempty"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// HistoryEntry is one step in a claim's life.
type HistoryEntry struct {
	ClaimID   uuid.UUID  `json:"-"`
	Seq       int        `json:"seq"`
	At        time.Time  `json:"at"`
	ActorID   *uuid.UUID `json:"-"`
	Actor     string     `json:"actor"`
	Action    string     `json:"action" enum:"submit,resubmit,object,approve_first,approve,reject,request_changes,revoke,pay"`
	FromState *string    `json:"from_state,omitempty" enum:"submitted,changes_requested,awaiting_second_approval,approved,rejected,objected,paid,revoked"`
	ToState   string     `json:"to_state" enum:"submitted,changes_requested,awaiting_second_approval,approved,rejected,objected,paid,revoked"`
	Note      string     `json:"note,omitempty"`
}

// TableName is the claim history table.
func (HistoryEntry) TableName() string { return "claim_history" }

// ClaimDetail is a claim with what its reader needs around it.
type ClaimDetail struct {
	Claim
	ParticipantReference string         `json:"participant_reference"`
	MilestoneName        string         `json:"milestone_name"`
	Overdue              bool           `json:"overdue"`
	Evidence             []Evidence     `json:"evidence"`
	History              []HistoryEntry `json:"history"`
}

// SubmitInput is a provider's claim.
type SubmitInput struct {
	TrajectoryID  uuid.UUID
	MilestoneCode string
	AchievedOn    time.Time
	Note          string
	Evidence      []File
}

// Submit files a claim (provider). Every rule has its own error code; the
// trajectory row is locked so that two claims for one milestone cannot both
// pass, and the database's unique index is the backstop.
func (s *Service) Submit(ctx context.Context, actor access.Actor, in SubmitInput) (ClaimDetail, error) {
	if err := actor.Require(access.SubmitClaims); err != nil {
		return ClaimDetail{}, err
	}
	if err := in.validate(); err != nil {
		return ClaimDetail{}, err
	}
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTrajectory(ctx, tx, actor, in.TrajectoryID)
		if err != nil {
			return err
		}
		ms, err := loadMilestones(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		live, err := hasLiveClaim(ctx, tx, t.ID, strings.TrimSpace(in.MilestoneCode))
		if err != nil {
			return err
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		plan, err := PlanSubmit(t, ms, live, in, settings, actor, uuid.Must(uuid.NewV7()), s.now())
		if err != nil {
			return err
		}
		c := plan.Claim
		if err := insertClaim(ctx, tx, c); err != nil {
			return err
		}
		if err := insertEvidence(ctx, tx, plan.Evidence); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, plan.History, c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.submit", EntityType: "claim", EntityID: c.ID.String(),
			After: map[string]any{"claim": c, "evidence": evidenceSummary(plan.Evidence)}}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// ResubmitInput corrects a claim after the verifier asked for changes.
// Zero fields keep what the claim had; evidence is added.
type ResubmitInput struct {
	AchievedOn time.Time
	Note       string
	Evidence   []File
}

// Resubmit sends a claim back to the verifier after changes were asked for
// (its provider). The answer period starts again.
func (s *Service) Resubmit(ctx context.Context, actor access.Actor, id uuid.UUID, in ResubmitInput) (ClaimDetail, error) {
	if err := actor.Require(access.SubmitClaims); err != nil {
		return ClaimDetail{}, err
	}
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		t, err := lockTrajectory(ctx, tx, actor, c.TrajectoryID)
		if err != nil {
			return err
		}
		m, err := loadMilestone(ctx, tx, c.TrajectoryID, c.MilestoneCode)
		if err != nil {
			return err
		}
		last, err := lastEvidence(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		plan, err := planResubmit(c, t, m, last, in, settings, actor, s.now())
		if err != nil {
			return err
		}
		if err := insertEvidence(ctx, tx, plan.Evidence); err != nil {
			return err
		}
		if err := saveClaim(ctx, tx, plan.Claim); err != nil {
			return err
		}
		if err := addHistory(ctx, tx, plan.History, c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.resubmit", EntityType: "claim", EntityID: c.ID.String(),
			Before: c, After: map[string]any{"claim": plan.Claim, "evidence_added": evidenceSummary(plan.Evidence)}}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// Object contests a rejection (its provider), once, within the objection
// period; the claim goes back to review.
func (s *Service) Object(ctx context.Context, actor access.Actor, id uuid.UUID, note string) (ClaimDetail, error) {
	if err := actor.Require(access.SubmitClaims); err != nil {
		return ClaimDetail{}, err
	}
	if err := checkObjectionNote(note); err != nil {
		return ClaimDetail{}, err
	}
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		after, h, err := planObject(c, note, settings, actor, s.now())
		if err != nil {
			return err
		}
		if err := saveClaim(ctx, tx, after); err != nil {
			if fault.HasCode(err, MilestoneAlreadyClaimed) {
				return fault.New(MilestoneAlreadyClaimed, "another live claim holds milestone %s", c.MilestoneCode)
			}
			return err
		}
		if err := addHistory(ctx, tx, h, c.ID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.object", EntityType: "claim", EntityID: c.ID.String(), Before: c, After: after}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

func evidenceSummary(es []Evidence) []map[string]any {
	out := []map[string]any{}
	for _, e := range es {
		out = append(out, map[string]any{"n": e.N, "filename": e.Filename, "content_type": e.ContentType, "size": e.Size, "sha256": e.SHA256Hex()})
	}
	return out
}
