package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Two roles: the owner owns the schema and runs the migrations; the
// application (`tranche serve`) connects as a role that owns nothing, so it
// cannot alter a table, switch off a trigger or truncate, and has neither
// UPDATE nor DELETE on the append-only tables.
const (
	// PrivateOwnerRole owns the private PostgreSQL's database.
	PrivateOwnerRole = "tranche_owner"
	// PrivateAppRole is the role Tranche's commands connect as on the
	// private PostgreSQL.
	PrivateAppRole = "tranche_app"
)

// lockColumns names, for the append-only tables the application row-locks
// (SELECT … FOR UPDATE, which PostgreSQL allows only with an UPDATE
// privilege), the one column that privilege is given on. The table's
// trigger refuses every UPDATE all the same, and the application cannot
// switch it off.
var lockColumns = map[string]string{"commitments": "id"}

// Grant is what GrantApp gave on one table.
type Grant struct {
	Table      string
	Privileges string
}

// GrantApp gives role exactly what the application needs on every table of
// the schema, as its owner (db must be connected as the owner, after the
// migrations): SELECT and INSERT on the append-only tables (those guarded by
// refuse_change), SELECT, INSERT, UPDATE and DELETE on the others, SELECT on
// the migrations' version table; never TRUNCATE, REFERENCES or TRIGGER, and
// no right to create anything. What role held before is revoked first, so
// a table that became append-only loses UPDATE and DELETE. Run it again
// after every migration (migrate does).
func GrantApp(ctx context.Context, db *sql.DB, role string) ([]Grant, error) {
	if role == "" {
		return nil, errors.New("grant: no role named")
	}
	var me string
	var super bool
	if err := db.QueryRowContext(ctx, `SELECT current_user, coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = $1), false)`, role).Scan(&me, &super); err != nil {
		return nil, fmt.Errorf("grant: %w", err)
	}
	if me == role {
		return nil, fmt.Errorf("grant: %s is the role that owns the schema; the application must connect as another role", role)
	}
	if super {
		return nil, fmt.Errorf("grant: %s is a superuser; the application must connect as a role without superuser rights", role)
	}
	rows, err := db.QueryContext(ctx, `
		SELECT c.relname, EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
			WHERE t.tgrelid = c.oid AND p.proname = 'refuse_change' AND NOT t.tgisinternal) AS append_only
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("grant: list tables: %w", err)
	}
	var grants []Grant
	for rows.Next() {
		var g Grant
		var appendOnly bool
		if err := rows.Scan(&g.Table, &appendOnly); err != nil {
			rows.Close()
			return nil, err
		}
		switch {
		case g.Table == "goose_db_version":
			g.Privileges = "SELECT"
		case appendOnly && lockColumns[g.Table] != "":
			g.Privileges = "SELECT, INSERT, UPDATE (" + pgx.Identifier{lockColumns[g.Table]}.Sanitize() + ")"
		case appendOnly:
			g.Privileges = "SELECT, INSERT"
		default:
			g.Privileges = "SELECT, INSERT, UPDATE, DELETE"
		}
		grants = append(grants, g)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	r := pgx.Identifier{role}.Sanitize()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmts := []string{
		// PostgreSQL 15 no longer lets everyone create in public; older
		// servers did.
		`REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
		`REVOKE ALL ON SCHEMA public FROM ` + r,
		`GRANT USAGE ON SCHEMA public TO ` + r,
		`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ` + r,
	}
	for _, g := range grants {
		stmts = append(stmts, `GRANT `+g.Privileges+` ON `+pgx.Identifier{g.Table}.Sanitize()+` TO `+r)
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("grant: %s: %w", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	sort.Slice(grants, func(i, j int) bool { return grants[i].Table < grants[j].Table })
	return grants, nil
}

// EnsureRole creates a login role without any special rights unless it
// exists. Concurrent callers are fine.
func EnsureRole(ctx context.Context, db *sql.DB, role, password string) error {
	stmt := `CREATE ROLE ` + pgx.Identifier{role}.Sanitize() + ` LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`
	if password != "" {
		stmt += ` PASSWORD ` + quoteLiteral(password)
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, stmt); err != nil && !IsUniqueViolation(err, "") && !isDuplicateObject(err) {
		return fmt.Errorf("create role %s: %w", role, err)
	}
	return nil
}

func isDuplicateObject(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "42710"
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
