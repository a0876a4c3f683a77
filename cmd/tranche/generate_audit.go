package main

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/pooling"
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

// writeEvents appends one audit event per generated change of state, in
// the transaction tx, each with after = what (the seed and batch that
// generated it), through audit.RecordMany: one statement a thousand events,
// a run of them per actor in the order the actors first appear. It returns
// how many it wrote.
func writeEvents(ctx context.Context, tx *gorm.DB, events []genEvent, what map[string]any) (int, error) {
	after := map[string]any{"generated": what}
	type run struct {
		actor  audit.Actor
		events []audit.Event
	}
	var runs []*run
	byActor := map[string]*run{}
	for _, ev := range events {
		id, label := ev.actor.AuditIdentity()
		key := label
		if id != nil {
			key = id.String()
		}
		r, ok := byActor[key]
		if !ok {
			r = &run{actor: ev.actor}
			byActor[key] = r
			runs = append(runs, r)
		}
		r.events = append(r.events, audit.Event{Action: ev.action, EntityType: ev.entityType, EntityID: ev.entityID, After: after})
	}
	for _, r := range runs {
		if err := audit.RecordMany(ctx, tx, r.actor, r.events); err != nil {
			return 0, fmt.Errorf("audit generated rows: %w", err)
		}
	}
	return len(events), nil
}
