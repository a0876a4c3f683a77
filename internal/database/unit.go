package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"gorm.io/gorm"
)

// A Unit is one transaction that everything done with its context joins: a
// read through gorm runs in it, and a capability's own transaction
// (Transaction, or gorm's db.Transaction) becomes a savepoint inside it. The
// HTTP layer uses a unit to commit a change together with the answer it
// stores for the change's Idempotency-Key, so that a crash leaves either both
// or neither.
//
// A unit is for one request at a time: its statements run one after the
// other on one connection.
type Unit struct {
	tx *sql.Tx

	mu    sync.Mutex
	n     int      // savepoints made so far, for their names
	after []func() // run once the unit has committed
	done  bool
}

type unitKey struct{}

// BeginUnit starts a unit on db and returns the context that joins it. End
// it with Commit or Rollback; Rollback after Commit does nothing, so it can
// be deferred.
func (db *DB) BeginUnit(ctx context.Context) (context.Context, *Unit, error) {
	if unitOf(ctx) != nil {
		return nil, nil, errors.New("database: a unit is already open in this context")
	}
	sqlDB, err := db.Gorm.DB()
	if err != nil {
		return nil, nil, err
	}
	tx, err := sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	u := &Unit{tx: tx}
	return context.WithValue(ctx, unitKey{}, u), u, nil
}

// Commit commits the unit and then runs what was left for after the commit.
func (u *Unit) Commit() error {
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return errors.New("database: unit already ended")
	}
	u.done = true
	after := u.after
	u.after = nil
	u.mu.Unlock()
	if err := u.tx.Commit(); err != nil {
		return err
	}
	for _, fn := range after {
		fn()
	}
	return nil
}

// Rollback undoes everything done in the unit and drops what was left for
// after the commit. It does nothing once the unit has ended.
func (u *Unit) Rollback() error {
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return nil
	}
	u.done = true
	u.after = nil
	u.mu.Unlock()
	return u.tx.Rollback()
}

// AfterCommit runs fn once the unit of ctx has committed, and never if it
// is rolled back; without a unit it runs fn at once. Work that must see
// what the request changed (a background job started by it) goes here.
func AfterCommit(ctx context.Context, fn func()) {
	u := unitOf(ctx)
	if u == nil {
		fn()
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.done {
		u.after = append(u.after, fn)
	}
}

// Detach returns ctx without its unit, for work that outlives the request
// and must use connections of its own.
func Detach(ctx context.Context) context.Context {
	if unitOf(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, unitKey{}, (*Unit)(nil))
}

// InUnit reports whether ctx joins an open unit.
func InUnit(ctx context.Context) bool { return unitOf(ctx) != nil }

func unitOf(ctx context.Context) *Unit {
	if ctx == nil {
		return nil
	}
	u, _ := ctx.Value(unitKey{}).(*Unit)
	return u
}

// connPool is gorm's connection: the pool, except for a context that joins
// a unit, whose statements go to the unit's transaction.
type connPool struct{ db *sql.DB }

var (
	_ gorm.ConnPool         = connPool{}
	_ gorm.ConnPoolBeginner = connPool{}
	_ gorm.GetDBConnector   = connPool{}
	_ gorm.ConnPool         = (*savepoint)(nil)
	_ gorm.TxCommitter      = (*savepoint)(nil)
	_ gorm.ConnPoolBeginner = (*savepoint)(nil)
)

func (p connPool) conn(ctx context.Context) gorm.ConnPool {
	if u := unitOf(ctx); u != nil {
		return u.tx
	}
	return p.db
}

func (p connPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.conn(ctx).PrepareContext(ctx, query)
}

func (p connPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.conn(ctx).ExecContext(ctx, query, args...)
}

func (p connPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.conn(ctx).QueryContext(ctx, query, args...)
}

func (p connPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.conn(ctx).QueryRowContext(ctx, query, args...)
}

// BeginTx starts a transaction, or a savepoint in the unit of ctx.
func (p connPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	if u := unitOf(ctx); u != nil {
		return u.savepoint(ctx)
	}
	return p.db.BeginTx(ctx, opts)
}

// GetDBConn lets gorm's DB() find the pool.
func (p connPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// savepoint is a transaction within a unit: committing it releases the
// savepoint, rolling it back undoes what was done since.
type savepoint struct {
	u    *Unit
	name string
}

func (u *Unit) savepoint(ctx context.Context) (*savepoint, error) {
	u.mu.Lock()
	u.n++
	name := fmt.Sprintf("unit_%d", u.n)
	u.mu.Unlock()
	if _, err := u.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return nil, err
	}
	return &savepoint{u: u, name: name}, nil
}

func (s *savepoint) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return s.u.tx.PrepareContext(ctx, query)
}

func (s *savepoint) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.u.tx.ExecContext(ctx, query, args...)
}

func (s *savepoint) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.u.tx.QueryContext(ctx, query, args...)
}

func (s *savepoint) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return s.u.tx.QueryRowContext(ctx, query, args...)
}

// BeginTx nests a further savepoint (gorm makes its own for nested
// transactions, so this is only reached through Begin on a savepoint).
func (s *savepoint) BeginTx(ctx context.Context, _ *sql.TxOptions) (gorm.ConnPool, error) {
	return s.u.savepoint(ctx)
}

func (s *savepoint) Commit() error {
	_, err := s.u.tx.Exec("RELEASE SAVEPOINT " + s.name)
	return err
}

func (s *savepoint) Rollback() error {
	if _, err := s.u.tx.Exec("ROLLBACK TO SAVEPOINT " + s.name); err != nil {
		return err
	}
	_, err := s.u.tx.Exec("RELEASE SAVEPOINT " + s.name)
	return err
}
