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
