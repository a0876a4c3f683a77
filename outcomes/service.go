package outcomes

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Service runs the outcomes use cases.
type Service struct {
	db   *gorm.DB
	pool *pooling.Service
	now  func() time.Time
}

// NewService returns the outcomes service on db, committing money through pool.
func NewService(db *gorm.DB, pool *pooling.Service) *Service {
	return &Service{db: db, pool: pool, now: func() time.Time { return time.Now().UTC() }}
}

// WithClock returns a copy of the service that reads the time from now
// (for tests and for replaying a scenario on fixed dates).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = func() time.Time { return now().UTC() }
	c.pool = s.pool.WithClock(now)
	return &c
}

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

// today is the current date in UTC.
func (s *Service) today() time.Time {
	n := s.now()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func userID(a access.Actor) *uuid.UUID {
	if a.IsSystem() {
		return nil
	}
	id := a.UserID
	return &id
}
