package web

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
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
