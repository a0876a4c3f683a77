package database_test

import (
	"context"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
)

// More ids than PostgreSQL allows parameters still go in one array.
func TestUUIDsIsOneParameter(t *testing.T) {
	db := dbtest.New(t)
	ids := make(database.UUIDs, 70000)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	var n struct{ N int }
	err := db.Gorm.WithContext(context.Background()).Raw(`SELECT count(*) AS n FROM unnest(?::uuid[]) u WHERE u = ANY(?::uuid[])`, ids, ids[:3]).Scan(&n).Error
	if err != nil {
		t.Fatal(err)
	}
	if n.N != 3 {
		t.Fatalf("matched %d ids, want 3", n.N)
	}
	var empty struct{ N int }
	if err := db.Gorm.Raw(`SELECT cardinality(?::uuid[]) AS n`, database.UUIDs{}).Scan(&empty).Error; err != nil || empty.N != 0 {
		t.Fatalf("empty array: %d, %v", empty.N, err)
	}
}
