package pooling

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
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
	ids := slices.Clone(accrualIDs)
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return fault.New(AccrualNotPayable, "accrual %s is listed twice", ids[i])
		}
	}
	db := tx.WithContext(ctx)
	// The commitments first, in id order, as every step on a commitment
	// locks it before its accruals.
	var locked []struct{ ID uuid.UUID }
	if err := db.Raw(`SELECT id FROM commitments WHERE id IN (SELECT commitment_id FROM accruals WHERE id = ANY(?::uuid[]))
		ORDER BY id FOR UPDATE`, database.UUIDs(ids)).Scan(&locked).Error; err != nil {
		return fmt.Errorf("pay: lock commitments: %w", err)
	}
	var rows []accrualRow
	if err := db.Raw(accrualSelect+` WHERE a.id = ANY(?::uuid[]) ORDER BY a.id FOR UPDATE OF a`, database.UUIDs(ids)).Scan(&rows).Error; err != nil {
		return fmt.Errorf("pay: lock accruals: %w", err)
	}
	byID := make(map[uuid.UUID]accrualRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, id := range accrualIDs {
		r, ok := byID[id]
		if !ok {
			return notFound("accrual", id)
		}
		if AccrualStatus(r.Status) != AccrualPayable {
			return fault.New(AccrualNotPayable, "accrual %s is %s", id, r.Status)
		}
	}
	parts, err := accrualParts(ctx, tx, ids)
	if err != nil {
		return err
	}
	now := s.timestamp()
	label := actorLabel(actor)
	befores := make([]Accrual, len(accrualIDs))
	afters := make([]Accrual, len(accrualIDs))
	txs := make([]Transaction, len(accrualIDs))
	var all []Posting
	for i, id := range accrualIDs {
		a := byID[id].accrual()
		a.Parts = parts[id]
		befores[i] = a
		pid, at := paymentID, now
		a.Status, a.PaymentID, a.PaidAt = AccrualPaid, &pid, &at
		afters[i] = a
		commitmentID, accrualID := a.CommitmentID, a.ID
		t := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindPay, CommitmentID: &commitmentID, AccrualID: &accrualID,
			Actor: label, CreatedAt: now, Postings: moves(Payable, Paid, a.BudgetID, a.Parts)}
		if err := t.Validate(); err != nil {
			return err
		}
		txs[i] = t
		all = append(all, t.Postings...)
	}
	if err := lockBalances(ctx, tx, all); err != nil {
		return err
	}
	if err := writeTransactions(ctx, tx, txs); err != nil {
		return err
	}
	if err := db.Exec(`UPDATE accruals SET status = ?, payment_id = ?, paid_at = ? WHERE id = ANY(?::uuid[])`,
		string(AccrualPaid), paymentID, now, database.UUIDs(ids)).Error; err != nil {
		return fmt.Errorf("pay: update accruals: %w", err)
	}
	events := make([]audit.Event, len(afters))
	for i := range afters {
		events[i] = audit.Event{Action: "accrual.pay", EntityType: "accrual", EntityID: afters[i].ID.String(), Before: befores[i], After: afters[i]}
	}
	return audit.RecordMany(ctx, tx, actor, events)
}
