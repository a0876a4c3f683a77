package database

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPrivateClusterLifecycle starts a private server, writes, stops, starts
// again and reads; then kills the server hard and checks that the next start
// recovers; and checks that a second user of the folder does not stop it.
func TestPrivateClusterLifecycle(t *testing.T) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "tranche-pg-life-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	c, err := NewCluster(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	exec1 := func(sql string) {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	count := func() int {
		t.Helper()
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM kept`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec1(`CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)`)

	// A second process on the same folder uses the server but does not own it.
	other, err := NewCluster(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.Stop(); err != nil {
		t.Fatal(err)
	}
	if !c.running(ctx) {
		t.Fatal("a non-owner's Stop stopped the server")
	}

	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 1 {
		t.Fatalf("rows after restart = %d, want 1", got)
	}

	// Crash: kill the postmaster with SIGKILL, then start again.
	pidFile, err := os.ReadFile(filepath.Join(c.PGData(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	// The killed postmaster's children may linger a moment.
	_ = exec.Command("sleep", "0.5").Run()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("start after crash: %v", err)
	}
	if got := count(); got != 1 {
		t.Fatalf("rows after crash = %d, want 1", got)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
}

func TestNoBinariesMessageNamesBothWaysOut(t *testing.T) {
	msg := ErrNoPostgres.Error()
	for _, want := range []string{"install PostgreSQL", "docker compose up"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not name %q", msg, want)
		}
	}
}
