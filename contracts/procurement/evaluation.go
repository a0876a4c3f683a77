package procurement

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Score is one evaluator's score of a bid on a quality criterion.
type Score struct {
	BidID       uuid.UUID       `json:"bid_id"`
	CriterionID uuid.UUID       `json:"criterion_id"`
	EvaluatorID uuid.UUID       `json:"evaluator_id"`
	Score       decimal.Decimal `json:"score"`
	Note        string          `json:"note"`
	ScoredAt    time.Time       `json:"scored_at"`
}

// TableName is the scores table.
func (Score) TableName() string { return "bid_scores" }

// Consensus is the committee's agreed score of a bid on a criterion.
type Consensus struct {
	BidID       uuid.UUID       `json:"bid_id"`
	CriterionID uuid.UUID       `json:"criterion_id"`
	Score       decimal.Decimal `json:"score"`
	Rationale   string          `json:"rationale"`
	DecidedAt   time.Time       `json:"decided_at"`
}

// TableName is the consensus table.
func (Consensus) TableName() string { return "bid_consensus" }

// LotEvaluation is the scoring sheet of one lot as actor may see it:
// Scored says every committee member has scored every admissible bid on
// every quality criterion; until then an evaluator sees only their own
// scores and everybody else sees none. Ranking is there once every
// admissible bid has its consensus scores.
type LotEvaluation struct {
	Lot       Lot           `json:"lot"`
	Criteria  []Criterion   `json:"criteria"`
	Committee int           `json:"committee"`
	Scored    bool          `json:"scored"`
	Expected  int           `json:"scores_expected"`
	Given     int           `json:"scores_given"`
	Bids      []Bid         `json:"bids"`
	Scores    []Score       `json:"scores"`
	Consensus []Consensus   `json:"consensus"`
	Ranking   []Ranked      `json:"ranking"`
	Complete  bool          `json:"complete"`
	Award     *AwardSummary `json:"award,omitempty"`
}

