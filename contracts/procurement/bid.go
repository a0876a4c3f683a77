package procurement

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/filename"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// MaxAttachmentBytes is the largest attachment a bid takes.
const MaxAttachmentBytes = 10 << 20

// BidInput is a bid (or an open-house application) for one lot as its
// provider submits it. Answers and attachments are keyed by criterion code.
type BidInput struct {
	LotID       uuid.UUID
	Price       decimal.Decimal // an open house's is the lot's fixed price; leave it zero
	Capacity    int
	VATExempt   bool
	VATRate     *decimal.Decimal
	Declaration bool
	Answers     map[string]string
	Attachments []Attachment
}

// Attachment is a PDF file answering one criterion.
type Attachment struct {
	Criterion string
	Name      string
	Data      []byte
}

// Bid statuses.
const (
	BidSubmitted = "submitted"
	BidWithdrawn = "withdrawn"
)

// Bid is one provider's bid for one lot.
type Bid struct {
	ID                uuid.UUID        `json:"id"`
	TenderID          uuid.UUID        `json:"tender_id"`
	LotID             uuid.UUID        `json:"lot_id"`
	ProviderID        uuid.UUID        `json:"provider_id"`
	ProviderName      string           `json:"provider_name" gorm:"->;-:migration"`
	Status            string           `json:"status"`
	Price             decimal.Decimal  `json:"price"`
	Capacity          int              `json:"capacity"`
	VATExempt         bool             `json:"vat_exempt" gorm:"column:vat_exempt"`
	VATRate           *decimal.Decimal `json:"vat_rate,omitempty" gorm:"column:vat_rate"`
	Declaration       bool             `json:"declaration"`
	ContentSHA256     []byte           `json:"-" gorm:"column:content_sha256"`
	SubmittedAt       time.Time        `json:"submitted_at"`
	NeedsConfirmation bool             `json:"needs_confirmation"`
	ExcludedReason    *string          `json:"excluded_reason,omitempty"`
	ExcludedNote      *string          `json:"excluded_note,omitempty"`
}

// Hash is the sha256 of the bid's content, as the opening record prints it.
func (b Bid) Hash() string { return hex.EncodeToString(b.ContentSHA256) }

// Admissible says whether the bid takes part in the ranking.
func (b Bid) Admissible() bool { return b.Status == BidSubmitted && b.ExcludedReason == nil }

// AttachmentInfo describes a stored attachment.
type AttachmentInfo struct {
	N         int    `json:"n"`
	Criterion string `json:"criterion"`
	Filename  string `json:"filename"`
	Size      int    `json:"size"`
	SHA256    string `json:"sha256"`
}

// BidDetail is a bid with its answers and attachments.
type BidDetail struct {
	Bid
	Hash        string            `json:"content_sha256"`
	Answers     map[string]string `json:"answers"`
	Attachments []AttachmentInfo  `json:"attachments"`
}

// sealedFor says whether a bid of provider in tender t is unreadable to
// actor: to every other provider always; before the opening to everyone
// but its author. An open house's applications have no competition and no
// opening: procurement and auditors read them as they come.
func sealedFor(actor access.Actor, t TenderDetail, provider uuid.UUID) bool {
	switch {
	case actor.OwnsProvider(provider):
		return false
	case actor.IsProvider(), !visibleTender(actor, t):
		return true
	case t.Procedure == OpenHouse:
		return !(actor.Has(access.Procurement) || actor.Has(access.Auditor))
	}
	return !opened(t.Tender)
}

// bidContent is what a bid's hash covers, in a fixed order.
type bidContent struct {
	Lot         uuid.UUID         `json:"lot_id"`
	Provider    uuid.UUID         `json:"provider_id"`
	Price       string            `json:"price"`
	Capacity    int               `json:"capacity"`
	VATExempt   bool              `json:"vat_exempt"`
	VATRate     string            `json:"vat_rate"`
	Declaration bool              `json:"declaration"`
	Answers     map[string]string `json:"answers"`
	Files       []string          `json:"attachments"` // criterion:sha256
}

