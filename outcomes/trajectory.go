package outcomes

import (
	"context"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Trajectory states.
const (
	Referred   = "referred"
	Active     = "active"
	Completed  = "completed"
	Terminated = "terminated"
	Declined   = "declined"
)

// Trajectory is a participant's course with one provider under one contract
// product, from referral to its end.
type Trajectory struct {
	ID                uuid.UUID        `json:"id"`
	ParticipantID     uuid.UUID        `json:"participant_id"`
	ContractID        uuid.UUID        `json:"contract_id"`
	ProviderID        uuid.UUID        `json:"provider_id"`
	ProductCode       string           `json:"product_code"`
	State             string           `json:"state"`
	ContractVersionID *uuid.UUID       `json:"contract_version_id,omitempty"`
	BudgetID          *uuid.UUID       `json:"budget_id,omitempty"`
	CategoryCode      *string          `json:"category_code,omitempty"`
	Price             *decimal.Decimal `json:"price,omitempty"`
	StartDate         *time.Time       `json:"start_date,omitempty"`
	EndDate           *time.Time       `json:"end_date,omitempty"`
	ReferredBy        *uuid.UUID       `json:"-"`
	ReferredAt        time.Time        `json:"referred_at"`
	Note              string           `json:"note"`
	EndReason         string           `json:"end_reason,omitempty"`
	UpdatedAt         time.Time        `json:"updated_at"`
}

// TrajectoryMilestone is a milestone of a started trajectory, with the
// tranche it pays and its deadline, frozen at the start.
type TrajectoryMilestone struct {
	TrajectoryID     uuid.UUID       `json:"-"`
	Code             string          `json:"code"`
	Position         int             `json:"position"`
	Name             string          `json:"name"`
	OutcomeDomain    string          `json:"outcome_domain"`
	Amount           decimal.Decimal `json:"amount"`
	Deadline         time.Time       `json:"deadline"`
	Prerequisites    contracts.Codes `json:"prerequisites"`
	EvidenceRequired bool            `json:"evidence_required"`
	State            string          `json:"state"`
	ReleasedAt       *time.Time      `json:"released_at,omitempty"`
}

// TrajectoryDetail is a trajectory with its participant reference and milestones.
type TrajectoryDetail struct {
	Trajectory
	ParticipantReference string                `json:"participant_reference"`
	Milestones           []TrajectoryMilestone `json:"milestones"`
}

// ReferInput refers a participant to a contract product.
type ReferInput struct {
	ParticipantID uuid.UUID
	ContractID    uuid.UUID
	ProductCode   string
	Note          string
}

// Refer creates a referral (casemanager). The provider then starts or
// declines it.
func (s *Service) Refer(ctx context.Context, actor access.Actor, in ReferInput) (Trajectory, error) {
	if err := actor.Require(access.Refer); err != nil {
		return Trajectory{}, err
	}
	var errs fault.Fields
	if in.ParticipantID == uuid.Nil {
		errs.Add("participant_id", "required", "choose a participant")
	}
	if in.ContractID == uuid.Nil {
		errs.Add("contract_id", "required", "choose a contract")
	}
	in.ProductCode = strings.TrimSpace(in.ProductCode)
	if in.ProductCode == "" {
		errs.Add("product_code", "required", "choose a product")
	}
	if err := errs.Err(); err != nil {
		return Trajectory{}, err
	}
	now := s.now()
	t := Trajectory{ID: uuid.Must(uuid.NewV7()), ParticipantID: in.ParticipantID, ContractID: in.ContractID, ProductCode: in.ProductCode,
		State: Referred, ReferredBy: userID(actor), ReferredAt: now, Note: strings.TrimSpace(in.Note), UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		exists, err := participantExists(ctx, tx, in.ParticipantID)
		if err != nil {
			return err
		}
		if !exists {
			return fault.Invalid(fault.Field("participant_id", ParticipantNotFound.Code, "no such participant"))
		}
		terms, err := contracts.LockForStart(ctx, tx, in.ContractID)
		if err != nil {
			if fault.HasCode(err, contracts.ContractNotFound) {
				return fault.Invalid(fault.Field("contract_id", contracts.ContractNotFound.Code, "no such contract"))
			}
			return err
		}
		if terms.Status != contracts.Active {
			return fault.New(contracts.ContractNotActive, "the contract is %s; referrals go to active contracts", terms.Status)
		}
		if _, err := contracts.VersionSchedule(ctx, tx, terms.VersionID, in.ProductCode); err != nil {
			return fault.Invalid(fault.Field("product_code", ProductNotInContract.Code, "the contract has no product "+in.ProductCode))
		}
		t.ProviderID = terms.ProviderID
		if err := insertTrajectory(ctx, tx, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.refer", EntityType: "trajectory", EntityID: t.ID.String(), After: t})
	})
	return t, err
}

// Start starts a referred trajectory (its provider). It freezes the contract
// version and the tranche amounts and commits the full price from the
// contract's budget, in one transaction; it is refused when the contract's
// capacity or ceiling, or the budget, does not allow it.
func (s *Service) Start(ctx context.Context, actor access.Actor, id uuid.UUID, startDate time.Time) (TrajectoryDetail, error) {
	if err := actor.Require(access.StartTrajectory); err != nil {
		return TrajectoryDetail{}, err
	}
	if startDate.IsZero() {
		return TrajectoryDetail{}, fault.Invalid(fault.Field("start_date", "required", "give the start date as YYYY-MM-DD"))
	}
	var out TrajectoryDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTrajectory(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if t.State != Referred {
			return fault.New(TrajectoryState, "the trajectory is %s; only a referral can be started", t.State)
		}
		// The contract's row lock serialises every start under it, so the
		// capacity and ceiling checks cannot race.
		var f StartFacts
		if f.Terms, err = contracts.LockForStart(ctx, tx, t.ContractID); err != nil {
			return err
		}
		if f.Running, err = countRunning(ctx, tx, t.ContractID); err != nil {
			return err
		}
		if f.Product, err = contracts.VersionSchedule(ctx, tx, f.Terms.VersionID, t.ProductCode); err != nil {
			return err
		}
		committed, payable, paid, err := s.pool.Exposure(ctx, tx, t.ContractID)
		if err != nil {
			return err
		}
		f.Exposure = committed.Add(payable).Add(paid)
		plan, err := PlanStart(t, f, startDate, s.now())
		if err != nil {
			return err
		}
		after := plan.Trajectory
		if _, err := s.pool.Reserve(ctx, tx, actor, pooling.ReserveInput{BudgetID: *after.BudgetID, Category: *after.CategoryCode,
			Amount: *after.Price, Reference: t.ID, ContractID: t.ContractID, ProviderID: t.ProviderID}); err != nil {
			return err
		}
		if err := insertMilestones(ctx, tx, plan.Milestones); err != nil {
			return err
		}
		if err := saveTrajectory(ctx, tx, after); err != nil {
			return err
		}
		if _, err := contracts.NoteSpending(ctx, tx, actor, t.ContractID, plan.Exposure); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.start", EntityType: "trajectory", EntityID: t.ID.String(),
			Before: t, After: map[string]any{"trajectory": after, "milestones": plan.Milestones}}); err != nil {
			return err
		}
		out, err = loadDetail(ctx, tx, t.ID)
		return err
	})
	return out, err
}