// AwardSummary says where a lot's award decision stands.
type AwardSummary struct {
	ProposedBy    uuid.UUID  `json:"proposed_by"`
	ProposedAt    time.Time  `json:"proposed_at"`
	ApprovedBy    *uuid.UUID `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
	StandstillEnd *time.Time `json:"standstill_end,omitempty"`
	ConcludedAt   *time.Time `json:"concluded_at,omitempty"`
}

// SetCommittee names the tender's evaluation committee: active users with
// the evaluator role who act for no provider. It may change until the
// evaluation is complete.
func (s *Service) SetCommittee(ctx context.Context, actor access.Actor, tenderID uuid.UUID, members []uuid.UUID) (TenderDetail, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return TenderDetail{}, err
	}
	var out TenderDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		t, err := lockTender(ctx, tx, tenderID, "UPDATE")
		if err != nil {
			return err
		}
		if t.Procedure != Open {
			return fault.New(WrongProcedure, "an open house has no evaluation committee")
		}
		if st := stateAt(t, s.now()); !slices.Contains([]State{Draft, Published, Closed, Opened}, st) {
			return fault.New(TenderTransition, "tender %s is %s; its committee no longer changes", t.Reference, st)
		}
		before, err := loadDetail(ctx, tx, t)
		if err != nil {
			return err
		}
		var errs fault.Fields
		for i, id := range members {
			var ok bool
			if err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'evaluator'
				WHERE u.id = ? AND u.disabled_at IS NULL AND u.provider_id IS NULL)`, id).Scan(&ok).Error; err != nil {
				return err
			}
			if !ok {
				errs.Add(fieldIndex("members", i), EvaluatorInvalid.Code, "not an active evaluator: "+id.String())
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		members = slices.Compact(slices.SortedFunc(slices.Values(members), func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) }))
		q := tx.WithContext(ctx)
		if err := q.Exec(`DELETE FROM tender_evaluators WHERE tender_id = ? AND NOT (user_id = ANY (?))`, tenderID, database.UUIDs(members)).Error; err != nil {
			return err
		}
		for _, id := range members {
			if err := q.Exec(`INSERT INTO tender_evaluators (tender_id, user_id, named_by, named_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				tenderID, id, actorID(actor), s.now()).Error; err != nil {
				return err
			}
		}
		if out, err = s.reload(ctx, tx, tenderID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "tender.committee", EntityType: "tender", EntityID: tenderID.String(),
			Before: map[string]any{"evaluators": before.Evaluators}, After: map[string]any{"evaluators": out.Evaluators}})
	})
	return out, err
}

// bidUnderEvaluation loads a bid of an opened tender with its tender under
// the tender's share lock.
func bidUnderEvaluation(ctx context.Context, tx *gorm.DB, bidID uuid.UUID, strength string) (Bid, Lot, TenderDetail, error) {
	b, err := loadBid(ctx, tx, bidID)
	if err != nil {
		return Bid{}, Lot{}, TenderDetail{}, err
	}
	lot, d, err := lotWithTender(ctx, tx, b.LotID, strength)
	if err != nil {
		return Bid{}, Lot{}, TenderDetail{}, err
	}
	return b.Bid, lot, d, nil
}

func checkScore(v decimal.Decimal) error {
	if v.IsNegative() || v.GreaterThan(ten) || !v.Equal(v.Round(2)) {
		return fault.Invalid(fault.Field("score", ScoreInvalid.Code, "from 0 to 10, at most two decimals"))
	}
	return nil
}

// ScoreBid records (or revises) the acting evaluator's score of a bid on a
// quality criterion, until the committee's consensus on it is recorded.
func (s *Service) ScoreBid(ctx context.Context, actor access.Actor, bidID uuid.UUID, criterion string, score decimal.Decimal, note string) (Score, error) {
	if err := actor.Require(access.ScoreBids); err != nil {
		return Score{}, err
	}
	if err := checkScore(score); err != nil {
		return Score{}, err
	}
	var out Score
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, _, d, err := bidUnderEvaluation(ctx, tx, bidID, "SHARE")
		if err != nil {
			return err
		}
		c, err := s.checkScoring(actor, b, d, criterion, true)
		if err != nil {
			return err
		}
		if err := noConsensusYet(ctx, tx, bidID, c); err != nil {
			return err
		}
		out = Score{BidID: bidID, CriterionID: c.ID, EvaluatorID: actor.UserID, Score: score, Note: strings.TrimSpace(note), ScoredAt: s.now()}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO bid_scores (bid_id, criterion_id, evaluator_id, score, note, scored_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (bid_id, criterion_id, evaluator_id) DO UPDATE SET score = EXCLUDED.score, note = EXCLUDED.note, scored_at = EXCLUDED.scored_at`,
			out.BidID, out.CriterionID, out.EvaluatorID, out.Score, out.Note, out.ScoredAt).Error; err != nil {
			return err
		}
		// The trail keeps the score, readable by auditors only.
		return audit.Record(ctx, tx, actor, audit.Event{Action: "bid.score", EntityType: "bid", EntityID: bidID.String(), After: out})
	})
	return out, err
}

// checkScoring: the tender is opened, the bid admissible, the criterion one
// of its quality criteria, and (for an evaluator) the actor is on the
// committee and belongs to no bidder.
func (s *Service) checkScoring(actor access.Actor, b Bid, d TenderDetail, code string, evaluator bool) (Criterion, error) {
	if !visibleTender(actor, d) {
		return Criterion{}, bidNotFound(b.ID)
	}
	if d.State != Opened {
		return Criterion{}, fault.New(TenderTransition, "tender %s is %s; bids are scored while it is opened", d.Reference, d.State)
	}
	if b.Status != BidSubmitted {
		return Criterion{}, bidNotFound(b.ID)
	}
	if b.ExcludedReason != nil {
		return Criterion{}, fault.New(BidExcluded, "the bid is excluded (%s)", *b.ExcludedReason)
	}
	if evaluator || actor.Has(access.Evaluator) {
		if !slices.Contains(d.Evaluators, actor.UserID) {
			return Criterion{}, fault.New(NotOnCommittee, "you are not on the committee of tender %s", d.Reference)
		}
		if actor.ProviderID != nil {
			return Criterion{}, fault.New(ConflictOfInterest, "you act for a provider")
		}
	}
	c, ok := d.Criterion(code)
	if !ok {
		return Criterion{}, fault.Invalid(fault.Field("criterion", CriterionUnknown.Code, "no criterion "+code))
	}
	if c.Kind != QualityCriterion {
		return Criterion{}, fault.Invalid(fault.Field("criterion", NotQuality.Code, code+" is not a quality criterion"))
	}
	return c, nil
}

