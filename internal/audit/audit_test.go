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

// storedEvent is what a test compares of a stored event.
type storedEvent struct {
	Seq                          int64
	Action, EntityType, EntityID string
	Before, After                string
	BeforeIsNull, AfterIsNull    bool
}

func storedEvents(t *testing.T, db *gorm.DB) []storedEvent {
	t.Helper()
	var out []storedEvent
	if err := db.Raw(`SELECT seq, action, entity_type, entity_id, coalesce(before::text, '') AS before, coalesce(after::text, '') AS after,
		before IS NULL AS before_is_null, after IS NULL AS after_is_null FROM audit_events ORDER BY seq`).Scan(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRecordManyStoresWhatRecordStores appends the same events once with
// Record one by one and once with RecordMany in batches of three (between
// two single events, so that batches continue a chain), and wants the same
// rows and an intact chain.
func TestRecordManyStoresWhatRecordStores(t *testing.T) {
	defer audit.SetManyBatch(3)()
	ctx := context.Background()
	evs := []audit.Event{
		{Action: "accrual.pay", EntityType: "accrual", EntityID: "1", Before: map[string]any{"status": "payable", "amount": "150.00"}, After: map[string]any{"status": "paid", "amount": "150.00"}},
		{Action: "thing.create", EntityType: "thing", EntityID: "2", After: map[string]any{"name": "Ólafsdóttir \"Ó\" \\ Ćosić"}},
		{Action: "thing.remove", EntityType: "thing", EntityID: "3", Before: []string{"a", "b"}},
		{Action: "thing.touch", EntityType: "thing", EntityID: "4"},
		{Action: "thing.create", EntityType: "thing", EntityID: "5", After: 12.5},
		{Action: "thing.create", EntityType: "thing", EntityID: "6", After: map[string]any{}},
		{Action: "thing.create", EntityType: "thing", EntityID: "7", After: nil},
	}
	first := audit.Event{Action: "first", EntityType: "x", EntityID: "0"}
	last := audit.Event{Action: "last", EntityType: "x", EntityID: "8"}

	one := dbtest.New(t)
	err := one.Gorm.Transaction(func(tx *gorm.DB) error {
		for _, ev := range append(append([]audit.Event{first}, evs...), last) {
			if err := audit.Record(ctx, tx, who, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	many := dbtest.New(t)
	err = many.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := audit.Record(ctx, tx, who, first); err != nil {
			return err
		}
		if err := audit.RecordMany(ctx, tx, who, evs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, last)
	})
	if err != nil {
		t.Fatal(err)
	}

	want, got := storedEvents(t, one.Gorm), storedEvents(t, many.Gorm)
	if len(got) != len(evs)+2 || len(got) != len(want) {
		t.Fatalf("RecordMany stored %d events, Record %d; want %d", len(got), len(want), len(evs)+2)
	}
	for i := range want {
		if fmt.Sprint(got[i]) != fmt.Sprint(want[i]) {
			t.Errorf("event %d: got %v, want (as Record stores it) %v", i+1, fmt.Sprint(got[i]), fmt.Sprint(want[i]))
		}
	}
	checked, broken, err := audit.Verify(ctx, many.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	if checked != int64(len(evs)+2) || len(broken) != 0 {
		t.Fatalf("Verify = %d checked, broken %v; want %d and none", checked, broken, len(evs)+2)
	}
}

func TestRecordManyRefusesAnIncompleteEvent(t *testing.T) {
	db := dbtest.New(t)
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		return audit.RecordMany(context.Background(), tx, who, []audit.Event{{Action: "a", EntityType: "b", EntityID: "c"}, {Action: "a", EntityType: "b"}})
	})
	if err == nil {
		t.Fatal("RecordMany accepted an event without an entity id")
	}
	if n := len(storedEvents(t, db.Gorm)); n != 0 {
		t.Fatalf("%d events stored after the refusal, want 0", n)
	}
}

func TestRecordManyRolledBackWithItsTransaction(t *testing.T) {
	db := dbtest.New(t)
	_ = db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := audit.RecordMany(context.Background(), tx, who, []audit.Event{{Action: "a", EntityType: "b", EntityID: "c"}, {Action: "a", EntityType: "b", EntityID: "d"}}); err != nil {
			t.Fatal(err)
		}
		return fmt.Errorf("the change fails")
	})
	if n := len(storedEvents(t, db.Gorm)); n != 0 {
		t.Fatalf("events after rollback = %d, want 0", n)
	}
}

// TestConcurrentRecordManyKeepsOneChain runs writers appending batches and
// single events at once: every event is stored once, in one gapless chain,
// and each transaction's batch is contiguous.
func TestConcurrentRecordManyKeepsOneChain(t *testing.T) {
	defer audit.SetManyBatch(4)()
	db := dbtest.New(t)
	const writers, rounds, batch = 8, 5, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				errs <- db.Gorm.Transaction(func(tx *gorm.DB) error {
					if w%2 == 1 {
						return audit.Record(context.Background(), tx, who, audit.Event{Action: "one", EntityType: "w", EntityID: fmt.Sprintf("%d-%d", w, r)})
					}
					evs := make([]audit.Event, batch)
					for i := range evs {
						evs[i] = audit.Event{Action: "many", EntityType: fmt.Sprintf("w%d-%d", w, r), EntityID: fmt.Sprint(i)}
					}
					return audit.RecordMany(context.Background(), tx, who, evs)
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
	want := int64(writers/2*rounds*batch + writers/2*rounds)
	checked, broken, err := audit.Verify(context.Background(), db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	if checked != want || len(broken) != 0 {
		t.Fatalf("Verify = %d checked, broken %v; want %d and none", checked, broken, want)
	}
	// A batch's events follow each other: its entity ids are 0…9 in seq order.
	var spread []struct {
		EntityType string
		Span       int64
		N          int64
	}
	if err := db.Gorm.Raw(`SELECT entity_type, max(seq) - min(seq) AS span, count(*) AS n FROM audit_events
		WHERE action = 'many' GROUP BY entity_type`).Scan(&spread).Error; err != nil {
		t.Fatal(err)
	}
	for _, s := range spread {
		if s.N != batch || s.Span != batch-1 {
			t.Errorf("batch %s: %d events over %d seqs, want %d in a row", s.EntityType, s.N, s.Span+1, batch)
		}
	}
}
