// Package dbtest gives each test its own PostgreSQL database, cloned from a
// template that is migrated once per schema version (peterldowns/pgtestdb).
//
// The server is TEST_DATABASE_URL when set; otherwise each test binary starts
// a private cluster (the same code `tranche serve` uses) in a temporary folder
// and stops it when its tests end. Call Main from TestMain.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/migrations"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver pgtestdb opens
	"github.com/peterldowns/pgtestdb"
)

var base pgtestdb.Config

// AppRole is the role the tests' application connects as (URLs, NewApp):
// like `tranche serve`'s, it owns nothing and holds only what
// database.GrantApp gives it. The test databases are owned by pgtestdb's
// own role, which plays the owner.
const AppRole = "tranche_test_app"

const appPassword = "tranche_test_app"

// ensureAppRole creates AppRole on the server, once for every test binary.
func ensureAppRole() error {
	db, err := sql.Open("pgx", base.URL())
	if err != nil {
		return err
	}
	defer db.Close()
	return database.EnsureRole(context.Background(), db, AppRole, appPassword)
}

// Main prepares the server, runs the package's tests and cleans up.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		cfg, err := configFromURL(u)
		if err != nil {
			fmt.Fprintln(os.Stderr, "TEST_DATABASE_URL:", err)
			return 2
		}
		base = cfg
		if err := ensureAppRole(); err != nil {
			fmt.Fprintln(os.Stderr, "test role:", err)
			return 2
		}
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "tranche-test-pg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	cluster, err := database.NewCluster(dir, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "private PostgreSQL for tests:", err)
		return 2
	}
	// Durability is not what these tests are about; speed is.
	cluster.Options = []string{"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"}
	if err := cluster.Start(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "private PostgreSQL for tests:", err)
		return 2
	}
	defer cluster.Stop()
	base = pgtestdb.Config{
		DriverName: "pgx", User: "postgres", Host: "localhost", Port: "5432", Database: "postgres",
		Options: url.Values{"host": {cluster.SocketDir()}, "sslmode": {"disable"}}.Encode(),
	}
	if err := ensureAppRole(); err != nil {
		fmt.Fprintln(os.Stderr, "test role:", err)
		return 2
	}
	return m.Run()
}

func configFromURL(raw string) (pgtestdb.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgtestdb.Config{}, err
	}
	pw, _ := u.User.Password()
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	host := u.Hostname()
	if host == "" {
		host = "localhost"
	}
	db := u.Path
	if len(db) > 0 && db[0] == '/' {
		db = db[1:]
	}
	if db == "" {
		db = "postgres"
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	return pgtestdb.Config{DriverName: "pgx", User: u.User.Username(), Password: pw, Host: host, Port: port, Database: db, Options: q.Encode()}, nil
}

// URL returns the connection string of a fresh, migrated database for t.
func URL(t testing.TB) string {
	t.Helper()
	conf := base
	conf.ForceTerminateConnections = true
	inst := pgtestdb.Custom(t, conf, migrator{})
	return inst.URL()
}

// URLs returns the connection strings of a fresh, migrated database for
// t: as its owner, and as AppRole.
func URLs(t testing.TB) (owner, app string) {
	t.Helper()
	owner = URL(t)
	u, err := url.Parse(owner)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(AppRole, appPassword)
	return owner, u.String()
}

// New returns a connection to a fresh, migrated database for t, closed when
// t ends, as the database's owner.
func New(t testing.TB) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), URL(t), nil)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewApp returns two connections to one fresh, migrated database for t:
// as its owner (for fixtures and tampering) and as AppRole (for the code
// under test, with the application's rights only).
func NewApp(t testing.TB) (owner, app *database.DB) {
	t.Helper()
	ownerURL, appURL := URLs(t)
	owner, err := database.Open(context.Background(), ownerURL, nil)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(owner.Close)
	app, err = database.Open(context.Background(), appURL, nil)
	if err != nil {
		t.Fatalf("open test database as %s: %v", AppRole, err)
	}
	t.Cleanup(app.Close)
	return owner, app
}

// ServerURL returns a connection string for the server's maintenance
// database, for tests that manage databases themselves.
func ServerURL() string { return base.URL() }

type migrator struct{}

// Hash changes whenever a migration file does, so the template is rebuilt.
func (migrator) Hash() (string, error) {
	h := sha256.New()
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	h.Write([]byte("grants for " + AppRole + " v1\x00"))
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func (migrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	if _, err := database.Migrate(ctx, db, nil); err != nil {
		return err
	}
	_, err := database.GrantApp(ctx, db, AppRole)
	return err
}
