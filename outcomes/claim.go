package outcomes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
	Action    string     `json:"action"`
	FromState *string    `json:"from_state,omitempty"`
	ToState   string     `json:"to_state"`
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
	var errs fault.Fields
	if in.TrajectoryID == uuid.Nil {
		errs.Add("trajectory_id", "required", "which trajectory")
	}
	in.MilestoneCode = strings.TrimSpace(in.MilestoneCode)
	if in.MilestoneCode == "" {
		errs.Add("milestone_code", "required", "which milestone")
	}
	if in.AchievedOn.IsZero() {
		errs.Add("achieved_on", "required", "the date the milestone was achieved, YYYY-MM-DD")
	}
	if err := errs.Err(); err != nil {
		return ClaimDetail{}, err
	}
	achieved := dateOf(in.AchievedOn)
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTrajectory(ctx, tx, actor, in.TrajectoryID)
		if err != nil {
			return err
		}
		if t.State != Active {
			return fault.New(TrajectoryNotActive, "the trajectory is %s; claims are for active trajectories", t.State)
		}
		m, err := s.checkClaimable(ctx, tx, t, in.MilestoneCode, achieved)
		if err != nil {
			return err
		}
		evidence, err := checkEvidence(in.Evidence, 1, userID(actor), s.now())
		if err != nil {
			return err
		}
		if m.EvidenceRequired && len(evidence) == 0 {
			return fault.Invalid(fault.Field("evidence", EvidenceRequired.Code, "this milestone needs evidence (PDF, PNG or JPEG)"))
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		now := s.now()
		c := Claim{ID: uuid.Must(uuid.NewV7()), TrajectoryID: t.ID, MilestoneCode: m.Code, ProviderID: t.ProviderID, State: Submitted,
			Amount: m.Amount, AchievedOn: achieved, Note: strings.TrimSpace(in.Note), Source: "verifier", SubmittedBy: userID(actor),
			SubmittedAt: now, DueOn: AddWorkingDays(now, settings.AnswerWorkingDays), UpdatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			if database.IsUniqueViolation(err, "claims_one_live_per_milestone") {
				return fault.New(MilestoneAlreadyClaimed, "milestone %s has a live claim already", m.Code)
			}
			return err
		}
		for i := range evidence {
			evidence[i].ClaimID = c.ID
		}
		if len(evidence) > 0 {
			if err := tx.Create(&evidence).Error; err != nil {
				return err
			}
		}
		if err := addHistory(ctx, tx, actor, c.ID, "submit", nil, Submitted, c.Note, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.submit", EntityType: "claim", EntityID: c.ID.String(),
			After: map[string]any{"claim": c, "evidence": evidenceSummary(evidence)}}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// checkClaimable applies the rules of a claim to a milestone of an active
// trajectory and returns the milestone.
func (s *Service) checkClaimable(ctx context.Context, tx *gorm.DB, t Trajectory, code string, achieved time.Time) (TrajectoryMilestone, error) {
	var ms []TrajectoryMilestone
	if err := tx.WithContext(ctx).Where("trajectory_id = ?", t.ID).Order("position").Find(&ms).Error; err != nil {
		return TrajectoryMilestone{}, err
	}
	i := slices.IndexFunc(ms, func(m TrajectoryMilestone) bool { return m.Code == code })
	if i < 0 {
		return TrajectoryMilestone{}, fault.Invalid(fault.Field("milestone_code", MilestoneNotInSchedule.Code,
			fmt.Sprintf("milestone %s is not in this trajectory's schedule", code)))
	}
	m := ms[i]
	switch m.State {
	case "verified":
		return m, fault.New(MilestoneAlreadyClaimed, "milestone %s is verified already", code)
	case "released":
		return m, fault.New(MilestoneReleased, "milestone %s was released (deadline passed or trajectory ended); it can no longer be claimed", code)
	}
	switch {
	case achieved.After(s.today()):
		return m, fault.Invalid(fault.Field("achieved_on", AchievedInFuture.Code, "the date lies in the future"))
	case t.StartDate != nil && achieved.Before(*t.StartDate):
		return m, fault.Invalid(fault.Field("achieved_on", AchievedBeforeStart.Code,
			"the date lies before the trajectory's start on "+t.StartDate.Format(time.DateOnly)))
	case achieved.After(m.Deadline):
		return m, fault.Invalid(fault.Field("achieved_on", AchievedAfterDeadline.Code,
			"the date lies after the milestone's deadline of "+m.Deadline.Format(time.DateOnly)))
	}
	for _, pre := range m.Prerequisites {
		j := slices.IndexFunc(ms, func(p TrajectoryMilestone) bool { return p.Code == pre })
		if j < 0 || ms[j].State != "verified" {
			return m, fault.New(PrerequisiteNotVerified, "milestone %s needs %s to be verified first", code, pre)
		}
	}
	var live int64
	if err := tx.Table("claims").Where("trajectory_id = ? AND milestone_code = ? AND state NOT IN ('rejected', 'revoked')", t.ID, code).Count(&live).Error; err != nil {
		return m, err
	}
	if live > 0 {
		return m, fault.New(MilestoneAlreadyClaimed, "milestone %s has a live claim already", code)
	}
	return m, nil
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
		if c.State != ChangesRequested {
			return fault.New(ClaimState, "the claim is %s; resubmit after the verifier asks for changes", c.State)
		}
		t, err := lockTrajectory(ctx, tx, actor, c.TrajectoryID)
		if err != nil {
			return err
		}
		if t.State != Active {
			return fault.New(TrajectoryNotActive, "the trajectory is %s", t.State)
		}
		before := c
		if !in.AchievedOn.IsZero() {
			d := dateOf(in.AchievedOn)
			var m TrajectoryMilestone
			if err := tx.Where("trajectory_id = ? AND code = ?", c.TrajectoryID, c.MilestoneCode).Take(&m).Error; err != nil {
				return err
			}
			switch {
			case d.After(s.today()):
				return fault.Invalid(fault.Field("achieved_on", AchievedInFuture.Code, "the date lies in the future"))
			case t.StartDate != nil && d.Before(*t.StartDate):
				return fault.Invalid(fault.Field("achieved_on", AchievedBeforeStart.Code, "the date lies before the trajectory's start"))
			case d.After(m.Deadline):
				return fault.Invalid(fault.Field("achieved_on", AchievedAfterDeadline.Code, "the date lies after the milestone's deadline"))
			}
			c.AchievedOn = d
		}
		if note := strings.TrimSpace(in.Note); note != "" {
			c.Note = note
		}
		var n struct{ Max int }
		if err := tx.Raw(`SELECT coalesce(max(n), 0) AS max FROM evidence WHERE claim_id = ?`, c.ID).Scan(&n).Error; err != nil {
			return err
		}
		evidence, err := checkEvidence(in.Evidence, n.Max+1, userID(actor), s.now())
		if err != nil {
			return err
		}
		for i := range evidence {
			evidence[i].ClaimID = c.ID
		}
		if len(evidence) > 0 {
			if err := tx.Create(&evidence).Error; err != nil {
				return err
			}
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		now := s.now()
		c.State, c.DueOn, c.UpdatedAt = Submitted, AddWorkingDays(now, settings.AnswerWorkingDays), now
		if err := tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": c.State, "achieved_on": c.AchievedOn,
			"note": c.Note, "due_on": c.DueOn, "updated_at": now}).Error; err != nil {
			return err
		}
		from := ChangesRequested
		if err := addHistory(ctx, tx, actor, c.ID, "resubmit", &from, Submitted, strings.TrimSpace(in.Note), now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.resubmit", EntityType: "claim", EntityID: c.ID.String(),
			Before: before, After: map[string]any{"claim": c, "evidence_added": evidenceSummary(evidence)}}); err != nil {
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
	note = strings.TrimSpace(note)
	if note == "" {
		return ClaimDetail{}, fault.Invalid(fault.Field("note", "required", "say why the rejection is wrong"))
	}
	var out ClaimDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if c.State != Rejected {
			return fault.New(ClaimState, "the claim is %s; only a rejection can be objected to", c.State)
		}
		if c.ObjectedAt != nil {
			return fault.New(ObjectionUsed, "this claim was objected to on %s already; the decision on it is final", c.ObjectedAt.Format(time.DateOnly))
		}
		settings, err := loadSettings(ctx, tx)
		if err != nil {
			return err
		}
		now := s.now()
		if c.DecidedAt != nil && now.After(c.DecidedAt.AddDate(0, 0, settings.ObjectionDays)) {
			return fault.New(ObjectionPeriodOver, "objections are possible within %d days of the rejection", settings.ObjectionDays)
		}
		before := c
		c.State, c.ObjectedAt, c.ObjectionNote, c.DueOn, c.UpdatedAt = Objected, &now, note, AddWorkingDays(now, settings.AnswerWorkingDays), now
		err = tx.Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": Objected, "objected_at": now,
			"objection_note": note, "due_on": c.DueOn, "first_approved_by": nil, "updated_at": now}).Error
		if database.IsUniqueViolation(err, "claims_one_live_per_milestone") {
			return fault.New(MilestoneAlreadyClaimed, "another live claim holds milestone %s", c.MilestoneCode)
		}
		if err != nil {
			return err
		}
		from := Rejected
		if err := addHistory(ctx, tx, actor, c.ID, "object", &from, Objected, note, now); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "claim.object", EntityType: "claim", EntityID: c.ID.String(), Before: before, After: c}); err != nil {
			return err
		}
		out, err = loadClaim(ctx, tx, c.ID, s.today())
		return err
	})
	return out, err
}