func contentHash(c bidContent) []byte {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings, numbers and maps of strings always marshal
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

type storedAttachment struct {
	ID          uuid.UUID
	BidID       uuid.UUID
	CriterionID uuid.UUID
	N           int
	Filename    string
	ContentType string
	Size        int
	SHA256      []byte `gorm:"column:sha256"`
	Data        []byte
}

func (storedAttachment) TableName() string { return "bid_attachments" }

// SubmitBid submits the actor's provider's bid for a lot, or replaces the
// bid it has there, until the deadline: the server's clock is read after
// the tender's row is share-locked, so a bid either commits before the
// opening can lock the tender or is refused as late. The audit trail
// records who bid on which lot and the content's sha256, nothing of the
// content.
func (s *Service) SubmitBid(ctx context.Context, actor access.Actor, in BidInput) (BidDetail, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return BidDetail{}, err
	}
	if !actor.IsProvider() {
		return BidDetail{}, fault.New(fault.Forbidden, "only a provider's user bids")
	}
	provider := *actor.ProviderID
	var out BidDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		lot, d, err := lotWithTender(ctx, tx, in.LotID, "SHARE")
		if err != nil {
			return err
		}
		if d.State == Draft {
			return lotNotFound(in.LotID)
		}
		now := s.now()
		if err := acceptsBids(d.Tender, now); err != nil {
			return err
		}
		if err := admissionHold(ctx, tx, lot.ID, provider); err != nil {
			return err
		}
		errs, price := checkBid(in, d.Procedure, lot, d.Criteria)
		files, ferr := checkAttachments(in.Attachments)
		if ferr != nil {
			if fe, ok := fault.As(ferr); ok && fe.Code == fault.InvalidInput {
				errs = append(errs, fe.Fields...)
			} else {
				return ferr
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		content := bidContent{Lot: lot.ID, Provider: provider, Price: price.StringFixed(2), Capacity: in.Capacity, VATExempt: in.VATExempt,
			Declaration: in.Declaration, Answers: map[string]string{}}
		if in.VATRate != nil {
			content.VATRate = in.VATRate.StringFixed(2)
		}
		for code, text := range in.Answers {
			content.Answers[code] = text
		}
		for _, f := range files {
			content.Files = append(content.Files, f.criterion+":"+hex.EncodeToString(f.SHA256))
		}
		hash := contentHash(content)
		var row struct {
			ID       uuid.UUID
			Replaced bool
		}
		if err := tx.WithContext(ctx).Raw(`INSERT INTO bids (id, tender_id, lot_id, provider_id, status, price, capacity, vat_exempt, vat_rate,
				declaration, content_sha256, submitted_by, submitted_at, needs_confirmation)
			VALUES (?, ?, ?, ?, 'submitted', ?, ?, ?, ?, ?, ?, ?, ?, false)
			ON CONFLICT ON CONSTRAINT bids_one_per_provider DO UPDATE SET status = 'submitted', price = EXCLUDED.price,
				capacity = EXCLUDED.capacity, vat_exempt = EXCLUDED.vat_exempt, vat_rate = EXCLUDED.vat_rate,
				declaration = EXCLUDED.declaration, content_sha256 = EXCLUDED.content_sha256, submitted_by = EXCLUDED.submitted_by,
				submitted_at = EXCLUDED.submitted_at, needs_confirmation = false
			RETURNING id, (xmax <> 0) AS replaced`,
			uuid.Must(uuid.NewV7()), d.ID, lot.ID, provider, price, in.Capacity, in.VATExempt, in.VATRate, in.Declaration, hash,
			actorID(actor), now).Scan(&row).Error; err != nil {
			return err
		}
		q := tx.WithContext(ctx)
		if err := q.Exec(`DELETE FROM bid_answers WHERE bid_id = ?`, row.ID).Error; err != nil {
			return err
		}
		if err := q.Exec(`DELETE FROM bid_attachments WHERE bid_id = ?`, row.ID).Error; err != nil {
			return err
		}
		for _, c := range d.Criteria {
			if text, ok := in.Answers[c.Code]; ok {
				if err := q.Exec(`INSERT INTO bid_answers (bid_id, criterion_id, text) VALUES (?, ?, ?)`, row.ID, c.ID, text).Error; err != nil {
					return err
				}
			}
		}
		for i, f := range files {
			c, _ := d.Criterion(f.criterion)
			f.ID, f.BidID, f.CriterionID, f.N = uuid.Must(uuid.NewV7()), row.ID, c.ID, i+1
			if err := q.Create(&f.storedAttachment).Error; err != nil {
				return err
			}
		}
		action := "bid.submit"
		if row.Replaced {
			action = "bid.replace"
		}
		if out, err = loadBid(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "bid", EntityID: row.ID.String(), After: sealedAudit(out.Bid)})
	})
	return out, err
}

