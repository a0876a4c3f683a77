package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// copyOn returns a pooling.CopyFunc that copies on conn, inside the
// transaction open on it.
func copyOn(conn *sql.Conn) pooling.CopyFunc {
	return func(ctx context.Context, table string, columns []string, rows [][]any) error {
		return conn.Raw(func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("copy %s: the connection is not pgx's (%T)", table, dc)
			}
			n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
			if err == nil && n != int64(len(rows)) {
				err = fmt.Errorf("copied %d of %d rows", n, len(rows))
			}
			return err
		})
	}
}

// prepareAuditCopy creates, for the session of conn, a staging table for
// the generated audit events and a function that appends them to the trail
// one by one exactly as audit_append does (same lock, same hash function,
// same chain), only without a round trip per event.
func prepareAuditCopy(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, `
		CREATE TEMP TABLE IF NOT EXISTS generate_audit (
			n            bigint PRIMARY KEY,
			id           uuid NOT NULL,
			actor_id     uuid,
			actor        text NOT NULL,
			action       text NOT NULL,
			entity_type  text NOT NULL,
			entity_id    text NOT NULL
		) ON COMMIT DELETE ROWS;
		CREATE OR REPLACE FUNCTION pg_temp.generate_audit_append(p_at timestamptz, p_after jsonb, p_request_id text)
		RETURNS bigint LANGUAGE plpgsql AS $$
		DECLARE
			head_seq  bigint;
			head_hash bytea;
			h         bytea;
			r         record;
			k         bigint := 0;
		BEGIN
			PERFORM pg_advisory_xact_lock(7461626);
			SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit_events a ORDER BY a.seq DESC LIMIT 1;
			IF head_seq IS NULL THEN
				head_seq := 0;
				head_hash := '\x'::bytea;
			END IF;
			FOR r IN SELECT g.* FROM generate_audit g ORDER BY g.n LOOP
				head_seq := head_seq + 1;
				h := audit_event_hash(head_hash, head_seq, r.id, p_at, r.actor_id, r.actor, r.action, r.entity_type,
				                      r.entity_id, NULL, p_after, p_request_id);
				INSERT INTO audit_events (seq, id, occurred_at, actor_id, actor, action, entity_type, entity_id,
				                          before, after, request_id, prev_hash, hash)
				VALUES (head_seq, r.id, p_at, r.actor_id, r.actor, r.action, r.entity_type, r.entity_id,
				        NULL, p_after, p_request_id, head_hash, h);
				head_hash := h;
				k := k + 1;
			END LOOP;
			RETURN k;
		END;
		$$`)
	if err != nil {
		return fmt.Errorf("prepare the audit of generated rows: %w", err)
	}
	return nil
}

// writeEvents appends one audit event per generated change of state, in
// the transaction tx open on conn, each with after = what (the seed and
// batch that generated it). It returns how many it wrote.
func writeEvents(ctx context.Context, conn *sql.Conn, tx *gorm.DB, events []genEvent, what map[string]any) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	rows := make([][]any, len(events))
	for i, ev := range events {
		actorID, label := ev.actor.AuditIdentity()
		id, err := uuid.NewV7()
		if err != nil {
			return 0, err
		}
		rows[i] = []any{int64(i + 1), id, actorID, label, ev.action, ev.entityType, ev.entityID}
	}
	if err := copyOn(conn)(ctx, "generate_audit", []string{"n", "id", "actor_id", "actor", "action", "entity_type", "entity_id"}, rows); err != nil {
		return 0, err
	}
	after, err := json.Marshal(map[string]any{"generated": what})
	if err != nil {
		return 0, err
	}
	var n struct{ N int64 }
	err = tx.WithContext(ctx).Raw(`SELECT pg_temp.generate_audit_append(?, ?::jsonb, ?) AS n`,
		time.Now().UTC().Truncate(time.Microsecond), string(after), audit.RequestID(ctx)).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("audit generated rows: %w", err)
	}
	if n.N != int64(len(events)) {
		return 0, fmt.Errorf("audit generated rows: wrote %d of %d events", n.N, len(events))
	}
	// The staging rows go at the commit (ON COMMIT DELETE ROWS); empty it
	// now too, so that a later batch in the same transaction starts afresh.
	if err := tx.WithContext(ctx).Exec(`DELETE FROM generate_audit`).Error; err != nil {
		return 0, err
	}
	return len(events), nil
}
