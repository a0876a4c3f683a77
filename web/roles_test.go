package web

import (
	"context"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
)

// TestServerRunsAsTheApplicationRole: the web tests' server connects as
// the application's role, as `tranche serve` does, so that every web test
// (a claim through to a confirmed payment run among them) shows the
// application needs no more than database.GrantApp gives; and that role
// cannot switch off a guard.
func TestServerRunsAsTheApplicationRole(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	var role string
	if err := e.srv.db.Pool.QueryRow(ctx, `SELECT current_user::text`).Scan(&role); err != nil {
		t.Fatal(err)
	}
	if role != dbtest.AppRole {
		t.Fatalf("the server connects as %s, want %s", role, dbtest.AppRole)
	}
	if _, err := e.srv.db.Pool.Exec(ctx, `ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_append_only`); err == nil {
		t.Fatal("the server's role switched off the ledger's guard")
	}
}
