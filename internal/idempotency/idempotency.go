package idempotency

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Error codes.
var (
	KeyReused   = fault.Define("idempotency_key_reused", fault.KindInvalid, "Idempotency key reused with another request")
	KeyInFlight = fault.Define("idempotency_key_in_flight", fault.KindConflict, "A request with this idempotency key is still being processed")
	KeyInvalid  = fault.Define("idempotency_key_invalid", fault.KindMalformed, "Invalid idempotency key")
)

// Retention is how long a key is remembered.
const Retention = 24 * time.Hour

// DefaultWait is how long a request waits for another one with the same
// key to finish before it is told that one is still in flight.
const DefaultWait = 5 * time.Second

// Stored is a finished first response.
type Stored struct {
	Status      int
	ContentType string
	Body        []byte
}

type row struct {
	ActorID     uuid.UUID
	Key         string
	Method      string
	Path        string
	RequestHash []byte
	Status      *int
	ContentType *string
	Body        []byte
	CreatedAt   time.Time
	CompletedAt *time.Time
}

func (row) TableName() string { return "idempotency_keys" }

// Store keeps keys in PostgreSQL.
type Store struct {
	db   *gorm.DB
	wait time.Duration
}

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db, wait: DefaultWait} }

// WithWait returns a copy of the store that waits d for a request with the
// same key to finish.
func (s *Store) WithWait(d time.Duration) *Store {
	c := *s
	c.wait = d
	return &c
}

var errNoUnit = errors.New("idempotency: the key must be claimed in a database unit")

// Begin claims key for the request in the unit of ctx. It returns (nil,
// nil) when the caller should go ahead, the stored response when it should
// be replayed, or an error (reused; in flight, once another unit has held
// the key for the store's wait). After an error the unit cannot go on.
func (s *Store) Begin(ctx context.Context, actor uuid.UUID, key, method, path string, hash []byte) (*Stored, error) {
	if len(key) == 0 || len(key) > 255 {
		return nil, fault.New(KeyInvalid, "the Idempotency-Key header must be 1 to 255 characters")
	}
	if !database.InUnit(ctx) {
		return nil, errNoUnit
	}
	db := s.db.WithContext(ctx)
	// A unit holding the same key makes the INSERT wait for its end: for
	// its stored answer if it commits, for nothing if it rolls back.
	if err := db.Exec(`SELECT set_config('lock_timeout', ?, true)`, fmt.Sprintf("%dms", max(s.wait.Milliseconds(), 1))).Error; err != nil {
		return nil, err
	}
	r := row{ActorID: actor, Key: key, Method: method, Path: path, RequestHash: hash, CreatedAt: time.Now().UTC()}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if isLockTimeout(res.Error) {
		return nil, fault.New(KeyInFlight, "a request with this Idempotency-Key is still being processed; retry later")
	}
	if res.Error != nil {
		return nil, res.Error
	}
	if err := db.Exec(`SET LOCAL lock_timeout TO DEFAULT`).Error; err != nil {
		return nil, err
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var prev row
	if err := db.Where("actor_id = ? AND key = ?", actor, key).Take(&prev).Error; err != nil {
		return nil, err
	}
	if !bytes.Equal(prev.RequestHash, hash) || prev.Method != method || prev.Path != path {
		return nil, fault.New(KeyReused, "this Idempotency-Key was used for a different request; use a new key for a new request")
	}
	if prev.Status == nil {
		// Claimed and committed without an answer: only a version of
		// Tranche that stored the two apart left such a key. Take it over.
		return nil, db.Model(&row{}).Where("actor_id = ? AND key = ?", actor, key).Update("created_at", r.CreatedAt).Error
	}
	ct := ""
	if prev.ContentType != nil {
		ct = *prev.ContentType
	}
	return &Stored{Status: *prev.Status, ContentType: ct, Body: prev.Body}, nil
}

func isLockTimeout(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "55P03"
}

// Complete stores the response of the first request, in the unit of ctx
// that claimed the key.
func (s *Store) Complete(ctx context.Context, actor uuid.UUID, key string, st Stored) error {
	if !database.InUnit(ctx) {
		return errNoUnit
	}
	now := time.Now().UTC()
	return s.db.WithContext(ctx).Model(&row{}).Where("actor_id = ? AND key = ?", actor, key).
		Updates(map[string]any{"status": st.Status, "content_type": st.ContentType, "body": st.Body, "completed_at": now}).Error
}

// Prune forgets keys older than the retention period.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", time.Now().UTC().Add(-Retention)).Delete(&row{})
	return res.RowsAffected, res.Error
}
