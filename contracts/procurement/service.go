package procurement

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Service runs procurement's use cases. Each exported method takes the
// context first and the acting user second, checks the actor's rights, and
// runs in one transaction with its audit events.
type Service struct {
	db    *gorm.DB
	now   func() time.Time
	funds contracts.Funds
}

// NewService returns the procurement service on db; funds tells what a
// budget has available (pooling provides it).
func NewService(db *gorm.DB, funds contracts.Funds) *Service {
	return &Service{db: db, funds: funds, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// WithClock returns a copy of the service that reads the time from now:
// the deadline, the standstill and every recorded moment follow it (the
// demo's story and the tests move it).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	return &c
}

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

var readOnly = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

func (s *Service) read(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn, readOnly)
}

// ---- loading

// lockTender loads a tender; strength "UPDATE" or "SHARE" locks its row
// ("" does not). Bids take the share lock, the opening the update lock, so
// that no bid commits after the opening has read the bids.
func lockTender(ctx context.Context, tx *gorm.DB, id uuid.UUID, strength string) (Tender, error) {
	q := tx.WithContext(ctx)
	if strength != "" {
		q = q.Clauses(clause.Locking{Strength: strength})
	}
	var t Tender
	if err := q.Where("id = ?", id).Take(&t).Error; err != nil {
		if database.ErrNotFound(err) {
			return Tender{}, tenderNotFound(id)
		}
		return Tender{}, err
	}
	return t, nil
}

func loadDetail(ctx context.Context, tx *gorm.DB, t Tender) (TenderDetail, error) {
	d := TenderDetail{Tender: t, Criteria: []Criterion{}, Lots: []Lot{}, History: []Amendment{}, Warnings: []Warning{}, Evaluators: []uuid.UUID{}}
	q := tx.WithContext(ctx)
	if err := q.Where("tender_id = ?", t.ID).Order("position").Find(&d.Criteria).Error; err != nil {
		return d, err
	}
	if err := q.Where("tender_id = ?", t.ID).Order("number").Find(&d.Lots).Error; err != nil {
		return d, err
	}
	if err := q.Where("tender_id = ?", t.ID).Order("number").Find(&d.History).Error; err != nil {
		return d, err
	}
	if err := q.Table("tender_evaluators").Where("tender_id = ?", t.ID).Order("user_id").Pluck("user_id", &d.Evaluators).Error; err != nil {
		return d, err
	}
	return d, nil
}

// lotWithTender loads a lot and its tender; strength locks the tender.
func lotWithTender(ctx context.Context, tx *gorm.DB, lotID uuid.UUID, strength string) (Lot, TenderDetail, error) {
	var l Lot
	if err := tx.WithContext(ctx).Where("id = ?", lotID).Take(&l).Error; err != nil {
		if database.ErrNotFound(err) {
			return Lot{}, TenderDetail{}, lotNotFound(lotID)
		}
		return Lot{}, TenderDetail{}, err
	}
	t, err := lockTender(ctx, tx, l.TenderID, strength)
	if err != nil {
		return Lot{}, TenderDetail{}, err
	}
	if strength != "" {
		// Read again under the lock: an amendment that held it may have
		// changed the lot's terms since the first read.
		if err := tx.WithContext(ctx).Where("id = ?", lotID).Take(&l).Error; err != nil {
			return Lot{}, TenderDetail{}, err
		}
	}
	d, err := loadDetail(ctx, tx, t)
	return l, d, err
}

// visibleTender says whether actor may see the tender at all: procurement
// and auditors see every tender, providers the published ones, evaluators
// those whose committee they sit on.
func visibleTender(actor access.Actor, d TenderDetail) bool {
	switch {
	case actor.Has(access.Procurement) || actor.Has(access.Auditor):
		return true
	case actor.Has(access.Evaluator) && slices.Contains(d.Evaluators, actor.UserID):
		return true
	case actor.IsProvider():
		return d.State != Draft
	}
	return false
}

// ---- tenders