// Decline turns a referral down (its provider).
func (s *Service) Decline(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Trajectory, error) {
	if err := actor.Require(access.StartTrajectory); err != nil {
		return Trajectory{}, err
	}
	return s.end(ctx, actor, id, "trajectory.decline", func(tx *gorm.DB, t Trajectory) (Trajectory, error) {
		return PlanDecline(t, reason, s.now())
	})
}

// Terminate ends an active trajectory early (casemanager) and releases the
// money of every milestone not verified. Claims still waiting for a decision
// must be decided first.
func (s *Service) Terminate(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Trajectory, error) {
	if err := actor.Require(access.Terminate); err != nil {
		return Trajectory{}, err
	}
	if err := checkEndReason(reason); err != nil {
		return Trajectory{}, err
	}
	return s.end(ctx, actor, id, "trajectory.terminate", func(tx *gorm.DB, t Trajectory) (Trajectory, error) {
		pending, err := pendingCodes(ctx, tx, t.ID)
		if err != nil {
			return t, err
		}
		after, err := PlanTerminate(t, reason, int64(len(pending)), s.now())
		if err != nil {
			return t, err
		}
		_, err = s.releaseOpen(ctx, tx, actor, t.ID, nil)
		return after, err
	})
}

// end locks the trajectory, lets plan say how it ends (and do what comes
// with that), writes it and audits it as action.
func (s *Service) end(ctx context.Context, actor access.Actor, id uuid.UUID, action string, plan func(tx *gorm.DB, t Trajectory) (Trajectory, error)) (Trajectory, error) {
	var out Trajectory
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTrajectory(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		after, err := plan(tx, t)
		if err != nil {
			return err
		}
		if err := saveTrajectory(ctx, tx, after); err != nil {
			return err
		}
		out = after
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "trajectory", EntityID: t.ID.String(), Before: t, After: after})
	})
	return out, err
}

// releaseOpen releases the money of a trajectory's open milestones (all of
// them, or those with a deadline before `before`) that have no claim
// waiting for a decision, and marks them released. It runs in the caller's
// transaction, which holds the trajectory's lock.
func (s *Service) releaseOpen(ctx context.Context, tx *gorm.DB, actor access.Actor, trajectoryID uuid.UUID, before *time.Time) (decimal.Decimal, error) {
	ms, err := loadMilestones(ctx, tx, trajectoryID)
	if err != nil {
		return decimal.Zero, err
	}
	pending, err := pendingCodes(ctx, tx, trajectoryID)
	if err != nil {
		return decimal.Zero, err
	}
	now := s.now()
	codes, total := PlanRelease(ms, func(code string) bool { return pending[code] }, before, now)
	if len(codes) == 0 {
		return decimal.Zero, nil
	}
	if total.IsPositive() {
		if _, err := s.pool.Release(ctx, tx, actor, trajectoryID, total); err != nil {
			return decimal.Zero, err
		}
	}
	if err := setMilestones(ctx, tx, trajectoryID, codes, ReleasedMilestone, &now); err != nil {
		return decimal.Zero, err
	}
	return total, audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.release", EntityType: "trajectory", EntityID: trajectoryID.String(),
		After: map[string]any{"milestones": codes, "amount": total.StringFixed(2)}})
}

