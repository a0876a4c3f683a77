package procurement

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// ProposeAward proposes a lot's award decision from its ranking: the best
// bids (as many as the lot awards) win, with the lot's volume divided
// between them. A second procurement user approves it (ApproveAward).
func (s *Service) ProposeAward(ctx context.Context, actor access.Actor, lotID uuid.UUID) (LotEvaluation, error) {
	return s.awardStep(ctx, actor, lotID, "lot.award_propose", func(tx *gorm.DB, e LotEvaluation, d TenderDetail, now time.Time) error {
		if d.State != Evaluated {
			return fault.New(TenderTransition, "tender %s is %s; awards are proposed once its evaluation is complete", d.Reference, d.State)
		}
		if e.Award != nil {
			return fault.New(AwardExists, "lot %d has an award decision", e.Lot.Number)
		}
		capacity := map[uuid.UUID]int{}
		for _, b := range e.Bids {
			capacity[b.ID] = b.Capacity
		}
		ranked := AwardVolumes(e.Ranking, e.Lot.Awardees, e.Lot.Volume, capacity)
		q := tx.WithContext(ctx)
		if err := q.Exec(`INSERT INTO lot_awards (lot_id, proposed_by, proposed_at) VALUES (?, ?, ?)`, lotID, actor.UserID, now).Error; err != nil {
			return err
		}
		for _, r := range ranked {
			var volume *int
			if r.Winner {
				volume = &r.AwardedVolume
			}
			if err := q.Exec(`INSERT INTO award_ranks (lot_id, bid_id, rank, price_points, quality_points, total_points, winner, awarded_volume)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, lotID, r.BidID, r.Rank, r.PricePoints, r.QualityPoints, r.TotalPoints, r.Winner, volume).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// WithdrawAward drops a lot's award proposal that is not yet approved:
// the approver's way to send it back.
func (s *Service) WithdrawAward(ctx context.Context, actor access.Actor, lotID uuid.UUID) (LotEvaluation, error) {
	return s.awardStep(ctx, actor, lotID, "lot.award_withdraw", func(tx *gorm.DB, e LotEvaluation, d TenderDetail, now time.Time) error {
		switch {
		case e.Award == nil:
			return fault.New(AwardMissing, "lot %d has no award proposal", e.Lot.Number)
		case e.Award.ApprovedAt != nil:
			return fault.New(AwardApproved, "lot %d's award is approved", e.Lot.Number)
		}
		return tx.WithContext(ctx).Exec(`DELETE FROM lot_awards WHERE lot_id = ?`, lotID).Error
	})
}

// ApproveAward approves a lot's award decision, four-eyes: the approver is
// not the proposer. The standstill starts; every bidder's notice is then
// readable (Notice). When every lot is approved the tender is awarded.
func (s *Service) ApproveAward(ctx context.Context, actor access.Actor, lotID uuid.UUID) (LotEvaluation, error) {
	return s.awardStep(ctx, actor, lotID, "lot.award_approve", func(tx *gorm.DB, e LotEvaluation, d TenderDetail, now time.Time) error {
		switch {
		case e.Award == nil:
			return fault.New(AwardMissing, "lot %d has no award proposal", e.Lot.Number)
		case e.Award.ApprovedAt != nil:
			return fault.New(AwardApproved, "lot %d's award is approved", e.Lot.Number)
		case e.Award.ProposedBy == actor.UserID:
			return fault.New(SameUser, "you proposed this award; another procurement user approves it")
		}
		q := tx.WithContext(ctx)
		if err := q.Exec(`UPDATE lot_awards SET approved_by = ?, approved_at = ?, standstill_end = ? WHERE lot_id = ?`,
			actor.UserID, now, standstillEnd(now, d.StandstillDays), lotID).Error; err != nil {
			return err
		}
		return q.Exec(`UPDATE tenders SET state = 'awarded', updated_at = ? WHERE id = ? AND state = 'evaluated'
			AND NOT EXISTS (SELECT 1 FROM lots l LEFT JOIN lot_awards a ON a.lot_id = l.id WHERE l.tender_id = ? AND a.approved_at IS NULL)`,
			now, d.ID, d.ID).Error
	})
}

// awardStep runs one step of a lot's award under the tender's row lock.
func (s *Service) awardStep(ctx context.Context, actor access.Actor, lotID uuid.UUID, action string, step func(tx *gorm.DB, e LotEvaluation, d TenderDetail, now time.Time) error) (LotEvaluation, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return LotEvaluation{}, err
	}
	var out LotEvaluation
	err := s.tx(ctx, func(tx *gorm.DB) error {
		lot, d, err := lotWithTender(ctx, tx, lotID, "UPDATE")
		if err != nil {
			return err
		}
		if d.Procedure != Open {
			return fault.New(WrongProcedure, "an open house admits applications; it has no award decision")
		}
		e, err := evaluate(ctx, tx, lot, d)
		if err != nil {
			return err
		}
		if err := step(tx, e, d, s.now()); err != nil {
			return err
		}
		if out, err = evaluate(ctx, tx, lot, d); err != nil {
			return err
		}
		ranks, err := awardRanks(ctx, tx, lotID)
		if err != nil {
			return err
		}
		winners := []map[string]any{}
		for _, r := range ranks {
			winners = append(winners, map[string]any{"bid_id": r.BidID, "rank": r.Rank, "total_points": r.TotalPoints, "winner": r.Winner, "awarded_volume": r.AwardedVolume})
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "lot", EntityID: lotID.String(),
			After: map[string]any{"award": out.Award, "ranks": winners}})
	})
	return out, err
}

func awardRanks(ctx context.Context, tx *gorm.DB, lotID uuid.UUID) ([]Ranked, error) {
	var out []Ranked
	err := tx.WithContext(ctx).Raw(`SELECT bid_id, rank, price_points, quality_points, total_points, winner, coalesce(awarded_volume, 0) AS awarded_volume
		FROM award_ranks WHERE lot_id = ? ORDER BY rank`, lotID).Scan(&out).Error
	return out, err
}

// Notice is what a bidder is told of a lot's award (gunningsbeslissing):
// its own points, the winners' points, the committee's reasons for its own
// scores, and the last day of the standstill, during which it may object.
type Notice struct {
	TenderID      uuid.UUID   `json:"tender_id"`
	Reference     string      `json:"reference"`
	Title         string      `json:"title"`
	LotID         uuid.UUID   `json:"lot_id"`
	LotNumber     int         `json:"lot_number"`
	LotTitle      string      `json:"lot_title"`
	BidID         uuid.UUID   `json:"bid_id"`
	Provider      string      `json:"provider"`
	Excluded      *string     `json:"excluded_reason,omitempty"`
	ExcludedNote  *string     `json:"excluded_note,omitempty"`
	Own           *Ranked     `json:"own,omitempty"`
	Winners       []Ranked    `json:"winners"`
	Criteria      []Criterion `json:"criteria"`
	OwnScores     []Consensus `json:"own_scores"`
	WinnerScores  []Consensus `json:"winner_scores"`
	ApprovedAt    time.Time   `json:"decided_at"`
	StandstillEnd time.Time   `json:"standstill_end"`
	Objections    []Objection `json:"objections"`
	Contract      *uuid.UUID  `json:"contract_id,omitempty"`
}

// Notice returns the award notice of a bid to its bidder once the lot's
// award is approved, and to procurement and auditors.
func (s *Service) Notice(ctx context.Context, actor access.Actor, bidID uuid.UUID) (Notice, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return Notice{}, err
	}
	var out Notice
	err := s.read(ctx, func(tx *gorm.DB) error {
		b, lot, d, err := bidUnderEvaluation(ctx, tx, bidID, "")
		if err != nil {
			return err
		}
		if !actor.OwnsProvider(b.ProviderID) && !(actor.Has(access.Procurement) || actor.Has(access.Auditor)) {
			return bidNotFound(bidID)
		}
		if b.Status != BidSubmitted || d.Procedure != Open {
			return bidNotFound(bidID)
		}
		out, err = notice(ctx, tx, b, lot, d)
		return err
	})
	return out, err
}

func notice(ctx context.Context, tx *gorm.DB, b Bid, lot Lot, d TenderDetail) (Notice, error) {
	e, err := evaluate(ctx, tx, lot, d)
	if err != nil {
		return Notice{}, err
	}
	if e.Award == nil || e.Award.ApprovedAt == nil {
		return Notice{}, fault.New(AwardMissing, "lot %d has no approved award decision yet", lot.Number)
	}
	n := Notice{TenderID: d.ID, Reference: d.Reference, Title: d.Title, LotID: lot.ID, LotNumber: lot.Number, LotTitle: lot.Title,
		BidID: b.ID, Provider: b.ProviderName, Excluded: b.ExcludedReason, ExcludedNote: b.ExcludedNote, Winners: []Ranked{},
		Criteria: d.Criteria, OwnScores: []Consensus{}, WinnerScores: []Consensus{}, ApprovedAt: *e.Award.ApprovedAt,
		StandstillEnd: *e.Award.StandstillEnd, Objections: []Objection{}}
	ranks, err := awardRanks(ctx, tx, lot.ID)
	if err != nil {
		return Notice{}, err
	}
	winners := map[uuid.UUID]bool{}
	for _, r := range ranks {
		if r.BidID == b.ID {
			own := r
			n.Own = &own
		}
		if r.Winner {
			n.Winners = append(n.Winners, r)
			winners[r.BidID] = true
		}
	}
	for _, c := range e.Consensus {
		switch {
		case c.BidID == b.ID:
			n.OwnScores = append(n.OwnScores, c)
		case winners[c.BidID]:
			c.Rationale = "" // another bidder's reasons are not this bidder's to read
			n.WinnerScores = append(n.WinnerScores, c)
		}
	}
	if err := tx.WithContext(ctx).Where("bid_id = ?", b.ID).Order("lodged_at").Find(&n.Objections).Error; err != nil {
		return n, err
	}
	var contract uuid.UUID
	if res := tx.WithContext(ctx).Raw(`SELECT contract_id FROM bid_contracts WHERE bid_id = ?`, b.ID).Scan(&contract); res.Error != nil {
		return n, res.Error
	} else if res.RowsAffected > 0 {
		n.Contract = &contract
	}
	return n, nil
}

// Notices lists the actor's provider's award notices, newest first.
func (s *Service) Notices(ctx context.Context, actor access.Actor) ([]Notice, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return nil, err
	}
	out := []Notice{}
	if !actor.IsProvider() {
		return out, nil
	}
	var ids []uuid.UUID
	if err := s.db.WithContext(ctx).Raw(`SELECT b.id FROM bids b JOIN lot_awards a ON a.lot_id = b.lot_id AND a.approved_at IS NOT NULL
		WHERE b.provider_id = ? AND b.status = 'submitted' ORDER BY a.approved_at DESC, b.id`, *actor.ProviderID).Scan(&ids).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		n, err := s.Notice(ctx, actor, id)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// Objection is a bidder's objection (bezwaar) to a lot's award: while it
// is open, the lot is not concluded.
type Objection struct {
	ID           uuid.UUID  `json:"id"`
	LotID        uuid.UUID  `json:"lot_id"`
	BidID        uuid.UUID  `json:"bid_id"`
	ProviderID   uuid.UUID  `json:"provider_id"`
	Text         string     `json:"text"`
	LodgedAt     time.Time  `json:"lodged_at"`
	Decision     *string    `json:"decision,omitempty"`
	DecisionNote *string    `json:"decision_note,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// LodgeObjection records a bidder's objection to the award of the lot of
// its bid, until the standstill's last day. It suspends the lot.
func (s *Service) LodgeObjection(ctx context.Context, actor access.Actor, bidID uuid.UUID, text string) (Objection, error) {
	if err := actor.Require(access.SubmitBids); err != nil {
		return Objection{}, err
	}
	text, err := requiredText("text", text, 20000)
	if err != nil {
		return Objection{}, err
	}
	var out Objection
	err = s.tx(ctx, func(tx *gorm.DB) error {
		b, lot, d, err := bidUnderEvaluation(ctx, tx, bidID, "UPDATE")
		if err != nil {
			return err
		}
		if !actor.OwnsProvider(b.ProviderID) || b.Status != BidSubmitted || d.Procedure != Open {
			return bidNotFound(bidID)
		}
		e, err := evaluate(ctx, tx, lot, d)
		if err != nil {
			return err
		}
		now := s.now()
		switch {
		case e.Award == nil || e.Award.ApprovedAt == nil:
			return fault.New(AwardMissing, "lot %d has no approved award decision", lot.Number)
		case e.Award.ConcludedAt != nil || dateOnly(now).After(*e.Award.StandstillEnd):
			return fault.New(StandstillOver, "the standstill ended on %s", e.Award.StandstillEnd.Format(time.DateOnly))
		}
		out = Objection{ID: uuid.Must(uuid.NewV7()), LotID: lot.ID, BidID: bidID, ProviderID: b.ProviderID, Text: text, LodgedAt: now}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO objections (id, lot_id, bid_id, provider_id, text, lodged_by, lodged_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			out.ID, out.LotID, out.BidID, out.ProviderID, text, actorID(actor), now).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "lot.objection", EntityType: "objection", EntityID: out.ID.String(), After: out})
	})
	return out, err
}

// Objection decisions.
const (
	Upheld   = "upheld"
	Rejected = "rejected"
)

// DecideObjection decides an objection: rejected, the lot goes on to its
// conclusion; upheld, the lot's award decision is withdrawn and the tender
// is back in evaluation for a new one.
func (s *Service) DecideObjection(ctx context.Context, actor access.Actor, id uuid.UUID, decision, note string) (Objection, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Objection{}, err
	}
	note = strings.TrimSpace(note)
	if (decision != Upheld && decision != Rejected) || note == "" || len(note) > 8000 {
		return Objection{}, fault.Invalid(fault.Field("decision", DecisionInvalid.Code, "upheld or rejected, with a note of at most 8000 characters"))
	}
	var out Objection
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Where("id = ?", id).Take(&out).Error; err != nil {
			if database.ErrNotFound(err) {
				return fault.New(ObjectionNotFound, "no objection %s", id)
			}
			return err
		}
		_, d, err := lotWithTender(ctx, tx, out.LotID, "UPDATE")
		if err != nil {
			return err
		}
		if out.Decision != nil {
			return fault.New(ObjectionDecided, "the objection was %s", *out.Decision)
		}
		now := s.now()
		q := tx.WithContext(ctx)
		if err := q.Exec(`UPDATE objections SET decision = ?, decision_note = ?, decided_by = ?, decided_at = ? WHERE id = ?`, decision, note, actorID(actor), now, id).Error; err != nil {
			return err
		}
		if decision == Upheld {
			if err := q.Exec(`DELETE FROM lot_awards WHERE lot_id = ?`, out.LotID).Error; err != nil {
				return err
			}
			if err := q.Exec(`UPDATE tenders SET state = 'evaluated', updated_at = ? WHERE id = ? AND state = 'awarded'`, now, d.ID).Error; err != nil {
				return err
			}
		}
		out.Decision, out.DecisionNote, out.DecidedAt = &decision, &note, &now
		return audit.Record(ctx, tx, actor, audit.Event{Action: "lot.objection_decide", EntityType: "objection", EntityID: id.String(),
			After: map[string]any{"decision": decision, "note": note}})
	})
	return out, err
}

