package billing

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Line kinds.
const (
	LineClaim    = "claim"    // an approved claim the run pays
	LineClawback = "clawback" // a paid claim revoked since, netted
	LineCarried  = "carried"  // an earlier statement's negative balance
)

// Statement is what one provider gets for one run. Amounts: Subtotal
// (excl. VAT) + VATTotal = Total, this run's own money (negative when
// clawbacks exceed claims); Balance = Total + CarriedIn; ToTransfer is the
// positive part of the balance, CarriedOut the negative part, which the
// provider's next run carries in.
type Statement struct {
	ID           uuid.UUID       `json:"id"`
	RunID        uuid.UUID       `json:"run_id"`
	ProviderID   uuid.UUID       `json:"provider_id"`
	Number       *string         `json:"number,omitempty"` // assigned at approval: 2005-0001
	NumberYear   *int            `json:"-"`
	NumberSeq    *int            `json:"-"`
	IssuedOn     *time.Time      `json:"issued_on,omitempty" gorm:"type:date"`
	ProviderName string          `json:"provider_name"`
	ProviderKVK  string          `json:"provider_kvk" gorm:"column:provider_kvk"`
	AddressLine1 string          `json:"address_line1" gorm:"column:address_line1"`
	AddressLine2 string          `json:"address_line2" gorm:"column:address_line2"`
	Postcode     string          `json:"postcode"`
	City         string          `json:"city"`
	Country      string          `json:"country"`
	IBAN         string          `json:"iban" gorm:"column:iban"`
	BIC          string          `json:"bic" gorm:"column:bic"`
	Subtotal     decimal.Decimal `json:"subtotal"`
	VATTotal     decimal.Decimal `json:"vat_total" gorm:"column:vat_total"`
	Total        decimal.Decimal `json:"total"`
	CarriedIn    decimal.Decimal `json:"carried_in"`
	Balance      decimal.Decimal `json:"balance"`
	ToTransfer   decimal.Decimal `json:"to_transfer"`
	CarriedOut   decimal.Decimal `json:"carried_out"`
	LineCount    int             `json:"line_count"`
}

// TableName is the statements table.
func (Statement) TableName() string { return "statements" }

// Label is the statement's number, or "concept" while the run is a draft.
func (st Statement) Label() string {
	if st.Number == nil {
		return "concept"
	}
	return *st.Number
}

// Line is one line of a statement. The participant appears by reference
// only, never by name or BSN.
type Line struct {
	ID                   uuid.UUID        `json:"id"`
	StatementID          uuid.UUID        `json:"statement_id"`
	Position             int              `json:"position"`
	Kind                 string           `json:"kind"`
	ClaimID              *uuid.UUID       `json:"claim_id,omitempty"`
	CarriedFrom          *uuid.UUID       `json:"carried_from,omitempty"`
	ParticipantReference string           `json:"participant_reference,omitempty"`
	TrajectoryID         *uuid.UUID       `json:"trajectory_id,omitempty"`
	ContractID           *uuid.UUID       `json:"contract_id,omitempty"`
	MilestoneCode        string           `json:"milestone_code,omitempty"`
	MilestoneName        string           `json:"milestone_name,omitempty"`
	AchievedOn           *time.Time       `json:"achieved_on,omitempty" gorm:"type:date"`
	Description          string           `json:"description,omitempty"`
	NetAmount            decimal.Decimal  `json:"net_amount"`
	VATRate              *decimal.Decimal `json:"vat_rate,omitempty" gorm:"column:vat_rate"` // nil: VAT exempt
	VATAmount            decimal.Decimal  `json:"vat_amount" gorm:"column:vat_amount"`
	Amount               decimal.Decimal  `json:"amount"` // incl. VAT
	Funding              []Funding        `json:"funding" gorm:"-"`
}

// TableName is the statement lines table.
func (Line) TableName() string { return "statement_lines" }

// Funding is the part of a line one funding stream pays (negative on a
// clawback line).
type Funding struct {
	LineID          uuid.UUID       `json:"-"`
	FundingStreamID uuid.UUID       `json:"funding_stream_id"`
	BudgetID        uuid.UUID       `json:"budget_id"`
	StreamName      string          `json:"funding_stream_name"`
	ReportingCode   string          `json:"reporting_code"`
	Amount          decimal.Decimal `json:"amount"`
}

// TableName is the line funding table.
func (Funding) TableName() string { return "statement_line_funding" }

// StatementDetail is a statement with its lines.
type StatementDetail struct {
	Statement
	Lines []Line `json:"lines"`
}

// GetStatement returns a statement with its lines. A provider user sees only
// its own statements, and only once numbered (approved): anything else is
// not found.
func (s *Service) GetStatement(ctx context.Context, actor access.Actor, id uuid.UUID) (StatementDetail, error) {
	if err := actor.Require(access.ReadStatements); err != nil {
		return StatementDetail{}, err
	}
	var out StatementDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		st, err := visibleStatement(ctx, tx, actor, id)
		if err != nil {
			return err
		}
		out, err = loadStatementDetail(ctx, tx, st)
		return err
	})
	return out, err
}

// StatementFilter narrows ListStatements.
type StatementFilter struct {
	RunID      *uuid.UUID
	ProviderID *uuid.UUID
	Page       database.Page
}

// ListStatements lists statements in id order (without their lines). A
// provider user gets only its own numbered statements.
func (s *Service) ListStatements(ctx context.Context, actor access.Actor, f StatementFilter) ([]Statement, string, error) {
	if err := actor.Require(access.ReadStatements); err != nil {
		return nil, "", err
	}
	if actor.IsProvider() {
		f.ProviderID = actor.ProviderID
	}
	rows, err := listStatements(ctx, s.db, f, actor.IsProvider())
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(f.Page, rows, func(st Statement) uuid.UUID { return st.ID })
	return items, next, nil
}

// visibleStatement finds a statement the actor may read.
func visibleStatement(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (Statement, error) {
	st, err := findStatement(ctx, tx, id)
	if err != nil {
		return Statement{}, err
	}
	if actor.IsProvider() && (!actor.OwnsProvider(st.ProviderID) || st.Number == nil) {
		return Statement{}, fault.New(StatementNotFound, "no statement %s", id)
	}
	return st, nil
}
