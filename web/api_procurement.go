package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// CriterionBody is one award criterion with its published weight.
type CriterionBody struct {
	Code   string `json:"code" doc:"Lower-case letters, digits and _ (price, plan, results)."`
	Name   string `json:"name"`
	Kind   string `json:"kind" enum:"price,quality,admission" doc:"An open tender has one price criterion and quality criteria; an open house admission criteria only."`
	Weight string `json:"weight,omitempty" doc:"Points out of 100 (\"40\"); the weights of an open tender sum to 100. An open house's criteria have none."`
}

// LotBody is one lot of a tender.
type LotBody struct {
	ID           uuid.UUID       `json:"id,omitempty" readOnly:"true"`
	Number       int             `json:"number,omitempty" readOnly:"true"`
	Title        string          `json:"title"`
	CategoryCode string          `json:"category_code"`
	Volume       int             `json:"volume" doc:"Estimated number of trajectories."`
	MaxPrice     string          `json:"max_price" doc:"Highest price per trajectory a bid may ask; an open house's fixed price."`
	Awardees     int             `json:"awardees,omitempty" doc:"How many providers the lot awards; 1 when left out."`
	Milestones   []MilestoneBody `json:"milestones" doc:"The schedule the contracts pay by, in shares of the price (the contract rules apply)."`
}

// TenderAmendmentBody is one recorded amendment of a published tender.
type TenderAmendmentBody struct {
	Number      int       `json:"number"`
	Note        string    `json:"note"`
	OldDeadline time.Time `json:"old_deadline"`
	NewDeadline time.Time `json:"new_deadline"`
	Changed     []string  `json:"changed"`
	CreatedAt   time.Time `json:"created_at"`
}

// WarningBody is something procurement should know that stops nothing.
type WarningBody struct {
	Code    string `json:"code" enum:"lots_exceed_budget"`
	Message string `json:"message"`
}

// TenderItem is a tender as a list shows it.
type TenderItem struct {
	ID                 uuid.UUID  `json:"id"`
	Reference          string     `json:"reference"`
	Title              string     `json:"title"`
	Procedure          string     `json:"procedure" enum:"open,open_house"`
	State              string     `json:"state" enum:"draft,published,closed,opened,evaluated,awarded,concluded,cancelled"`
	BudgetID           uuid.UUID  `json:"budget_id"`
	PublicationDate    string     `json:"publication_date" format:"date"`
	QuestionsDeadline  time.Time  `json:"questions_deadline"`
	SubmissionDeadline time.Time  `json:"submission_deadline"`
	OpenedAt           *time.Time `json:"opened_at,omitempty"`
}

// TenderBody is one tender with its terms.
type TenderBody struct {
	TenderItem
	Description     string                `json:"description"`
	BidValidityDays int                   `json:"bid_validity_days"`
	StandstillDays  int                   `json:"standstill_days"`
	ContractStart   string                `json:"contract_start" format:"date"`
	ContractEnd     string                `json:"contract_end" format:"date"`
	CancelReason    string                `json:"cancel_reason,omitempty"`
	Criteria        []CriterionBody       `json:"criteria"`
	Lots            []LotBody             `json:"lots"`
	Amendments      []TenderAmendmentBody `json:"amendments"`
	Warnings        []WarningBody         `json:"warnings"`
	Evaluators      []uuid.UUID           `json:"evaluators" doc:"The committee (user ids); empty for a provider."`
	BidCount        *int                  `json:"bid_count,omitempty" doc:"Bids in, after the opening only; never for a provider."`
}

func tenderItem(t procurement.Tender) TenderItem {
	return TenderItem{ID: t.ID, Reference: t.Reference, Title: t.Title, Procedure: string(t.Procedure), State: string(t.State), BudgetID: t.BudgetID,
		PublicationDate: t.PublicationDate.Format(time.DateOnly), QuestionsDeadline: t.QuestionsDeadline, SubmissionDeadline: t.SubmissionDeadline, OpenedAt: t.OpenedAt}
}

func tenderBody(d procurement.TenderDetail) TenderBody {
	b := TenderBody{TenderItem: tenderItem(d.Tender), Description: d.Description, BidValidityDays: d.BidValidityDays, StandstillDays: d.StandstillDays,
		ContractStart: d.ContractStart.Format(time.DateOnly), ContractEnd: d.ContractEnd.Format(time.DateOnly),
		Criteria: []CriterionBody{}, Lots: []LotBody{}, Amendments: []TenderAmendmentBody{}, Warnings: []WarningBody{}, Evaluators: d.Evaluators, BidCount: d.BidCount}
	if d.CancelReason != nil {
		b.CancelReason = *d.CancelReason
	}
	for _, c := range d.Criteria {
		cb := CriterionBody{Code: c.Code, Name: c.Name, Kind: c.Kind}
		if c.Kind != procurement.AdmissionCriterion {
			cb.Weight = c.Weight.String()
		}
		b.Criteria = append(b.Criteria, cb)
	}
	for _, l := range d.Lots {
		b.Lots = append(b.Lots, LotBody{ID: l.ID, Number: l.Number, Title: l.Title, CategoryCode: l.CategoryCode, Volume: l.Volume,
			MaxPrice: money.String(l.MaxPrice), Awardees: l.Awardees, Milestones: milestoneBodies(l.Schedule)})
	}
	for _, a := range d.History {
		b.Amendments = append(b.Amendments, TenderAmendmentBody{Number: a.Number, Note: a.Note, OldDeadline: a.OldDeadline, NewDeadline: a.NewDeadline, Changed: a.Changed, CreatedAt: a.CreatedAt})
	}
	for _, w := range d.Warnings {
		b.Warnings = append(b.Warnings, WarningBody{Code: w.Code, Message: w.Message})
	}
	return b
}