// Objections lists a tender's objections: every one to procurement and
// auditors, a provider's own to it.
func (s *Service) Objections(ctx context.Context, actor access.Actor, tenderID uuid.UUID) ([]Objection, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return nil, err
	}
	out := []Objection{}
	q := s.db.WithContext(ctx).Where("lot_id IN (SELECT id FROM lots WHERE tender_id = ?)", tenderID).Order("lodged_at, id")
	switch {
	case actor.Has(access.Procurement) || actor.Has(access.Auditor):
	case actor.IsProvider():
		q = q.Where("provider_id = ?", *actor.ProviderID)
	default:
		return out, nil
	}
	return out, q.Find(&out).Error
}

// Conclusion says what concluding a tender made: the contracts created now
// (none when it had been concluded before) and the lots still waiting.
type Conclusion struct {
	Tender  TenderDetail   `json:"tender"`
	Created []ConcludedBid `json:"created"`
	Waiting []WaitingLot   `json:"waiting"`
}

// ConcludedBid is an awarded bid with the draft contract it became.
type ConcludedBid struct {
	LotID      uuid.UUID `json:"lot_id"`
	BidID      uuid.UUID `json:"bid_id"`
	ContractID uuid.UUID `json:"contract_id"`
}

// WaitingLot is a lot that cannot be concluded yet, and why.
type WaitingLot struct {
	LotID  uuid.UUID  `json:"lot_id"`
	Number int        `json:"number"`
	Reason string     `json:"reason"` // standstill, objection
	Until  *time.Time `json:"until,omitempty"`
}

