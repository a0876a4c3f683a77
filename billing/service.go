package billing

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/pooling"
	"gorm.io/gorm"
)

// Service runs the billing use cases. Each exported method takes the context
// first and the acting user second, checks the actor's rights, and runs in
// one transaction with its audit events.
type Service struct {
	db   *gorm.DB
	pool *pooling.Service
	now  func() time.Time
}

// NewService returns the billing service on db, paying through pool.
func NewService(db *gorm.DB, pool *pooling.Service) *Service {
	return &Service{db: db, pool: pool, now: func() time.Time { return time.Now().UTC() }}
}

// WithClock returns a copy of the service that reads the time from now (for
// tests and the demo data). Pooling's clock follows it.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = func() time.Time { return now().UTC() }
	c.pool = s.pool.WithClock(now)
	return &c
}

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

// timestamp is now at the precision PostgreSQL keeps.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// today is the current date in UTC.
func (s *Service) today() time.Time { return dateOf(s.now()) }
