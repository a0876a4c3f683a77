package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestEveryErrorCodeMapsToAStatus(t *testing.T) {
	t.Parallel()
	for _, c := range fault.Codes() {
		p := problemFor(c, "detail", nil)
		if c.Kind == fault.KindInternal {
			t.Errorf("code %s is internal; domain codes must say what went wrong", c.Code)
		}
		if p.Status < 400 || p.Status >= 500 {
			t.Errorf("code %s (kind %s) maps to status %d, want a 4xx", c.Code, c.Kind, p.Status)
		}
		if p.Title == "" || p.Type != "/problems/"+c.Code {
			t.Errorf("code %s: problem %+v lacks title or type", c.Code, p)
		}
	}
	want := map[fault.Kind]int{fault.KindInvalid: 422, fault.KindMalformed: 400, fault.KindNotFound: 404,
		fault.KindConflict: 409, fault.KindForbidden: 403, fault.KindUnauthenticated: 401, fault.KindTooMany: 429, fault.KindTooLarge: 413}
	for kind, status := range want {
		if statusOf[kind] != status {
			t.Errorf("kind %s maps to %d, want %d", kind, statusOf[kind], status)
		}
	}
}

func TestUnexpectedErrorIsNotEchoed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	p := problemFromError(context.Background(), e.srv.log, &secretError{})
	if p.Status != 500 || strings.Contains(p.Detail, "secret") {
		t.Fatalf("problem %+v echoes the internal error", p)
	}
	if !strings.Contains(e.logs.String(), "secret") {
		t.Fatalf("the internal error was not logged")
	}
}

