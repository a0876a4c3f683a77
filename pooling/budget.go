package pooling

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Budget is a pool for a period into which funding streams are allocated.
type Budget struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name"`
	PeriodStart time.Time `json:"period_start"`
	PeriodEnd   time.Time `json:"period_end"`
	CreatedAt   time.Time `json:"created_at"`
}

// CreateBudgetInput is a new budget as a form or the API sends it.
type CreateBudgetInput struct {
	Name        string `json:"name"`
	PeriodStart string `json:"period_start"`
	PeriodEnd   string `json:"period_end"`
}

// CreateBudget records a new, empty budget.
func (s *Service) CreateBudget(ctx context.Context, actor access.Actor, in CreateBudgetInput) (Budget, error) {
	if err := actor.Require(access.WriteFunding); err != nil {
		return Budget{}, err
	}
	b, errs := in.parse()
	b.ID = uuid.Must(uuid.NewV7())
	b.CreatedAt = s.timestamp()
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		errs := slices.Clone(errs)
		if b.Name != "" {
			taken, err := budgetNameTaken(ctx, tx, b.Name)
			if err != nil {
				return err
			}
			if taken {
				errs.Add("name", codeTaken, "another budget has this name")
			}
		}
		if err := errs.Err(); err != nil {
			return err
		}
		if err := insertBudget(ctx, tx, b); err != nil {
			if database.IsUniqueViolation(err, "budgets_name_key") {
				return fault.Invalid(fault.Field("name", codeTaken, "another budget has this name"))
			}
			return fmt.Errorf("create budget: %w", err)
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "budget.create", EntityType: "budget", EntityID: b.ID.String(), After: b})
	})
	if err != nil {
		return Budget{}, err
	}
	return b, nil
}

// GetBudget returns one budget.
func (s *Service) GetBudget(ctx context.Context, actor access.Actor, id uuid.UUID) (Budget, error) {
	if err := actor.Require(access.ReadFunding); err != nil {
		return Budget{}, err
	}
	return findBudget(ctx, s.db, id, false)
}

// BudgetAvailable is the money allocated to a budget and not reserved, over
// all its funding streams (contracts asks it before activating a contract).
func (s *Service) BudgetAvailable(ctx context.Context, tx *gorm.DB, budgetID uuid.UUID) (decimal.Decimal, error) {
	return budgetAvailable(ctx, tx, budgetID)
}

// ListBudgets returns one page of budgets in creation order and the cursor
// of the next page ("" on the last).
func (s *Service) ListBudgets(ctx context.Context, actor access.Actor, page database.Page) ([]Budget, string, error) {
	if err := actor.Require(access.ReadFunding); err != nil {
		return nil, "", err
	}
	items, err := listBudgets(ctx, s.db, page)
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(page, items, func(b Budget) uuid.UUID { return b.ID })
	return items, next, nil
}

// Allocation puts part of a funding stream's money into a budget.
type Allocation struct {
	ID              uuid.UUID       `json:"id"`
	BudgetID        uuid.UUID       `json:"budget_id"`
	FundingStreamID uuid.UUID       `json:"funding_stream_id"`
	StreamName      string          `json:"funding_stream_name"`
	ReportingCode   string          `json:"reporting_code"`
	Amount          decimal.Decimal `json:"amount"`
	TransactionID   uuid.UUID       `json:"transaction_id"`
	CreatedAt       time.Time       `json:"created_at"`
}

// AllocateInput asks to put amount of a stream into a budget.
type AllocateInput struct {
	BudgetID        uuid.UUID `json:"budget_id"`
	FundingStreamID uuid.UUID `json:"funding_stream_id"`
	Amount          string    `json:"amount"`
}

// Allocate puts money of a funding stream into a budget: never more than
// the stream's unallocated amount (allocation_exceeds_stream), and only when
// the budget's period lies within the stream's validity
// (allocation_outside_validity). The ledger moves it from funding to available.
func (s *Service) Allocate(ctx context.Context, actor access.Actor, in AllocateInput) (Allocation, error) {
	if err := actor.Require(access.WriteFunding); err != nil {
		return Allocation{}, err
	}
	amount, err := in.parse()
	if err != nil {
		return Allocation{}, err
	}
	a := Allocation{ID: uuid.Must(uuid.NewV7()), BudgetID: in.BudgetID, FundingStreamID: in.FundingStreamID,
		Amount: amount, TransactionID: uuid.Must(uuid.NewV7()), CreatedAt: s.timestamp()}
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		b, err := findBudget(ctx, tx, in.BudgetID, false)
		if err != nil {
			return err
		}
		f, err := findStream(ctx, tx, in.FundingStreamID, true)
		if err != nil {
			return err
		}
		a.StreamName, a.ReportingCode = f.Name, f.ReportingCode
		if err := checkAllocation(b, f, amount); err != nil {
			return err
		}
		if err := insertAllocation(ctx, tx, a); err != nil {
			return fmt.Errorf("allocate: %w", err)
		}
		if err := ensureBalances(ctx, tx, b.ID, f.ID); err != nil {
			return err
		}
		allocationID := a.ID
		t := Transaction{ID: a.TransactionID, Kind: KindAllocate, AllocationID: &allocationID, Actor: actorLabel(actor), CreatedAt: a.CreatedAt,
			Postings: move(Funding, Available, b.ID, f.ID, amount)}
		if err := writeTransaction(ctx, tx, t); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "allocation.create", EntityType: "allocation", EntityID: a.ID.String(), After: a})
	})
	if err != nil {
		return Allocation{}, err
	}
	return a, nil
}

// ListAllocations returns every allocation into a budget, oldest first.
func (s *Service) ListAllocations(ctx context.Context, actor access.Actor, budgetID uuid.UUID) ([]Allocation, error) {
	if err := actor.Require(access.ReadFunding); err != nil {
		return nil, err
	}
	if _, err := findBudget(ctx, s.db, budgetID, false); err != nil {
		return nil, err
	}
	return listAllocations(ctx, s.db, budgetID)
}
