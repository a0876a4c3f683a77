package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database/dbtest"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var who = access.System("test")

func record(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := db.Transaction(func(tx *gorm.DB) error {
			return audit.Record(context.Background(), tx, who, audit.Event{Action: "thing.create", EntityType: "thing", EntityID: fmt.Sprint(i),
				After: map[string]any{"name": "Şahin Nguyễn", "amount": "12.50"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestChainVerifies(t *testing.T) {
	db := dbtest.New(t)
	record(t, db.Gorm, 5)
	checked, broken, err := audit.Verify(context.Background(), db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	if checked != 5 || len(broken) != 0 {
		t.Fatalf("Verify = %d checked, broken %v; want 5 and none", checked, broken)
	}
}

func TestEventRolledBackWithItsTransaction(t *testing.T) {
	db := dbtest.New(t)
	_ = db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := audit.Record(context.Background(), tx, who, audit.Event{Action: "a", EntityType: "b", EntityID: "c"}); err != nil {
			t.Fatal(err)
		}
		return fmt.Errorf("the change fails")
	})
	var n int
	db.Gorm.Raw(`SELECT count(*) FROM audit_events`).Scan(&n)
	if n != 0 {
		t.Fatalf("events after rollback = %d, want 0", n)
	}
}

func TestDatabaseRefusesUpdateAndDelete(t *testing.T) {
	db := dbtest.New(t)
	record(t, db.Gorm, 1)
	for _, stmt := range []string{
		`UPDATE audit_events SET actor = 'someone else'`,
		`DELETE FROM audit_events`,
		`TRUNCATE audit_events`,
	} {
		if err := db.Gorm.Exec(stmt).Error; err == nil {
			t.Errorf("%s succeeded, want it refused", stmt)
		}
	}
}

func TestTamperingIsDetected(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
	}{
		{"edited field", `UPDATE audit_events SET after = '{"amount": "99.50"}' WHERE seq = 2`},
		{"recomputed own hash", `UPDATE audit_events SET actor = 'x', hash = audit_event_hash(prev_hash, seq, id, occurred_at, actor_id, 'x', action, entity_type, entity_id, before, after, request_id) WHERE seq = 2`},
		{"deleted event", `DELETE FROM audit_events WHERE seq = 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := dbtest.New(t)
			record(t, db.Gorm, 3)
			err := db.Gorm.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`).Error; err != nil {
					return err
				}
				if err := tx.Exec(tt.tamper).Error; err != nil {
					return err
				}
				return tx.Exec(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`).Error
			})
			if err != nil {
				t.Fatal(err)
			}
			_, broken, err := audit.Verify(context.Background(), db.Gorm)
			if err != nil {
				t.Fatal(err)
			}
			if len(broken) == 0 {
				t.Fatalf("Verify found nothing after %s", tt.name)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	db := dbtest.New(t)
	const writers, each = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				errs <- db.Gorm.Transaction(func(tx *gorm.DB) error {
					return audit.Record(context.Background(), tx, who, audit.Event{Action: "x", EntityType: "w", EntityID: fmt.Sprintf("%d-%d", w, i)})
				})
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	checked, broken, err := audit.Verify(context.Background(), db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	if checked != writers*each || len(broken) != 0 {
		t.Fatalf("Verify = %d checked, broken %v; want %d and none", checked, broken, writers*each)
	}
}