func TestDatabaseUnavailableIs503(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for _, err := range []error{
		fmt.Errorf("approve claim: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}),
		fmt.Errorf("submit: %w", &net.OpError{Op: "dial", Net: "unix", Err: errors.New("secret socket path: connection refused")}),
	} {
		p := problemFromError(context.Background(), e.srv.log, err)
		if p.Status != 503 || p.Code != "database_unavailable" || strings.Contains(p.Detail, "secret") || strings.Contains(p.Detail, "terminating") {
			t.Errorf("%v: problem %+v, want 503 database_unavailable without the error's text", err, p)
		}
	}
}

type secretError struct{}

func (*secretError) Error() string { return "secret connection string" }

func TestAPIAuthentication(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.user("fin@enschede.example", access.Finance)
	e.get("/api/v1/me", "").problem(t, 401, "unauthenticated")
	e.get("/api/v1/me", "trn_not-a-token").problem(t, 401, "token_invalid")
	r := e.get("/api/v1/me", tok)
	if r.Code != 200 {
		t.Fatalf("GET /me = %d %s", r.Code, r.Body)
	}
	var me struct {
		Email string
		Roles []string
	}
	r.json(t, &me)
	if me.Email != "fin@enschede.example" || len(me.Roles) != 1 || me.Roles[0] != "finance" {
		t.Fatalf("me = %+v", me)
	}
}

func TestUnknownAPIRouteIsProblem404(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.get("/api/v1/no-such-thing", "").problem(t, 404, "not_found")
	tok := e.user("a@x.example", access.Auditor)
	e.get("/api/v1/no-such-thing", tok).problem(t, 404, "not_found")
	e.get("/api/nothing", "").problem(t, 404, "not_found")
}

func TestUsersAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	fin := e.user("fin@enschede.example", access.Finance)

	r := e.postJSON("/api/v1/users", admin, map[string]any{"email": "v@enschede.example", "roles": []string{"verifier"}, "password": "a long enough secret"})
	if r.Code != http.StatusCreated {
		t.Fatalf("create = %d %s", r.Code, r.Body)
	}
	var u UserBody
	r.json(t, &u)
	if u.Email != "v@enschede.example" || u.Roles[0] != "verifier" {
		t.Fatalf("user = %+v", u)
	}

	p := e.postJSON("/api/v1/users", admin, map[string]any{"email": "bad", "roles": []string{"verifier"}}).problem(t, 422, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "email" || p.Errors[0].Code != "invalid_email" {
		t.Fatalf("errors = %+v, want invalid_email on email", p.Errors)
	}
	p = e.postJSON("/api/v1/users", admin, map[string]any{"email": "w@x.example", "roles": []string{"king"}}).problem(t, 422, "invalid_input")
	if p.Errors[0].Code != "unknown_role" {
		t.Fatalf("errors = %+v, want unknown_role", p.Errors)
	}
	e.postJSON("/api/v1/users", admin, map[string]any{"email": "V@enschede.example", "roles": []string{"finance"}}).problem(t, 409, "email_taken")
	e.postJSON("/api/v1/users", fin, map[string]any{"email": "z@x.example", "roles": []string{"finance"}}).problem(t, 403, "forbidden")

	p = e.request(http.MethodPost, "/api/v1/users", admin, strings.NewReader(`{"email":`)).problem(t, 400, "malformed_input")
	if p.Detail == "" {
		t.Fatalf("malformed body gives no detail")
	}
	p = e.postJSON("/api/v1/users", admin, map[string]any{"email": 5, "roles": "x"}).problem(t, 422, "invalid_input")
	if len(p.Errors) == 0 || p.Errors[0].Field == "" {
		t.Fatalf("type errors lack fields: %+v", p.Errors)
	}
	p = e.postJSON("/api/v1/users", admin, map[string]any{"email": "q@x.example", "roles": []string{"finance"}, "locale": "fr"}).problem(t, 422, "invalid_input")
	if p.Errors[0].Field != "locale" {
		t.Fatalf("errors = %+v, want locale", p.Errors)
	}

	r = e.get("/api/v1/users", admin)
	var list ListBody[UserBody]
	r.json(t, &list)
	if len(list.Items) != 3 {
		t.Fatalf("users = %d, want 3", len(list.Items))
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	body := map[string]any{"email": "v@enschede.example", "roles": []string{"verifier"}}

	first := e.postJSON("/api/v1/users", admin, body, "Idempotency-Key: k-1")
	if first.Code != http.StatusCreated {
		t.Fatalf("first = %d %s", first.Code, first.Body)
	}
	again := e.postJSON("/api/v1/users", admin, body, "Idempotency-Key: k-1")
	if again.Code != http.StatusCreated || again.Header().Get("Idempotency-Replayed") != "true" || again.Body.String() != first.Body.String() {
		t.Fatalf("replay = %d %q replayed=%q; want the first answer replayed", again.Code, again.Body, again.Header().Get("Idempotency-Replayed"))
	}
	var n int
	e.db.Gorm.Raw(`SELECT count(*) FROM users WHERE email = 'v@enschede.example'`).Scan(&n)
	if n != 1 {
		t.Fatalf("users created = %d, want 1", n)
	}
	other := map[string]any{"email": "w@enschede.example", "roles": []string{"verifier"}}
	e.postJSON("/api/v1/users", admin, other, "Idempotency-Key: k-1").problem(t, 422, "idempotency_key_reused")

	// A key whose first request is still running: a retry waits for it a
	// moment, then is told so; once the first is rolled back the key is free.
	adminID := actorID(t, e, admin)
	unitCtx, unit, err := e.db.BeginUnit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.idem.Begin(unitCtx, adminID, "k-2", http.MethodPost, "/api/v1/users", requestHash(http.MethodPost, "/api/v1/users", "application/json", mustJSON(t, other))); err != nil {
		t.Fatal(err)
	}
	e.srv.idem = e.srv.idem.WithWait(100 * time.Millisecond)
	e.postJSON("/api/v1/users", admin, other, "Idempotency-Key: k-2").problem(t, 409, "idempotency_key_in_flight")
	if err := unit.Rollback(); err != nil {
		t.Fatal(err)
	}
	if r := e.postJSON("/api/v1/users", admin, other, "Idempotency-Key: k-2"); r.Code != http.StatusCreated || r.Header().Get("Idempotency-Replayed") != "" {
		t.Fatalf("after the first attempt rolled back = %d %s replayed=%q; want a fresh 201", r.Code, r.Body, r.Header().Get("Idempotency-Replayed"))
	}

	// A failed first request may be retried with the same key and then succeeds once.
	bad := map[string]any{"email": "x@enschede.example", "roles": []string{"verifier"}, "password": "short"}
	e.postJSON("/api/v1/users", admin, bad, "Idempotency-Key: k-3").problem(t, 422, "invalid_input")
	e.postJSON("/api/v1/users", admin, bad, "Idempotency-Key: k-3").problem(t, 422, "invalid_input")

	// Keys belong to the actor: another user's key of the same name is another key.
	admin2 := e.user("admin2@enschede.example", access.Admin)
	r := e.postJSON("/api/v1/users", admin2, map[string]any{"email": "y@enschede.example", "roles": []string{"verifier"}}, "Idempotency-Key: k-1")
	if r.Code != http.StatusCreated || r.Header().Get("Idempotency-Replayed") != "" {
		t.Fatalf("other actor's k-1 = %d replayed=%q", r.Code, r.Header().Get("Idempotency-Replayed"))
	}
}

func TestIdempotencyConcurrentSameKey(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	body := map[string]any{"email": "v@enschede.example", "roles": []string{"verifier"}}
	type answer struct {
		code     int
		replayed bool
		body     string
	}
	answers := make(chan answer, 10)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.postJSON("/api/v1/users", admin, body, "Idempotency-Key: same")
			answers <- answer{r.Code, r.Header().Get("Idempotency-Replayed") == "true", r.Body.String()}
		}()
	}
	wg.Wait()
	close(answers)
	// The first holds the key until its answer is committed; the others
	// wait for it and replay that answer.
	fresh, first := 0, ""
	for a := range answers {
		if a.code != http.StatusCreated {
			t.Errorf("status %d %s, want 201", a.code, a.body)
		}
		if !a.replayed {
			fresh++
		}
		if first == "" {
			first = a.body
		} else if a.body != first {
			t.Errorf("answers differ: %s and %s", a.body, first)
		}
	}
	if fresh != 1 {
		t.Errorf("%d answers were not replays, want exactly 1", fresh)
	}
	var n int
	e.db.Gorm.Raw(`SELECT count(*) FROM users WHERE email = 'v@enschede.example'`).Scan(&n)
	if n != 1 {
		t.Fatalf("users created = %d, want exactly 1", n)
	}
}

