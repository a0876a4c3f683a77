package web

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
)

// syncBuffer is a log sink that several goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLogsCarryNoPersonalData provokes every database error on personal
// data (a duplicate BSN, a duplicate user, CHECK and foreign-key failures,
// a value the server cannot parse) with the database and the server both
// logging at debug level, and finds neither the name, nor the BSN, nor a
// password hash in the log, while the errors themselves are logged.
func TestLogsCarryNoPersonalData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sink := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	db, err := database.Open(ctx, dbtest.URL(t), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	srv, err := New(Config{}, db, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, db: db, srv: srv, handler: srv.Handler(), access: access.NewService(db.Gorm), logs: &bytes.Buffer{}}
	o := newOutcomeEnv(e)
	admin := e.user("beheer@enschede.example", access.Admin)

	const given, family = "Gülsümqa", "Vandenbroekxyz"
	bsn := "123456782"
	person := map[string]any{"given_names": given, "family_name": family, "bsn": bsn}
	if r := o.postJSON("/api/v1/participants", o.casemanager, person); r.Code != http.StatusCreated {
		t.Fatalf("create participant: %d %s", r.Code, r.Body.String())
	}
	o.postJSON("/api/v1/participants", o.casemanager, person).problem(t, http.StatusConflict, "bsn_taken")

	newUser := map[string]any{"email": "dubbel@enschede.example", "name": given + " " + family, "roles": []string{"verifier"}, "password": "a long enough secret"}
	if r := e.postJSON("/api/v1/users", admin, newUser); r.Code != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Code, r.Body.String())
	}
	e.postJSON("/api/v1/users", admin, newUser).problem(t, http.StatusConflict, "email_taken")
	var hash string
	must(e, db.Gorm.Raw(`SELECT password_hash FROM users WHERE email = 'dubbel@enschede.example'`).Scan(&hash).Error)
	if !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("stored hash %q", hash)
	}

	// What the application refuses before the database does, the
	// database refuses too; those errors must be as silent about the data.
	g := db.Gorm.WithContext(ctx)
	for _, bad := range []struct {
		name, state string
		exec        func() error
	}{
		{"participant BSN check", "23514", func() error {
			return g.Exec(`INSERT INTO participants (id, reference, given_names, family_name, bsn) VALUES (?, 'P-2020-9999', ?, ?, ?)`,
				uuid.New(), given, family, bsn+"0").Error
		}},
		{"user email check", "23514", func() error {
			return g.Exec(`INSERT INTO users (id, email, name, password_hash) VALUES (?, ?, ?, ?)`,
				uuid.New(), "Hoofd@Enschede.example", given, hash).Error
		}},
		{"user provider foreign key", "23503", func() error {
			return g.Exec(`INSERT INTO users (id, email, name, password_hash, provider_id) VALUES (?, ?, ?, ?, ?)`,
				uuid.New(), "fk@enschede.example", family, hash, uuid.New()).Error
		}},
		{"trajectory participant foreign key", "23503", func() error {
			return g.Exec(`INSERT INTO trajectories (id, participant_id, contract_id, provider_id, product_code, state, referred_at, updated_at, note)
				VALUES (?, ?, ?, ?, 'NT2', 'referred', now(), now(), ?)`, uuid.New(), uuid.New(), o.contract.ID, o.contract.ProviderID, given+" "+bsn).Error
		}},
		{"participant unique BSN", "23505", func() error {
			return g.Exec(`INSERT INTO participants (id, reference, given_names, family_name, bsn) VALUES (?, 'P-2020-9998', ?, ?, ?)`,
				uuid.New(), given, family, bsn).Error
		}},
		{"date of birth the server cannot read", "22008", func() error {
			return g.Exec(`INSERT INTO participants (id, reference, given_names, family_name, date_of_birth) VALUES (?, 'P-2020-9997', ?, ?, ?::date)`,
				uuid.New(), given, family, "1987-13-"+bsn[:2]).Error
		}},
	} {
		err := bad.exec()
		if err == nil {
			t.Fatalf("%s: the database accepted it", bad.name)
		}
		// The way an unexpected error reaches the log in a request.
		srv.log.ErrorContext(ctx, "internal error", "err", err)
		if !strings.Contains(sink.String(), bad.state) {
			t.Fatalf("%s: SQLSTATE %s not logged; log:\n%s", bad.name, bad.state, sink.String())
		}
	}

	logs := sink.String()
	for _, secret := range []string{given, family, bsn, hash, "$argon2id$", "1987-13-"} {
		if strings.Contains(logs, secret) {
			i := strings.Index(logs, secret)
			t.Errorf("the log carries %q: …%s…", secret, logs[max(0, i-300):min(len(logs), i+len(secret)+100)])
		}
	}
	if !strings.Contains(logs, "participants_bsn_key") || !strings.Contains(logs, "users_email_key") {
		t.Errorf("the duplicate errors are not logged by constraint; log:\n%s", logs)
	}
}
