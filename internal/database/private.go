package database

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoPostgres is returned when no PostgreSQL binaries are installed.
var ErrNoPostgres = errors.New("no PostgreSQL server binaries (initdb, pg_ctl) found on PATH or under /usr/lib/postgresql/*/bin, /usr/local/pgsql/bin, /opt/homebrew/opt/postgresql*/bin; " +
	"either install PostgreSQL 15 or newer (Debian/Ubuntu: apt-get install postgresql), " +
	"or run `docker compose up`, or set DATABASE_URL to a server you have")

// Cluster is a private PostgreSQL server that Tranche runs in its own data
// folder and reaches over a Unix socket only.
type Cluster struct {
	Dir     string // the data folder given to Start; the cluster lives in Dir/pg
	bin     string
	runAs   *syscall.Credential
	log     *slog.Logger
	Options []string // extra server settings, as "-c name=value" pairs for pg_ctl -o
	lock    *os.File // held while this process owns the server
}

// PGData is the cluster's data directory.
func (c *Cluster) PGData() string { return filepath.Join(c.Dir, "pg") }

// SocketDir is where the server's Unix socket lives.
func (c *Cluster) SocketDir() string { return c.PGData() }

// URL is the connection string for the given database on the private server.
func (c *Cluster) URL(dbname string) string {
	q := url.Values{"host": {c.SocketDir()}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + url.PathEscape(dbname) + "?" + q.Encode()
}

// URLAs is the connection string for the given database as the given role.
func (c *Cluster) URLAs(role, dbname string) string {
	q := url.Values{"host": {c.SocketDir()}, "sslmode": {"disable"}}
	return "postgres://" + url.PathEscape(role) + "@/" + url.PathEscape(dbname) + "?" + q.Encode()
}

// FindBinaries returns the folder that holds initdb and pg_ctl, preferring the
// newest versioned install.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	var candidates []string
	for _, pattern := range []string{
		"/usr/lib/postgresql/*/bin",
		"/usr/pgsql-*/bin",
		"/usr/local/pgsql/bin",
		"/opt/homebrew/opt/postgresql*/bin",
		"/usr/local/opt/postgresql*/bin",
	} {
		m, _ := filepath.Glob(pattern)
		candidates = append(candidates, m...)
	}
	sort.Slice(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(dir string) int {
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		part = strings.TrimPrefix(strings.TrimPrefix(part, "pgsql-"), "postgresql@")
		if n, err := strconv.Atoi(part); err == nil {
			return n
		}
	}
	return 0
}

// NewCluster prepares (but does not start) a private cluster in dir.
func NewCluster(dir string, log *slog.Logger) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Cluster{Dir: abs, bin: bin, log: log}
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		cred, err := unprivileged()
		if err != nil {
			return nil, err
		}
		c.runAs = cred
	}
	// A socket path longer than the kernel's limit (107 bytes) cannot be bound.
	if len(filepath.Join(c.SocketDir(), ".s.PGSQL.5432")) > 100 {
		return nil, fmt.Errorf("data folder path %q is too long for a Unix socket; choose a shorter --data folder", abs)
	}
	return c, nil
}

func unprivileged() (*syscall.Credential, error) {
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and no unprivileged user (postgres or nobody) to run PostgreSQL as")
}

// Start initialises the cluster if it is new and starts it unless it already
// runs. The first Tranche process on a data folder owns the server (an
// exclusive lock on Dir/tranche.lock) and stops it in Stop; a second one,
// such as `tranche user add` beside `tranche serve`, only uses it. A server
// left running by an owner that was killed is adopted by the next owner; a
// stale postmaster.pid left by a crashed server is handled by PostgreSQL.
func (c *Cluster) Start(ctx context.Context) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	if err := c.own(c.Dir); err != nil {
		return err
	}
	if c.lock != nil {
		return c.startServer(ctx)
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "tranche.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		// Another Tranche process owns the server: wait until it is up.
		deadline := time.Now().Add(60 * time.Second)
		for !c.running(ctx) {
			if time.Now().After(deadline) {
				return fmt.Errorf("another Tranche process holds %s but PostgreSQL did not start", c.Dir)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		return nil
	}
	c.lock = f
	return c.startServer(ctx)
}

func (c *Cluster) startServer(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.PGData(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		c.log.Info("initialising private PostgreSQL", "dir", c.PGData())
		if out, err := c.run(ctx, "initdb", "-D", c.PGData(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"); err != nil {
			return fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	if c.running(ctx) {
		c.log.Info("private PostgreSQL already running", "dir", c.PGData())
		return nil
	}
	opts := []string{"-c listen_addresses=''", "-c unix_socket_directories=" + quoteOpt(c.SocketDir()), "-c max_connections=200"}
	opts = append(opts, c.Options...)
	c.log.Info("starting private PostgreSQL", "dir", c.PGData())
	out, err := c.run(ctx, "pg_ctl", "-D", c.PGData(), "-l", filepath.Join(c.PGData(), "server.log"),
		"-o", strings.Join(opts, " "), "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.PGData(), "server.log"))
		return fmt.Errorf("pg_ctl start: %w: %s\n%s", err, out, tail(log, 2000))
	}
	return nil
}

// Stop shuts the server down (fast mode: rolls back open transactions) if
// this process owns it.
func (c *Cluster) Stop() error {
	if c.lock == nil {
		return nil
	}
	defer func() {
		c.lock.Close()
		c.lock = nil
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if !c.running(ctx) {
		return nil
	}
	out, err := c.run(ctx, "pg_ctl", "-D", c.PGData(), "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "-D", c.PGData(), "status")
	return err == nil
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a Ctrl-C to Tranche must not reach the server first
	if c.runAs != nil {
		cmd.SysProcAttr.Credential = c.runAs
	}
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// own hands dir to the unprivileged user when running as root.
func (c *Cluster) own(dir string) error {
	if c.runAs == nil {
		return nil
	}
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(c.runAs.Uid), int(c.runAs.Gid))
	})
}

func quoteOpt(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
