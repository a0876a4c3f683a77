package database_test

import (
	"context"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrationsAppliedInTemplate(t *testing.T) {
	db := dbtest.New(t)
	sqlDB, err := db.Gorm.DB()
	if err != nil {
		t.Fatal(err)
	}
	pending, err := database.Pending(context.Background(), sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Fatalf("pending migrations = %d, want 0", pending)
	}
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit_events'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("audit_events tables = %d, want 1", n)
	}
}

// A connection the server ended, and a server that is not there, are
// "unavailable"; a broken rule is not.
func TestIsUnavailable(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `SELECT 1`)
	if err == nil || !database.IsUnavailable(err) {
		t.Errorf("a query on a terminated connection: %v; IsUnavailable = false, want true", err)
	}

	_, err = database.Open(ctx, "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", nil)
	if err == nil || !database.IsUnavailable(err) {
		t.Errorf("opening a server that is not there: %v; IsUnavailable = false, want true", err)
	}

	err = db.Gorm.Exec(`SELECT 1/0`).Error
	if err == nil || database.IsUnavailable(err) {
		t.Errorf("division by zero: %v; IsUnavailable = true, want false", err)
	}
	if database.IsUnavailable(nil) {
		t.Error("IsUnavailable(nil) = true")
	}
}
