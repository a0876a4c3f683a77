package idempotency

import (
	"context"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestKeyLifecycle(t *testing.T) {
	db := dbtest.New(t)
	s := NewStore(db.Gorm)
	ctx := context.Background()
	actor := uuid.Must(uuid.NewV7())
	hash := []byte("hash-1")

	if st, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", hash); st != nil || err != nil {
		t.Fatalf("first Begin = %v, %v; want go ahead", st, err)
	}
	if _, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", hash); !fault.HasCode(err, KeyInFlight) {
		t.Fatalf("Begin while in flight: %v", err)
	}
	if _, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", []byte("other")); !fault.HasCode(err, KeyReused) {
		t.Fatalf("Begin with another request: %v", err)
	}
	if _, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/trajectories", hash); !fault.HasCode(err, KeyReused) {
		t.Fatalf("Begin on another path: %v", err)
	}
	if err := s.Complete(ctx, actor, "k", Stored{Status: 201, ContentType: "application/json", Body: []byte(`{"id":1}`)}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Begin(ctx, actor, "k", "POST", "/api/v1/claims", hash)
	if err != nil || st == nil || st.Status != 201 || string(st.Body) != `{"id":1}` {
		t.Fatalf("Begin after completion = %+v, %v; want the stored answer", st, err)
	}
	if _, err := s.Begin(ctx, actor, "", "POST", "/x", hash); !fault.HasCode(err, KeyInvalid) {
		t.Fatalf("empty key: %v", err)
	}

	// A failed first attempt is forgotten and may be retried.
	if _, err := s.Begin(ctx, actor, "k2", "POST", "/x", hash); err != nil {
		t.Fatal(err)
	}
	if err := s.Abandon(ctx, actor, "k2"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Begin(ctx, actor, "k2", "POST", "/x", hash); st != nil || err != nil {
		t.Fatalf("Begin after Abandon = %v, %v", st, err)
	}

	// A first attempt that never finished (the server died) is taken over after a while.
	if err := db.Gorm.Exec(`UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE key = 'k2'`).Error; err != nil {
		t.Fatal(err)
	}
	if st, err := s.Begin(ctx, actor, "k2", "POST", "/x", hash); st != nil || err != nil {
		t.Fatalf("Begin after an abandoned attempt = %v, %v; want go ahead", st, err)
	}

	// Old keys are pruned.
	if err := db.Gorm.Exec(`UPDATE idempotency_keys SET created_at = ? WHERE key = 'k'`, time.Now().Add(-25*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	n, err := s.Prune(ctx)
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
}
