package audit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
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

// Query selects events for the audit trail page and its export, newest
// first. Zero fields do not filter.
type Query struct {
	Actor      string // part of the actor's label, any case
	Action     string
	EntityType string
	EntityID   string
	From       time.Time // occurred at or after
	Until      time.Time // occurred before
	// Keyset paging on seq: Before asks for the page of events older than
	// that seq, After for the page of events newer than it; neither, the newest.
	Before, After int64
	Limit         int
}

func (f Query) where(q *gorm.DB) *gorm.DB {
	if f.Actor != "" {
		q = q.Where("actor ILIKE ?", "%"+strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Actor)+"%")
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.EntityType != "" {
		q = q.Where("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if !f.From.IsZero() {
		q = q.Where("occurred_at >= ?", f.From)
	}
	if !f.Until.IsZero() {
		q = q.Where("occurred_at < ?", f.Until)
	}
	return q
}

const entryColumns = "seq, id, occurred_at, actor_id, actor, action, entity_type, entity_id, before, after, request_id"

// Trail is one page of the audit trail, newest first, and whether older
// and newer events exist beyond it under the same filter.
type Trail struct {
	Entries      []Entry
	Older, Newer bool
}

// Browse returns a page of the events f selects, newest first, paged on
// seq both ways (never by offset, so a page stays put while events are added).
func Browse(ctx context.Context, db *gorm.DB, f Query) (Trail, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := f.where(db.WithContext(ctx).Table("audit_events").Select(entryColumns))
	var out Trail
	switch {
	case f.After > 0:
		if err := q.Where("seq > ?", f.After).Order("seq").Limit(f.Limit + 1).Scan(&out.Entries).Error; err != nil {
			return Trail{}, err
		}
		if len(out.Entries) > f.Limit {
			out.Entries, out.Newer = out.Entries[:f.Limit], true
		}
		slices.Reverse(out.Entries)
	default:
		if f.Before > 0 {
			q = q.Where("seq < ?", f.Before)
		}
		if err := q.Order("seq DESC").Limit(f.Limit + 1).Scan(&out.Entries).Error; err != nil {
			return Trail{}, err
		}
		if len(out.Entries) > f.Limit {
			out.Entries, out.Older = out.Entries[:f.Limit], true
		}
	}
	if len(out.Entries) == 0 {
		// An empty page beyond either end: offer the way back.
		out.Older, out.Newer = f.After > 0, f.Before > 0
		return out, nil
	}
	exists := func(cond string, seq int64) (bool, error) {
		var n int64
		err := f.where(db.WithContext(ctx).Table("audit_events")).Where(cond, seq).Limit(1).Count(&n).Error
		return n > 0, err
	}
	var err error
	if f.After > 0 {
		out.Older, err = exists("seq < ?", out.Entries[len(out.Entries)-1].Seq)
	} else {
		out.Newer, err = exists("seq > ?", out.Entries[0].Seq)
	}
	return out, err
}

// Count is how many events f selects (paging fields ignored).
func Count(ctx context.Context, db *gorm.DB, f Query) (int64, error) {
	var n int64
	err := f.where(db.WithContext(ctx).Table("audit_events")).Count(&n).Error
	return n, err
}

// Each calls fn with every event f selects, newest first, reading them from
// the server as it goes (an export never holds the trail in memory). Paging
// fields are ignored.
func Each(ctx context.Context, db *gorm.DB, f Query, fn func(Entry) error) error {
	q := f.where(db.WithContext(ctx).Table("audit_events").Select(entryColumns)).Order("seq DESC")
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e Entry
		if err := q.ScanRows(rows, &e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
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
