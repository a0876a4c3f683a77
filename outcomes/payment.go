package outcomes

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

// PayableClaim is an approved claim as billing gathers it into a payment run.
type PayableClaim struct {
	ClaimID              uuid.UUID
	TrajectoryID         uuid.UUID
	ContractID           uuid.UUID
	ProviderID           uuid.UUID
	ParticipantReference string
	MilestoneCode        string
	MilestoneName        string
	AchievedOn           time.Time
	ApprovedAt           time.Time
	Amount               decimal.Decimal
}

// PayableClaims returns the approved claims decided on or before until,
// oldest first, for every provider or one (providerID not nil). It runs
// inside the caller's transaction; billing excludes the claims already in a
// live run.
func PayableClaims(ctx context.Context, tx *gorm.DB, until time.Time, providerID *uuid.UUID) ([]PayableClaim, error) {
	return payableClaims(ctx, tx, until, providerID)
}

// MarkPaid runs inside the caller's transaction, when a payment run is
// confirmed: each approved claim becomes paid. A claim already paid is left
// as it is, so that a repeated confirmation changes nothing; any other state
// is an error (the run would pay something not approved).
func MarkPaid(ctx context.Context, tx *gorm.DB, actor access.Actor, claimIDs []uuid.UUID, runID uuid.UUID) error {
	if len(claimIDs) == 0 {
		return nil
	}
	claims, err := claimsByID(ctx, tx, claimIDs)
	if err != nil {
		return err
	}
	if len(claims) != len(claimIDs) {
		return fault.New(ClaimNotFound, "%d of %d claims of the run do not exist", len(claimIDs)-len(claims), len(claimIDs))
	}
	now := time.Now().UTC()
	var toPay []uuid.UUID
	for _, c := range claims {
		switch c.State {
		case Paid:
		case Approved:
			toPay = append(toPay, c.ID)
		default:
			return fault.New(ClaimState, "claim %s is %s; only approved claims are paid", c.ID, c.State)
		}
	}
	if len(toPay) == 0 {
		return nil
	}
	if err := setPaid(ctx, tx, toPay, now); err != nil {
		return err
	}
	from := Approved
	if err := addHistory(ctx, tx, newHistory(actor, "pay", &from, Paid, "payment run "+runID.String(), now), toPay...); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "claims.pay", EntityType: "payment_run", EntityID: runID.String(),
		After: map[string]any{"claims": toPay}})
}

// HoldForPayment runs inside the caller's transaction, when finance approves
// a payment run: each claim must still be approved and held by no run; it
// is then held by runID until the run is confirmed, so that nobody revokes
// money on its way to the bank. Holding takes the claims' row locks, so a
// revocation running at the same moment either finishes first (and the
// hold fails with claim_state) or waits and is then refused.
func HoldForPayment(ctx context.Context, tx *gorm.DB, actor access.Actor, claimIDs []uuid.UUID, runID uuid.UUID) error {
	if len(claimIDs) == 0 {
		return nil
	}
	held, err := holdClaims(ctx, tx, claimIDs, runID)
	if err != nil {
		return err
	}
	if held != int64(len(claimIDs)) {
		return fault.New(ClaimState, "%d of the run's %d claims are no longer approved or are held by another run", int64(len(claimIDs))-held, len(claimIDs))
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "claims.hold_for_payment", EntityType: "payment_run", EntityID: runID.String(),
		After: map[string]any{"claims": claimIDs}})
}