// ExpiryResult says what an expiry run released.
type ExpiryResult struct {
	Trajectories int             `json:"trajectories"`
	Milestones   int             `json:"milestones"`
	Released     decimal.Decimal `json:"released"`
}

// ExpireMilestones releases the money of every milestone whose deadline
// passed before asOf without a verified claim (and with no claim waiting for
// a decision), and completes trajectories that have nothing left open.
// `tranche expire` runs it; `tranche serve` runs it every hour.
func (s *Service) ExpireMilestones(ctx context.Context, actor access.Actor, asOf time.Time) (ExpiryResult, error) {
	asOf = dateOf(asOf)
	ids, err := expiringTrajectories(ctx, s.db, asOf)
	if err != nil {
		return ExpiryResult{}, err
	}
	var res ExpiryResult
	for _, id := range ids {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			t, err := lockTrajectory(ctx, tx, actor, id)
			if err != nil || t.State != Active {
				return err
			}
			due, err := countOpen(ctx, tx, t.ID, &asOf)
			if err != nil {
				return err
			}
			amount, err := s.releaseOpen(ctx, tx, actor, t.ID, &asOf)
			if err != nil {
				return err
			}
			if amount.IsPositive() || due > 0 {
				left, err := countOpen(ctx, tx, t.ID, &asOf)
				if err != nil {
					return err
				}
				res.Trajectories++
				res.Milestones += due - left
				res.Released = res.Released.Add(amount)
			}
			return s.maybeComplete(ctx, tx, actor, t)
		})
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// maybeComplete completes an active trajectory when no milestone is open.
func (s *Service) maybeComplete(ctx context.Context, tx *gorm.DB, actor access.Actor, t Trajectory) error {
	open, err := countOpen(ctx, tx, t.ID, nil)
	if err != nil {
		return err
	}
	after, done := PlanComplete(t, open, s.now())
	if !done {
		return nil
	}
	if err := saveTrajectory(ctx, tx, after); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.complete", EntityType: "trajectory", EntityID: t.ID.String(),
		Before: map[string]any{"state": t.State}, After: map[string]any{"state": Completed, "end_date": after.EndDate.Format(time.DateOnly)}})
}

// GetTrajectory returns a trajectory with its milestones.
func (s *Service) GetTrajectory(ctx context.Context, actor access.Actor, id uuid.UUID) (TrajectoryDetail, error) {
	if err := actor.Require(access.ReadTrajectories); err != nil {
		return TrajectoryDetail{}, err
	}
	d, err := loadDetail(ctx, s.db, id)
	if database.ErrNotFound(err) || (err == nil && actor.IsProvider() && !actor.OwnsProvider(d.ProviderID)) {
		return TrajectoryDetail{}, fault.New(TrajectoryNotFound, "no trajectory %s", id)
	}
	return d, err
}

// TrajectoryFilter narrows a list.
type TrajectoryFilter struct {
	Page          database.Page
	State         string
	ParticipantID *uuid.UUID
	ContractID    *uuid.UUID
}

// TrajectoryRow is a trajectory in a list, with its participant's reference.
type TrajectoryRow struct {
	Trajectory
	ParticipantReference string `json:"participant_reference"`
}

// ListTrajectories lists trajectories; a provider sees only its own.
func (s *Service) ListTrajectories(ctx context.Context, actor access.Actor, f TrajectoryFilter) ([]TrajectoryRow, string, error) {
	if err := actor.Require(access.ReadTrajectories); err != nil {
		return nil, "", err
	}
	q := trajectoryRows(ctx, s.db, actor, f)
	var rows []TrajectoryRow
	if err := f.Page.Apply(q, "t.id").Find(&rows).Error; err != nil {
		return nil, "", err
	}
	rows, next := database.Trim(f.Page, rows, func(r TrajectoryRow) uuid.UUID { return r.ID })
	return rows, next, nil
}

// TrajectorySorts are the keys a list of trajectories may be sorted by.
var TrajectorySorts = database.NewSortKeys("t.id",
	"referred", "t.referred_at",
	"reference", "p.reference",
	"product", "t.product_code",
	"state", "t.state",
	"start", "t.start_date",
	"end", "t.end_date",
	"price", "t.price")

// SortedTrajectories calls fn with the trajectories f selects that actor
// may see, sorted and paged as srt asks (all of them, streamed, without a
// limit), and returns how many f selects in all. A provider sees only its own.
func (s *Service) SortedTrajectories(ctx context.Context, actor access.Actor, f TrajectoryFilter, srt database.Sort, fn func(TrajectoryRow) error) (int64, error) {
	if err := actor.Require(access.ReadTrajectories); err != nil {
		return 0, err
	}
	q := trajectoryRows(ctx, s.db, actor, f)
	return database.Sorted(q, TrajectorySorts, srt, fn)
}
