package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Actor is whoever causes a change: a user, a provider system, or a command.
type Actor interface {
	// AuditIdentity returns the user id (nil for the system) and a label
	// that stays readable after the user is gone.
	AuditIdentity() (*uuid.UUID, string)
}

// Event is one change of state.
type Event struct {
	Action     string // "funding_stream.create", "claim.approve" …
	EntityType string // "funding_stream", "claim" …
	EntityID   string
	Before     any // nil for a creation
	After      any // nil for a removal
}

type requestIDKey struct{}

// WithRequestID returns a context that carries the id of the request being served.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Record appends ev to the trail. It runs inside the caller's transaction, so
// the event exists if and only if the change commits. Call it after the
// change's own row locks: it holds the trail's lock until the commit.
func Record(ctx context.Context, tx *gorm.DB, who Actor, ev Event) error {
	if ev.Action == "" || ev.EntityType == "" || ev.EntityID == "" {
		return fmt.Errorf("audit: event needs action, entity type and id: %+v", ev)
	}
	before, err := marshal(ev.Before)
	if err != nil {
		return fmt.Errorf("audit %s: before: %w", ev.Action, err)
	}
	after, err := marshal(ev.After)
	if err != nil {
		return fmt.Errorf("audit %s: after: %w", ev.Action, err)
	}
	id, label := who.AuditIdentity()
	eventID, err := uuid.NewV7()
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	return tx.WithContext(ctx).Exec(`SELECT audit_append(?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?)`,
		eventID, now, id, label, ev.Action, ev.EntityType, ev.EntityID, before, after, RequestID(ctx)).Error
}

// manyBatch is how many events one call of audit_append_many appends (a
// variable so that a test can make batches small).
var manyBatch = 1000

// RecordMany appends evs to the trail in their order, as that many calls of
// Record would, but a thousand events to a statement: for steps that change
// many objects at once (a payment run pays every accrual it holds). Like
// Record it runs inside the caller's transaction, after the change's own
// row locks.
func RecordMany(ctx context.Context, tx *gorm.DB, who Actor, evs []Event) error {
	type stored struct {
		ID         uuid.UUID       `json:"id"`
		Action     string          `json:"action"`
		EntityType string          `json:"entity_type"`
		EntityID   string          `json:"entity_id"`
		Before     json.RawMessage `json:"before,omitempty"`
		After      json.RawMessage `json:"after,omitempty"`
	}
	id, label := who.AuditIdentity()
	now := time.Now().UTC().Truncate(time.Microsecond)
	for start := 0; start < len(evs); start += manyBatch {
		batch := evs[start:min(start+manyBatch, len(evs))]
		rows := make([]stored, len(batch))
		for i, ev := range batch {
			if ev.Action == "" || ev.EntityType == "" || ev.EntityID == "" {
				return fmt.Errorf("audit: event needs action, entity type and id: %+v", ev)
			}
			eventID, err := uuid.NewV7()
			if err != nil {
				return err
			}
			rows[i] = stored{ID: eventID, Action: ev.Action, EntityType: ev.EntityType, EntityID: ev.EntityID}
			if ev.Before != nil {
				if rows[i].Before, err = json.Marshal(ev.Before); err != nil {
					return fmt.Errorf("audit %s: before: %w", ev.Action, err)
				}
			}
			if ev.After != nil {
				if rows[i].After, err = json.Marshal(ev.After); err != nil {
					return fmt.Errorf("audit %s: after: %w", ev.Action, err)
				}
			}
		}
		payload, err := json.Marshal(rows)
		if err != nil {
			return err
		}
		if err := tx.WithContext(ctx).Exec(`SELECT audit_append_many(?, ?, ?, ?::jsonb, ?)`,
			now, id, label, string(payload), RequestID(ctx)).Error; err != nil {
			return fmt.Errorf("audit %d events: %w", len(batch), err)
		}
	}
	return nil
}

func marshal(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
