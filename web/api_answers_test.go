package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/access"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
)

// answered checks a problem and that it carries the request's id, the same
// one the X-Request-ID header tells.
func answered(t *testing.T, r response, status int, code string) Problem {
	t.Helper()
	p := r.problem(t, status, code)
	if p.RequestID == "" || p.RequestID != r.Header().Get("X-Request-ID") {
		t.Fatalf("request_id = %q, X-Request-ID = %q, want the same, not empty; body %s", p.RequestID, r.Header().Get("X-Request-ID"), r.Body)
	}
	return p
}

// Every problem carries the request's id, whoever writes it: the token
// check, the unknown route, the cross-origin refusal, huma's validation,
// a handler's error and the size limit.
func TestEveryProblemCarriesRequestID(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)

	answered(t, e.get("/api/v1/me", ""), http.StatusUnauthorized, "unauthenticated")
	answered(t, e.get("/api/v1/me", "not-a-token"), http.StatusUnauthorized, "token_invalid")
	answered(t, e.get("/api/v1/no-such-thing", admin), http.StatusNotFound, "not_found")
	answered(t, e.request(http.MethodPost, "/api/v1/users", admin, strings.NewReader(`{}`),
		"Origin: https://evil.example", "Sec-Fetch-Site: cross-site"), http.StatusForbidden, "cross_origin_refused")
	answered(t, e.get("/api/v1/audit-events", admin), http.StatusForbidden, "forbidden")
	answered(t, e.request(http.MethodPost, "/api/v1/users", admin, strings.NewReader(`{"email":"a\u0000b@x.example"}`)),
		http.StatusUnprocessableEntity, "invalid_text")

	// A caller's own id is kept and quoted back.
	r := e.request(http.MethodGet, "/api/v1/no-such-thing", admin, nil, "X-Request-ID: caller-chosen-id-2")
	if p := answered(t, r, http.StatusNotFound, "not_found"); p.RequestID != "caller-chosen-id-2" {
		t.Errorf("request_id = %q, want the caller's", p.RequestID)
	}

	// A panic, a handler's unexpected error, one it returns bare (huma
	// wraps it) and the database being away.
	e.srv.engine.GET("/api/v1/test-panics", func(*gin.Context) { panic("boom") })
	answered(t, e.get("/api/v1/test-panics", admin), http.StatusInternalServerError, "internal_error")
	for path, err := range map[string]error{
		"/api/v1/test-fails": errors.New("secret"),
		"/api/v1/test-away":  fmt.Errorf("list: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}),
		"/api/v1/test-bare":  nil,
	} {
		huma.Register(e.srv.api, huma.Operation{OperationID: "test" + strings.ReplaceAll(path, "/", "-"), Method: http.MethodGet, Path: path},
			func(ctx context.Context, _ *struct{}) (*struct{}, error) {
				if err == nil {
					return nil, errors.New("bare secret")
				}
				return nil, e.srv.fail(ctx, err)
			})
	}
	answered(t, e.get("/api/v1/test-fails", admin), http.StatusInternalServerError, "internal_error")
	answered(t, e.get("/api/v1/test-bare", admin), http.StatusInternalServerError, "internal_error")
	answered(t, e.get("/api/v1/test-away", admin), http.StatusServiceUnavailable, "database_unavailable")

	e.srv.cfg.MaxBodyBytes = 100
	answered(t, e.postJSON("/api/v1/users", admin, map[string]any{"email": strings.Repeat("x", 200) + "@x.example"}),
		http.StatusRequestEntityTooLarge, "body_too_large")
}