// sealedAudit is all the audit trail says of a bid: where, by whom, and the
// hash of what was submitted.
func sealedAudit(b Bid) map[string]any {
	return map[string]any{"tender_id": b.TenderID, "lot_id": b.LotID, "provider_id": b.ProviderID, "status": b.Status, "content_sha256": b.Hash()}
}

type checkedFile struct {
	storedAttachment
	criterion string
}

// checkAttachments accepts PDF files of at most 10 MB, recognised by their
// content, never by their name.
func checkAttachments(in []Attachment) ([]checkedFile, error) {
	var out []checkedFile
	var errs fault.Fields
	for i, a := range in {
		f := fmt.Sprintf("attachments[%d]", i)
		if len(a.Data) > MaxAttachmentBytes {
			return nil, &fault.Error{Code: AttachmentTooLarge, Detail: fmt.Sprintf("%s is %d bytes; the limit is 10 MB", a.Name, len(a.Data)),
				Fields: []fault.FieldError{fault.Field(f, AttachmentTooLarge.Code, "larger than 10 MB")}}
		}
		if !bytes.HasPrefix(a.Data, []byte("%PDF-")) {
			errs.Add(f, AttachmentType.Code, a.Name+" is not a PDF file")
			continue
		}
		sum := sha256.Sum256(a.Data)
		out = append(out, checkedFile{criterion: a.Criterion, storedAttachment: storedAttachment{
			Filename: filename.Clean(a.Name, "application/pdf", fmt.Sprintf("attachment-%d", i+1)), ContentType: "application/pdf",
			Size: len(a.Data), SHA256: sum[:], Data: a.Data}})
	}
	return out, errs.Err()
}

func bidQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("bids").Select("bids.*, providers.legal_name AS provider_name").Joins("JOIN providers ON providers.id = bids.provider_id")
}

func loadBid(ctx context.Context, tx *gorm.DB, id uuid.UUID) (BidDetail, error) {
	var b Bid
	if err := bidQuery(tx.WithContext(ctx)).Where("bids.id = ?", id).Take(&b).Error; err != nil {
		if database.ErrNotFound(err) {
			return BidDetail{}, bidNotFound(id)
		}
		return BidDetail{}, err
	}
	d := BidDetail{Bid: b, Hash: b.Hash(), Answers: map[string]string{}, Attachments: []AttachmentInfo{}}
	var answers []struct{ Code, Text string }
	if err := tx.WithContext(ctx).Raw(`SELECT c.code, a.text FROM bid_answers a JOIN tender_criteria c ON c.id = a.criterion_id WHERE a.bid_id = ?`, id).
		Scan(&answers).Error; err != nil {
		return d, err
	}
	for _, a := range answers {
		d.Answers[a.Code] = a.Text
	}
	var files []struct {
		N         int
		Criterion string
		Filename  string
		Size      int
		SHA256    []byte `gorm:"column:sha256"`
	}
	if err := tx.WithContext(ctx).Raw(`SELECT f.n, c.code AS criterion, f.filename, f.size, f.sha256 FROM bid_attachments f
		JOIN tender_criteria c ON c.id = f.criterion_id WHERE f.bid_id = ? ORDER BY f.n`, id).Scan(&files).Error; err != nil {
		return d, err
	}
	for _, f := range files {
		d.Attachments = append(d.Attachments, AttachmentInfo{N: f.N, Criterion: f.Criterion, Filename: f.Filename, Size: f.Size, SHA256: hex.EncodeToString(f.SHA256)})
	}
	return d, nil
}

// bidForAuthor loads the actor's own bid under the tender's share lock,
// for a change before the deadline.
func (s *Service) ownBidChange(ctx context.Context, actor access.Actor, id uuid.UUID, action string, change func(tx *gorm.DB, b BidDetail) error) (BidDetail, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return BidDetail{}, err
	}
	var out BidDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, err := loadBid(ctx, tx, id)
		if err != nil {
			return err
		}
		if !actor.OwnsProvider(b.ProviderID) {
			return bidNotFound(id)
		}
		t, err := lockTender(ctx, tx, b.TenderID, "SHARE")
		if err != nil {
			return err
		}
		if err := acceptsBids(t, s.now()); err != nil {
			return err
		}
		if err := admissionHold(ctx, tx, b.LotID, b.ProviderID); err != nil {
			return err
		}
		if err := change(tx, b); err != nil {
			return err
		}
		if out, err = loadBid(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "bid", EntityID: id.String(), After: sealedAudit(out.Bid)})
	})
	return out, err
}