type tenderInputBody struct {
	Reference          string          `json:"reference" doc:"Letters, digits and . _ / -, at most 24; a contract's reference starts with it."`
	Title              string          `json:"title"`
	Description        string          `json:"description,omitempty"`
	Procedure          string          `json:"procedure" enum:"open,open_house"`
	BudgetID           uuid.UUID       `json:"budget_id" doc:"The budget the contracts will be paid from."`
	PublicationDate    string          `json:"publication_date" doc:"YYYY-MM-DD"`
	QuestionsDeadline  time.Time       `json:"questions_deadline" doc:"Questions are taken until this moment."`
	SubmissionDeadline time.Time       `json:"submission_deadline" doc:"Bids are taken strictly before this moment, the opening time; an open house's end."`
	BidValidityDays    *int            `json:"bid_validity_days,omitempty" doc:"90 when left out."`
	StandstillDays     *int            `json:"standstill_days,omitempty" doc:"Calendar days after the award decision; 20 when left out."`
	ContractStart      string          `json:"contract_start" doc:"YYYY-MM-DD: the period of the contracts the tender makes."`
	ContractEnd        string          `json:"contract_end" doc:"YYYY-MM-DD"`
	Criteria           []CriterionBody `json:"criteria"`
	Lots               []LotBody       `json:"lots"`
}

func (b tenderInputBody) input() (procurement.TenderInput, error) {
	var errs fault.Fields
	in := procurement.TenderInput{Reference: b.Reference, Title: b.Title, Description: b.Description, Procedure: procurement.Procedure(b.Procedure),
		BudgetID: b.BudgetID, QuestionsDeadline: b.QuestionsDeadline, SubmissionDeadline: b.SubmissionDeadline,
		BidValidityDays: b.BidValidityDays, StandstillDays: b.StandstillDays}
	in.PublicationDate = parseDate(&errs, "publication_date", b.PublicationDate, false)
	in.ContractStart = parseDate(&errs, "contract_start", b.ContractStart, false)
	in.ContractEnd = parseDate(&errs, "contract_end", b.ContractEnd, false)
	for i, c := range b.Criteria {
		ci := procurement.CriterionInput{Code: c.Code, Name: c.Name, Kind: c.Kind}
		if c.Weight != "" {
			if w := parsePercent(&errs, fmt.Sprintf("criteria[%d].weight", i), c.Weight); w != nil {
				ci.Weight = *w
			}
		}
		in.Criteria = append(in.Criteria, ci)
	}
	for i, l := range b.Lots {
		f := fmt.Sprintf("lots[%d]", i)
		in.Lots = append(in.Lots, procurement.LotInput{Title: l.Title, CategoryCode: l.CategoryCode, Volume: l.Volume, Awardees: l.Awardees,
			MaxPrice: money.ParseField(&errs, f+".max_price", l.MaxPrice, false), Milestones: parseMilestones(&errs, f, l.Milestones)})
	}
	return in, errs.Err()
}