// The change a request makes and the answer stored for its key commit
// together: when storing the answer fails, the change is undone too, and a
// retry under the key makes it afresh.
func TestIdempotencyChangeAndAnswerCommitTogether(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	body := map[string]any{"email": "v@enschede.example", "roles": []string{"verifier"}}
	if err := e.db.Gorm.Exec(`CREATE FUNCTION refuse_answer() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
		CREATE TRIGGER refuse_answer BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION refuse_answer()`).Error; err != nil {
		t.Fatal(err)
	}
	e.postJSON("/api/v1/users", admin, body, "Idempotency-Key: k").problem(t, 500, "internal_error")
	users := func() int {
		var n int
		if err := e.db.Gorm.Raw(`SELECT count(*) FROM users WHERE email = 'v@enschede.example'`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := users(); n != 0 {
		t.Fatalf("users after the answer could not be stored = %d, want 0 (the change undone with it)", n)
	}
	var keys, events int
	e.db.Gorm.Raw(`SELECT count(*) FROM idempotency_keys WHERE key = 'k'`).Scan(&keys)
	e.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'user.create' AND after->>'email' = 'v@enschede.example'`).Scan(&events)
	if keys != 0 || events != 0 {
		t.Fatalf("after the failure: %d keys, %d audit events; want none", keys, events)
	}
	if err := e.db.Gorm.Exec(`DROP TRIGGER refuse_answer ON idempotency_keys`).Error; err != nil {
		t.Fatal(err)
	}
	if r := e.postJSON("/api/v1/users", admin, body, "Idempotency-Key: k"); r.Code != http.StatusCreated || r.Header().Get("Idempotency-Replayed") != "" {
		t.Fatalf("retry = %d %s replayed=%q; want a fresh 201", r.Code, r.Body, r.Header().Get("Idempotency-Replayed"))
	}
	if n := users(); n != 1 {
		t.Fatalf("users after the retry = %d, want 1", n)
	}
}

func TestMultipartHashIgnoresBoundary(t *testing.T) {
	t.Parallel()
	form := func() (string, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.WriteField("milestone_code", "A2")
		fw, _ := w.CreateFormFile("evidence", "exam.pdf")
		fw.Write([]byte("%PDF-1.4 exam"))
		w.Close()
		return w.FormDataContentType(), b.Bytes()
	}
	ct1, b1 := form()
	ct2, b2 := form()
	if ct1 == ct2 {
		t.Fatal("the two forms share a boundary; the test proves nothing")
	}
	if !bytes.Equal(requestHash("POST", "/api/v1/claims", ct1, b1), requestHash("POST", "/api/v1/claims", ct2, b2)) {
		t.Fatal("the same form with another boundary hashes differently")
	}
	if bytes.Equal(requestHash("POST", "/api/v1/claims", ct1, b1), requestHash("POST", "/api/v1/claims", "application/json", b1)) {
		t.Fatal("a form and raw bytes hash the same")
	}
}

func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := e.get("/api/openapi.json", "")
	if r.Code != 200 {
		t.Fatalf("GET /api/openapi.json = %d", r.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.json(t, &doc)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	n := 0
	for _, route := range e.srv.engine.Routes() {
		if !strings.HasPrefix(route.Path, "/api/v1/") {
			continue
		}
		n++
		path := ginToOpenAPI(route.Path)
		item, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", route.Method, path)
			continue
		}
		if _, ok := item[strings.ToLower(route.Method)]; !ok {
			t.Errorf("route %s %s has no operation in the OpenAPI document", route.Method, path)
		}
	}
	if n == 0 {
		t.Fatal("no /api/v1 routes registered")
	}
}

// ginToOpenAPI turns /a/:id into /a/{id}.
func ginToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.srv.cfg.MaxBodyBytes = 100
	admin := e.user("admin@enschede.example", access.Admin)
	big := strings.Repeat("x", 1000)
	r := e.postJSON("/api/v1/users", admin, map[string]any{"email": big + "@x.example", "roles": []string{"finance"}})
	r.problem(t, http.StatusRequestEntityTooLarge, "body_too_large")
}

func TestAuditEventsAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	auditor := e.user("aud@enschede.example", access.Auditor)
	fin := e.user("fin@enschede.example", access.Finance)
	e.get("/api/v1/audit-events", fin).problem(t, 403, "forbidden")
	r := e.get("/api/v1/audit-events?entity=user", auditor)
	var out struct {
		Items []struct {
			Action     string
			EntityType string `json:"entity_type"`
		}
	}
	r.json(t, &out)
	if len(out.Items) != 2 {
		t.Fatalf("user events = %d, want 2 (two users created); %s", len(out.Items), r.Body)
	}
	e.get("/api/v1/audit-events?actor=nope", auditor).problem(t, 422, "invalid_input")
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "tranche_http_requests_total"} {
		e.get("/healthz", "")
		r := e.get(path, "")
		if r.Code != 200 || !strings.Contains(r.Body.String(), want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", path, r.Code, r.Body.String()[:min(200, r.Body.Len())], want)
		}
	}
	if e.get("/healthz", "").Header().Get("X-Request-ID") == "" {
		t.Error("no X-Request-ID on responses")
	}
	r := e.request(http.MethodGet, "/healthz", "", nil, "X-Request-ID: caller-chosen-id-1")
	if r.Header().Get("X-Request-ID") != "caller-chosen-id-1" {
		t.Errorf("a sane caller request id is not kept")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func actorID(t *testing.T, e *testEnv, token string) uuid.UUID {
	t.Helper()
	a, err := e.access.ActorByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return a.UserID
}

// A date the API cannot read has one code everywhere: invalid_date.
func TestBadDatesHaveOneCode(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	procurement := e.user("inkoop@enschede.example", access.Procurement)
	p := e.postJSON("/api/v1/contracts", procurement, map[string]any{"reference": "X-1", "period_start": "31-01-2005", "period_end": "2005-12-31"}).problem(t, 422, "invalid_input")
	for _, f := range p.Errors {
		if f.Field == "" {
			t.Fatalf("an error names no field: %+v", f)
		}
	}
	for _, want := range []string{"capacity", "provider_id"} {
		if !hasField(p.Errors, want, "required") {
			t.Fatalf("no required error on %s: %+v", want, p.Errors)
		}
	}
	p = e.postJSON("/api/v1/contracts", procurement, map[string]any{"provider_id": uuid.New(), "reference": "X-1", "period_start": "31-01-2005",
		"period_end": "2005-12-31", "ceiling": "1000.00", "capacity": 1, "vat_exempt": true, "products": []any{}}).problem(t, 422, "invalid_input")
	for _, f := range p.Errors {
		if f.Field == "period_start" {
			if f.Code != "invalid_date" {
				t.Fatalf("period_start code = %s, want invalid_date", f.Code)
			}
			return
		}
	}
	t.Fatalf("no error on period_start: %+v", p.Errors)
}

func hasField(errs []fault.FieldError, field, code string) bool {
	for _, f := range errs {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}
