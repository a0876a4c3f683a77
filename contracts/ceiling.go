package contracts

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// The spending ceiling. A contract's ceiling bounds all money committed,
// payable and paid under it. The figures live in pooling; contracts does not
// import pooling, so the caller (outcomes, when a trajectory starts) computes
// the exposure and hands it in:
//
//   - Nothing is ever committed beyond the ceiling. Outcomes enforces that:
//     it calls LockForStart, which locks the contract row until its
//     transaction ends, then checks exposure + price ≤ Ceiling and the number
//     of running trajectories < Capacity before it commits the price. The row
//     lock serialises concurrent starts under one contract, so two starts
//     cannot both pass the check on the same headroom.
//   - At 70 % procurement is alerted (the bestedingsruimte rule of the Dutch
//     Wmo contract standard): after committing, outcomes calls NoteSpending
//     with the new exposure, in the same transaction.

// AlertThresholdPercent is the share of the ceiling at which procurement is alerted.
const AlertThresholdPercent = 70

// Spending is a contract's money against its ceiling, for display.
type Spending struct {
	Ceiling   decimal.Decimal `json:"ceiling"`
	Committed decimal.Decimal `json:"committed"`
	Payable   decimal.Decimal `json:"payable"`
	Paid      decimal.Decimal `json:"paid"`
	Exposure  decimal.Decimal `json:"exposure"`  // committed + payable + paid
	Available decimal.Decimal `json:"available"` // ceiling − exposure, never below zero
	Percent   decimal.Decimal `json:"percent"`   // exposure as a percentage of the ceiling, one decimal
	Alerted   bool            `json:"alerted"`   // exposure has reached the alert level
}

// StartTerms is what starting a trajectory under a contract must know,
// read under the contract's row lock.
type StartTerms struct {
	ContractID  uuid.UUID
	ProviderID  uuid.UUID
	Status      Status
	Ceiling     decimal.Decimal
	Capacity    int
	BudgetID    *uuid.UUID // nil: no budget assigned, so nothing can be committed
	VersionID   uuid.UUID  // the current version: a trajectory starting now stores it
	PeriodStart time.Time
	PeriodEnd   time.Time
	VATExempt   bool
	VATRate     *decimal.Decimal
}

// LockForStart runs inside the caller's transaction. It locks the contract
// row FOR UPDATE until that transaction ends and returns the terms a start
// is checked against. Call it before committing money under the contract,
// and before any other lock the commitment takes on pooling rows, so that
// every start under a contract takes the locks in the same order.
// The caller checks the actor's right to start; this function does not.
func LockForStart(ctx context.Context, tx *gorm.DB, contractID uuid.UUID) (StartTerms, error) {
	r, err := lockContractTerms(ctx, tx, contractID)
	if err != nil {
		return StartTerms{}, err
	}
	t := StartTerms{ContractID: r.ID, ProviderID: r.ProviderID, Status: r.Status, Ceiling: r.Ceiling, Capacity: r.Capacity,
		BudgetID: r.BudgetID, PeriodStart: dateOnly(r.PeriodStart), PeriodEnd: dateOnly(r.PeriodEnd),
		VATExempt: r.VATExempt, VATRate: r.VATRate}
	if r.CurrentVersionID != nil {
		t.VersionID = *r.CurrentVersionID
	}
	return t, nil
}

// VersionSchedule runs inside the caller's transaction. It returns the
// product with code from a contract version, with its milestones in
// schedule order and each milestone's tranche amount. A trajectory reads
// its schedule from the version it started under.
func VersionSchedule(ctx context.Context, tx *gorm.DB, versionID uuid.UUID, productCode string) (Product, error) {
	if _, err := findVersion(ctx, tx, versionID); err != nil {
		return Product{}, err
	}
	ps, err := loadProducts(ctx, tx, versionID, productCode)
	if err != nil {
		return Product{}, err
	}
	if len(ps) == 0 {
		return Product{}, fault.Invalid(fault.Field("product_code", ProductUnknown.Code, "no product "+productCode+" in this contract version"))
	}
	return ps[0], nil
}

// Alert is a spending alert on a contract.
type Alert struct {
	ID               uuid.UUID       `json:"id"`
	ContractID       uuid.UUID       `json:"contract_id"`
	Reference        string          `json:"reference" gorm:"->;-:migration"`
	ProviderID       uuid.UUID       `json:"provider_id" gorm:"->;-:migration"`
	ProviderName     string          `json:"provider_name" gorm:"->;-:migration"`
	ThresholdPercent int             `json:"threshold_percent"`
	Exposure         decimal.Decimal `json:"exposure"` // when the alert was raised
	Ceiling          decimal.Decimal `json:"ceiling"`
	RaisedAt         time.Time       `json:"raised_at"`
	AcknowledgedAt   *time.Time      `json:"acknowledged_at,omitempty"`
	AcknowledgedBy   string          `json:"acknowledged_by,omitempty"`
}

// NoteSpending runs inside the caller's transaction. Given the contract's
// exposure (committed + payable + paid, computed by the caller from
// pooling), it raises the contract's 70 % alert, with an audit event for
// actor, the first time the exposure reaches AlertLevel of the ceiling. It
// reports whether this call raised it. The alert is raised once per contract
// and threshold, also when several transactions note spending at once (a
// unique constraint decides). It checks no permission: whoever caused the
// spending (also a provider starting a trajectory) triggers the alert.
func NoteSpending(ctx context.Context, tx *gorm.DB, actor audit.Actor, contractID uuid.UUID, exposure decimal.Decimal) (bool, error) {
	if err := checkExposure(exposure); err != nil {
		return false, err
	}
	ceiling, err := contractCeiling(ctx, tx, contractID)
	if err != nil {
		return false, err
	}
	a, raise := planAlert(contractID, exposure, ceiling, time.Now().UTC())
	if !raise {
		return false, nil
	}
	raised, err := insertAlert(ctx, tx, a)
	if err != nil || !raised {
		return false, err
	}
	err = audit.Record(ctx, tx, actor, audit.Event{Action: "contract.spending_alert", EntityType: "contract", EntityID: contractID.String(), After: a})
	return err == nil, err
}

// Alerts lists the open spending alerts, oldest first, for procurement's
// start page. A provider user sees those of its own contracts.
func (s *Service) Alerts(ctx context.Context, actor access.Actor) ([]Alert, error) {
	if err := actor.Require(access.ReadContracts); err != nil {
		return nil, err
	}
	return listOpenAlerts(ctx, s.db, actor.ProviderID)
}

// AcknowledgeAlert closes an open alert: procurement has seen it.
func (s *Service) AcknowledgeAlert(ctx context.Context, actor access.Actor, id uuid.UUID) (Alert, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return Alert{}, err
	}
	var out Alert
	err := s.tx(ctx, func(tx *gorm.DB) error {
		before, err := findAlert(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := checkAcknowledge(before); err != nil {
			return err
		}
		_, label := actor.AuditIdentity()
		if err := acknowledgeAlert(ctx, tx, id, s.now(), label); err != nil {
			return err
		}
		if out, err = findAlert(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "contract_alert.acknowledge", EntityType: "contract_alert", EntityID: id.String(), Before: before, After: out})
	})
	return out, err
}