// WithdrawBid withdraws the actor's bid before the deadline. It may be
// submitted again (SubmitBid) while the tender takes bids.
func (s *Service) WithdrawBid(ctx context.Context, actor access.Actor, id uuid.UUID) (BidDetail, error) {
	return s.ownBidChange(ctx, actor, id, "bid.withdraw", func(tx *gorm.DB, b BidDetail) error {
		if b.Status == BidWithdrawn {
			return fault.New(AlreadyWithdrawn, "the bid is already withdrawn")
		}
		return tx.WithContext(ctx).Exec(`UPDATE bids SET status = 'withdrawn', needs_confirmation = false WHERE id = ?`, id).Error
	})
}

// ConfirmBid confirms, after an amendment, that the bid stands as it is.
func (s *Service) ConfirmBid(ctx context.Context, actor access.Actor, id uuid.UUID) (BidDetail, error) {
	return s.ownBidChange(ctx, actor, id, "bid.confirm", func(tx *gorm.DB, b BidDetail) error {
		if !b.NeedsConfirmation {
			return fault.New(NothingToConfirm, "the bid needs no confirmation")
		}
		return tx.WithContext(ctx).Exec(`UPDATE bids SET needs_confirmation = false WHERE id = ?`, id).Error
	})
}

// GetBid returns a bid to its author, and after the opening to procurement,
// auditors and the tender's committee. To anyone else it does not exist.
func (s *Service) GetBid(ctx context.Context, actor access.Actor, id uuid.UUID) (BidDetail, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return BidDetail{}, err
	}
	var out BidDetail
	err := s.read(ctx, func(tx *gorm.DB) error {
		b, err := loadBid(ctx, tx, id)
		if err != nil {
			return err
		}
		t, err := lockTender(ctx, tx, b.TenderID, "")
		if err != nil {
			return err
		}
		d, err := loadDetail(ctx, tx, t)
		if err != nil {
			return err
		}
		if sealedFor(actor, d, b.ProviderID) || (b.Status == BidWithdrawn && !actor.OwnsProvider(b.ProviderID)) {
			return bidNotFound(id)
		}
		out = b
		return nil
	})
	return out, err
}

// ListBids lists a lot's bids: a provider's own, always; everybody else's
// only after the opening (before it the answer is bids_sealed, whatever the
// lot holds, so that not even the number of bids shows).
func (s *Service) ListBids(ctx context.Context, actor access.Actor, lotID uuid.UUID) ([]Bid, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return nil, err
	}
	out := []Bid{}
	err := s.read(ctx, func(tx *gorm.DB) error {
		_, d, err := lotWithTender(ctx, tx, lotID, "")
		if err != nil {
			return err
		}
		if !visibleTender(actor, d) {
			return lotNotFound(lotID)
		}
		q := bidQuery(tx.WithContext(ctx)).Where("bids.lot_id = ?", lotID).Order("bids.submitted_at, bids.id")
		switch {
		case actor.IsProvider():
			q = q.Where("bids.provider_id = ?", *actor.ProviderID)
		case sealedFor(actor, d, uuid.Nil):
			return fault.New(TenderSealed, "the bids of tender %s are sealed until its opening", d.Reference)
		default:
			q = q.Where("bids.status = 'submitted'")
		}
		return q.Find(&out).Error
	})
	return out, err
}

// OwnBids lists the actor's provider's bids, newest first.
func (s *Service) OwnBids(ctx context.Context, actor access.Actor) ([]Bid, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return nil, err
	}
	out := []Bid{}
	if !actor.IsProvider() {
		return out, nil
	}
	err := bidQuery(s.db.WithContext(ctx)).Where("bids.provider_id = ?", *actor.ProviderID).Order("bids.id DESC").Find(&out).Error
	return out, err
}

// BidAttachment returns attachment n of a bid to whoever may read the bid.
func (s *Service) BidAttachment(ctx context.Context, actor access.Actor, bidID uuid.UUID, n int) (AttachmentInfo, []byte, error) {
	b, err := s.GetBid(ctx, actor, bidID)
	if err != nil {
		return AttachmentInfo{}, nil, err
	}
	for _, a := range b.Attachments {
		if a.N == n {
			var data []byte
			err := s.db.WithContext(ctx).Raw(`SELECT data FROM bid_attachments WHERE bid_id = ? AND n = ?`, bidID, n).Row().Scan(&data)
			return a, data, err
		}
	}
	return AttachmentInfo{}, nil, fault.New(BidNotFound, "bid %s has no attachment %d", bidID, n)
}
