package web

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/euregio/tranche/pooling"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testEnv is a Tranche server on a fresh database.
type testEnv struct {
	t       *testing.T
	db      *database.DB // the owner's connection; the server has its own, as the application's role
	srv     *Server
	handler http.Handler
	access  *access.Service
	logs    *bytes.Buffer
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	// The server runs as the application's role, with its rights only;
	// the test itself (fixtures, tampering) as the database's owner.
	db, app := dbtest.NewApp(t)
	logs := &bytes.Buffer{}
	srv, err := New(Config{}, app, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, db: db, srv: srv, handler: checkedAgainstDocument(t, srv.Handler()), access: access.NewService(db.Gorm), logs: logs}
}

// testPassword is the password of every user the tests create.
const testPassword = "correct horse battery staple"

// user creates a user with a password and returns an API token for it.
func (e *testEnv) user(email string, roles ...access.Role) string {
	e.t.Helper()
	return e.providerUser(email, "", roles...)
}

// providerUser creates a user of the provider with the given KvK number.
func (e *testEnv) providerUser(email, kvk string, roles ...access.Role) string {
	e.t.Helper()
	ctx := context.Background()
	sys := access.System("test")
	if _, err := e.access.CreateUser(ctx, sys, access.NewUser{Email: email, Password: testPassword, Roles: roles, ProviderKVK: kvk}); err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	tok, err := e.access.CreateToken(ctx, sys, email, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// fundedBudget creates a budget for 2005 with 1 000 000.00 allocated from
// an unrestricted funding stream, so that contracts on it can be activated.
func (e *testEnv) fundedBudget() uuid.UUID {
	e.t.Helper()
	ctx := context.Background()
	sys := access.System("test")
	b, err := e.srv.pooling.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		e.t.Fatal(err)
	}
	f, err := e.srv.pooling.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Integratie",
		ReportingCode: "INT-" + b.ID.String()[:8], Amount: "1000000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Unrestricted: true})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.srv.pooling.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: "1000000.00"}); err != nil {
		e.t.Fatal(err)
	}
	return b.ID
}

// minimalProvider inserts a provider with the foundation's columns only.
func (e *testEnv) minimalProvider(kvk, name string) uuid.UUID {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := e.db.Gorm.Exec(`INSERT INTO providers (id, kvk, legal_name) VALUES (?, ?, ?)`, id, kvk, name).Error; err != nil {
		e.t.Fatal(err)
	}
	return id
}

type response struct {
	*httptest.ResponseRecorder
}

// json decodes the body into v.
func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", r.Body.String(), err)
	}
}

// problem decodes a problem+json body and checks its status and code.
func (r response) problem(t *testing.T, status int, code string) Problem {
	t.Helper()
	if r.Code != status {
		t.Fatalf("status = %d, want %d; body %s", r.Code, status, r.Body.String())
	}
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type = %q, want application/problem+json; body %s", ct, r.Body.String())
	}
	var p Problem
	r.json(t, &p)
	if p.Code != code {
		t.Fatalf("code = %q, want %q; body %s", p.Code, code, r.Body.String())
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Fatalf("incomplete problem %+v", p)
	}
	return p
}

// request sends a request with an optional bearer token and headers
// ("Name: value" strings).
func (e *testEnv) request(method, path, token string, body io.Reader, headers ...string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return response{rec}
}

func (e *testEnv) get(path, token string) response {
	return e.request(http.MethodGet, path, token, nil)
}

func (e *testEnv) postJSON(path, token string, v any, headers ...string) response {
	e.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.request(http.MethodPost, path, token, bytes.NewReader(b), headers...)
}