// CreateTender stores a draft tender with its criteria and lots.
func (s *Service) CreateTender(ctx context.Context, actor access.Actor, in TenderInput) (TenderDetail, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, criteria, lots, err := s.checkTerms(ctx, tx, in)
		if err != nil {
			return err
		}
		now := s.now()
		t.ID = uuid.Must(uuid.NewV7())
		t.State = Draft
		t.CreatedAt, t.UpdatedAt = now, now
		if err := tx.WithContext(ctx).Create(&t).Error; err != nil {
			if database.IsUniqueViolation(err, "tenders_reference_key") {
				return fault.Invalid(fault.Field("reference", TenderReferenceTaken.Code, "another tender has reference "+t.Reference))
			}
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE tenders SET created_by = ? WHERE id = ?`, actorID(actor), t.ID).Error; err != nil {
			return err
		}
		if err := writeTerms(ctx, tx, t.ID, criteria, lots, false); err != nil {
			return err
		}
		if out, err = s.detail(ctx, tx, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.create", EntityType: "tender", EntityID: t.ID.String(), After: out})
	})
	return out, err
}

// checkTerms validates the input, the budget and each lot's schedule by
// contracts' rules.
func (s *Service) checkTerms(ctx context.Context, tx *gorm.DB, in TenderInput) (Tender, []Criterion, []Lot, error) {
	t, criteria, lots, errs := checkTender(in)
	if t.BudgetID != uuid.Nil {
		var n int64
		if err := tx.WithContext(ctx).Table("budgets").Where("id = ?", t.BudgetID).Count(&n).Error; err != nil {
			return t, nil, nil, err
		}
		if n == 0 {
			errs.Add("budget_id", BudgetUnknown.Code, "no budget "+t.BudgetID.String())
		}
	}
	for i, l := range lots {
		price := l.MaxPrice
		if !price.IsPositive() {
			price = hundred // so that the schedule is still checked
		}
		p, err := contracts.CheckProduct(ctx, tx, fieldIndex("lots", i), contracts.Product{
			Code: "lot-" + itoa(l.Number), Name: nonEmpty(l.Title, "lot"), CategoryCode: l.CategoryCode, Price: price, Milestones: l.Schedule})
		if fe, ok := fault.As(err); ok && fe.Code == fault.InvalidInput {
			errs = append(errs, fe.Fields...)
		} else if err != nil {
			return t, nil, nil, err
		}
		lots[i].CategoryCode, lots[i].Schedule = p.CategoryCode, Schedule(p.Milestones)
	}
	return t, criteria, lots, errs.Err()
}

// writeTerms stores the criteria and lots. A draft's are replaced; an
// amendment keeps every criterion and lot that stays (matched by code and
// number), so that bids keep pointing at them.
func writeTerms(ctx context.Context, tx *gorm.DB, tenderID uuid.UUID, criteria []Criterion, lots []Lot, amend bool) error {
	q := tx.WithContext(ctx)
	var oldCriteria []Criterion
	var oldLots []Lot
	if err := q.Where("tender_id = ?", tenderID).Find(&oldCriteria).Error; err != nil {
		return err
	}
	if err := q.Where("tender_id = ?", tenderID).Find(&oldLots).Error; err != nil {
		return err
	}
	if !amend {
		if err := q.Exec(`DELETE FROM tender_criteria WHERE tender_id = ?`, tenderID).Error; err != nil {
			return err
		}
		if err := q.Exec(`DELETE FROM lots WHERE tender_id = ?`, tenderID).Error; err != nil {
			return err
		}
		oldCriteria, oldLots = nil, nil
	}
	// Positions move: park the old ones out of the way of the unique key.
	if err := q.Exec(`UPDATE tender_criteria SET position = position + 1000 WHERE tender_id = ?`, tenderID).Error; err != nil {
		return err
	}
	keep := map[uuid.UUID]bool{}
	for _, c := range criteria {
		c.TenderID = tenderID
		i := slices.IndexFunc(oldCriteria, func(o Criterion) bool { return o.Code == c.Code })
		if i >= 0 {
			c.ID = oldCriteria[i].ID
			keep[c.ID] = true
			if err := q.Model(&Criterion{}).Where("id = ?", c.ID).Updates(map[string]any{"position": c.Position, "name": c.Name, "kind": c.Kind, "weight": c.Weight}).Error; err != nil {
				return err
			}
			continue
		}
		c.ID = uuid.Must(uuid.NewV7())
		if err := q.Create(&c).Error; err != nil {
			return err
		}
	}
	for _, o := range oldCriteria {
		if keep[o.ID] {
			continue
		}
		for _, stmt := range []string{`DELETE FROM bid_answers WHERE criterion_id = ?`, `DELETE FROM bid_attachments WHERE criterion_id = ?`, `DELETE FROM tender_criteria WHERE id = ?`} {
			if err := q.Exec(stmt, o.ID).Error; err != nil {
				return err
			}
		}
	}
	for _, l := range lots {
		l.TenderID = tenderID
		i := slices.IndexFunc(oldLots, func(o Lot) bool { return o.Number == l.Number })
		if i >= 0 {
			if err := q.Model(&Lot{}).Where("id = ?", oldLots[i].ID).Updates(map[string]any{"title": l.Title, "category_code": l.CategoryCode,
				"volume": l.Volume, "max_price": l.MaxPrice, "awardees": l.Awardees, "schedule": l.Schedule}).Error; err != nil {
				return err
			}
			continue
		}
		l.ID = uuid.Must(uuid.NewV7())
		if err := q.Create(&l).Error; err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) detail(ctx context.Context, tx *gorm.DB, t Tender) (TenderDetail, error) {
	d, err := loadDetail(ctx, tx, t)
	if err != nil {
		return d, err
	}
	d.State = stateAt(t, s.now())
	if s.funds != nil && d.State != Concluded && d.State != Cancelled {
		available, err := s.funds.BudgetAvailable(ctx, tx, t.BudgetID)
		if err != nil {
			return d, err
		}
		d.Warnings = budgetWarning(d.Lots, available)
	}
	return d, nil
}

// UpdateTender replaces a draft tender's terms.
func (s *Service) UpdateTender(ctx context.Context, actor access.Actor, id uuid.UUID, in TenderInput) (TenderDetail, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := lockTender(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		if cur.State != Draft {
			return fault.New(TenderNotDraft, "tender %s is %s", cur.Reference, stateAt(cur, s.now()))
		}
		before, err := loadDetail(ctx, tx, cur)
		if err != nil {
			return err
		}
		t, criteria, lots, err := s.checkTerms(ctx, tx, in)
		if err != nil {
			return err
		}
		if err := updateTenderRow(ctx, tx, id, t, s.now()); err != nil {
			return err
		}
		if err := writeTerms(ctx, tx, id, criteria, lots, false); err != nil {
			return err
		}
		if out, err = s.reload(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.update", EntityType: "tender", EntityID: id.String(), Before: before, After: out})
	})
	return out, err
}

func updateTenderRow(ctx context.Context, tx *gorm.DB, id uuid.UUID, t Tender, now time.Time) error {
	err := tx.WithContext(ctx).Model(&Tender{}).Where("id = ?", id).Updates(map[string]any{
		"reference": t.Reference, "title": t.Title, "description": t.Description, "procedure": t.Procedure, "budget_id": t.BudgetID,
		"publication_date": t.PublicationDate, "questions_deadline": t.QuestionsDeadline, "submission_deadline": t.SubmissionDeadline,
		"bid_validity_days": t.BidValidityDays, "standstill_days": t.StandstillDays, "contract_start": t.ContractStart,
		"contract_end": t.ContractEnd, "updated_at": now}).Error
	if database.IsUniqueViolation(err, "tenders_reference_key") {
		return fault.Invalid(fault.Field("reference", TenderReferenceTaken.Code, "another tender has reference "+t.Reference))
	}
	return err
}

func (s *Service) reload(ctx context.Context, tx *gorm.DB, id uuid.UUID) (TenderDetail, error) {
	t, err := lockTender(ctx, tx, id, "")
	if err != nil {
		return TenderDetail{}, err
	}
	return s.detail(ctx, tx, t)
}

// PublishTender makes a draft tender public: providers see it and may ask
// and bid. Its deadlines must lie ahead.
func (s *Service) PublishTender(ctx context.Context, actor access.Actor, id uuid.UUID) (TenderDetail, error) {
	return s.change(ctx, actor, id, "tender.publish", func(tx *gorm.DB, t Tender, now time.Time) (map[string]any, error) {
		if t.State != Draft {
			return nil, fault.New(TenderTransition, "tender %s is %s; only a draft is published", t.Reference, stateAt(t, now))
		}
		if !t.QuestionsDeadline.After(now) {
			return nil, fault.Invalid(fault.Field("questions_deadline", DeadlineInPast.Code, "the question deadline has passed; move it before publishing"))
		}
		return map[string]any{"state": Published, "published_at": now}, nil
	})
}

// CancelTender stops a tender at any point before its conclusion.
func (s *Service) CancelTender(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (TenderDetail, error) {
	return s.change(ctx, actor, id, "tender.cancel", func(tx *gorm.DB, t Tender, now time.Time) (map[string]any, error) {
		if t.State == Concluded || t.State == Cancelled {
			return nil, fault.New(TenderTransition, "tender %s is %s", t.Reference, t.State)
		}
		if reason == "" || len(reason) > 2000 {
			return nil, fault.Invalid(fault.Field("reason", CancelReasonNeeded.Code, "say why, in at most 2000 characters"))
		}
		var concluded int64
		if err := tx.WithContext(ctx).Table("bid_contracts").Where("tender_id = ?", t.ID).Count(&concluded).Error; err != nil {
			return nil, err
		}
		if concluded > 0 {
			return nil, fault.New(TenderTransition, "tender %s has concluded contracts; end them instead", t.Reference)
		}
		return map[string]any{"state": Cancelled, "cancel_reason": reason}, nil
	})
}

// change runs one state change of a tender under its row lock, audited.
func (s *Service) change(ctx context.Context, actor access.Actor, id uuid.UUID, action string, plan func(tx *gorm.DB, t Tender, now time.Time) (map[string]any, error)) (TenderDetail, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		now := s.now()
		cols, err := plan(tx, t, now)
		if err != nil {
			return err
		}
		cols["updated_at"] = now
		if err := tx.WithContext(ctx).Model(&Tender{}).Where("id = ?", id).Updates(cols).Error; err != nil {
			return err
		}
		if out, err = s.reload(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "tender", EntityID: id.String(),
			Before: map[string]any{"state": stateAt(t, now)}, After: map[string]any{"state": out.State, "cancel_reason": out.CancelReason}})
	})
	return out, err
}

// AmendTender changes a published tender before its deadline: the new
// terms replace the old ones, the amendment is recorded with its note, and
// when criteria or lots change every bid already in must be confirmed by
// its bidder (or replaced) before the deadline, which the amendment moves
// when fewer than MinDaysAfterAmendment days are left.
func (s *Service) AmendTender(ctx context.Context, actor access.Actor, id uuid.UUID, in TenderInput, note string) (TenderDetail, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cur, err := lockTender(ctx, tx, id, "UPDATE")
		if err != nil {
			return err
		}
		before, err := loadDetail(ctx, tx, cur)
		if err != nil {
			return err
		}
		in.Reference, in.BudgetID, in.Procedure, in.PublicationDate = cur.Reference, cur.BudgetID, cur.Procedure, cur.PublicationDate
		t, criteria, lots, err := s.checkTerms(ctx, tx, in)
		if err != nil {
			return err
		}
		now := s.now()
		changed, material, err := planAmendment(before, t, criteria, lots, note, now)
		if err != nil {
			return err
		}
		if err := updateTenderRow(ctx, tx, id, t, now); err != nil {
			return err
		}
		if err := writeTerms(ctx, tx, id, criteria, lots, true); err != nil {
			return err
		}
		a := Amendment{ID: uuid.Must(uuid.NewV7()), TenderID: id, Number: cur.Amendments + 1, Note: note,
			OldDeadline: cur.SubmissionDeadline, NewDeadline: t.SubmissionDeadline, Changed: changed, CreatedBy: &actor.UserID, CreatedAt: now}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO tender_amendments (id, tender_id, number, note, old_deadline, new_deadline, changed, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.TenderID, a.Number, a.Note, a.OldDeadline, a.NewDeadline, contracts.Codes(changed), actorID(actor), now).Error; err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE tenders SET amendments = amendments + 1 WHERE id = ?`, id).Error; err != nil {
			return err
		}
		if material {
			if err := tx.WithContext(ctx).Exec(`UPDATE bids SET needs_confirmation = true WHERE tender_id = ? AND status = 'submitted'`, id).Error; err != nil {
				return err
			}
		}
		if out, err = s.reload(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.amend", EntityType: "tender", EntityID: id.String(), Before: before, After: out})
	})
	return out, err
}