// lockClaim locks a claim the actor may act on, or reports it as not found.
func lockClaim(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (Claim, error) {
	var c Claim
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return Claim{}, res.Error
	}
	if res.RowsAffected == 0 || (actor.IsProvider() && !actor.OwnsProvider(c.ProviderID)) {
		return Claim{}, fault.New(ClaimNotFound, "no claim %s", id)
	}
	return c, nil
}

func addHistory(ctx context.Context, tx *gorm.DB, actor access.Actor, claimID uuid.UUID, action string, from *string, to, note string, at time.Time) error {
	return addHistoryMany(ctx, tx, actor, []uuid.UUID{claimID}, action, from, to, note, at)
}

// addHistoryMany adds the same step to the history of every claim in ids
// (each listed once, each locked by the caller) with one statement.
func addHistoryMany(ctx context.Context, tx *gorm.DB, actor access.Actor, ids []uuid.UUID, action string, from *string, to, note string, at time.Time) error {
	id, label := actor.AuditIdentity()
	return tx.WithContext(ctx).Exec(`INSERT INTO claim_history (claim_id, seq, at, actor_id, actor, action, from_state, to_state, note)
		SELECT c.id, coalesce((SELECT max(h.seq) FROM claim_history h WHERE h.claim_id = c.id), 0) + 1, ?, ?, ?, ?, ?, ?, ?
		FROM unnest(?::uuid[]) AS c(id)`,
		at, id, label, action, from, to, note, database.UUIDs(ids)).Error
}

