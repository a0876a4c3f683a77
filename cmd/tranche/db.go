package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/database"
	"github.com/jackc/pgx/v5"
)

// openDB connects to DATABASE_URL, or starts the private PostgreSQL in the
// data folder and connects to its "tranche" database. The returned stop
// function closes the connection and stops a private server.
func openDB(ctx context.Context, e *env) (*database.DB, func(), error) {
	if e.databaseURL != "" {
		db, err := database.Open(ctx, e.databaseURL, e.log)
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	}
	cluster, err := database.NewCluster(e.dataDir, e.log)
	if err != nil {
		return nil, nil, err
	}
	if err := cluster.Start(ctx); err != nil {
		return nil, nil, err
	}
	stopCluster := func() {
		if err := cluster.Stop(); err != nil {
			e.log.Error("stop private PostgreSQL", "err", err)
		}
	}
	if err := ensureDatabase(ctx, cluster.URL("postgres"), "tranche"); err != nil {
		stopCluster()
		return nil, nil, err
	}
	db, err := database.Open(ctx, cluster.URL("tranche"), e.log)
	if err != nil {
		stopCluster()
		return nil, nil, err
	}
	return db, func() { db.Close(); stopCluster() }, nil
}

func ensureDatabase(ctx context.Context, url, name string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to private PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` ENCODING 'UTF8'`)
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	return nil
}
