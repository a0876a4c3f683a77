package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Entry is a stored event as the auditor reads it.
type Entry struct {
	Seq        int64           `json:"seq"`
	ID         uuid.UUID       `json:"id"`
	OccurredAt time.Time       `json:"occurred_at"`
	ActorID    *uuid.UUID      `json:"actor_id,omitempty"`
	Actor      string          `json:"actor"`
	Action     string          `json:"action"`
	EntityType string          `json:"entity_type"`
	EntityID   string          `json:"entity_id"`
	Before     json.RawMessage `json:"before,omitempty" gorm:"type:jsonb"`
	After      json.RawMessage `json:"after,omitempty" gorm:"type:jsonb"`
	RequestID  string          `json:"request_id"`
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	EntityType string
	EntityID   string
	ActorID    *uuid.UUID
	Action     string
	Since      time.Time
	AfterSeq   int64 // cursor: events with a greater seq
	Limit      int
}

// List returns events in seq order.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Entry, error) {
	q := db.WithContext(ctx).Table("audit_events").
		Select("seq, id, occurred_at, actor_id, actor, action, entity_type, entity_id, before, after, request_id").
		Where("seq > ?", f.AfterSeq).Order("seq")
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.ActorID != nil {
		q = q.Where("actor_id = ?", *f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if !f.Since.IsZero() {
		q = q.Where("occurred_at >= ?", f.Since)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	var out []Entry
	err := q.Limit(f.Limit).Scan(&out).Error
	return out, err
}

// Broken is an event whose hash or link does not match.
type Broken struct {
	Seq    int64
	Reason string
}

// Verify recomputes the whole chain and returns how many events it checked
// and every event that does not match: an edited field, a changed hash, a
// gap or a link to a hash other than its predecessor's.
func Verify(ctx context.Context, db *gorm.DB) (int64, []Broken, error) {
	var checked int64
	if err := db.WithContext(ctx).Raw(`SELECT count(*) FROM audit_events`).Scan(&checked).Error; err != nil {
		return 0, nil, err
	}
	var broken []Broken
	err := db.WithContext(ctx).Raw(`
		SELECT seq, CASE
			WHEN seq <> coalesce(prev_seq, 0) + 1 THEN 'gap before this event'
			WHEN prev_hash <> coalesce(prev_stored, '\x'::bytea) THEN 'link to the previous event broken'
			ELSE 'content does not match its hash' END AS reason
		FROM (
			SELECT seq, hash, prev_hash,
				lag(seq) OVER w AS prev_seq, lag(hash) OVER w AS prev_stored,
				audit_event_hash(prev_hash, seq, id, occurred_at, actor_id, actor, action, entity_type,
					entity_id, before, after, request_id) AS recomputed
			FROM audit_events WINDOW w AS (ORDER BY seq)
		) x
		WHERE seq <> coalesce(prev_seq, 0) + 1 OR prev_hash <> coalesce(prev_stored, '\x'::bytea) OR hash <> recomputed
		ORDER BY seq LIMIT 100`).Scan(&broken).Error
	return checked, broken, err
}
