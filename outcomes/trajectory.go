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
	"gorm.io/gorm/clause"
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
		var n int64
		if err := tx.Table("participants").Where("id = ?", in.ParticipantID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fault.Invalid(fault.Field("participant_id", ParticipantNotFound.Code, "no such participant"))
		}
		terms, err := contracts.LockForStart(ctx, tx, in.ContractID)
		if err != nil {
			if fault.HasCode(err, fault.NotFound) || isNotFoundKind(err) {
				return fault.Invalid(fault.Field("contract_id", "contract_not_found", "no such contract"))
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
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.refer", EntityType: "trajectory", EntityID: t.ID.String(), After: t})
	})
	return t, err
}

func isNotFoundKind(err error) bool {
	e, ok := fault.As(err)
	return ok && e.Code.Kind == fault.KindNotFound
}

// lockTrajectory locks a trajectory the actor may act on, or reports it
// as not found (also when it is another provider's).
func lockTrajectory(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (Trajectory, error) {
	var t Trajectory
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&t)
	if res.Error != nil {
		return Trajectory{}, res.Error
	}
	if res.RowsAffected == 0 || (actor.IsProvider() && !actor.OwnsProvider(t.ProviderID)) {
		return Trajectory{}, fault.New(TrajectoryNotFound, "no trajectory %s", id)
	}
	return t, nil
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
	startDate = dateOf(startDate)
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
		// capacity and ceiling checks below cannot race.
		terms, err := contracts.LockForStart(ctx, tx, t.ContractID)
		if err != nil {
			return err
		}
		if err := terms.CheckStart(startDate); err != nil {
			return err
		}
		if terms.BudgetID == nil {
			return fault.New(ContractNoBudget, "the contract has no budget to commit the price from; procurement must assign one")
		}
		var running int64
		if err := tx.Table("trajectories").Where("contract_id = ? AND state = ?", t.ContractID, Active).Count(&running).Error; err != nil {
			return err
		}
		if running >= int64(terms.Capacity) {
			return fault.New(ContractCapacityFull, "the contract's capacity of %d running trajectories is reached", terms.Capacity)
		}
		product, err := contracts.VersionSchedule(ctx, tx, terms.VersionID, t.ProductCode)
		if err != nil {
			return err
		}
		committed, payable, paid, err := s.pool.Exposure(ctx, tx, t.ContractID)
		if err != nil {
			return err
		}
		exposure := committed.Add(payable).Add(paid)
		if exposure.Add(product.Price).GreaterThan(terms.Ceiling) {
			return fault.New(ContractCeiling, "starting would commit %s beyond the contract's ceiling of %s (%s committed, payable or paid)",
				exposure.Add(product.Price).Sub(terms.Ceiling).StringFixed(2), terms.Ceiling.StringFixed(2), exposure.StringFixed(2))
		}
		if _, err := s.pool.Reserve(ctx, tx, actor, pooling.ReserveInput{BudgetID: *terms.BudgetID, Category: product.CategoryCode,
			Amount: product.Price, Reference: t.ID, ContractID: t.ContractID, ProviderID: t.ProviderID}); err != nil {
			return err
		}
		before := t
		var ms []TrajectoryMilestone
		for _, m := range product.Milestones {
			ms = append(ms, TrajectoryMilestone{TrajectoryID: t.ID, Code: m.Code, Position: m.Position, Name: m.Name, OutcomeDomain: m.OutcomeDomain,
				Amount: m.Tranche, Deadline: startDate.AddDate(0, m.DeadlineMonths, 0), Prerequisites: m.Prerequisites,
				EvidenceRequired: m.EvidenceRequired, State: "open"})
		}
		if err := tx.Create(&ms).Error; err != nil {
			return err
		}
		price, cat, version, budget := product.Price, product.CategoryCode, terms.VersionID, *terms.BudgetID
		t.State, t.StartDate, t.Price, t.CategoryCode, t.ContractVersionID, t.BudgetID, t.UpdatedAt = Active, &startDate, &price, &cat, &version, &budget, s.now()
		if err := tx.Model(&Trajectory{}).Where("id = ?", t.ID).Updates(map[string]any{"state": t.State, "start_date": startDate,
			"price": price, "category_code": cat, "contract_version_id": version, "budget_id": budget, "updated_at": t.UpdatedAt}).Error; err != nil {
			return err
		}
		if _, err := contracts.NoteSpending(ctx, tx, actor, t.ContractID, exposure.Add(price)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.start", EntityType: "trajectory", EntityID: t.ID.String(),
			Before: before, After: map[string]any{"trajectory": t, "milestones": ms}}); err != nil {
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
	return s.end(ctx, actor, id, Referred, Declined, "trajectory.decline", reason)
}