// Conclude turns every awarded bid whose lot's standstill is over (with no
// objection open) into a draft contract: the provider, the lot's schedule
// at the bid's price, the awarded volume as capacity and price × volume as
// ceiling, the tender's budget and contract period. Each bid becomes at
// most one contract (bid_contracts' key), so concluding again, or twice at
// once, creates nothing new. When every lot is concluded, so is the tender.
func (s *Service) Conclude(ctx context.Context, actor access.Actor, tenderID uuid.UUID) (Conclusion, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Conclusion{}, err
	}
	if err := actor.Require(access.WriteContracts); err != nil {
		return Conclusion{}, err
	}
	out := Conclusion{Created: []ConcludedBid{}, Waiting: []WaitingLot{}}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, tenderID, "UPDATE")
		if err != nil {
			return err
		}
		now := s.now()
		if t.Procedure == OpenHouse {
			return s.concludeOpenHouse(ctx, tx, actor, t, now, &out)
		}
		if t.State == Concluded { // concluded before: nothing new
			out.Tender, err = s.reload(ctx, tx, tenderID)
			return err
		}
		if t.State != Awarded {
			return fault.New(TenderTransition, "tender %s is %s; it is concluded once every lot is awarded", t.Reference, stateAt(t, now))
		}
		d, err := loadDetail(ctx, tx, t)
		if err != nil {
			return err
		}
		q := tx.WithContext(ctx)
		remaining := 0
		for _, lot := range d.Lots {
			var a AwardSummary
			if err := q.Raw(`SELECT proposed_by, proposed_at, approved_by, approved_at, standstill_end, concluded_at FROM lot_awards WHERE lot_id = ?`, lot.ID).Scan(&a).Error; err != nil {
				return err
			}
			if a.ConcludedAt != nil {
				continue
			}
			var open int64
			if err := q.Table("objections").Where("lot_id = ? AND decision IS NULL", lot.ID).Count(&open).Error; err != nil {
				return err
			}
			if !concludable(*a.StandstillEnd, int(open), now) {
				w := WaitingLot{LotID: lot.ID, Number: lot.Number, Reason: "standstill", Until: a.StandstillEnd}
				if open > 0 {
					w.Reason, w.Until = "objection", nil
				}
				out.Waiting = append(out.Waiting, w)
				remaining++
				continue
			}
			ranks, err := awardRanks(ctx, tx, lot.ID)
			if err != nil {
				return err
			}
			for _, r := range ranks {
				if !r.Winner {
					continue
				}
				b, err := loadBid(ctx, tx, r.BidID)
				if err != nil {
					return err
				}
				c, made, err := makeContract(ctx, tx, actor, d, lot, b.Bid, r.AwardedVolume, r.Rank, now)
				if err != nil {
					return err
				}
				if made {
					out.Created = append(out.Created, ConcludedBid{LotID: lot.ID, BidID: b.ID, ContractID: c})
				}
			}
			if err := q.Exec(`UPDATE lot_awards SET concluded_at = ? WHERE lot_id = ?`, now, lot.ID).Error; err != nil {
				return err
			}
		}
		if remaining == 0 {
			if err := q.Exec(`UPDATE tenders SET state = 'concluded', concluded_at = ?, updated_at = ? WHERE id = ?`, now, now, tenderID).Error; err != nil {
				return err
			}
		}
		if out.Tender, err = s.reload(ctx, tx, tenderID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.conclude", EntityType: "tender", EntityID: tenderID.String(),
			After: map[string]any{"state": out.Tender.State, "created": out.Created, "waiting": out.Waiting}})
	})
	return out, err
}

