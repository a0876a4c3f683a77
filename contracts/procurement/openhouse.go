package procurement

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Admission is where an open-house application stands: approved by one
// procurement user (Pending) and confirmed by another, when it became a
// draft contract.
type Admission struct {
	BidID      uuid.UUID  `json:"bid_id"`
	Pending    bool       `json:"pending"`
	ContractID *uuid.UUID `json:"contract_id,omitempty"`
}

// application loads an open-house application under its tender's lock.
func application(ctx context.Context, tx *gorm.DB, bidID uuid.UUID) (Bid, Lot, TenderDetail, error) {
	b, lot, d, err := bidUnderEvaluation(ctx, tx, bidID, "UPDATE")
	if err != nil {
		return Bid{}, Lot{}, TenderDetail{}, err
	}
	switch {
	case d.Procedure != OpenHouse:
		return Bid{}, Lot{}, TenderDetail{}, fault.New(WrongProcedure, "only an open house admits applications")
	case b.Status != BidSubmitted:
		return Bid{}, Lot{}, TenderDetail{}, bidNotFound(bidID)
	case b.ExcludedReason != nil:
		return Bid{}, Lot{}, TenderDetail{}, fault.New(BidExcluded, "the application was refused")
	case d.State != Published:
		return Bid{}, Lot{}, TenderDetail{}, fault.New(TenderTransition, "tender %s is %s", d.Reference, d.State)
	}
	return b, lot, d, nil
}

// AdmitApplication admits an open-house application that meets the
// admission criteria, four-eyes: the first procurement user's call records
// the approval, a second user's call confirms it and makes the draft
// contract at the lot's fixed price for the capacity applied for.
func (s *Service) AdmitApplication(ctx context.Context, actor access.Actor, bidID uuid.UUID) (Admission, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Admission{}, err
	}
	if err := actor.Require(access.WriteContracts); err != nil {
		return Admission{}, err
	}
	out := Admission{BidID: bidID}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, lot, d, err := application(ctx, tx, bidID)
		if err != nil {
			return err
		}
		now := s.now()
		q := tx.WithContext(ctx)
		var row struct {
			ApprovedBy  uuid.UUID
			ConfirmedAt *time.Time
		}
		res := q.Raw(`SELECT approved_by, confirmed_at FROM admissions WHERE bid_id = ?`, bidID).Scan(&row)
		switch {
		case res.Error != nil:
			return res.Error
		case res.RowsAffected == 0:
			out.Pending = true
			if err := q.Exec(`INSERT INTO admissions (bid_id, approved_by, approved_at) VALUES (?, ?, ?)`, bidID, actor.UserID, now).Error; err != nil {
				return err
			}
			return audit.Record(ctx, tx, actor, audit.Event{Action: "application.approve", EntityType: "bid", EntityID: bidID.String(), After: out})
		case row.ConfirmedAt != nil:
			return fault.New(AdmissionApproved, "the application is admitted")
		case row.ApprovedBy == actor.UserID:
			return fault.New(SameUser, "you approved this application; another procurement user confirms it")
		}
		if err := q.Exec(`UPDATE admissions SET confirmed_by = ?, confirmed_at = ? WHERE bid_id = ?`, actor.UserID, now, bidID).Error; err != nil {
			return err
		}
		var seq int64
		if err := q.Table("bid_contracts").Where("lot_id = ?", lot.ID).Count(&seq).Error; err != nil {
			return err
		}
		id, _, err := makeContract(ctx, tx, actor, d, lot, b, b.Capacity, int(seq)+1, now)
		if err != nil {
			return err
		}
		out.ContractID = &id
		return audit.Record(ctx, tx, actor, audit.Event{Action: "application.admit", EntityType: "bid", EntityID: bidID.String(), After: out})
	})
	return out, err
}