func noConsensusYet(ctx context.Context, tx *gorm.DB, bidID uuid.UUID, c Criterion) error {
	var n int64
	if err := tx.WithContext(ctx).Table("bid_consensus").Where("bid_id = ? AND criterion_id = ?", bidID, c.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return fault.New(ConsensusFixed, "the consensus on %s is recorded", c.Code)
	}
	return nil
}

// progress counts the scores a lot needs (admissible bids × quality
// criteria × committee members) and those given by the committee.
func progress(ctx context.Context, tx *gorm.DB, lotID uuid.UUID, d TenderDetail) (expected, given int, err error) {
	quality := 0
	for _, c := range d.Criteria {
		if c.Kind == QualityCriterion {
			quality++
		}
	}
	var bids int64
	if err := tx.WithContext(ctx).Table("bids").Where("lot_id = ? AND status = 'submitted' AND excluded_reason IS NULL", lotID).Count(&bids).Error; err != nil {
		return 0, 0, err
	}
	var n int64
	if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM bid_scores s JOIN bids b ON b.id = s.bid_id
		JOIN tender_criteria c ON c.id = s.criterion_id AND c.kind = 'quality'
		JOIN tender_evaluators e ON e.tender_id = b.tender_id AND e.user_id = s.evaluator_id
		WHERE b.lot_id = ? AND b.status = 'submitted' AND b.excluded_reason IS NULL`, lotID).Scan(&n).Error; err != nil {
		return 0, 0, err
	}
	return int(bids) * quality * len(d.Evaluators), int(n), nil
}

// scoredOut says whether every member of a committee of at least
// MinEvaluators has scored the lot completely.
func scoredOut(expected, given, committee int) bool {
	return committee >= MinEvaluators && given == expected
}

// RecordConsensus records the committee's agreed score of a bid on a
// criterion with its written rationale, once every member has scored the
// lot. Procurement or a member of the committee records it.
func (s *Service) RecordConsensus(ctx context.Context, actor access.Actor, bidID uuid.UUID, criterion string, score decimal.Decimal, rationale string) (Consensus, error) {
	if !actor.Can(access.WriteTenders) {
		if err := actor.Require(access.ScoreBids); err != nil {
			return Consensus{}, err
		}
	}
	if err := checkScore(score); err != nil {
		return Consensus{}, err
	}
	rationale = strings.TrimSpace(rationale)
	if rationale == "" || len(rationale) > 8000 {
		return Consensus{}, fault.Invalid(fault.Field("rationale", RationaleRequired.Code, "write why the committee agrees on this score (at most 8000 characters)"))
	}
	var out Consensus
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, _, d, err := bidUnderEvaluation(ctx, tx, bidID, "SHARE")
		if err != nil {
			return err
		}
		c, err := s.checkScoring(actor, b, d, criterion, false)
		if err != nil {
			return err
		}
		expected, given, err := progress(ctx, tx, b.LotID, d)
		if err != nil {
			return err
		}
		if len(d.Evaluators) < MinEvaluators {
			return fault.New(CommitteeTooSmall, "the committee has %d members; at least %d score", len(d.Evaluators), MinEvaluators)
		}
		if !scoredOut(expected, given, len(d.Evaluators)) {
			return fault.New(ScoringOpen, "%d of %d scores are in", given, expected)
		}
		out = Consensus{BidID: bidID, CriterionID: c.ID, Score: score, Rationale: rationale, DecidedAt: s.now()}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO bid_consensus (bid_id, criterion_id, score, rationale, decided_by, decided_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (bid_id, criterion_id) DO UPDATE SET score = EXCLUDED.score, rationale = EXCLUDED.rationale, decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at`,
			bidID, c.ID, score, rationale, actorID(actor), out.DecidedAt).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "bid.consensus", EntityType: "bid", EntityID: bidID.String(), After: out})
	})
	return out, err
}

