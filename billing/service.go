package billing

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
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

func dateOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// requireMunicipal checks the action and keeps provider users away from
// paying (DOMAIN.md's separation of duties).
func requireMunicipal(actor access.Actor, action access.Action) error {
	if err := actor.Require(action); err != nil {
		return err
	}
	if actor.IsProvider() || actor.Has(access.Provider) {
		return fault.New(fault.Forbidden, "provider users never take part in payment runs")
	}
	return nil
}

// requirePerson refuses a command or job where the four-eyes rule compares
// people: a run is created and approved by two different finance users.
func requirePerson(actor access.Actor) error {
	if actor.IsSystem() {
		return fault.New(fault.Forbidden, "payment runs are created and approved by finance users, not by a command")
	}
	return nil
}

// userID is the actor's user id, nil for a system actor.
func userID(a access.Actor) *uuid.UUID {
	id, _ := a.AuditIdentity()
	return id
}

// label is how the run names who acted.
func label(a access.Actor) string {
	_, l := a.AuditIdentity()
	return l
}
