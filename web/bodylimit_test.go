package web

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
)

type apiOperation struct {
	method, path string
	op           *huma.Operation
}

// apiOperations lists every operation of the API document, sorted, so that
// tests over "every endpoint that …" cover new endpoints without naming them.
func apiOperations(s *Server) []apiOperation {
	var ops []apiOperation
	for path, item := range s.api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post,
			http.MethodPut: item.Put, http.MethodPatch: item.Patch, http.MethodDelete: item.Delete} {
			if op != nil {
				ops = append(ops, apiOperation{method, path, op})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// concretePath fills every path parameter with a fresh UUID (or 1 for a number).
func concretePath(op apiOperation) string {
	return pathParam.ReplaceAllStringFunc(op.path, func(p string) string {
		name := strings.Trim(p, "{}")
		for _, param := range op.op.Parameters {
			if param.Name == name && param.In == "path" && param.Schema != nil && (param.Schema.Type == "integer" || param.Schema.Type == "number") {
				return "1"
			}
		}
		return uuid.NewString()
	})
}

// uploadOperations are the operations that take a file or a multipart form.
func uploadOperations(t *testing.T, s *Server) map[apiOperation]string {
	t.Helper()
	out := map[apiOperation]string{}
	for _, op := range apiOperations(s) {
		if op.op.RequestBody == nil {
			continue
		}
		for ct := range op.op.RequestBody.Content {
			if ct != "application/json" {
				out[op] = ct
			}
		}
	}
	if len(out) < 3 {
		t.Fatalf("found %d upload operations, want at least claim submit, resubmit and register import", len(out))
	}
	return out
}

// oversized builds a body of the content type that is larger than limit.
func oversized(contentType string, limit int) (string, *bytes.Buffer) {
	var b bytes.Buffer
	if contentType != "multipart/form-data" {
		b.WriteString("participant,milestone,level,date\n")
		for b.Len() <= limit {
			b.WriteString("P-0001,a2,A2,2025-01-01\n")
		}
		return contentType, &b
	}
	w := multipart.NewWriter(&b)
	_ = w.WriteField("milestone_code", "a2")
	fw, _ := w.CreateFormFile("evidence", "big.pdf")
	_, _ = fw.Write(append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), limit)...))
	_ = w.Close()
	return w.FormDataContentType(), &b
}

// An upload over the body limit is 413 body_too_large on every upload
// endpoint, with and without an Idempotency-Key, and on the upload forms.
func TestUploadOverLimitIs413(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	e := newTestEnvWith(t, Config{MaxBodyBytes: limit})
	admin := e.user("all@enschede.example", access.Verifier, access.Finance, access.Procurement, access.CaseManager, access.Auditor, access.Admin)
	e.minimalProvider("11111111", "Taalhuis Twente")
	prov := e.providerUser("staff2@taalhuis.example", "11111111", access.Provider)
	for op, ct := range uploadOperations(t, e.srv) {
		tried := 0
		for role, tok := range map[string]string{"municipal": admin, "provider": prov} {
			for i, key := range []string{"", "big-upload-" + uuid.NewString()} {
				contentType, body := oversized(ct, limit)
				headers := []string{"Content-Type: " + contentType}
				if key != "" {
					headers = append(headers, "Idempotency-Key: "+key)
				}
				r := e.request(op.method, concretePath(op), tok, body, headers...)
				if r.Code == http.StatusForbidden {
					continue // this role may not upload here; the other one may
				}
				tried++
				t.Run(fmt.Sprintf("%s %s %s key=%v", op.method, op.path, role, i == 1), func(t *testing.T) {
					r.problem(t, http.StatusRequestEntityTooLarge, "body_too_large")
				})
			}
		}
		if tried == 0 {
			t.Errorf("%s %s: no role got past the access check", op.method, op.path)
		}
	}

	// The upload forms of the pages answer 413 too.
	e.user("loods@enschede.example", access.CaseManager, access.Verifier)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	c := browserClient(t)
	if resp := login(t, ts, c, "loods@enschede.example", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login = %d", resp.StatusCode)
	}
	for _, path := range []string{"/trajectories/" + uuid.NewString() + "/claims", "/registers/exam-results"} {
		contentType, body := oversized("multipart/form-data", limit)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+path, body)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("page POST %s over the limit = %d, want 413", path, resp.StatusCode)
		}
	}
}
