package pooling

import (
	"context"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// PayMany is Pay for many accruals (a payment run): it marks every accrual
// paid by the payment (run) paymentID and moves its parts from payable to
// paid, one ledger transaction per accrual as Pay writes, with one audit
// event per accrual. It locks the accruals' commitments (in id order), then
// the accruals, then the balance rows all of them touch, and writes the
// transactions and postings with INSERTs of payBatch transactions at a time,
// so that the running balances are updated once per statement instead of
// once per posting; the audit events go a thousand to a statement too. Any
// accrual that is not payable (or listed twice) gives accrual_not_payable
// and nothing is paid; an unknown one gives not_found.
//
// PayMany runs inside the caller's transaction. Provider actors are refused.
func (s *Service) PayMany(ctx context.Context, tx *gorm.DB, actor access.Actor, accrualIDs []uuid.UUID, paymentID uuid.UUID) error {
	if err := refuseProvider(actor, "pay"); err != nil {
		return err
	}
	if paymentID == uuid.Nil {
		return fault.Invalid(fault.Field("payment_id", codeRequired, "a payment id is required"))
	}
	if len(accrualIDs) == 0 {
		return nil
	}
	ids, err := sortedAccrualIDs(accrualIDs)
	if err != nil {
		return err
	}
	// Lock: the commitments first, in id order, as every step on a
	// commitment locks it before its accruals; then the accruals.
	if err := lockCommitmentsOf(ctx, tx, ids); err != nil {
		return err
	}
	found, err := lockAccruals(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := checkAllPayable(accrualIDs, found); err != nil {
		return err
	}
	// Load the splits, plan, write, audit.
	parts, err := accrualParts(ctx, tx, ids)
	if err != nil {
		return err
	}
	for id, a := range found {
		a.Parts = parts[id]
		found[id] = a
	}
	now := s.timestamp()
	plan, err := planPayMany(accrualIDs, found, paymentID, now, actorLabel(actor))
	if err != nil {
		return err
	}
	if err := lockBalances(ctx, tx, plan.Postings); err != nil {
		return err
	}
	if err := writeTransactions(ctx, tx, plan.Transactions); err != nil {
		return err
	}
	if err := markAccrualsPaid(ctx, tx, ids, paymentID, now); err != nil {
		return err
	}
	events := make([]audit.Event, len(plan.After))
	for i := range plan.After {
		events[i] = audit.Event{Action: "accrual.pay", EntityType: "accrual", EntityID: plan.After[i].ID.String(), Before: plan.Before[i], After: plan.After[i]}
	}
	return audit.RecordMany(ctx, tx, actor, events)
}