// QuestionBody is a question with its answer; provider_id is there for
// procurement, auditors and the provider that asked only.
type QuestionBody struct {
	ID         uuid.UUID  `json:"id"`
	ProviderID *uuid.UUID `json:"provider_id,omitempty"`
	Question   string     `json:"question"`
	AskedAt    time.Time  `json:"asked_at"`
	Answer     string     `json:"answer,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

func questionBody(q procurement.Question) QuestionBody {
	b := QuestionBody{ID: q.ID, ProviderID: q.ProviderID, Question: q.Question, AskedAt: q.AskedAt, AnsweredAt: q.AnsweredAt}
	if q.Answer != nil {
		b.Answer = *q.Answer
	}
	return b
}

// AttachmentBody is a PDF answering one criterion of a bid.
type AttachmentBody struct {
	Criterion string `json:"criterion"`
	Filename  string `json:"filename"`
	Content   []byte `json:"content" doc:"The PDF, base64-encoded; at most 10 MB."`
}

type bidInputBody struct {
	Price       string            `json:"price,omitempty" doc:"Price per trajectory (\"1250.00\"), at most the lot's maximum; leave it out for an open house."`
	Capacity    int               `json:"capacity" doc:"Trajectories the provider can take."`
	VATExempt   bool              `json:"vat_exempt,omitempty"`
	VATRate     string            `json:"vat_rate,omitempty" doc:"Percent, required unless vat_exempt."`
	Declaration bool              `json:"declaration" doc:"The self-declaration that no exclusion ground applies; must be true."`
	Answers     map[string]string `json:"answers,omitempty" doc:"Per quality or admission criterion code, the answer."`
	Attachments []AttachmentBody  `json:"attachments,omitempty"`
}

func (b bidInputBody) input(lot uuid.UUID) (procurement.BidInput, error) {
	var errs fault.Fields
	in := procurement.BidInput{LotID: lot, Capacity: b.Capacity, VATExempt: b.VATExempt, Declaration: b.Declaration, Answers: b.Answers}
	if b.Price != "" {
		in.Price = money.ParseField(&errs, "price", b.Price, false)
	}
	if b.VATRate != "" {
		in.VATRate = parsePercent(&errs, "vat_rate", b.VATRate)
	}
	for _, a := range b.Attachments {
		in.Attachments = append(in.Attachments, procurement.Attachment{Criterion: a.Criterion, Name: a.Filename, Data: a.Content})
	}
	return in, errs.Err()
}

// BidItem is a bid as a list shows it.
type BidItem struct {
	ID                uuid.UUID `json:"id"`
	TenderID          uuid.UUID `json:"tender_id"`
	LotID             uuid.UUID `json:"lot_id"`
	ProviderID        uuid.UUID `json:"provider_id"`
	ProviderName      string    `json:"provider_name"`
	Status            string    `json:"status" enum:"submitted,withdrawn"`
	Price             string    `json:"price"`
	Capacity          int       `json:"capacity"`
	VATExempt         bool      `json:"vat_exempt"`
	VATRate           string    `json:"vat_rate,omitempty"`
	SubmittedAt       time.Time `json:"submitted_at"`
	NeedsConfirmation bool      `json:"needs_confirmation" doc:"An amendment changed the terms: confirm or replace the bid before the deadline."`
	ContentSHA256     string    `json:"content_sha256" doc:"The hash the opening record lists."`
	ExcludedReason    string    `json:"excluded_reason,omitempty" enum:"late,above_maximum,incomplete,exclusion_ground,not_admitted,"`
	ExcludedNote      string    `json:"excluded_note,omitempty"`
}

// AttachmentInfoBody describes a stored attachment.
type AttachmentInfoBody struct {
	N         int    `json:"n"`
	Criterion string `json:"criterion"`
	Filename  string `json:"filename"`
	Size      int    `json:"size"`
	SHA256    string `json:"sha256"`
	URL       string `json:"url"`
}

// BidBody is a bid with its answers and attachments.
type BidBody struct {
	BidItem
	Declaration bool                 `json:"declaration"`
	Answers     map[string]string    `json:"answers"`
	Attachments []AttachmentInfoBody `json:"attachments"`
}

func bidItem(b procurement.Bid) BidItem {
	out := BidItem{ID: b.ID, TenderID: b.TenderID, LotID: b.LotID, ProviderID: b.ProviderID, ProviderName: b.ProviderName, Status: b.Status,
		Price: money.String(b.Price), Capacity: b.Capacity, VATExempt: b.VATExempt, SubmittedAt: b.SubmittedAt, NeedsConfirmation: b.NeedsConfirmation,
		ContentSHA256: b.Hash()}
	if b.VATRate != nil {
		out.VATRate = b.VATRate.StringFixed(2)
	}
	if b.ExcludedReason != nil {
		out.ExcludedReason, out.ExcludedNote = *b.ExcludedReason, *b.ExcludedNote
	}
	return out
}

func bidBody(d procurement.BidDetail) BidBody {
	b := BidBody{BidItem: bidItem(d.Bid), Declaration: d.Declaration, Answers: d.Answers, Attachments: []AttachmentInfoBody{}}
	for _, a := range d.Attachments {
		b.Attachments = append(b.Attachments, AttachmentInfoBody{N: a.N, Criterion: a.Criterion, Filename: a.Filename, Size: a.Size, SHA256: a.SHA256,
			URL: fmt.Sprintf("/api/v1/bids/%s/attachments/%d", d.ID, a.N)})
	}
	return b
}

// OpeningBody is the record of a tender's opening.
type OpeningBody struct {
	TenderID    uuid.UUID        `json:"tender_id"`
	Reference   string           `json:"reference"`
	Deadline    time.Time        `json:"submission_deadline"`
	Pending     bool             `json:"pending" doc:"true: your call asked for the opening; a second procurement user opens."`
	RequestedBy string           `json:"requested_by"`
	RequestedAt *time.Time       `json:"requested_at,omitempty"`
	OpenedBy    string           `json:"opened_by,omitempty"`
	OpenedAt    *time.Time       `json:"opened_at,omitempty"`
	Lots        []OpeningLotBody `json:"lots" doc:"Empty while pending."`
}

// OpeningLotBody is one lot of the opening record.
type OpeningLotBody struct {
	Number int              `json:"number"`
	Title  string           `json:"title"`
	Bids   []OpeningBidBody `json:"bids"`
}

// OpeningBidBody is one bid of the opening record.
type OpeningBidBody struct {
	BidID             uuid.UUID `json:"bid_id"`
	Provider          string    `json:"provider"`
	Price             string    `json:"price"`
	SubmittedAt       time.Time `json:"submitted_at"`
	ContentSHA256     string    `json:"content_sha256"`
	NeedsConfirmation bool      `json:"needs_confirmation"`
}

func openingBody(o procurement.Opening) OpeningBody {
	b := OpeningBody{TenderID: o.TenderID, Reference: o.Reference, Deadline: o.Deadline, Pending: o.Pending, RequestedBy: o.RequestedByName,
		RequestedAt: o.RequestedAt, OpenedBy: o.OpenedByName, OpenedAt: o.OpenedAt, Lots: []OpeningLotBody{}}
	for _, l := range o.Lots {
		lb := OpeningLotBody{Number: l.Number, Title: l.Title, Bids: []OpeningBidBody{}}
		for _, x := range l.Bids {
			lb.Bids = append(lb.Bids, OpeningBidBody{BidID: x.BidID, Provider: x.Provider, Price: money.String(x.Price), SubmittedAt: x.SubmittedAt,
				ContentSHA256: x.SHA256, NeedsConfirmation: x.NeedsConfirmation})
		}
		b.Lots = append(b.Lots, lb)
	}
	return b
}

// ScoreBody is one evaluator's score.
type ScoreBody struct {
	BidID       uuid.UUID `json:"bid_id"`
	Criterion   string    `json:"criterion"`
	EvaluatorID uuid.UUID `json:"evaluator_id"`
	Score       string    `json:"score"`
	Note        string    `json:"note,omitempty"`
	ScoredAt    time.Time `json:"scored_at"`
}

// ConsensusBody is the committee's agreed score with its rationale.
type ConsensusBody struct {
	BidID     uuid.UUID `json:"bid_id"`
	Criterion string    `json:"criterion"`
	Score     string    `json:"score"`
	Rationale string    `json:"rationale,omitempty" doc:"Left out of a notice for another bidder's scores."`
	DecidedAt time.Time `json:"decided_at"`
}

// RankBody is a bid's place in its lot.
type RankBody struct {
	BidID         uuid.UUID `json:"bid_id"`
	Rank          int       `json:"rank"`
	PricePoints   string    `json:"price_points"`
	QualityPoints string    `json:"quality_points"`
	TotalPoints   string    `json:"total_points"`
	Winner        bool      `json:"winner"`
	AwardedVolume int       `json:"awarded_volume,omitempty"`
}

// AwardBody says where a lot's award decision stands.
type AwardBody struct {
	ProposedBy    uuid.UUID  `json:"proposed_by"`
	ProposedAt    time.Time  `json:"proposed_at"`
	ApprovedBy    *uuid.UUID `json:"approved_by,omitempty"`
	ApprovedAt    *time.Time `json:"approved_at,omitempty"`
	StandstillEnd string     `json:"standstill_end,omitempty" format:"date" doc:"The standstill's last day; objections until then."`
	ConcludedAt   *time.Time `json:"concluded_at,omitempty"`
}

// EvaluationBody is a lot's scoring sheet.
type EvaluationBody struct {
	LotID     uuid.UUID       `json:"lot_id"`
	Committee int             `json:"committee"`
	Scored    bool            `json:"scored" doc:"Every member has scored every admissible bid; until then an evaluator sees only their own scores, others none."`
	Expected  int             `json:"scores_expected"`
	Given     int             `json:"scores_given"`
	Bids      []BidItem       `json:"bids"`
	Scores    []ScoreBody     `json:"scores"`
	Consensus []ConsensusBody `json:"consensus"`
	Complete  bool            `json:"complete" doc:"Every admissible bid has its consensus scores; the ranking is there."`
	Ranking   []RankBody      `json:"ranking"`
	Award     *AwardBody      `json:"award,omitempty"`
}

func rankBody(r procurement.Ranked) RankBody {
	return RankBody{BidID: r.BidID, Rank: r.Rank, PricePoints: r.PricePoints.StringFixed(2), QualityPoints: r.QualityPoints.StringFixed(2),
		TotalPoints: r.TotalPoints.StringFixed(2), Winner: r.Winner, AwardedVolume: r.AwardedVolume}
}

func consensusBodies(cs []procurement.Consensus, codes map[uuid.UUID]string) []ConsensusBody {
	out := []ConsensusBody{}
	for _, c := range cs {
		out = append(out, ConsensusBody{BidID: c.BidID, Criterion: codes[c.CriterionID], Score: c.Score.StringFixed(2), Rationale: c.Rationale, DecidedAt: c.DecidedAt})
	}
	return out
}

func criterionCodes(cs []procurement.Criterion) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	for _, c := range cs {
		out[c.ID] = c.Code
	}
	return out
}

func awardBody(a *procurement.AwardSummary) *AwardBody {
	if a == nil {
		return nil
	}
	b := &AwardBody{ProposedBy: a.ProposedBy, ProposedAt: a.ProposedAt, ApprovedBy: a.ApprovedBy, ApprovedAt: a.ApprovedAt, ConcludedAt: a.ConcludedAt}
	if a.StandstillEnd != nil {
		b.StandstillEnd = a.StandstillEnd.Format(time.DateOnly)
	}
	return b
}

func evaluationBody(e procurement.LotEvaluation) EvaluationBody {
	codes := criterionCodes(e.Criteria)
	b := EvaluationBody{LotID: e.Lot.ID, Committee: e.Committee, Scored: e.Scored, Expected: e.Expected, Given: e.Given, Bids: []BidItem{},
		Scores: []ScoreBody{}, Consensus: consensusBodies(e.Consensus, codes), Complete: e.Complete, Ranking: []RankBody{}, Award: awardBody(e.Award)}
	for _, x := range e.Bids {
		b.Bids = append(b.Bids, bidItem(x))
	}
	for _, s := range e.Scores {
		b.Scores = append(b.Scores, ScoreBody{BidID: s.BidID, Criterion: codes[s.CriterionID], EvaluatorID: s.EvaluatorID, Score: s.Score.StringFixed(2), Note: s.Note, ScoredAt: s.ScoredAt})
	}
	for _, r := range e.Ranking {
		b.Ranking = append(b.Ranking, rankBody(r))
	}
	return b
}

// ObjectionBody is a bidder's objection to a lot's award.
type ObjectionBody struct {
	ID           uuid.UUID  `json:"id"`
	LotID        uuid.UUID  `json:"lot_id"`
	BidID        uuid.UUID  `json:"bid_id"`
	ProviderID   uuid.UUID  `json:"provider_id"`
	Text         string     `json:"text"`
	LodgedAt     time.Time  `json:"lodged_at"`
	Decision     string     `json:"decision,omitempty" enum:"upheld,rejected,"`
	DecisionNote string     `json:"decision_note,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

func objectionBody(o procurement.Objection) ObjectionBody {
	b := ObjectionBody{ID: o.ID, LotID: o.LotID, BidID: o.BidID, ProviderID: o.ProviderID, Text: o.Text, LodgedAt: o.LodgedAt, DecidedAt: o.DecidedAt}
	if o.Decision != nil {
		b.Decision, b.DecisionNote = *o.Decision, *o.DecisionNote
	}
	return b
}

// NoticeBody is a bidder's award notice.
type NoticeBody struct {
	TenderID      uuid.UUID       `json:"tender_id"`
	Reference     string          `json:"reference"`
	Title         string          `json:"title"`
	LotID         uuid.UUID       `json:"lot_id"`
	LotNumber     int             `json:"lot_number"`
	LotTitle      string          `json:"lot_title"`
	BidID         uuid.UUID       `json:"bid_id"`
	Provider      string          `json:"provider"`
	Excluded      string          `json:"excluded_reason,omitempty"`
	ExcludedNote  string          `json:"excluded_note,omitempty"`
	Own           *RankBody       `json:"own,omitempty" doc:"The bid's own rank and points; absent for an excluded bid."`
	Winners       []RankBody      `json:"winners"`
	OwnScores     []ConsensusBody `json:"own_scores"`
	WinnerScores  []ConsensusBody `json:"winner_scores"`
	DecidedAt     time.Time       `json:"decided_at"`
	StandstillEnd string          `json:"standstill_end" format:"date"`
	Objections    []ObjectionBody `json:"objections"`
	ContractID    *uuid.UUID      `json:"contract_id,omitempty"`
}

func noticeBody(n procurement.Notice) NoticeBody {
	codes := criterionCodes(n.Criteria)
	b := NoticeBody{TenderID: n.TenderID, Reference: n.Reference, Title: n.Title, LotID: n.LotID, LotNumber: n.LotNumber, LotTitle: n.LotTitle,
		BidID: n.BidID, Provider: n.Provider, Winners: []RankBody{}, OwnScores: consensusBodies(n.OwnScores, codes),
		WinnerScores: consensusBodies(n.WinnerScores, codes), DecidedAt: n.ApprovedAt, StandstillEnd: n.StandstillEnd.Format(time.DateOnly),
		Objections: []ObjectionBody{}, ContractID: n.Contract}
	if n.Excluded != nil {
		b.Excluded, b.ExcludedNote = *n.Excluded, *n.ExcludedNote
	}
	if n.Own != nil {
		r := rankBody(*n.Own)
		b.Own = &r
	}
	for _, w := range n.Winners {
		b.Winners = append(b.Winners, rankBody(w))
	}
	for _, o := range n.Objections {
		b.Objections = append(b.Objections, objectionBody(o))
	}
	return b
}

// ConclusionBody says what concluding made.
type ConclusionBody struct {
	Tender  TenderBody         `json:"tender"`
	Created []ConcludedBidBody `json:"created" doc:"Contracts made by this call; empty when they were made before."`
	Waiting []WaitingLotBody   `json:"waiting"`
}

// ConcludedBidBody is an awarded bid and the draft contract it became.
type ConcludedBidBody struct {
	LotID      uuid.UUID `json:"lot_id"`
	BidID      uuid.UUID `json:"bid_id"`
	ContractID uuid.UUID `json:"contract_id"`
}

// WaitingLotBody is a lot that is not concluded yet.
type WaitingLotBody struct {
	LotID  uuid.UUID  `json:"lot_id"`
	Number int        `json:"number"`
	Reason string     `json:"reason" enum:"standstill,objection"`
	Until  *time.Time `json:"until,omitempty" doc:"The standstill's last day."`
}

// AdmissionBody says where an open-house application stands.
type AdmissionBody struct {
	BidID      uuid.UUID  `json:"bid_id"`
	Pending    bool       `json:"pending" doc:"true: your approval is recorded; a second procurement user confirms it."`
	ContractID *uuid.UUID `json:"contract_id,omitempty"`
}

// ---- inputs and outputs

type tenderCreateInput struct{ Body tenderInputBody }
type tenderUpdateInput struct {
	ID   uuid.UUID `path:"id"`
	Body tenderInputBody
}
type tenderAmendInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		tenderInputBody
		Note string `json:"note" doc:"What the amendment changes and why; published with it."`
	}
}
type tenderOutput struct{ Body TenderBody }
type tendersOutput struct{ Body ListBody[TenderItem] }
type tenderListInput struct {
	ListParams
	State string `query:"state" enum:"draft,published,closed,opened,evaluated,awarded,concluded,cancelled," doc:"One state; empty or absent for every state."`
}
type tenderReasonInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason"`
	}
}
type committeeInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Members []uuid.UUID `json:"members" doc:"User ids of active users with the evaluator role; replaces the committee."`
	}
}
type questionsOutput struct{ Body []QuestionBody }
type questionAskInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Question string `json:"question"`
	}
}
type questionAnswerInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Answer string `json:"answer"`
	}
}
type questionOutput struct{ Body QuestionBody }
type openingOutput struct{ Body OpeningBody }
type bidSubmitInput struct {
	ID   uuid.UUID `path:"id"`
	Body bidInputBody
}
type bidOutput struct{ Body BidBody }
type bidsOutput struct{ Body []BidItem }
type bidAttachmentInput struct {
	ID uuid.UUID `path:"id"`
	N  int       `path:"n" minimum:"1"`
}
type bidExcludeInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason" enum:"late,above_maximum,incomplete,exclusion_ground"`
		Note   string `json:"note"`
	}
}
type bidScoreInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Criterion string `json:"criterion" doc:"A quality criterion's code."`
		Score     string `json:"score" doc:"0 to 10, at most two decimals (\"7.5\")."`
		Note      string `json:"note,omitempty"`
	}
}
type scoreOutput struct{ Body ScoreBody }
type bidConsensusInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Criterion string `json:"criterion"`
		Score     string `json:"score" doc:"0 to 10, at most two decimals."`
		Rationale string `json:"rationale"`
	}
}
type consensusOutput struct{ Body ConsensusBody }
type evaluationOutput struct{ Body EvaluationBody }
type noticeOutput struct{ Body NoticeBody }
type noticesOutput struct{ Body []NoticeBody }
type objectionLodgeInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Text string `json:"text"`
	}
}
type objectionDecideInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Decision string `json:"decision" enum:"upheld,rejected"`
		Note     string `json:"note"`
	}
}
type objectionOutput struct{ Body ObjectionBody }
type objectionsOutput struct{ Body []ObjectionBody }
type conclusionOutput struct{ Body ConclusionBody }
type admissionOutput struct{ Body AdmissionBody }
type refuseInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Note string `json:"note" doc:"Why the application does not meet the admission criteria; the applicant reads it."`
	}
}