// huma's own validation answers like every other problem: with the
// request's id and a detail that says what is wrong, not "validation failed".
func TestValidationProblemSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	auditor := e.user("aud@enschede.example", access.Auditor)

	// A body of the wrong shape: two fields wrong.
	p := answered(t, e.postJSON("/api/v1/users", admin, map[string]any{"email": 5, "roles": "finance"}),
		http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 2 {
		t.Fatalf("errors = %+v, want two", p.Errors)
	}
	want := "the request does not match the API: " + p.Errors[0].Field + ": " + p.Errors[0].Message + " (and 1 more)"
	if p.Detail != want {
		t.Errorf("detail = %q, want %q", p.Detail, want)
	}
	if p.Errors[0].Field == "" || strings.Contains(p.Detail, "validation failed") {
		t.Errorf("detail = %q, errors = %+v: want the field named", p.Detail, p.Errors)
	}

	// The same under an Idempotency-Key, where huma runs in the key's
	// database unit: still the request's id.
	q := answered(t, e.postJSON("/api/v1/users", admin, map[string]any{"email": 5, "roles": "finance"}, "Idempotency-Key: wrong-shape-1"),
		http.StatusUnprocessableEntity, "invalid_input")
	if q.Detail != p.Detail {
		t.Errorf("with a key: detail %q, want %q", q.Detail, p.Detail)
	}

	// A query parameter out of range: one field, named.
	p = answered(t, e.get("/api/v1/audit-events?limit=0", auditor), http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "limit" || p.Errors[0].Code != "out_of_range" ||
		!strings.HasPrefix(p.Detail, "the request does not match the API: limit: ") ||
		strings.Contains(p.Detail, "more)") {
		t.Errorf("limit=0: detail %q, errors %+v", p.Detail, p.Errors)
	}

	// A path parameter that is no UUID.
	p = answered(t, e.get("/api/v1/contracts/not-a-uuid", admin), http.StatusUnprocessableEntity, "invalid_input")
	if !strings.HasPrefix(p.Detail, "the request does not match the API: id: ") {
		t.Errorf("bad path id: detail %q, errors %+v", p.Detail, p.Errors)
	}
}

// A body over the size limit is 413 body_too_large, JSON or multipart,
// with or without an Idempotency-Key, and with the request's id.
func TestBodyTooLargeIsOneAnswer(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	admin := e.user("admin@enschede.example", access.Admin)
	e.minimalProvider("11111111", "Taalhuis Twente")
	prov := e.providerUser("staff@taalhuis.example", "11111111", access.Provider)
	for _, limit := range []int{100, 1000, 20 << 10} {
		e.srv.cfg.MaxBodyBytes = int64(limit)
		for _, key := range []string{"", "big"} {
			idem := func() []string {
				if key == "" {
					return nil
				}
				return []string{"Idempotency-Key: " + key + "-" + uuid.NewString()}
			}
			name := fmt.Sprintf("limit=%d key=%v", limit, key != "")
			t.Run("json "+name, func(t *testing.T) {
				big := map[string]any{"email": strings.Repeat("x", limit) + "@x.example", "roles": []string{"finance"}}
				p := answered(t, e.postJSON("/api/v1/users", admin, big, idem()...), http.StatusRequestEntityTooLarge, "body_too_large")
				if want := fmt.Sprintf("larger than %d bytes", limit); !strings.Contains(p.Detail, want) {
					t.Errorf("detail = %q, want it to say %q", p.Detail, want)
				}
			})
			for _, path := range []string{"/api/v1/claims", "/api/v1/claims/" + uuid.NewString() + "/resubmit"} {
				t.Run("multipart "+path+" "+name, func(t *testing.T) {
					ct, body := oversized("multipart/form-data", limit)
					r := e.request(http.MethodPost, path, prov, body, append(idem(), "Content-Type: "+ct)...)
					p := answered(t, r, http.StatusRequestEntityTooLarge, "body_too_large")
					if want := fmt.Sprintf("larger than %d bytes", limit); !strings.Contains(p.Detail, want) {
						t.Errorf("detail = %q, want it to say %q", p.Detail, want)
					}
				})
			}
		}
	}

	// Under the server's limit, a JSON body meets huma's bound of 1 MiB on
	// JSON operations: the same answer, said the same way.
	e.srv.cfg.MaxBodyBytes = 64 << 20
	for _, key := range []string{"", "Idempotency-Key: big-json-" + uuid.NewString()} {
		big := map[string]any{"email": strings.Repeat("x", 1<<20) + "@x.example", "roles": []string{"finance"}}
		headers := []string{}
		if key != "" {
			headers = append(headers, key)
		}
		p := answered(t, e.postJSON("/api/v1/users", admin, big, headers...), http.StatusRequestEntityTooLarge, "body_too_large")
		if want := "the request body is larger than 1048575 bytes"; p.Detail != want {
			t.Errorf("detail = %q, want %q", p.Detail, want)
		}
	}
	r := e.postJSON("/api/v1/users", admin, map[string]any{"email": strings.Repeat("x", 1<<20-100) + "@x.example", "roles": []string{"finance"}})
	if r.Code == http.StatusRequestEntityTooLarge {
		t.Errorf("a JSON body just under 1 MiB = 413; %s", r.Body)
	}
}

// A list filter with a closed set of values refuses a value outside it:
// 422 invalid_input naming the parameter and listing what it may be; a
// comma-separated filter checks each value. The document lists the values.
func TestListFiltersRefuseUnknownValues(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	all := e.user("all@enschede.example", access.Verifier, access.Finance, access.Procurement, access.CaseManager, access.Auditor, access.Admin)
	filters := []struct {
		path, param string
		allowed     []string
		list        bool // takes several values separated by commas
	}{
		{"/api/v1/claims", "status", claimStates, true},
		{"/api/v1/trajectories", "state", []string{"referred", "active", "completed", "terminated", "declined"}, false},
		{"/api/v1/payment-runs", "state", []string{"draft", "approved", "exported", "paid", "cancelled"}, true},
		{"/api/v1/contracts", "status", []string{"draft", "active", "suspended", "ended"}, false},
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name        string
				In          string
				Description string
				Schema      struct{ Enum []string }
			}
		}
	}
	e.get("/api/openapi.json", "").json(t, &doc)
	for _, f := range filters {
		t.Run(f.path, func(t *testing.T) {
			for _, v := range append([]string{""}, f.allowed...) { // empty: no filter
				if r := e.get(f.path+"?"+f.param+"="+v, all); r.Code != http.StatusOK {
					t.Errorf("%s=%s = %d, want 200; %s", f.param, v, r.Code, r.Body)
				}
			}
			bad := []string{"bogus", f.allowed[0] + "X"}
			if f.list {
				if r := e.get(f.path+"?"+f.param+"="+f.allowed[0]+","+f.allowed[1], all); r.Code != http.StatusOK {
					t.Errorf("%s=%s,%s = %d, want 200; %s", f.param, f.allowed[0], f.allowed[1], r.Code, r.Body)
				}
				bad = append(bad, f.allowed[0]+",bogus", "bogus,"+f.allowed[1])
			}
			for _, v := range bad {
				p := answered(t, e.get(f.path+"?"+f.param+"="+v, all), http.StatusUnprocessableEntity, "invalid_input")
				if len(p.Errors) != 1 || p.Errors[0].Field != f.param || p.Errors[0].Code != "not_allowed_value" {
					t.Fatalf("%s=%s: errors %+v, want one not_allowed_value on %q", f.param, v, p.Errors, f.param)
				}
				for _, a := range f.allowed {
					if !strings.Contains(p.Errors[0].Message, a) {
						t.Errorf("%s=%s: message %q does not list %q", f.param, v, p.Errors[0].Message, a)
					}
				}
			}
			found := false
			for _, param := range doc.Paths[f.path]["get"].Parameters {
				if param.Name != f.param || param.In != "query" {
					continue
				}
				found = true
				listed := strings.Join(param.Schema.Enum, ",") + " " + param.Description
				for _, a := range f.allowed {
					if !strings.Contains(listed, a) {
						t.Errorf("the document's %s does not list %q: enum %v, doc %q", f.param, a, param.Schema.Enum, param.Description)
					}
				}
			}
			if !found {
				t.Errorf("the document has no query parameter %s on GET %s", f.param, f.path)
			}
		})
	}

	// A report's format: json by default, csv on request, nothing else.
	report := "/api/v1/budgets/" + e.fundedBudget().String() + "/report"
	for _, q := range []string{"", "?format=", "?format=json", "?format=csv"} {
		if r := e.get(report+q, all); r.Code != http.StatusOK {
			t.Errorf("GET report%s = %d, want 200; %s", q, r.Code, r.Body)
		}
	}
	p := answered(t, e.get(report+"?format=xml", all), http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "format" || !strings.Contains(p.Errors[0].Message, "json") || !strings.Contains(p.Errors[0].Message, "csv") {
		t.Errorf("format=xml: errors %+v, want one on format listing json and csv", p.Errors)
	}
}

