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
	"github.com/euregio/tranche/internal/money"
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

func (in CreateBudgetInput) parse() (Budget, fault.Fields) {
	var errs fault.Fields
	b := Budget{Name: requireText(&errs, "name", in.Name, 200)}
	b.PeriodStart = parseDate(&errs, "period_start", in.PeriodStart)
	b.PeriodEnd = parseDate(&errs, "period_end", in.PeriodEnd)
	if !b.PeriodStart.IsZero() && !b.PeriodEnd.IsZero() && b.PeriodEnd.Before(b.PeriodStart) {
		errs.Add("period_end", codeEndBeforeStart, "the period ends before it starts")
	}
	return b, errs
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
	var sum decimal.Decimal
	err := tx.WithContext(ctx).Raw(`SELECT COALESCE(sum(balance), 0) FROM ledger_balances WHERE budget_id = ? AND account = ?`,
		budgetID, string(Available)).Scan(&sum).Error
	return sum, err
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
	var errs fault.Fields
	if in.BudgetID == uuid.Nil {
		errs.Add("budget_id", codeRequired, "a budget is required")
	}
	if in.FundingStreamID == uuid.Nil {
		errs.Add("funding_stream_id", codeRequired, "a funding stream is required")
	}
	amount := money.ParseField(&errs, "amount", in.Amount, true)
	if err := errs.Err(); err != nil {
		return Allocation{}, err
	}
	a := Allocation{ID: uuid.Must(uuid.NewV7()), BudgetID: in.BudgetID, FundingStreamID: in.FundingStreamID,
		Amount: amount, TransactionID: uuid.Must(uuid.NewV7()), CreatedAt: s.timestamp()}
	err := s.transaction(ctx, func(tx *gorm.DB) error {
		b, err := findBudget(ctx, tx, in.BudgetID, false)
		if err != nil {
			return err
		}
		f, err := findStream(ctx, tx, in.FundingStreamID, true)
		if err != nil {
			return err
		}
		a.StreamName, a.ReportingCode = f.Name, f.ReportingCode
		if !f.Covers(b.PeriodStart, b.PeriodEnd) {
			return fault.New(AllocationOutsideValidity, "budget %q runs %s to %s, funding stream %q is valid %s to %s",
				b.Name, b.PeriodStart.Format(dateLayout), b.PeriodEnd.Format(dateLayout),
				f.Name, f.ValidFrom.Format(dateLayout), f.ValidTo.Format(dateLayout))
		}
		if amount.GreaterThan(f.Unallocated()) {
			return fault.New(AllocationExceedsStream, "funding stream %q has %s unallocated, %s asked",
				f.Name, money.String(f.Unallocated()), money.String(amount))
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
