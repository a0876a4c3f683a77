package procurement

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Procedure is how a tender buys: the open procedure (bids compete on price
// and quality) or an open house (a fixed price; every provider that meets
// the admission criteria is contracted).
type Procedure string

const (
	Open      Procedure = "open"
	OpenHouse Procedure = "open_house"
)

// Procedures lists both.
var Procedures = []Procedure{Open, OpenHouse}

// State is where a tender is: draft → published → closed (the deadline
// passed) → opened → evaluated → awarded → concluded, or cancelled before
// conclusion. An open house goes from published (admitting) through closed
// (its end date passed) to concluded.
type State string

const (
	Draft     State = "draft"
	Published State = "published"
	Closed    State = "closed"
	Opened    State = "opened"
	Evaluated State = "evaluated"
	Awarded   State = "awarded"
	Concluded State = "concluded"
	Cancelled State = "cancelled"
)

// States lists every state in life order.
var States = []State{Draft, Published, Closed, Opened, Evaluated, Awarded, Concluded, Cancelled}

// Criterion kinds.
const (
	PriceCriterion     = "price"
	QualityCriterion   = "quality"
	AdmissionCriterion = "admission"
)

// Tender is a call for bids: its terms, its state and who opened it.
type Tender struct {
	ID                 uuid.UUID  `json:"id"`
	Reference          string     `json:"reference"`
	Title              string     `json:"title"`
	Description        string     `json:"description"`
	Procedure          Procedure  `json:"procedure"`
	BudgetID           uuid.UUID  `json:"budget_id"`
	PublicationDate    time.Time  `json:"publication_date" gorm:"type:date"`
	QuestionsDeadline  time.Time  `json:"questions_deadline"`
	SubmissionDeadline time.Time  `json:"submission_deadline"`
	BidValidityDays    int        `json:"bid_validity_days"`
	StandstillDays     int        `json:"standstill_days"`
	ContractStart      time.Time  `json:"contract_start" gorm:"type:date"`
	ContractEnd        time.Time  `json:"contract_end" gorm:"type:date"`
	State              State      `json:"state"`
	CancelReason       *string    `json:"cancel_reason,omitempty"`
	Amendments         int        `json:"amendments"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	PublishedAt        *time.Time `json:"published_at,omitempty"`
	OpeningRequestedBy *uuid.UUID `json:"opening_requested_by,omitempty"`
	OpeningRequestedAt *time.Time `json:"opening_requested_at,omitempty"`
	OpenedBy           *uuid.UUID `json:"opened_by,omitempty"`
	OpenedAt           *time.Time `json:"opened_at,omitempty"`
	EvaluatedAt        *time.Time `json:"evaluated_at,omitempty"`
	ConcludedAt        *time.Time `json:"concluded_at,omitempty"`
}

// Criterion is one award criterion with its published weight (points out
// of 100), or an open house's admission criterion (weight 0).
type Criterion struct {
	ID       uuid.UUID       `json:"id"`
	TenderID uuid.UUID       `json:"-"`
	Position int             `json:"position"`
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Weight   decimal.Decimal `json:"weight"`
}

// TableName is the criteria table.
func (Criterion) TableName() string { return "tender_criteria" }

// Lot is one part of a tender (perceel): a service category, the volume it
// expects, the highest price per trajectory a bid may ask (an open house's
// fixed price), how many providers it awards and the schedule the
// contracts pay by.
type Lot struct {
	ID           uuid.UUID       `json:"id"`
	TenderID     uuid.UUID       `json:"tender_id"`
	Number       int             `json:"number"`
	Title        string          `json:"title"`
	CategoryCode string          `json:"category_code"`
	Volume       int             `json:"volume"`
	MaxPrice     decimal.Decimal `json:"max_price"`
	Awardees     int             `json:"awardees"`
	Schedule     Schedule        `json:"schedule"`
}

// MaxValue is what the lot could cost at most: volume × maximum price.
func (l Lot) MaxValue() decimal.Decimal { return l.MaxPrice.Mul(decimal.NewFromInt(int64(l.Volume))) }

// Schedule is a lot's milestone schedule, stored as jsonb.
type Schedule []contracts.Milestone

// Scan reads the jsonb column.
func (s *Schedule) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return errors.New("schedule: not jsonb")
	}
	return json.Unmarshal(b, s)
}

// Value writes the jsonb column.
func (s Schedule) Value() (driver.Value, error) {
	if s == nil {
		return "[]", nil
	}
	b, err := json.Marshal(s)
	return string(b), err
}

// Amendment is a recorded change to a published tender.
type Amendment struct {
	ID          uuid.UUID       `json:"id"`
	TenderID    uuid.UUID       `json:"-"`
	Number      int             `json:"number"`
	Note        string          `json:"note"`
	OldDeadline time.Time       `json:"old_deadline"`
	NewDeadline time.Time       `json:"new_deadline"`
	Changed     contracts.Codes `json:"changed"`
	CreatedBy   *uuid.UUID      `json:"-"`
	CreatedAt   time.Time       `json:"created_at"`
}

// TableName is the amendments table.
func (Amendment) TableName() string { return "tender_amendments" }

// Warning is something procurement should know but that does not stop it.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// TenderDetail is a tender with its criteria, lots and amendments.
// BidCount is known only after the opening.
type TenderDetail struct {
	Tender
	Criteria   []Criterion `json:"criteria"`
	Lots       []Lot       `json:"lots"`
	History    []Amendment `json:"amendments_made"`
	Warnings   []Warning   `json:"warnings"`
	BidCount   *int        `json:"bid_count,omitempty"`
	Evaluators []uuid.UUID `json:"evaluators"`
}

// Criterion returns the tender's criterion with code.
func (d TenderDetail) Criterion(code string) (Criterion, bool) {
	for _, c := range d.Criteria {
		if c.Code == code {
			return c, true
		}
	}
	return Criterion{}, false
}

// Lot returns the tender's lot with id.
func (d TenderDetail) Lot(id uuid.UUID) (Lot, bool) {
	for _, l := range d.Lots {
		if l.ID == id {
			return l, true
		}
	}
	return Lot{}, false
}

// TenderInput is a tender as procurement types it.
type TenderInput struct {
	Reference          string
	Title              string
	Description        string
	Procedure          Procedure
	BudgetID           uuid.UUID
	PublicationDate    time.Time // a date
	QuestionsDeadline  time.Time
	SubmissionDeadline time.Time
	BidValidityDays    *int // nil: 90
	StandstillDays     *int // nil: 20
	ContractStart      time.Time
	ContractEnd        time.Time
	Criteria           []CriterionInput
	Lots               []LotInput
}

// CriterionInput is one criterion as typed.
type CriterionInput struct {
	Code   string
	Name   string
	Kind   string
	Weight decimal.Decimal
}

// LotInput is one lot as typed; lots are numbered in the given order.
type LotInput struct {
	Title        string
	CategoryCode string
	Volume       int
	MaxPrice     decimal.Decimal
	Awardees     int // 0: 1
	Milestones   []contracts.Milestone
}
