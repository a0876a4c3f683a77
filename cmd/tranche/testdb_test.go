package main

import (
	"context"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"gorm.io/gorm"
)

// openTestDB connects to the test's DATABASE_URL directly, for tampering.
func openTestDB(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := database.Open(context.Background(), getenvOf(t)("DATABASE_URL"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db.Gorm
}
