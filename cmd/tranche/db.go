package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/euregio/tranche/internal/database"
	"github.com/jackc/pgx/v5"
)

// dbTarget is where the database is, and as whom a command connects: the
// application's role for what `serve` does (and every command that only
// does the same), the schema's owner for migrations and grants.
type dbTarget struct {
	appURL, ownerURL string
	stop             func() // stops a private server this process started
}

// locateDB finds the database: DATABASE_URL (the application's role) and
// TRANCHE_MIGRATE_URL (the owner; DATABASE_URL when unset), or the private
// PostgreSQL in the data folder, started if need be, with its two roles
// (database.PrivateOwnerRole, database.PrivateAppRole) and its "tranche"
// database.
func locateDB(ctx context.Context, e *env) (dbTarget, error) {
	if e.databaseURL != "" {
		owner := e.migrateURL
		if owner == "" {
			owner = e.databaseURL
		}
		return dbTarget{appURL: e.databaseURL, ownerURL: owner, stop: func() {}}, nil
	}
	if e.migrateURL != "" {
		return dbTarget{}, errors.New("TRANCHE_MIGRATE_URL is set but DATABASE_URL is not: set both (the owner's and the application's connection), or neither for the private PostgreSQL")
	}
	cluster, err := database.NewCluster(e.dataDir, e.log)
	if err != nil {
		return dbTarget{}, err
	}
	if err := cluster.Start(ctx); err != nil {
		return dbTarget{}, err
	}
	stopCluster := func() {
		if err := cluster.Stop(); err != nil {
			e.log.Error("stop private PostgreSQL", "err", err)
		}
	}
	owner, err := preparePrivate(ctx, cluster.URL("postgres"), "tranche")
	if err != nil {
		stopCluster()
		return dbTarget{}, err
	}
	return dbTarget{appURL: cluster.URLAs(database.PrivateAppRole, "tranche"), ownerURL: cluster.URLAs(owner, "tranche"), stop: stopCluster}, nil
}

// openDB connects as the application's role. The returned stop function
// closes the connection and stops a private server.
func openDB(ctx context.Context, e *env) (*database.DB, func(), error) {
	return open(ctx, e, false)
}

// openOwnerDB connects as the schema's owner, for migrations, grants and
// the loaders that reset the schema (demo, generate).
func openOwnerDB(ctx context.Context, e *env) (*database.DB, func(), error) {
	return open(ctx, e, true)
}

func open(ctx context.Context, e *env, asOwner bool) (*database.DB, func(), error) {
	target, err := locateDB(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	url := target.appURL
	if asOwner {
		url = target.ownerURL
	}
	db, err := database.Open(ctx, url, e.log)
	if err != nil {
		target.stop()
		return nil, nil, err
	}
	return db, func() { db.Close(); target.stop() }, nil
}

// migrateAndGrant applies the pending migrations as the owner and gives
// the application's role its rights on the schema as it now is. When the
// application connects as the owner itself (DATABASE_URL without
// TRANCHE_MIGRATE_URL) there is nothing to grant, and the log says that
// the application could then switch off the append-only guards.
func migrateAndGrant(ctx context.Context, e *env, owner *database.DB, gooseLog *slog.Logger) (int, error) {
	sqlDB, err := owner.Gorm.DB()
	if err != nil {
		return 0, err
	}
	n, err := database.Migrate(ctx, sqlDB, gooseLog)
	if err != nil {
		return n, err
	}
	role, same, err := appRole(ctx, e, owner)
	if err != nil {
		return n, err
	}
	if same {
		e.log.Warn("the application connects as the schema's owner, so it could alter tables and switch off the append-only guards; "+
			"give DATABASE_URL a role of its own and the owner's connection to TRANCHE_MIGRATE_URL (docs/operations.md)", "role", role)
		return n, nil
	}
	if _, err := database.GrantApp(ctx, sqlDB, role); err != nil {
		return n, err
	}
	e.log.Info("application role granted its rights", "role", role)
	return n, nil
}

// appRole is the role the application connects as, and whether that is
// the owner's own connection.
func appRole(ctx context.Context, e *env, owner *database.DB) (string, bool, error) {
	var me string
	if err := owner.Pool.QueryRow(ctx, `SELECT current_user::text`).Scan(&me); err != nil {
		return "", false, err
	}
	if e.databaseURL == "" {
		return database.PrivateAppRole, me == database.PrivateAppRole, nil
	}
	if e.migrateURL == "" {
		return me, true, nil
	}
	cfg, err := pgx.ParseConfig(e.databaseURL)
	if err != nil {
		return "", false, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	return cfg.User, cfg.User == me, nil
}

// preparePrivate creates the private server's two roles and the database
// (owned by the owner's role) unless they exist, and returns the role that
// owns the database: database.PrivateOwnerRole, or for a database made
// before Tranche used two roles, the superuser that made it.
func preparePrivate(ctx context.Context, url, name string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", fmt.Errorf("connect to private PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	for _, role := range []string{database.PrivateOwnerRole, database.PrivateAppRole} {
		_, err := conn.Exec(ctx, `DO $$ BEGIN CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
			EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`)
		if err != nil {
			return "", fmt.Errorf("create role %s: %w", role, err)
		}
	}
	var owner string
	err = conn.QueryRow(ctx, `SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1`, name).Scan(&owner)
	if err == nil {
		return owner, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` OWNER `+pgx.Identifier{database.PrivateOwnerRole}.Sanitize()+` ENCODING 'UTF8'`)
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return "", err
	}
	err = conn.QueryRow(ctx, `SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1`, name).Scan(&owner)
	return owner, err
}