// withConflict is o declaring 409 too: a read refused for the tender's
// state (bids_sealed before the opening, award_missing before the award).
func withConflict(o huma.Operation) huma.Operation {
	o.Errors = append(o.Errors, http.StatusConflict)
	return o
}

// registerProcurementAPI adds tenders, lots, bids, the evaluation, the
// award and the open house.
func (s *Server) registerProcurementAPI(api huma.API) {
	const tag = "Procurement"
	registerRoutes(api,
		route(created(op(http.MethodPost, "/api/v1/tenders", "create-tender", "Create a draft tender with its criteria and lots", tag)), s.handleCreateTender),
		route(op(http.MethodGet, "/api/v1/tenders", "list-tenders", "List tenders", tag), s.handleListTenders),
		route(op(http.MethodGet, "/api/v1/tenders/{id}", "get-tender", "Get a tender with its terms", tag), s.handleGetTender),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/draft", "update-tender", "Replace a draft tender's terms", tag), s.handleUpdateTender),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/publish", "publish-tender", "Publish a draft tender", tag), s.handlePublishTender),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/amend", "amend-tender", "Amend a published tender before its deadline", tag), s.handleAmendTender),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/cancel", "cancel-tender", "Cancel a tender", tag), s.handleCancelTender),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/committee", "set-tender-committee", "Name the evaluation committee", tag), s.handleSetCommittee),
		route(op(http.MethodGet, "/api/v1/tenders/{id}/questions", "list-tender-questions", "List a tender's questions and answers", tag), s.handleListQuestions),
		route(created(op(http.MethodPost, "/api/v1/tenders/{id}/questions", "ask-tender-question", "Ask a question about a tender", tag)), s.handleAskQuestion),
		route(op(http.MethodPost, "/api/v1/questions/{id}/answer", "answer-tender-question", "Answer a question; published to every provider", tag), s.handleAnswerQuestion),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/open", "open-tender", "Open a tender's bids (four-eyes)", tag), s.handleOpenTender),
		route(withConflict(op(http.MethodGet, "/api/v1/tenders/{id}/opening", "get-tender-opening", "Get the record of a tender's opening", tag)), s.handleGetOpening),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/evaluate", "complete-tender-evaluation", "Complete the evaluation", tag), s.handleCompleteEvaluation),
		route(op(http.MethodPost, "/api/v1/tenders/{id}/conclude", "conclude-tender", "Make the awarded bids draft contracts", tag), s.handleConclude),
		route(op(http.MethodGet, "/api/v1/tenders/{id}/objections", "list-tender-objections", "List a tender's objections", tag), s.handleListObjections),
		route(withConflict(op(http.MethodGet, "/api/v1/lots/{id}/bids", "list-lot-bids", "List a lot's bids", tag)), s.handleListBids),
		route(op(http.MethodPost, "/api/v1/lots/{id}/bids", "submit-bid", "Submit or replace your bid for a lot", tag), s.handleSubmitBid),
		route(withConflict(op(http.MethodGet, "/api/v1/lots/{id}/evaluation", "get-lot-evaluation", "Get a lot's scoring sheet and ranking", tag)), s.handleGetEvaluation),
		route(op(http.MethodPost, "/api/v1/lots/{id}/award", "propose-lot-award", "Propose a lot's award decision from its ranking", tag), s.handleProposeAward),
		route(op(http.MethodPost, "/api/v1/lots/{id}/award/approve", "approve-lot-award", "Approve a lot's award decision (four-eyes)", tag), s.handleApproveAward),
		route(op(http.MethodPost, "/api/v1/lots/{id}/award/withdraw", "withdraw-lot-award", "Withdraw a lot's award proposal", tag), s.handleWithdrawAward),
		route(op(http.MethodGet, "/api/v1/bids", "list-own-bids", "List your provider's bids", tag), s.handleListOwnBids),
		route(op(http.MethodGet, "/api/v1/bids/{id}", "get-bid", "Get a bid", tag), s.handleGetBid),
		route(getBidAttachmentOp(), s.handleGetBidAttachment),
		route(op(http.MethodPost, "/api/v1/bids/{id}/withdraw", "withdraw-bid", "Withdraw your bid before the deadline", tag), s.handleWithdrawBid),
		route(op(http.MethodPost, "/api/v1/bids/{id}/confirm", "confirm-bid", "Confirm your bid after an amendment", tag), s.handleConfirmBid),
		route(op(http.MethodPost, "/api/v1/bids/{id}/exclude", "exclude-bid", "Exclude a bid with a reason code", tag), s.handleExcludeBid),
		route(op(http.MethodPost, "/api/v1/bids/{id}/scores", "score-bid", "Score a bid on a quality criterion", tag), s.handleScoreBid),
		route(op(http.MethodPost, "/api/v1/bids/{id}/consensus", "record-bid-consensus", "Record the committee's consensus score", tag), s.handleRecordConsensus),
		route(withConflict(op(http.MethodGet, "/api/v1/bids/{id}/notice", "get-bid-notice", "Get a bid's award notice", tag)), s.handleGetNotice),
		route(created(op(http.MethodPost, "/api/v1/bids/{id}/objections", "lodge-objection", "Object to the award of your bid's lot", tag)), s.handleLodgeObjection),
		route(op(http.MethodPost, "/api/v1/objections/{id}/decide", "decide-objection", "Decide an objection", tag), s.handleDecideObjection),
		route(op(http.MethodPost, "/api/v1/bids/{id}/admit", "admit-application", "Admit an open-house application (four-eyes)", tag), s.handleAdmit),
		route(op(http.MethodPost, "/api/v1/bids/{id}/refuse", "refuse-application", "Refuse an open-house application", tag), s.handleRefuse),
		route(op(http.MethodGet, "/api/v1/notices", "list-notices", "List your provider's award notices", tag), s.handleListNotices),
	)
}

