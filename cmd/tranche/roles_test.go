package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/jackc/pgx/v5"
)

// TestMigrateGrantsTheApplicationRole: with DATABASE_URL for the
// application's role and TRANCHE_MIGRATE_URL for the owner, migrate up
// gives the application its rights, and the everyday commands work as the
// application.
func TestMigrateGrantsTheApplicationRole(t *testing.T) {
	t.Parallel()
	ownerURL, appURL := dbtest.URLs(t)
	setenv(t, "DATABASE_URL", appURL)
	setenv(t, "TRANCHE_MIGRATE_URL", ownerURL)
	owner := openOwner(t, ownerURL)
	if _, err := owner.Exec(context.Background(), `REVOKE ALL ON ALL TABLES IN SCHEMA public FROM `+dbtest.AppRole); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := tranche(t, "a long admin password\n", "user", "add", "--email", "a@enschede.example", "--role", "admin", "--password-stdin"); code != 1 || !strings.Contains(errOut, "permission denied") {
		t.Fatalf("user add without grants = %d %q, want a permission error", code, errOut)
	}
	code, out, errOut := tranche(t, "", "migrate", "up")
	if code != 0 || !strings.Contains(errOut, "application role granted") {
		t.Fatalf("migrate up = %d %q %q", code, out, errOut)
	}
	if code, out, errOut := tranche(t, "a long admin password\n", "user", "add", "--email", "a@enschede.example", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("user add as the application = %d %q %q", code, out, errOut)
	}
	if code, out, _ := tranche(t, "", "check"); code != 0 {
		t.Fatalf("check as the application = %d\n%s", code, out)
	}
	if code, out, _ := tranche(t, "", "audit", "anchor"); code != 0 || !strings.HasPrefix(out, "tranche-audit-anchor") {
		t.Fatalf("audit anchor as the application = %d %q", code, out)
	}
	code, out, errOut = tranche(t, "", "db", "grant", dbtest.AppRole)
	if code != 0 || !strings.Contains(out, "ledger_postings") || !strings.Contains(out, "granted "+dbtest.AppRole) {
		t.Fatalf("db grant = %d %q %q", code, out, errOut)
	}
	if code, _, errOut := tranche(t, "", "db", "grant", "postgres"); code != 1 || !strings.Contains(errOut, "superuser") {
		t.Fatalf("db grant to a superuser = %d %q", code, errOut)
	}
}

func openOwner(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPrivatePostgresRunsTheApplicationAsItsOwnRole: on the private
// PostgreSQL, the migrations run as tranche_owner, which owns every table,
// and the commands as tranche_app, which can neither alter a table nor
// switch off a guard nor change the ledger.
func TestPrivatePostgresRunsTheApplicationAsItsOwnRole(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", "")
	setenv(t, "TRANCHE_MIGRATE_URL", "")
	dir, err := os.MkdirTemp("", "tr-roles-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	setenv(t, "TRANCHE_DATA", dir)
	// The test holds the server, so that it outlives the commands.
	cluster, err := database.NewCluster(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cluster.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cluster.Stop() })

	if code, out, errOut := tranche(t, "", "migrate", "up"); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate up = %d %q %q", code, out, errOut)
	}
	if code, out, errOut := tranche(t, "a long admin password\n", "user", "add", "--email", "a@enschede.example", "--role", "admin", "--password-stdin"); code != 0 {
		t.Fatalf("user add = %d %q %q", code, out, errOut)
	}
	if code, out, _ := tranche(t, "", "check"); code != 0 {
		t.Fatalf("check = %d\n%s", code, out)
	}

	ctx := context.Background()
	admin := openOwner(t, cluster.URL("tranche"))
	var notOwned int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> $1`, database.PrivateOwnerRole).Scan(&notOwned); err != nil {
		t.Fatal(err)
	}
	var ownerSuper bool
	admin.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = $1`, database.PrivateOwnerRole).Scan(&ownerSuper)
	if notOwned != 0 || ownerSuper {
		t.Fatalf("%d tables not owned by %s (superuser %v)", notOwned, database.PrivateOwnerRole, ownerSuper)
	}
	app := openOwner(t, cluster.URLAs(database.PrivateAppRole, "tranche"))
	for _, stmt := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`ALTER TABLE ledger_postings ADD COLUMN x integer`,
		`TRUNCATE users CASCADE`,
		`UPDATE ledger_postings SET amount = amount`,
		`DELETE FROM audit_events`,
	} {
		if _, err := app.Exec(ctx, stmt); err == nil {
			t.Errorf("as tranche_app: %s succeeded", stmt)
		}
	}
	var n int
	if err := app.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("as tranche_app: %d users, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "pg", "PG_VERSION")); err != nil {
		t.Fatal(err)
	}
}