// Terminate ends an active trajectory early (casemanager) and releases the
// money of every milestone not verified. Claims still waiting for a decision
// must be decided first.
func (s *Service) Terminate(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Trajectory, error) {
	if err := actor.Require(access.Terminate); err != nil {
		return Trajectory{}, err
	}
	if strings.TrimSpace(reason) == "" {
		return Trajectory{}, fault.Invalid(fault.Field("reason", "required", "say why the trajectory ends"))
	}
	return s.end(ctx, actor, id, Active, Terminated, "trajectory.terminate", reason)
}

func (s *Service) end(ctx context.Context, actor access.Actor, id uuid.UUID, from, to, action, reason string) (Trajectory, error) {
	var out Trajectory
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTrajectory(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		if t.State != from {
			return fault.New(TrajectoryState, "the trajectory is %s", t.State)
		}
		if to == Terminated {
			var pending int64
			if err := tx.Table("claims").Where("trajectory_id = ? AND state IN ?", t.ID, pendingStates).Count(&pending).Error; err != nil {
				return err
			}
			if pending > 0 {
				return fault.New(ClaimsPending, "%d claim(s) of this trajectory wait for a decision; decide them first", pending)
			}
			if _, err := s.releaseOpen(ctx, tx, actor, t.ID, nil); err != nil {
				return err
			}
		}
		before := t
		today := s.today()
		t.State, t.EndReason, t.EndDate, t.UpdatedAt = to, strings.TrimSpace(reason), &today, s.now()
		if err := tx.Model(&Trajectory{}).Where("id = ?", t.ID).Updates(map[string]any{"state": to, "end_reason": t.EndReason,
			"end_date": today, "updated_at": t.UpdatedAt}).Error; err != nil {
			return err
		}
		out = t
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "trajectory", EntityID: t.ID.String(), Before: before, After: t})
	})
	return out, err
}

// pendingStates are the claim states that wait for someone.
var pendingStates = []string{"submitted", "changes_requested", "awaiting_second_approval", "objected"}