func getBidAttachmentOp() huma.Operation {
	o := op(http.MethodGet, "/api/v1/bids/{id}/attachments/{n}", "get-bid-attachment", "Download a bid's attachment", "Procurement")
	o.Responses = map[string]*huma.Response{"200": {Description: "The PDF as uploaded", Headers: downloadHeaders(),
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	return o
}

func (s *Server) tenderOut(ctx context.Context) func(procurement.TenderDetail, error) (*tenderOutput, error) {
	return func(d procurement.TenderDetail, err error) (*tenderOutput, error) {
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &tenderOutput{Body: tenderBody(d)}, nil
	}
}

func (s *Server) handleCreateTender(ctx context.Context, in *tenderCreateInput) (*tenderOutput, error) {
	ti, err := in.Body.input()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.tenderOut(ctx)(s.procurement.CreateTender(ctx, actorFrom(ctx), ti))
}

func (s *Server) handleListTenders(ctx context.Context, in *tenderListInput) (*tendersOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	items, next, err := s.procurement.ListTenders(ctx, actorFrom(ctx), procurement.TenderFilter{State: procurement.State(in.State), Page: page})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &tendersOutput{Body: listOf(items, next, tenderItem)}, nil
}

func (s *Server) handleGetTender(ctx context.Context, in *idPath) (*tenderOutput, error) {
	return s.tenderOut(ctx)(s.procurement.GetTender(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleUpdateTender(ctx context.Context, in *tenderUpdateInput) (*tenderOutput, error) {
	ti, err := in.Body.input()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.tenderOut(ctx)(s.procurement.UpdateTender(ctx, actorFrom(ctx), in.ID, ti))
}

func (s *Server) handlePublishTender(ctx context.Context, in *idPath) (*tenderOutput, error) {
	return s.tenderOut(ctx)(s.procurement.PublishTender(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleAmendTender(ctx context.Context, in *tenderAmendInput) (*tenderOutput, error) {
	ti, err := in.Body.input()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.tenderOut(ctx)(s.procurement.AmendTender(ctx, actorFrom(ctx), in.ID, ti, in.Body.Note))
}

func (s *Server) handleCancelTender(ctx context.Context, in *tenderReasonInput) (*tenderOutput, error) {
	return s.tenderOut(ctx)(s.procurement.CancelTender(ctx, actorFrom(ctx), in.ID, in.Body.Reason))
}

func (s *Server) handleSetCommittee(ctx context.Context, in *committeeInput) (*tenderOutput, error) {
	return s.tenderOut(ctx)(s.procurement.SetCommittee(ctx, actorFrom(ctx), in.ID, in.Body.Members))
}

func (s *Server) handleCompleteEvaluation(ctx context.Context, in *idPath) (*tenderOutput, error) {
	return s.tenderOut(ctx)(s.procurement.CompleteEvaluation(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleListQuestions(ctx context.Context, in *idPath) (*questionsOutput, error) {
	qs, err := s.procurement.Questions(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]QuestionBody, len(qs))
	for i, q := range qs {
		out[i] = questionBody(q)
	}
	return &questionsOutput{Body: out}, nil
}

func (s *Server) handleAskQuestion(ctx context.Context, in *questionAskInput) (*questionOutput, error) {
	q, err := s.procurement.AskQuestion(ctx, actorFrom(ctx), in.ID, in.Body.Question)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &questionOutput{Body: questionBody(q)}, nil
}

func (s *Server) handleAnswerQuestion(ctx context.Context, in *questionAnswerInput) (*questionOutput, error) {
	q, err := s.procurement.AnswerQuestion(ctx, actorFrom(ctx), in.ID, in.Body.Answer)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &questionOutput{Body: questionBody(q)}, nil
}

func (s *Server) handleOpenTender(ctx context.Context, in *idPath) (*openingOutput, error) {
	o, err := s.procurement.OpenTender(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &openingOutput{Body: openingBody(o)}, nil
}

func (s *Server) handleGetOpening(ctx context.Context, in *idPath) (*openingOutput, error) {
	o, err := s.procurement.OpeningRecord(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &openingOutput{Body: openingBody(o)}, nil
}

func (s *Server) handleConclude(ctx context.Context, in *idPath) (*conclusionOutput, error) {
	c, err := s.procurement.Conclude(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	b := ConclusionBody{Tender: tenderBody(c.Tender), Created: []ConcludedBidBody{}, Waiting: []WaitingLotBody{}}
	for _, x := range c.Created {
		b.Created = append(b.Created, ConcludedBidBody{LotID: x.LotID, BidID: x.BidID, ContractID: x.ContractID})
	}
	for _, w := range c.Waiting {
		b.Waiting = append(b.Waiting, WaitingLotBody{LotID: w.LotID, Number: w.Number, Reason: w.Reason, Until: w.Until})
	}
	return &conclusionOutput{Body: b}, nil
}

func (s *Server) handleListObjections(ctx context.Context, in *idPath) (*objectionsOutput, error) {
	os, err := s.procurement.Objections(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]ObjectionBody, len(os))
	for i, o := range os {
		out[i] = objectionBody(o)
	}
	return &objectionsOutput{Body: out}, nil
}

func (s *Server) bidsOut(ctx context.Context) func([]procurement.Bid, error) (*bidsOutput, error) {
	return func(bids []procurement.Bid, err error) (*bidsOutput, error) {
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		out := make([]BidItem, len(bids))
		for i, b := range bids {
			out[i] = bidItem(b)
		}
		return &bidsOutput{Body: out}, nil
	}
}

func (s *Server) handleListBids(ctx context.Context, in *idPath) (*bidsOutput, error) {
	return s.bidsOut(ctx)(s.procurement.ListBids(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleListOwnBids(ctx context.Context, _ *struct{}) (*bidsOutput, error) {
	return s.bidsOut(ctx)(s.procurement.OwnBids(ctx, actorFrom(ctx)))
}

func (s *Server) bidOut(ctx context.Context) func(procurement.BidDetail, error) (*bidOutput, error) {
	return func(b procurement.BidDetail, err error) (*bidOutput, error) {
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &bidOutput{Body: bidBody(b)}, nil
	}
}

func (s *Server) handleSubmitBid(ctx context.Context, in *bidSubmitInput) (*bidOutput, error) {
	bi, err := in.Body.input(in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.bidOut(ctx)(s.procurement.SubmitBid(ctx, actorFrom(ctx), bi))
}

func (s *Server) handleGetBid(ctx context.Context, in *idPath) (*bidOutput, error) {
	return s.bidOut(ctx)(s.procurement.GetBid(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleWithdrawBid(ctx context.Context, in *idPath) (*bidOutput, error) {
	return s.bidOut(ctx)(s.procurement.WithdrawBid(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleConfirmBid(ctx context.Context, in *idPath) (*bidOutput, error) {
	return s.bidOut(ctx)(s.procurement.ConfirmBid(ctx, actorFrom(ctx), in.ID))
}

// bidAfter answers a change to a bid with the bid as it now is.
func (s *Server) bidAfter(ctx context.Context, id uuid.UUID, err error) (*bidOutput, error) {
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.handleGetBid(ctx, &idPath{ID: id})
}

func (s *Server) handleExcludeBid(ctx context.Context, in *bidExcludeInput) (*bidOutput, error) {
	_, err := s.procurement.ExcludeBid(ctx, actorFrom(ctx), in.ID, in.Body.Reason, in.Body.Note)
	return s.bidAfter(ctx, in.ID, err)
}

func (s *Server) handleRefuse(ctx context.Context, in *refuseInput) (*bidOutput, error) {
	_, err := s.procurement.RefuseApplication(ctx, actorFrom(ctx), in.ID, in.Body.Note)
	return s.bidAfter(ctx, in.ID, err)
}

func (s *Server) handleGetBidAttachment(ctx context.Context, in *bidAttachmentInput) (*evidenceOutput, error) {
	a, data, err := s.procurement.BidAttachment(ctx, actorFrom(ctx), in.ID, in.N)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &evidenceOutput{ContentType: "application/pdf", ContentDisposition: contentDisposition("inline", a.Filename), Digest: a.SHA256, Body: data}, nil
}

// parseScore reads a score as the API sends it.
func parseScore(s string) (decimal.Decimal, error) {
	var errs fault.Fields
	d := parsePercent(&errs, "score", s)
	if d == nil {
		return decimal.Zero, errs.Err()
	}
	return *d, nil
}

func (s *Server) handleScoreBid(ctx context.Context, in *bidScoreInput) (*scoreOutput, error) {
	score, err := parseScore(in.Body.Score)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	sc, err := s.procurement.ScoreBid(ctx, actorFrom(ctx), in.ID, in.Body.Criterion, score, in.Body.Note)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &scoreOutput{Body: ScoreBody{BidID: sc.BidID, Criterion: in.Body.Criterion, EvaluatorID: sc.EvaluatorID, Score: sc.Score.StringFixed(2), Note: sc.Note, ScoredAt: sc.ScoredAt}}, nil
}

func (s *Server) handleRecordConsensus(ctx context.Context, in *bidConsensusInput) (*consensusOutput, error) {
	score, err := parseScore(in.Body.Score)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.procurement.RecordConsensus(ctx, actorFrom(ctx), in.ID, in.Body.Criterion, score, in.Body.Rationale)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &consensusOutput{Body: ConsensusBody{BidID: c.BidID, Criterion: in.Body.Criterion, Score: c.Score.StringFixed(2), Rationale: c.Rationale, DecidedAt: c.DecidedAt}}, nil
}

func (s *Server) evaluationOut(ctx context.Context) func(procurement.LotEvaluation, error) (*evaluationOutput, error) {
	return func(e procurement.LotEvaluation, err error) (*evaluationOutput, error) {
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		return &evaluationOutput{Body: evaluationBody(e)}, nil
	}
}

func (s *Server) handleGetEvaluation(ctx context.Context, in *idPath) (*evaluationOutput, error) {
	return s.evaluationOut(ctx)(s.procurement.Evaluation(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleProposeAward(ctx context.Context, in *idPath) (*evaluationOutput, error) {
	return s.evaluationOut(ctx)(s.procurement.ProposeAward(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleApproveAward(ctx context.Context, in *idPath) (*evaluationOutput, error) {
	return s.evaluationOut(ctx)(s.procurement.ApproveAward(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleWithdrawAward(ctx context.Context, in *idPath) (*evaluationOutput, error) {
	return s.evaluationOut(ctx)(s.procurement.WithdrawAward(ctx, actorFrom(ctx), in.ID))
}

func (s *Server) handleGetNotice(ctx context.Context, in *idPath) (*noticeOutput, error) {
	n, err := s.procurement.Notice(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &noticeOutput{Body: noticeBody(n)}, nil
}

func (s *Server) handleListNotices(ctx context.Context, _ *struct{}) (*noticesOutput, error) {
	ns, err := s.procurement.Notices(ctx, actorFrom(ctx))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]NoticeBody, len(ns))
	for i, n := range ns {
		out[i] = noticeBody(n)
	}
	return &noticesOutput{Body: out}, nil
}

func (s *Server) handleLodgeObjection(ctx context.Context, in *objectionLodgeInput) (*objectionOutput, error) {
	o, err := s.procurement.LodgeObjection(ctx, actorFrom(ctx), in.ID, in.Body.Text)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &objectionOutput{Body: objectionBody(o)}, nil
}

func (s *Server) handleDecideObjection(ctx context.Context, in *objectionDecideInput) (*objectionOutput, error) {
	o, err := s.procurement.DecideObjection(ctx, actorFrom(ctx), in.ID, in.Body.Decision, in.Body.Note)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &objectionOutput{Body: objectionBody(o)}, nil
}

func (s *Server) handleAdmit(ctx context.Context, in *idPath) (*admissionOutput, error) {
	a, err := s.procurement.AdmitApplication(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &admissionOutput{Body: AdmissionBody{BidID: a.BidID, Pending: a.Pending, ContractID: a.ContractID}}, nil
}
