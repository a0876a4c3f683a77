package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// checkedAgainstDocument wraps a test server's handler so that every API
// answer a test gets is checked against the server's own OpenAPI
// document: the status must be declared, and the body, media type and
// headers must match. A request the server accepted (a 2xx answer) must
// match the document too: the server takes nothing the document forbids.
// A mismatch fails the test that made the request.
func checkedAgainstDocument(t *testing.T, h http.Handler) http.Handler {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json = %d", rec.Code)
	}
	doc, err := libopenapi.NewDocument(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("the API document does not parse: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("no validator for the API document: %v", errs)
	}
	headers := declaredHeaders(t, rec.Body.Bytes())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") {
			h.ServeHTTP(w, r)
			return
		}
		var reqBody []byte
		if r.Body != nil {
			reqBody, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
		}
		seen := httptest.NewRecorder()
		h.ServeHTTP(seen, r)
		for k, vals := range seen.Header() {
			w.Header()[k] = vals
		}
		w.WriteHeader(seen.Code)
		_, _ = w.Write(seen.Body.Bytes())

		check := r.Clone(r.Context())
		check.Body = io.NopCloser(bytes.NewReader(reqBody))
		resp := seen.Result()
		var problems []string
		if statementPDF.MatchString(r.URL.Path) {
			// The validator's router cannot tell /statements/{id}.pdf from
			// /statements/{id}; the PDF's answer is checked here by hand.
			if seen.Code == http.StatusOK && seen.Header().Get("Content-Type") != "application/pdf" {
				problems = append(problems, "answer: a statement PDF of type "+seen.Header().Get("Content-Type"))
			}
			if !slices.Contains([]int{200, 401, 403, 404, 422, 429, 500, 503}, seen.Code) {
				problems = append(problems, fmt.Sprintf("answer: status %d is not declared for the statement PDF", seen.Code))
			}
		} else if ok, errs := v.ValidateHttpResponse(check, resp); !ok {
			for _, e := range errs {
				if strings.Contains(e.Message, "not found") && e.ValidationType == "path" {
					// A route not in the document (a test's own, or none at
					// all): TestOpenAPIDocumentsEveryRoute checks that every
					// registered /api/v1 route is in it.
					continue
				}
				problems = append(problems, "answer: "+describeMismatch(e.Message, e.Reason, e.SchemaValidationErrors))
			}
		}
		for _, name := range ownHeaders {
			if seen.Header().Get(name) != "" && !headers.declare(r.Method, r.URL.Path, seen.Code, name) {
				problems = append(problems, "answer: header "+name+" is sent but not declared")
			}
		}
		if seen.Code < 300 {
			check.Body = io.NopCloser(bytes.NewReader(reqBody))
			if ok, errs := v.ValidateHttpRequest(check); !ok {
				for _, e := range errs {
					problems = append(problems, "accepted request: "+describeMismatch(e.Message, e.Reason, e.SchemaValidationErrors))
				}
			}
		}
		for _, p := range problems {
			t.Errorf("%s %s → %d does not match the API document: %s", r.Method, r.URL.Path, seen.Code, p)
		}
	})
}

var statementPDF = regexp.MustCompile(`^/api/v1/statements/[^/]+\.pdf$`)

// ownHeaders are the headers Tranche's API sets on purpose; the validator
// checks the headers a document declares, not the ones an answer adds.
var ownHeaders = []string{"X-Request-Id", "Idempotency-Replayed", "WWW-Authenticate", "Retry-After", "Content-Disposition", "X-Content-SHA256"}

// documentHeaders holds, per path template, method and status, the
// response headers the document declares.
type documentHeaders []headerRoute

type headerRoute struct {
	path     *regexp.Regexp
	literal  int                                   // characters outside {…}: the most specific template wins
	declared map[string]map[string]map[string]bool // method → status → header
}

func declaredHeaders(t *testing.T, raw []byte) documentHeaders {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Headers map[string]any
			}
		}
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("the API document: %v", err)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	var out documentHeaders
	for path, ops := range doc.Paths {
		literals := param.Split(path, -1)
		for i, l := range literals {
			literals[i] = regexp.QuoteMeta(l)
		}
		route := headerRoute{path: regexp.MustCompile("^" + strings.Join(literals, `[^/]+`) + "$"),
			literal: len(param.ReplaceAllString(path, "")), declared: map[string]map[string]map[string]bool{}}
		for method, op := range ops {
			byStatus := map[string]map[string]bool{}
			for status, resp := range op.Responses {
				byStatus[status] = map[string]bool{}
				for name := range resp.Headers {
					byStatus[status][http.CanonicalHeaderKey(name)] = true
				}
			}
			route.declared[strings.ToUpper(method)] = byStatus
		}
		out = append(out, route)
	}
	return out
}

// declare says whether the document declares header on the answer with
// status to method on path (a path it does not have declares nothing and
// is reported by the validator).
func (d documentHeaders) declare(method, path string, status int, header string) bool {
	best := -1
	for i, e := range d {
		if e.path.MatchString(path) && (best < 0 || e.literal > d[best].literal) {
			best = i
		}
	}
	if best < 0 || d[best].declared[method] == nil {
		return true
	}
	return d[best].declared[method][strconv.Itoa(status)][http.CanonicalHeaderKey(header)]
}

// describeMismatch is one validation error in a line.
func describeMismatch[S any](message, reason string, details []S) string {
	out := message
	if reason != "" {
		out += ": " + reason
	}
	for _, d := range details {
		out += fmt.Sprintf("; %+v", d)
	}
	return out
}
