package contracts

import (
	"context"
	"database/sql"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Service runs the contracts use cases. Each exported method takes the
// context first and the acting user second, checks the actor's rights, and
// runs in one transaction with its audit events.
type Service struct {
	db    *gorm.DB
	now   func() time.Time
	funds Funds
}

// Funds tells how much money a budget has available (allocated and not
// reserved). Pooling keeps the budgets and provides it; contracts, which
// imports no other capability, asks through this interface.
type Funds interface {
	BudgetAvailable(ctx context.Context, tx *gorm.DB, budgetID uuid.UUID) (decimal.Decimal, error)
}

// UseFunds lets activation refuse a contract whose budget has no money
// available. Every caller that activates contracts for users sets it.
func (s *Service) UseFunds(f Funds) *Service {
	s.funds = f
	return s
}

// NewService returns the contracts service on db.
func NewService(db *gorm.DB) *Service {
	// PostgreSQL keeps microseconds; so does the clock, so that what a use
	// case returns equals what a later read gives.
	return &Service{db: db, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

// readOnly makes a read see one consistent snapshot of its several queries.
var readOnly = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
