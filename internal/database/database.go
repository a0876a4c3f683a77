package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is the connection Tranche works with: one pgx pool, seen through gorm by
// the capability packages and directly by the session store.
type DB struct {
	Pool *pgxpool.Pool
	Gorm *gorm.DB
}

// Open connects to url and checks the server answers.
func Open(ctx context.Context, url string, log *slog.Logger) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if cfg.MaxConns < 20 {
		cfg.MaxConns = 20
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// No pgx tracer: a tracer sees every statement's arguments (names,
	// BSNs, password hashes), and none may reach a log.
	cfg.ConnConfig.Tracer = nil
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	gl := GormLogger(log, logger.Warn, 500*time.Millisecond)
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: connPool{db: stdlib.OpenDBFromPool(pool)}}), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 gl,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{Pool: pool, Gorm: g}, nil
}

// Close releases every connection.
func (db *DB) Close() {
	if sqlDB, err := db.Gorm.DB(); err == nil {
		_ = sqlDB.Close()
	}
	db.Pool.Close()
}

// Ping tells whether the server answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// ErrStoredFileAltered is the error of a stored file (a generated file,
// evidence) whose content no longer has the sha256 it was stored with: it is
// not served. It is an internal error (logged, a 500 for the user), not
// something the user can mend.
var ErrStoredFileAltered = errors.New("stored file altered (its content does not match the sha256 it was stored with; not served)")

// IsUniqueViolation reports whether err is a unique violation of the named
// constraint (any unique constraint when constraint is empty).
func IsUniqueViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23505" {
		return false
	}
	return constraint == "" || pg.ConstraintName == constraint
}

// IsCheckViolation reports whether err is a violation of the named CHECK constraint.
func IsCheckViolation(err error, constraint string) bool {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "23514" {
		return false
	}
	return constraint == "" || pg.ConstraintName == constraint
}

// IsRetryable reports a serialization failure or deadlock, after which the
// whole transaction may be tried again.
func IsRetryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}

// IsUnavailable reports whether err says the database could not be
// reached or went away during the request (connection refused or lost, the
// server shutting down or crashed), rather than that the request was wrong.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Class 08: connection exception; 57P01–57P03: admin or crash
		// shutdown, cannot connect now.
		return strings.HasPrefix(pg.Code, "08") || pg.Code == "57P01" || pg.Code == "57P02" || pg.Code == "57P03"
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// Transaction runs fn in a transaction on g and retries it a few times when
// PostgreSQL reports a serialization failure or deadlock; opts (read-only,
// an isolation level) are passed on. Within a Unit the
// transaction is a savepoint, retried the same way: rolling back to it
// releases the locks taken since.
func Transaction(ctx context.Context, g *gorm.DB, fn func(tx *gorm.DB) error, opts ...*sql.TxOptions) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = g.WithContext(ctx).Transaction(fn, opts...)
		if !IsRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}
