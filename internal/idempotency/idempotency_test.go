package idempotency

import (
	"context"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// unit opens a database unit that the test rolls back at its end unless it
// ended before.
func unit(t *testing.T, db *database.DB) (context.Context, *database.Unit) {
	t.Helper()
	ctx, u, err := db.BeginUnit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = u.Rollback() })
	return ctx, u
}

func TestKeyLifecycle(t *testing.T) {
	db := dbtest.New(t)
	s := NewStore(db.Gorm).WithWait(100 * time.Millisecond)
	actor := uuid.Must(uuid.NewV7())
	hash := []byte("hash-1")

	if _, err := s.Begin(context.Background(), actor, "k", "POST", "/api/v1/claims", hash); err == nil {
		t.Fatal("Begin outside a unit went ahead")
	}
	first, u1 := unit(t, db)
	if st, err := s.Begin(first, actor, "k", "POST", "/api/v1/claims", hash); st != nil || err != nil {
		t.Fatalf("first Begin = %v, %v; want go ahead", st, err)
	}

	// While the first unit holds the key, a second waits and is told so.
	second, _ := unit(t, db)
	if _, err := s.Begin(second, actor, "k", "POST", "/api/v1/claims", hash); !fault.HasCode(err, KeyInFlight) {
		t.Fatalf("Begin while in flight: %v", err)
	}

	if err := s.Complete(first, actor, "k", Stored{Status: 201, ContentType: "application/json", Body: []byte(`{"id":1}`)}); err != nil {
		t.Fatal(err)
	}
	if err := u1.Commit(); err != nil {
		t.Fatal(err)
	}
	ctx, _ := unit(t, db)
	st, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", hash)
	if err != nil || st == nil || st.Status != 201 || st.ContentType != "application/json" || string(st.Body) != `{"id":1}` {
		t.Fatalf("Begin after completion = %+v, %v; want the stored answer", st, err)
	}
	if _, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", []byte("other")); !fault.HasCode(err, KeyReused) {
		t.Fatalf("Begin with another request: %v", err)
	}
	ctx, _ = unit(t, db)
	if _, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/trajectories", hash); !fault.HasCode(err, KeyReused) {
		t.Fatalf("Begin on another path: %v", err)
	}
	if _, err := s.Begin(ctx, actor, "", "POST", "/x", hash); !fault.HasCode(err, KeyInvalid) {
		t.Fatalf("empty key: %v", err)
	}
	// Another actor's key of the same name is another key.
	ctx, _ = unit(t, db)
	if st, err := s.Begin(ctx, uuid.Must(uuid.NewV7()), "k", "POST", "/api/v1/claims", hash); st != nil || err != nil {
		t.Fatalf("Begin by another actor = %v, %v; want go ahead", st, err)
	}

	// Old keys are pruned.
	if err := db.Gorm.Exec(`UPDATE idempotency_keys SET created_at = ? WHERE key = 'k'`, time.Now().Add(-25*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
}

// A first attempt that is rolled back (it failed, or its server died)
// leaves nothing: a retry waiting on it goes ahead, and so does a later one.
func TestRolledBackKeyIsFree(t *testing.T) {
	db := dbtest.New(t)
	s := NewStore(db.Gorm).WithWait(10 * time.Second)
	actor := uuid.Must(uuid.NewV7())
	hash := []byte("hash")

	first, u1 := unit(t, db)
	if st, err := s.Begin(first, actor, "k", "POST", "/x", hash); st != nil || err != nil {
		t.Fatalf("first Begin = %v, %v", st, err)
	}
	type result struct {
		st  *Stored
		err error
	}
	waiting := make(chan result, 1)
	go func() {
		ctx, u, err := db.BeginUnit(context.Background())
		if err != nil {
			waiting <- result{err: err}
			return
		}
		defer u.Rollback()
		st, err := s.Begin(ctx, actor, "k", "POST", "/x", hash)
		waiting <- result{st, err}
	}()
	waitForLockWaiter(t, db)
	if err := u1.Rollback(); err != nil {
		t.Fatal(err)
	}
	if r := <-waiting; r.st != nil || r.err != nil {
		t.Fatalf("Begin waiting on a rolled-back attempt = %v, %v; want go ahead", r.st, r.err)
	}
}

// A waiting retry gets the answer the first attempt commits.
func TestWaitingRetryGetsTheAnswer(t *testing.T) {
	db := dbtest.New(t)
	s := NewStore(db.Gorm).WithWait(10 * time.Second)
	actor := uuid.Must(uuid.NewV7())
	hash := []byte("hash")

	first, u1 := unit(t, db)
	if _, err := s.Begin(first, actor, "k", "POST", "/x", hash); err != nil {
		t.Fatal(err)
	}
	waiting := make(chan *Stored, 1)
	go func() {
		ctx, u, err := db.BeginUnit(context.Background())
		if err != nil {
			t.Error(err)
			waiting <- nil
			return
		}
		defer u.Rollback()
		st, err := s.Begin(ctx, actor, "k", "POST", "/x", hash)
		if err != nil {
			t.Error(err)
		}
		waiting <- st
	}()
	waitForLockWaiter(t, db)
	if err := s.Complete(first, actor, "k", Stored{Status: 422, ContentType: "application/problem+json", Body: []byte(`{"code":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := u1.Commit(); err != nil {
		t.Fatal(err)
	}
	if st := <-waiting; st == nil || st.Status != 422 || string(st.Body) != `{"code":"x"}` {
		t.Fatalf("the waiting retry got %+v, want the stored 422", st)
	}
}

// waitForLockWaiter returns once some session of the test database waits
// for a lock.
func waitForLockWaiter(t *testing.T, db *database.DB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := db.Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no session came to wait for the key")
}