// RefuseApplication refuses an open-house application that does not meet
// the admission criteria, with a note the applicant reads.
func (s *Service) RefuseApplication(ctx context.Context, actor access.Actor, bidID uuid.UUID, note string) (Bid, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Bid{}, err
	}
	note, err := requiredText("note", note, 4000)
	if err != nil {
		return Bid{}, err
	}
	var out Bid
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if _, _, _, err := application(ctx, tx, bidID); err != nil {
			return err
		}
		var confirmed int64
		if err := tx.WithContext(ctx).Table("admissions").Where("bid_id = ? AND confirmed_at IS NOT NULL", bidID).Count(&confirmed).Error; err != nil {
			return err
		}
		if confirmed > 0 {
			return fault.New(AdmissionApproved, "the application is admitted")
		}
		q := tx.WithContext(ctx)
		if err := q.Exec(`DELETE FROM admissions WHERE bid_id = ?`, bidID).Error; err != nil {
			return err
		}
		if err := q.Exec(`UPDATE bids SET excluded_reason = 'not_admitted', excluded_note = ?, excluded_by = ? WHERE id = ?`, note, actorID(actor), bidID).Error; err != nil {
			return err
		}
		b, err := loadBid(ctx, tx, bidID)
		out = b.Bid
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "application.refuse", EntityType: "bid", EntityID: bidID.String(), After: map[string]any{"note": note}})
	})
	return out, err
}

// admissionHold refuses a change to an application that is admitted, and
// drops a first approval of one that changes, so that the second person
// confirms what the first approved.
func admissionHold(ctx context.Context, tx *gorm.DB, lotID, provider uuid.UUID) error {
	var confirmed int64
	q := tx.WithContext(ctx)
	if err := q.Raw(`SELECT count(*) FROM admissions a JOIN bids b ON b.id = a.bid_id WHERE b.lot_id = ? AND b.provider_id = ? AND a.confirmed_at IS NOT NULL`,
		lotID, provider).Scan(&confirmed).Error; err != nil {
		return err
	}
	if confirmed > 0 {
		return fault.New(AdmissionApproved, "the application is admitted and has its contract")
	}
	return q.Exec(`DELETE FROM admissions WHERE bid_id IN (SELECT id FROM bids WHERE lot_id = ? AND provider_id = ?)`, lotID, provider).Error
}

// concludeOpenHouse ends an open house after its end date, once no
// application waits for a decision.
func (s *Service) concludeOpenHouse(ctx context.Context, tx *gorm.DB, actor access.Actor, t Tender, now time.Time, out *Conclusion) error {
	if stateAt(t, now) != Closed {
		return fault.New(TenderTransition, "tender %s is %s; an open house is concluded after its end date", t.Reference, stateAt(t, now))
	}
	var waiting int64
	if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM bids b WHERE b.tender_id = ? AND b.status = 'submitted' AND b.excluded_reason IS NULL
		AND NOT EXISTS (SELECT 1 FROM admissions a WHERE a.bid_id = b.id AND a.confirmed_at IS NOT NULL)`, t.ID).Scan(&waiting).Error; err != nil {
		return err
	}
	if waiting > 0 {
		return fault.New(EvaluationOpen, "%d applications wait for a decision", waiting)
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE tenders SET state = 'concluded', concluded_at = ?, updated_at = ? WHERE id = ?`, now, now, t.ID).Error; err != nil {
		return err
	}
	var err error
	if out.Tender, err = s.reload(ctx, tx, t.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.conclude", EntityType: "tender", EntityID: t.ID.String(), After: map[string]any{"state": Concluded}})
}

// ApplicationStates tells, per application of an open house's lot that
// has an approval, whether it waits for its second approval ("pending") or
// is admitted ("admitted"), for procurement and auditors.
func (s *Service) ApplicationStates(ctx context.Context, actor access.Actor, lotID uuid.UUID) (map[uuid.UUID]string, error) {
	if !actor.Has(access.Procurement) && !actor.Has(access.Auditor) {
		return nil, fault.New(fault.Forbidden, "only procurement and auditors follow admissions")
	}
	var rows []struct {
		BidID    uuid.UUID
		Admitted bool
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT a.bid_id, a.confirmed_at IS NOT NULL AS admitted FROM admissions a JOIN bids b ON b.id = a.bid_id
		WHERE b.lot_id = ?`, lotID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := map[uuid.UUID]string{}
	for _, r := range rows {
		out[r.BidID] = map[bool]string{true: "admitted", false: "pending"}[r.Admitted]
	}
	return out, nil
}