// Wrong API tokens are limited per address: after badTokenLimit of them
// within a minute every API request from that address answers 429 with
// Retry-After, before any token is looked up (so the answer says nothing of
// whether a token is right), while other addresses go on as before. The
// server's clock is frozen, so the minute ends when the test says.
func TestWrongTokensAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e.srv.badTokens.now = func() time.Time { return clock }
	good := e.user("fin@enschede.example", access.Finance)
	from := func(addr, token string) response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.RemoteAddr = addr + ":40000"
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return response{rec}
	}
	for i := range badTokenLimit {
		// A right token is not counted, however often it comes.
		if r := from("198.51.100.7", good); r.Code != http.StatusOK {
			t.Fatalf("right token after %d wrong ones = %d, want 200; %s", i, r.Code, r.Body)
		}
		if r := from("198.51.100.7", fmt.Sprintf("guess-%d", i)); r.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d = %d, want 401 until the limit; %s", i+1, r.Code, r.Body)
		}
	}
	clock = clock.Add(45 * time.Second)
	for _, token := range []string{"one-more-guess", good} {
		r := from("198.51.100.7", token)
		p := answered(t, r, http.StatusTooManyRequests, "too_many_requests")
		if r.Header().Get("Retry-After") != "15" || !strings.Contains(p.Detail, "wrong API tokens") {
			t.Errorf("limited answer: Retry-After %q, detail %q", r.Header().Get("Retry-After"), p.Detail)
		}
	}
	if r := from("198.51.100.8", good); r.Code != http.StatusOK {
		t.Errorf("another address = %d, want 200; %s", r.Code, r.Body)
	}
	if r := from("198.51.100.8", "wrong"); r.Code != http.StatusUnauthorized {
		t.Errorf("another address's wrong token = %d, want 401", r.Code)
	}

	// When the minute is over the address starts afresh.
	clock = clock.Add(15 * time.Second)
	if r := from("198.51.100.7", good); r.Code != http.StatusOK {
		t.Errorf("after the minute, right token = %d, want 200; %s", r.Code, r.Body)
	}
	if r := from("198.51.100.7", "guess-again"); r.Code != http.StatusUnauthorized {
		t.Errorf("after the minute, wrong token = %d, want 401", r.Code)
	}
}