// releaseOpen releases the money of a trajectory's open milestones (all of
// them, or those with a deadline before `before`) that have no claim
// waiting for a decision, and marks them released. It runs in the caller's
// transaction, which holds the trajectory's lock.
func (s *Service) releaseOpen(ctx context.Context, tx *gorm.DB, actor access.Actor, trajectoryID uuid.UUID, before *time.Time) (decimal.Decimal, error) {
	q := tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND state = 'open'", trajectoryID).
		Where("NOT EXISTS (SELECT 1 FROM claims c WHERE c.trajectory_id = trajectory_milestones.trajectory_id AND c.milestone_code = trajectory_milestones.code AND c.state IN ?)", pendingStates)
	if before != nil {
		q = q.Where("deadline < ?", *before)
	}
	var ms []TrajectoryMilestone
	if err := q.Order("position").Find(&ms).Error; err != nil {
		return decimal.Zero, err
	}
	total := decimal.Zero
	var codes []string
	for _, m := range ms {
		total = total.Add(m.Amount)
		codes = append(codes, m.Code)
	}
	if len(codes) == 0 {
		return decimal.Zero, nil
	}
	if total.IsPositive() {
		if _, err := s.pool.Release(ctx, tx, actor, trajectoryID, total); err != nil {
			return decimal.Zero, err
		}
	}
	now := s.now()
	if err := tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code IN ?", trajectoryID, codes).
		Updates(map[string]any{"state": "released", "released_at": now}).Error; err != nil {
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
	var ids []struct{ TrajectoryID uuid.UUID }
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT m.trajectory_id FROM trajectory_milestones m JOIN trajectories t ON t.id = m.trajectory_id
		WHERE t.state = 'active' AND m.state = 'open' AND m.deadline < ?`, asOf).Scan(&ids).Error
	if err != nil {
		return ExpiryResult{}, err
	}
	var res ExpiryResult
	for _, row := range ids {
		err := s.tx(ctx, func(tx *gorm.DB) error {
			t, err := lockTrajectory(ctx, tx, actor, row.TrajectoryID)
			if err != nil || t.State != Active {
				return err
			}
			var n int64
			tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND state = 'open' AND deadline < ?", t.ID, asOf).Count(&n)
			amount, err := s.releaseOpen(ctx, tx, actor, t.ID, &asOf)
			if err != nil {
				return err
			}
			if amount.IsPositive() || n > 0 {
				var left int64
				tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND state = 'open' AND deadline < ?", t.ID, asOf).Count(&left)
				res.Trajectories++
				res.Milestones += int(n - left)
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
	if t.State != Active {
		return nil
	}
	var open int64
	if err := tx.Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND state = 'open'", t.ID).Count(&open).Error; err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	today := s.today()
	if err := tx.Model(&Trajectory{}).Where("id = ?", t.ID).Updates(map[string]any{"state": Completed, "end_date": today, "updated_at": s.now()}).Error; err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "trajectory.complete", EntityType: "trajectory", EntityID: t.ID.String(),
		Before: map[string]any{"state": t.State}, After: map[string]any{"state": Completed, "end_date": today.Format(time.DateOnly)}})
}

func loadDetail(ctx context.Context, tx *gorm.DB, id uuid.UUID) (TrajectoryDetail, error) {
	var d TrajectoryDetail
	if err := tx.WithContext(ctx).Where("id = ?", id).Take(&d.Trajectory).Error; err != nil {
		return d, err
	}
	var ref struct{ Reference string }
	if err := tx.WithContext(ctx).Raw(`SELECT reference FROM participants WHERE id = ?`, d.ParticipantID).Scan(&ref).Error; err != nil {
		return d, err
	}
	d.ParticipantReference = ref.Reference
	d.Milestones = []TrajectoryMilestone{}
	return d, tx.WithContext(ctx).Where("trajectory_id = ?", id).Order("position").Find(&d.Milestones).Error
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
	q := s.db.WithContext(ctx).Table("trajectories t").Select("t.*, p.reference AS participant_reference").
		Joins("JOIN participants p ON p.id = t.participant_id")
	if actor.IsProvider() {
		q = q.Where("t.provider_id = ?", *actor.ProviderID)
	}
	if f.State != "" {
		q = q.Where("t.state = ?", f.State)
	}
	if f.ParticipantID != nil {
		q = q.Where("t.participant_id = ?", *f.ParticipantID)
	}
	if f.ContractID != nil {
		q = q.Where("t.contract_id = ?", *f.ContractID)
	}
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
	q := s.db.WithContext(ctx).Table("trajectories t").Select("t.*, p.reference AS participant_reference").
		Joins("JOIN participants p ON p.id = t.participant_id")
	if actor.IsProvider() {
		q = q.Where("t.provider_id = ?", *actor.ProviderID)
	}
	if f.State != "" {
		q = q.Where("t.state = ?", f.State)
	}
	if f.ParticipantID != nil {
		q = q.Where("t.participant_id = ?", *f.ParticipantID)
	}
	if f.ContractID != nil {
		q = q.Where("t.contract_id = ?", *f.ContractID)
	}
	return database.Sorted(q, TrajectorySorts, srt, fn)
}

func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
