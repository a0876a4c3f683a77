package contracts

import (
	"context"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Product is what a contract version sells: a trajectory of one service
// category at a price, paid in tranches by its milestone schedule.
type Product struct {
	ID           uuid.UUID       `json:"id"`
	VersionID    uuid.UUID       `json:"version_id"`
	Position     int             `json:"position"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	CategoryCode string          `json:"category_code"`
	Price        decimal.Decimal `json:"price"`
	Milestones   []Milestone     `json:"milestones" gorm:"-"`
}

// Milestone is one result that pays a tranche of the product's price: a
// share of the price in percent, or a fixed amount (one kind per schedule).
type Milestone struct {
	ID             uuid.UUID        `json:"id"`
	ProductID      uuid.UUID        `json:"product_id"`
	Position       int              `json:"position"`
	Code           string           `json:"code"`
	Name           string           `json:"name"`
	OutcomeDomain  string           `json:"outcome_domain"`
	Share          *decimal.Decimal `json:"share,omitempty"`
	FixedAmount    *decimal.Decimal `json:"fixed_amount,omitempty"`
	DeadlineMonths int              `json:"deadline_months"` // after the trajectory's start
	Prerequisites  Codes            `json:"prerequisites"`   // codes of milestones that must be verified first
	// EvidenceRequired says a claim needs at least one evidence file;
	// EvidenceKinds names what is expected (certificate, exam_result …).
	EvidenceRequired bool  `json:"evidence_required"`
	EvidenceKinds    Codes `json:"evidence_kinds"`
	// Tranche is what the milestone pays, set when the product is stored
	// (see TrancheAmounts).
	Tranche decimal.Decimal `json:"tranche"`
}

// Tranche returns the amount the milestone with code pays, and whether the
// product has such a milestone.
func (p Product) Tranche(code string) (decimal.Decimal, bool) {
	for _, m := range p.Milestones {
		if m.Code == code {
			return m.Tranche, true
		}
	}
	return decimal.Zero, false
}

// Milestone returns the milestone with code.
func (p Product) Milestone(code string) (Milestone, bool) {
	for _, m := range p.Milestones {
		if m.Code == code {
			return m, true
		}
	}
	return Milestone{}, false
}

// CheckProduct checks one product and its schedule by the rules every
// contract's products follow, with field paths under field (lots[0]. …), and
// returns it trimmed. A tender's lot is checked with it at its maximum
// price, so that the contracts its bids become pass the same rules.
func CheckProduct(ctx context.Context, tx *gorm.DB, field string, p Product) (Product, error) {
	cats, err := categoryMap(ctx, tx)
	if err != nil {
		return Product{}, err
	}
	p = normalizeProducts([]Product{p})[0]
	var errs fault.Fields
	validateProduct(&errs, field, p, cats, map[string]bool{})
	return p, errs.Err()
}