// makeContract makes the draft contract of one awarded bid (or admitted
// application), unless the bid already has one.
func makeContract(ctx context.Context, tx *gorm.DB, actor access.Actor, d TenderDetail, lot Lot, b Bid, volume, seq int, now time.Time) (uuid.UUID, bool, error) {
	var existing uuid.UUID
	if res := tx.WithContext(ctx).Raw(`SELECT contract_id FROM bid_contracts WHERE bid_id = ?`, b.ID).Scan(&existing); res.Error != nil {
		return uuid.Nil, false, res.Error
	} else if res.RowsAffected > 0 {
		return existing, false, nil
	}
	budget := d.BudgetID
	in := contracts.ContractInput{
		ProviderID:  b.ProviderID,
		Reference:   fmt.Sprintf("%s-L%d-%02d", d.Reference, lot.Number, seq),
		Title:       truncate(d.Title+" — "+lot.Title, 200),
		PeriodStart: d.ContractStart,
		PeriodEnd:   d.ContractEnd,
		Ceiling:     b.Price.Mul(decimal.NewFromInt(int64(volume))),
		Capacity:    volume,
		VATExempt:   b.VATExempt,
		VATRate:     b.VATRate,
		BudgetID:    &budget,
		Products: []contracts.Product{{Code: fmt.Sprintf("lot-%d", lot.Number), Name: lot.Title, CategoryCode: lot.CategoryCode,
			Price: b.Price, Milestones: []contracts.Milestone(lot.Schedule)}},
	}
	c, err := contracts.CreateDraft(ctx, tx, actor, in, now)
	if err != nil {
		return uuid.Nil, false, err
	}
	if err := tx.WithContext(ctx).Exec(`INSERT INTO bid_contracts (bid_id, contract_id, tender_id, lot_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, c.ID, d.ID, lot.ID, now).Error; err != nil {
		return uuid.Nil, false, err
	}
	return c.ID, true, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Origin is where a contract came from, for the contract's page.
type Origin struct {
	TenderID  uuid.UUID `json:"tender_id"`
	Reference string    `json:"tender_reference"`
	LotID     uuid.UUID `json:"lot_id"`
	LotNumber int       `json:"lot_number"`
	BidID     uuid.UUID `json:"bid_id"`
}

// ContractOrigin returns the tender, lot and bid a contract was concluded
// from, and false for a contract typed in by hand.
func (s *Service) ContractOrigin(ctx context.Context, contractID uuid.UUID) (Origin, bool, error) {
	var o Origin
	res := s.db.WithContext(ctx).Raw(`SELECT bc.tender_id, t.reference, bc.lot_id, l.number AS lot_number, bc.bid_id FROM bid_contracts bc
		JOIN tenders t ON t.id = bc.tender_id JOIN lots l ON l.id = bc.lot_id WHERE bc.contract_id = ?`, contractID).Scan(&o)
	return o, res.RowsAffected > 0, res.Error
}