func evidenceSummary(es []Evidence) []map[string]any {
	out := []map[string]any{}
	for _, e := range es {
		out = append(out, map[string]any{"n": e.N, "filename": e.Filename, "content_type": e.ContentType, "size": e.Size, "sha256": e.SHA256Hex()})
	}
	return out
}

func loadClaim(ctx context.Context, tx *gorm.DB, id uuid.UUID, today time.Time) (ClaimDetail, error) {
	var d ClaimDetail
	if err := tx.WithContext(ctx).Where("id = ?", id).Take(&d.Claim).Error; err != nil {
		return d, err
	}
	var extra struct {
		Reference string
		Name      string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT p.reference, m.name FROM trajectories t JOIN participants p ON p.id = t.participant_id
		JOIN trajectory_milestones m ON m.trajectory_id = t.id AND m.code = ? WHERE t.id = ?`, d.MilestoneCode, d.TrajectoryID).Scan(&extra).Error; err != nil {
		return d, err
	}
	d.ParticipantReference, d.MilestoneName = extra.Reference, extra.Name
	d.Overdue = isPending(d.State) && d.DueOn.Before(today)
	d.Evidence = []Evidence{}
	if err := tx.WithContext(ctx).Select("claim_id, n, filename, content_type, size, sha256, uploaded_at").Where("claim_id = ?", id).Order("n").Find(&d.Evidence).Error; err != nil {
		return d, err
	}
	d.History = []HistoryEntry{}
	return d, tx.WithContext(ctx).Where("claim_id = ?", id).Order("seq").Find(&d.History).Error
}

func isPending(state string) bool { return slices.Contains(pendingStates, state) }
