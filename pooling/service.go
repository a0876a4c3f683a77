package pooling

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"gorm.io/gorm"
)

// Service is the pooling capability. Its exported methods without a tx
// argument open one transaction each; those with a tx argument run inside
// the caller's transaction.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// NewService returns the pooling service on db.
func NewService(db *gorm.DB) *Service {
	return &Service{db: db, now: func() time.Time { return time.Now().UTC() }}
}

// WithClock returns a copy of the service that takes the time from now (for
// tests and the demo data).
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = func() time.Time { return now().UTC() }
	return &c
}

// transaction runs fn in one transaction, retried on serialization failures.
func (s *Service) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return database.Transaction(ctx, s.db, fn)
}

// timestamp is now, at the precision PostgreSQL stores.
func (s *Service) timestamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// actorLabel is how the ledger names who wrote a transaction.
func actorLabel(a access.Actor) string {
	_, label := a.AuditIdentity()
	return label
}

// refuseProvider keeps provider users away from the steps only the
// municipality takes (verifying and paying): DOMAIN.md's separation of duties.
func refuseProvider(a access.Actor, what string) error {
	if a.IsProvider() || a.Has(access.Provider) {
		return fault.New(fault.Forbidden, "a provider cannot %s", what)
	}
	return nil
}
