package procurement

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

// Opening is the record of a tender's opening (proces-verbaal van
// opening): who asked, who opened and when, and per lot every bid in with
// its bidder, price and content hash. Pending says the first procurement
// user has asked and a second one must open.
type Opening struct {
	TenderID        uuid.UUID    `json:"tender_id"`
	Reference       string       `json:"reference"`
	Title           string       `json:"title"`
	Deadline        time.Time    `json:"submission_deadline"`
	Pending         bool         `json:"pending"`
	RequestedByName string       `json:"requested_by"`
	RequestedAt     *time.Time   `json:"requested_at,omitempty"`
	OpenedByName    string       `json:"opened_by,omitempty"`
	OpenedAt        *time.Time   `json:"opened_at,omitempty"`
	Lots            []OpeningLot `json:"lots"`
}

// OpeningLot is one lot of the opening record.
type OpeningLot struct {
	Number int          `json:"number"`
	Title  string       `json:"title"`
	Bids   []OpeningBid `json:"bids"`
}

// OpeningBid is one bid as the opening record lists it.
type OpeningBid struct {
	BidID             uuid.UUID       `json:"bid_id"`
	Provider          string          `json:"provider"`
	Price             decimal.Decimal `json:"price"`
	SubmittedAt       time.Time       `json:"submitted_at"`
	SHA256            string          `json:"content_sha256"`
	NeedsConfirmation bool            `json:"needs_confirmation"`
}

// OpenTender opens a tender after its deadline, four-eyes: the first
// procurement user's call records the request (Pending), a second user's
// call opens the bids. The tender's row lock keeps every late bid out:
// a bid holds the lock's share while it checks the clock and writes.
func (s *Service) OpenTender(ctx context.Context, actor access.Actor, id uuid.UUID) (Opening, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Opening{}, err
	}
	var out Opening
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		now := s.now()
		switch st := stateAt(t, now); {
		case t.Procedure != Open:
			return fault.New(WrongProcedure, "an open house has no opening; its applications are admitted as they come")
		case st == Published:
			return fault.New(DeadlineNotPassed, "tender %s takes bids until %s", t.Reference, t.SubmissionDeadline.Format(time.RFC3339))
		case st != Closed:
			return fault.New(TenderTransition, "tender %s is %s", t.Reference, st)
		}
		action := "tender.open"
		switch {
		case t.OpeningRequestedBy == nil:
			action = "tender.open_request"
			err = tx.WithContext(ctx).Exec(`UPDATE tenders SET opening_requested_by = ?, opening_requested_at = ?, updated_at = ? WHERE id = ?`,
				actor.UserID, now, now, id).Error
		case *t.OpeningRequestedBy == actor.UserID:
			return fault.New(SameUser, "you asked for the opening; another procurement user opens the tender")
		default:
			err = tx.WithContext(ctx).Exec(`UPDATE tenders SET state = 'opened', opened_by = ?, opened_at = ?, updated_at = ? WHERE id = ?`,
				actor.UserID, now, now, id).Error
		}
		if err != nil {
			return err
		}
		if out, err = openingRecord(ctx, tx, id); err != nil {
			return err
		}
		after := map[string]any{"pending": out.Pending}
		if !out.Pending {
			bids := 0
			for _, l := range out.Lots {
				bids += len(l.Bids)
			}
			after["bids"] = bids
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "tender", EntityID: id.String(), After: after})
	})
	if err == nil && out.Pending {
		out.Lots = []OpeningLot{} // nothing of the bids shows before the opening
	}
	return out, err
}

// OpeningRecord returns the record of an opened tender to procurement,
// auditors and the committee.
func (s *Service) OpeningRecord(ctx context.Context, actor access.Actor, id uuid.UUID) (Opening, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return Opening{}, err
	}
	var out Opening
	err := s.read(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, id, "")
		if err != nil {
			return err
		}
		d, err := loadDetail(ctx, tx, t)
		if err != nil {
			return err
		}
		if !visibleTender(actor, d) || actor.IsProvider() {
			return tenderNotFound(id)
		}
		if !opened(t) {
			return fault.New(TenderSealed, "tender %s is not opened", t.Reference)
		}
		out, err = openingRecord(ctx, tx, id)
		return err
	})
	return out, err
}

func openingRecord(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Opening, error) {
	var row struct {
		Tender
		RequestedName string
		OpenedName    string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT t.*, coalesce(nullif(r.name, ''), r.email, '') AS requested_name, coalesce(nullif(o.name, ''), o.email, '') AS opened_name
		FROM tenders t LEFT JOIN users r ON r.id = t.opening_requested_by LEFT JOIN users o ON o.id = t.opened_by WHERE t.id = ?`, id).Scan(&row).Error; err != nil {
		return Opening{}, err
	}
	out := Opening{TenderID: id, Reference: row.Reference, Title: row.Title, Deadline: row.SubmissionDeadline, Pending: row.OpenedAt == nil,
		RequestedByName: row.RequestedName, RequestedAt: row.OpeningRequestedAt, OpenedByName: row.OpenedName, OpenedAt: row.OpenedAt, Lots: []OpeningLot{}}
	if out.Pending {
		return out, nil
	}
	var lots []Lot
	if err := tx.WithContext(ctx).Where("tender_id = ?", id).Order("number").Find(&lots).Error; err != nil {
		return out, err
	}
	for _, l := range lots {
		var bids []Bid
		if err := bidQuery(tx.WithContext(ctx)).Where("bids.lot_id = ? AND bids.status = 'submitted'", l.ID).Order("bids.submitted_at, bids.id").Find(&bids).Error; err != nil {
			return out, err
		}
		ol := OpeningLot{Number: l.Number, Title: l.Title, Bids: []OpeningBid{}}
		for _, b := range bids {
			ol.Bids = append(ol.Bids, OpeningBid{BidID: b.ID, Provider: b.ProviderName, Price: b.Price, SubmittedAt: b.SubmittedAt, SHA256: b.Hash(), NeedsConfirmation: b.NeedsConfirmation})
		}
		out.Lots = append(out.Lots, ol)
	}
	return out, nil
}
