package database_test

import (
	"context"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
)

// TestAppRoleCannotChangeTheSchemaOrTheAppendOnlyTables: the role the
// application connects as reads and writes what it must, and cannot alter
// a table, switch off a trigger, truncate, or change or delete rows of the
// ledger, the audit trail, the stored files and the histories.
func TestAppRoleCannotChangeTheSchemaOrTheAppendOnlyTables(t *testing.T) {
	ctx := context.Background()
	owner, app := dbtest.NewApp(t)
	var who string
	var super bool
	if err := app.Pool.QueryRow(ctx, `SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&who, &super); err != nil {
		t.Fatal(err)
	}
	if who != dbtest.AppRole || super {
		t.Fatalf("connected as %s (superuser %v), want %s without superuser rights", who, super, dbtest.AppRole)
	}
	for _, stmt := range []string{
		`ALTER TABLE ledger_postings ADD COLUMN x integer`,
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`ALTER TABLE ledger_postings DISABLE TRIGGER ALL`,
		`ALTER TABLE sessions DISABLE TRIGGER USER`,
		`DROP TRIGGER evidence_append_only ON evidence`,
		`CREATE TABLE mine (id integer)`,
		`DROP TABLE sessions`,
		`CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
		`SET session_replication_role = replica`,
		`TRUNCATE sessions`,
		`TRUNCATE ledger_postings CASCADE`,
		`TRUNCATE audit_events`,
		`UPDATE ledger_postings SET amount = amount`,
		`DELETE FROM ledger_postings`,
		`UPDATE ledger_transactions SET memo = memo`,
		`DELETE FROM ledger_transactions`,
		`UPDATE audit_events SET actor = actor`,
		`DELETE FROM audit_events`,
		`UPDATE allocations SET amount = amount`,
		`UPDATE commitments SET amount = amount`,
		`DELETE FROM commitments`,
		`UPDATE run_files SET data = data`,
		`DELETE FROM statement_pdfs`,
		`UPDATE evidence SET data = data`,
		`DELETE FROM claim_history`,
		`UPDATE register_imports SET rows = rows`,
		`DELETE FROM goose_db_version`,
	} {
		_, err := app.Pool.Exec(ctx, stmt)
		if err == nil {
			t.Errorf("as the application: %s succeeded", stmt)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "permission denied") && !strings.Contains(msg, "must be owner") && !strings.Contains(msg, "SQLSTATE 42501") {
			t.Errorf("as the application: %s: %v, want a refusal of the right", stmt, err)
		}
	}
	// What the application does need.
	for _, stmt := range []string{
		`INSERT INTO sessions (token, data, expiry) VALUES ('t', '\x00', now() + interval '1 hour')`,
		`UPDATE sessions SET data = '\x01' WHERE token = 't'`,
		`SELECT count(*) FROM ledger_postings`,
		`SELECT id FROM commitments FOR UPDATE`,
		`DELETE FROM sessions WHERE token = 't'`,
		`SELECT count(*) FROM goose_db_version`,
	} {
		if _, err := app.Pool.Exec(ctx, stmt); err != nil {
			t.Errorf("as the application: %s: %v", stmt, err)
		}
	}

	// GrantApp refuses to make the owner or a superuser the application.
	sqlDB, err := owner.Gorm.DB()
	if err != nil {
		t.Fatal(err)
	}
	var me string
	owner.Pool.QueryRow(ctx, `SELECT current_user::text`).Scan(&me)
	if _, err := database.GrantApp(ctx, sqlDB, me); err == nil || !strings.Contains(err.Error(), "owns the schema") {
		t.Errorf("GrantApp to the owner: %v", err)
	}
	if _, err := database.GrantApp(ctx, sqlDB, "postgres"); err == nil || !strings.Contains(err.Error(), "superuser") {
		t.Errorf("GrantApp to a superuser: %v", err)
	}
	grants, err := database.GrantApp(ctx, sqlDB, dbtest.AppRole)
	if err != nil {
		t.Fatal(err)
	}
	byTable := map[string]string{}
	for _, g := range grants {
		byTable[g.Table] = g.Privileges
	}
	for table, want := range map[string]string{"ledger_postings": "SELECT, INSERT", "audit_events": "SELECT, INSERT", "evidence": "SELECT, INSERT",
		"claims": "SELECT, INSERT, UPDATE, DELETE", "goose_db_version": "SELECT", "commitments": `SELECT, INSERT, UPDATE ("id")`} {
		if byTable[table] != want {
			t.Errorf("grant on %s = %q, want %q", table, byTable[table], want)
		}
	}
}