// actorID is the user behind actor, or NULL for a command.
func actorID(actor access.Actor) *uuid.UUID {
	if actor.IsSystem() {
		return nil
	}
	id := actor.UserID
	return &id
}

// GetTender returns a tender as actor may see it. The number of bids is
// given only after the opening.
func (s *Service) GetTender(ctx context.Context, actor access.Actor, id uuid.UUID) (TenderDetail, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.read(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, id, "")
		if err != nil {
			return err
		}
		if out, err = s.detail(ctx, tx, t); err != nil {
			return err
		}
		if !visibleTender(actor, out) {
			return tenderNotFound(id)
		}
		if actor.IsProvider() {
			out.Warnings, out.Evaluators = []Warning{}, []uuid.UUID{}
		}
		if opened(out.Tender) && !actor.IsProvider() {
			var n int64
			if err := tx.WithContext(ctx).Table("bids").Where("tender_id = ? AND status = 'submitted'", id).Count(&n).Error; err != nil {
				return err
			}
			c := int(n)
			out.BidCount = &c
		}
		return nil
	})
	return out, err
}

// opened says whether the tender's bids have been opened (an open house's
// applications are read as they come, and have no opening).
func opened(t Tender) bool { return t.OpenedAt != nil }

// TenderFilter narrows ListTenders; zero fields do not filter.
type TenderFilter struct {
	State State
	Page  database.Page
}