// ExcludeBid excludes a bid that does not meet the requirements, with a
// reason code and a note, while the tender is opened.
func (s *Service) ExcludeBid(ctx context.Context, actor access.Actor, bidID uuid.UUID, reason, note string) (Bid, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return Bid{}, err
	}
	note = strings.TrimSpace(note)
	var errs fault.Fields
	if !slices.Contains(ExclusionReasons, reason) {
		errs.Add("reason", ExclusionReason.Code, "late, above_maximum, incomplete or exclusion_ground")
	}
	requireText(&errs, "note", note, 4000)
	if err := errs.Err(); err != nil {
		return Bid{}, err
	}
	var out Bid
	err := s.tx(ctx, func(tx *gorm.DB) error {
		b, _, d, err := bidUnderEvaluation(ctx, tx, bidID, "UPDATE")
		if err != nil {
			return err
		}
		switch {
		case d.Procedure != Open:
			return fault.New(WrongProcedure, "an open house's application is refused, not excluded")
		case d.State != Opened:
			return fault.New(TenderTransition, "tender %s is %s; bids are excluded while it is opened", d.Reference, d.State)
		case b.Status != BidSubmitted:
			return bidNotFound(bidID)
		case b.ExcludedReason != nil:
			return fault.New(BidExcluded, "the bid is already excluded")
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE bids SET excluded_reason = ?, excluded_note = ?, excluded_by = ? WHERE id = ?`, reason, note, actorID(actor), bidID).Error; err != nil {
			return err
		}
		loaded, err := loadBid(ctx, tx, bidID)
		out = loaded.Bid
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "bid.exclude", EntityType: "bid", EntityID: bidID.String(),
			After: map[string]any{"reason": reason, "note": note}})
	})
	return out, err
}

// Evaluation returns a lot's scoring sheet as actor may see it.
func (s *Service) Evaluation(ctx context.Context, actor access.Actor, lotID uuid.UUID) (LotEvaluation, error) {
	if err := actor.Require(access.ReadTenders); err != nil {
		return LotEvaluation{}, err
	}
	var out LotEvaluation
	err := s.read(ctx, func(tx *gorm.DB) error {
		lot, d, err := lotWithTender(ctx, tx, lotID, "")
		if err != nil {
			return err
		}
		if !visibleTender(actor, d) || actor.IsProvider() {
			return lotNotFound(lotID)
		}
		if d.Procedure != Open || !opened(d.Tender) {
			return fault.New(TenderSealed, "the bids of tender %s are sealed until its opening", d.Reference)
		}
		out, err = evaluate(ctx, tx, lot, d)
		if err != nil {
			return err
		}
		if !out.Scored {
			mine := []Score{}
			for _, sc := range out.Scores {
				if sc.EvaluatorID == actor.UserID {
					mine = append(mine, sc)
				}
			}
			out.Scores = mine
		}
		return nil
	})
	return out, err
}

// evaluate loads everything of a lot's evaluation, every score included:
// callers show only what the reader may see.
func evaluate(ctx context.Context, tx *gorm.DB, lot Lot, d TenderDetail) (LotEvaluation, error) {
	out := LotEvaluation{Lot: lot, Criteria: d.Criteria, Committee: len(d.Evaluators), Bids: []Bid{}, Scores: []Score{}, Consensus: []Consensus{}, Ranking: []Ranked{}}
	var err error
	if out.Expected, out.Given, err = progress(ctx, tx, lot.ID, d); err != nil {
		return out, err
	}
	out.Scored = scoredOut(out.Expected, out.Given, out.Committee)
	q := tx.WithContext(ctx)
	if err := bidQuery(q).Where("bids.lot_id = ? AND bids.status = 'submitted'", lot.ID).Order("bids.submitted_at, bids.id").Find(&out.Bids).Error; err != nil {
		return out, err
	}
	if err := q.Raw(`SELECT s.* FROM bid_scores s JOIN bids b ON b.id = s.bid_id JOIN tender_evaluators e ON e.tender_id = b.tender_id AND e.user_id = s.evaluator_id
		WHERE b.lot_id = ? ORDER BY s.bid_id, s.criterion_id, s.evaluator_id`, lot.ID).Scan(&out.Scores).Error; err != nil {
		return out, err
	}
	if err := q.Raw(`SELECT c.* FROM bid_consensus c JOIN bids b ON b.id = c.bid_id WHERE b.lot_id = ? ORDER BY c.bid_id, c.criterion_id`, lot.ID).Scan(&out.Consensus).Error; err != nil {
		return out, err
	}
	scored := []Scored{}
	out.Complete = out.Scored
	for _, b := range out.Bids {
		if !b.Admissible() {
			continue
		}
		sc := Scored{BidID: b.ID, Price: b.Price, SubmittedAt: b.SubmittedAt, Consensus: map[uuid.UUID]decimal.Decimal{}}
		for _, c := range out.Consensus {
			if c.BidID == b.ID {
				sc.Consensus[c.CriterionID] = c.Score
			}
		}
		for _, c := range d.Criteria {
			if _, ok := sc.Consensus[c.ID]; c.Kind == QualityCriterion && !ok {
				out.Complete = false
			}
		}
		scored = append(scored, sc)
	}
	if out.Complete {
		out.Ranking = Rank(d.Criteria, scored)
	}
	var award AwardSummary
	res := q.Raw(`SELECT proposed_by, proposed_at, approved_by, approved_at, standstill_end, concluded_at FROM lot_awards WHERE lot_id = ?`, lot.ID).Scan(&award)
	if res.Error != nil {
		return out, res.Error
	}
	if res.RowsAffected > 0 {
		out.Award = &award
	}
	return out, nil
}

// CompleteEvaluation closes the evaluation of an opened tender once every
// lot is scored and every admissible bid has its consensus scores.
func (s *Service) CompleteEvaluation(ctx context.Context, actor access.Actor, tenderID uuid.UUID) (TenderDetail, error) {
	return s.change(ctx, actor, tenderID, "tender.evaluate", func(tx *gorm.DB, t Tender, now time.Time) (map[string]any, error) {
		if t.State != Opened {
			return nil, fault.New(TenderTransition, "tender %s is %s; only an opened tender's evaluation completes", t.Reference, stateAt(t, now))
		}
		d, err := loadDetail(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		if len(d.Evaluators) < MinEvaluators {
			return nil, fault.New(CommitteeTooSmall, "the committee has %d members; at least %d score", len(d.Evaluators), MinEvaluators)
		}
		for _, l := range d.Lots {
			e, err := evaluate(ctx, tx, l, d)
			if err != nil {
				return nil, err
			}
			if !e.Complete {
				return nil, fault.New(EvaluationOpen, "lot %d: %d of %d scores in, and every admissible bid needs its consensus scores", l.Number, e.Given, e.Expected)
			}
		}
		return map[string]any{"state": Evaluated, "evaluated_at": now}, nil
	})
}

// Evaluator is a user who may sit on a committee.
type Evaluator struct {
	ID    uuid.UUID
	Name  string
	Email string
}

// Evaluators lists the active users with the evaluator role, for naming a
// committee.
func (s *Service) Evaluators(ctx context.Context, actor access.Actor) ([]Evaluator, error) {
	if err := actor.Require(access.WriteTenders); err != nil {
		return nil, err
	}
	out := []Evaluator{}
	err := s.db.WithContext(ctx).Raw(`SELECT u.id, u.name, u.email FROM users u JOIN user_roles r ON r.user_id = u.id AND r.role = 'evaluator'
		WHERE u.disabled_at IS NULL AND u.provider_id IS NULL ORDER BY u.email`).Scan(&out).Error
	return out, err
}
