package audit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database/dbtest"
)

// The home page's "events in the last 24 hours" counts every event, not a
// list that stops at its limit.
func TestCountIsNotCappedLikeAList(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	evs := make([]audit.Event, 1005)
	for i := range evs {
		evs[i] = audit.Event{Action: "thing.touch", EntityType: "thing", EntityID: fmt.Sprint(i)}
	}
	if err := audit.RecordMany(ctx, db.Gorm, who, evs); err != nil {
		t.Fatal(err)
	}
	n, err := audit.Count(ctx, db.Gorm, audit.Query{Action: "thing.touch", From: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1005 {
		t.Fatalf("Count = %d, want 1005", n)
	}
}
