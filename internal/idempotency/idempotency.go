// Package idempotency stores the outcome of unsafe API requests by
// Idempotency-Key, so that a provider system may safely retry: the same key
// with the same request replays the first answer, the same key with another
// request is refused, and a retry while the first is still running is told so.
package idempotency

import (
	"bytes"
	"context"
	"time"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
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

// abandonAfter is when an unfinished first request is taken to have died
// (for instance with the server); its key may then be used again.
const abandonAfter = 5 * time.Minute

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
type Store struct{ db *gorm.DB }

// NewStore returns a store on db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Begin claims key for the request. It returns (nil, nil) when the caller
// should go ahead, the stored response when it should be replayed, or an
// error (reused, in flight).
func (s *Store) Begin(ctx context.Context, actor uuid.UUID, key, method, path string, hash []byte) (*Stored, error) {
	if len(key) == 0 || len(key) > 255 {
		return nil, fault.New(KeyInvalid, "the Idempotency-Key header must be 1 to 255 characters")
	}
	db := s.db.WithContext(ctx)
	now := time.Now().UTC()
	r := row{ActorID: actor, Key: key, Method: method, Path: path, RequestHash: hash, CreatedAt: now}
	res := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&r)
	if res.Error != nil {
		return nil, res.Error
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
	if prev.Status != nil {
		ct := ""
		if prev.ContentType != nil {
			ct = *prev.ContentType
		}
		return &Stored{Status: *prev.Status, ContentType: ct, Body: prev.Body}, nil
	}
	if now.Sub(prev.CreatedAt) > abandonAfter {
		// The first attempt never finished; let this one take over.
		res := db.Model(&row{}).Where("actor_id = ? AND key = ? AND status IS NULL AND created_at = ?", actor, key, prev.CreatedAt).
			Update("created_at", now)
		if res.Error == nil && res.RowsAffected == 1 {
			return nil, nil
		}
	}
	return nil, fault.New(KeyInFlight, "a request with this Idempotency-Key is still being processed; retry later")
}

// Complete stores the response of the first request.
func (s *Store) Complete(ctx context.Context, actor uuid.UUID, key string, st Stored) error {
	now := time.Now().UTC()
	return s.db.WithContext(ctx).Model(&row{}).Where("actor_id = ? AND key = ?", actor, key).
		Updates(map[string]any{"status": st.Status, "content_type": st.ContentType, "body": st.Body, "completed_at": now}).Error
}

// Abandon forgets the key, after a failure the client may retry.
func (s *Store) Abandon(ctx context.Context, actor uuid.UUID, key string) error {
	return s.db.WithContext(ctx).Where("actor_id = ? AND key = ? AND status IS NULL", actor, key).Delete(&row{}).Error
}

// Prune forgets keys older than the retention period.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", time.Now().UTC().Add(-Retention)).Delete(&row{})
	return res.RowsAffected, res.Error
}