// ListTenders lists the tenders actor may see, oldest first, a page at a
// time; state filters on the state as users see it (closed included).
func (s *Service) ListTenders(ctx context.Context, actor access.Actor, f TenderFilter) ([]Tender, string, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return nil, "", err
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		return nil, "", fault.Invalid(fault.Field("state", "state_unknown", "unknown state "+string(f.State)))
	}
	now := s.now()
	q := s.db.WithContext(ctx).Model(&Tender{})
	switch {
	case actor.Has(access.Procurement) || actor.Has(access.Auditor):
	case actor.Has(access.Evaluator):
		q = q.Where("id IN (SELECT tender_id FROM tender_evaluators WHERE user_id = ?)", actor.UserID)
	case actor.IsProvider():
		q = q.Where("state <> 'draft'")
	default:
		return []Tender{}, "", nil
	}
	switch f.State {
	case "":
	case Published:
		q = q.Where("state = 'published' AND submission_deadline > ?", now)
	case Closed:
		q = q.Where("state = 'published' AND submission_deadline <= ?", now)
	default:
		q = q.Where("state = ?", f.State)
	}
	var items []Tender
	if err := f.Page.Apply(q, "id").Find(&items).Error; err != nil {
		return nil, "", err
	}
	for i := range items {
		items[i].State = stateAt(items[i], now)
	}
	items, next := database.Trim(f.Page, items, func(t Tender) uuid.UUID { return t.ID })
	return items, next, nil
}
