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
	"sync"
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

// Main runs the package's tests and cleans up. The server is prepared
// lazily, when the first test asks for a database: tests that need none
// (the table tests of pure rules) run without any PostgreSQL at all.
func Main(m *testing.M) {
	os.Exit(run(m))
}

var (
	setupOnce sync.Once
	setupErr  error
	cluster   *database.Cluster // the private cluster, when one was started
	dataDir   string            // its folder
)

func run(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if dataDir != "" {
		os.RemoveAll(dataDir)
	}
	return code
}

// server prepares the server once per test binary (TEST_DATABASE_URL, or
// a private cluster) and fails t when it cannot.
func server(t testing.TB) {
	t.Helper()
	if err := prepare(); err != nil {
		t.Fatal(err)
	}
}

func prepare() error {
	setupOnce.Do(func() { setupErr = setup() })
	return setupErr
}

func setup() error {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		cfg, err := configFromURL(u)
		if err != nil {
			return fmt.Errorf("TEST_DATABASE_URL: %w", err)
		}
		base = cfg
		if err := ensureAppRole(); err != nil {
			return fmt.Errorf("test role: %w", err)
		}
		return nil
	}
	dir, err := os.MkdirTemp("", "tranche-test-pg-")
	if err != nil {
		return err
	}
	dataDir = dir
	c, err := database.NewCluster(dir, nil)
	if err != nil {
		return fmt.Errorf("private PostgreSQL for tests: %w", err)
	}
	// Durability is not what these tests are about; speed is.
	c.Options = []string{"-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"}
	if err := c.Start(context.Background()); err != nil {
		return fmt.Errorf("private PostgreSQL for tests: %w", err)
	}
	cluster = c
	base = pgtestdb.Config{
		DriverName: "pgx", User: "postgres", Host: "localhost", Port: "5432", Database: "postgres",
		Options: url.Values{"host": {c.SocketDir()}, "sslmode": {"disable"}}.Encode(),
	}
	if err := ensureAppRole(); err != nil {
		return fmt.Errorf("test role: %w", err)
	}
	return nil
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
	server(t)
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
// database, for tests that manage databases themselves. It panics when
// the server cannot be prepared (tests call it after URL, which reports why).
func ServerURL() string {
	if err := prepare(); err != nil {
		panic(err)
	}
	return base.URL()
}

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
