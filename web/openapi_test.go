package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
)

// openAPIDoc is the served document, as generic JSON.
func openAPIDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.get("/api/openapi.json", "")
	if r.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json = %d", r.Code)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// at walks a JSON document by keys; nil when a key is missing.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// The document declares what the API does, so that a generated client
// needs no casts: each case below was a place where the two parted ways.
func TestOpenAPIDeclaresWhatTheAPIDoes(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	paths := doc["paths"].(map[string]any)

	type operation struct {
		method, path string
		op           map[string]any
	}
	var ops []operation
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			ops = append(ops, operation{strings.ToUpper(method), path, op.(map[string]any)})
		}
	}
	if len(ops) < 50 {
		t.Fatalf("only %d operations in the document", len(ops))
	}

	// 1. The evidence download is the file, in its own type, not JSON.
	content, _ := at(paths, "/api/v1/claims/{id}/evidence/{n}", "get", "responses", "200", "content").(map[string]any)
	for _, typ := range []string{"application/pdf", "image/png", "image/jpeg"} {
		if at(content, typ, "schema", "format") != "binary" {
			t.Errorf("evidence download: no binary %s answer in %v", typ, content)
		}
	}
	if _, isJSON := content["application/json"]; isJSON {
		t.Error("evidence download still declared as JSON")
	}

	tagged := map[string]bool{}
	for _, o := range ops {
		name := o.method + " " + o.path
		params, _ := o.op["parameters"].([]any)
		responses := o.op["responses"].(map[string]any)
		// 2. Headers: Idempotency-Key on every POST; X-Request-Id on every
		// answer, Idempotency-Replayed on every POST answer that is stored (below 500), WWW-Authenticate on 401.
		if o.method == http.MethodPost {
			found := false
			for _, p := range params {
				if at(p, "name") == "Idempotency-Key" && at(p, "in") == "header" {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no Idempotency-Key header parameter", name)
			}
		}
		for status, r := range responses {
			if at(r, "headers", "X-Request-Id") == nil {
				t.Errorf("%s %s: no X-Request-Id header", name, status)
			}
			if status == "401" && at(r, "headers", "WWW-Authenticate") == nil {
				t.Errorf("%s 401: no WWW-Authenticate header", name)
			}
			if o.method == http.MethodPost && status != "401" && status != "429" && status < "5" && at(r, "headers", "Idempotency-Replayed") == nil {
				t.Errorf("%s %s: no Idempotency-Replayed header", name, status)
			}
		}
		// 3. The statuses the middleware answers.
		want := []string{"401", "429", "503"}
		if o.method == http.MethodPost {
			want = append(want, "413")
		}
		for _, status := range want {
			if responses[status] == nil {
				t.Errorf("%s: status %s not declared", name, status)
			}
		}
		// 6. Path ids are uuids.
		for _, p := range params {
			if at(p, "in") == "path" && at(p, "name") == "id" && at(p, "schema", "format") != "uuid" {
				t.Errorf("%s: path id without format uuid", name)
			}
		}
		tags, _ := o.op["tags"].([]any)
		for _, tag := range tags {
			tagged[tag.(string)] = true
		}
	}

	// 4. Multipart bodies say which file types they take.
	for _, path := range []string{"/api/v1/claims", "/api/v1/claims/{id}/resubmit"} {
		enc, _ := at(paths, path, "post", "requestBody", "content", "multipart/form-data", "encoding", "evidence", "contentType").(string)
		if !strings.Contains(enc, "application/pdf") || !strings.Contains(enc, "image/jpeg") {
			t.Errorf("POST %s: evidence encoding %q does not list the accepted types", path, enc)
		}
	}

	// 5. No array is nullable.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if typ, ok := v["type"].([]any); ok && slices.Contains(typ, any("array")) && slices.Contains(typ, any("null")) {
				t.Errorf("%s: array typed %v", path, typ)
			}
			for k, c := range v {
				walk(path+"/"+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path, c)
			}
		}
	}
	walk("#", doc)

	// 6. Ids and dates in answers carry their formats.
	schemas := at(doc, "components", "schemas").(map[string]any)
	for schema, field := range map[string]string{"ClaimBody": "id", "TrajectoryBody": "start_date", "ContractBody": "period_start", "BudgetBody": "period_end"} {
		want := "uuid"
		if field != "id" {
			want = "date"
		}
		if got := at(schemas, schema, "properties", field, "format"); got != want {
			t.Errorf("%s.%s: format %v, want %s", schema, field, got, want)
		}
	}

	// 7. Problem.code lists every stable code.
	enum, _ := at(schemas, "Problem", "properties", "code", "enum").([]any)
	for _, c := range []fault.Code{fault.InvalidInput, fault.Forbidden, bodyTooLarge, crossOrigin} {
		if !slices.Contains(enum, any(c.Code)) {
			t.Errorf("Problem.code enum lacks %s", c.Code)
		}
	}
	for _, c := range []string{"internal_error", "database_unavailable", "claim_not_found", "budget_insufficient"} {
		if !slices.Contains(enum, any(c)) {
			t.Errorf("Problem.code enum lacks %s", c)
		}
	}

	// 8. A servers entry; every tag used is defined, with a description.
	if servers, _ := doc["servers"].([]any); len(servers) == 0 || at(servers[0], "url") == nil {
		t.Errorf("servers = %v", doc["servers"])
	}
	defined := map[string]bool{}
	for _, tag := range doc["tags"].([]any) {
		if d, _ := at(tag, "description").(string); d == "" {
			t.Errorf("tag %v has no description", at(tag, "name"))
		}
		defined[at(tag, "name").(string)] = true
	}
	for tag := range tagged {
		if !defined[tag] {
			t.Errorf("tag %q is used but not defined", tag)
		}
	}

	// 8. A list's items have a schema of their own, without the fields only
	// the detail carries; the detail requires them.
	ref := func(v any) string {
		s, _ := v.(string)
		return strings.TrimPrefix(s, "#/components/schemas/")
	}
	for _, l := range []struct {
		list, detail string
		detailOnly   []string
	}{
		{"/api/v1/claims", "/api/v1/claims/{id}", []string{"evidence", "history"}},
		{"/api/v1/trajectories", "/api/v1/trajectories/{id}", []string{"milestones"}},
		{"/api/v1/contracts", "/api/v1/contracts/{id}", []string{"current_version", "versions"}},
		{"/api/v1/payment-runs", "/api/v1/payment-runs/{id}", []string{"statements", "pdfs"}},
		{"/api/v1/statements", "/api/v1/statements/{id}", []string{"lines"}},
	} {
		list := ref(at(paths, l.list, "get", "responses", "200", "content", "application/json", "schema", "$ref"))
		item := ref(at(schemas, list, "properties", "items", "items", "$ref"))
		detail := ref(at(paths, l.detail, "get", "responses", "200", "content", "application/json", "schema", "$ref"))
		if item == "" || detail == "" || item == detail {
			t.Errorf("GET %s lists %q, GET %s answers %q: want two schemas", l.list, item, l.detail, detail)
			continue
		}
		required, _ := at(schemas, detail, "required").([]any)
		for _, f := range l.detailOnly {
			if at(schemas, item, "properties", f) != nil {
				t.Errorf("%s (the items of GET %s) declares %s, which only the detail has", item, l.list, f)
			}
			if at(schemas, detail, "properties", f) == nil {
				t.Errorf("%s (GET %s) lacks %s", detail, l.detail, f)
			}
			if f != "pdfs" && !slices.Contains(required, any(f)) {
				t.Errorf("%s (GET %s) does not require %s, which every detail answer has", detail, l.detail, f)
			}
		}
	}
}

// Every operation has a description that says who may call it, from the
// permission matrix; a note for an operation that does not exist is a typo.
func TestEveryOperationIsDescribed(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	doc := openAPIDoc(t, e)
	seen := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			id, _ := at(op, "operationId").(string)
			seen[id] = true
			d, _ := at(op, "description").(string)
			if !strings.Contains(d, "Roles: ") && !strings.Contains(d, "Any authenticated user.") {
				t.Errorf("%s %s (%s): description %q does not say who may call it", strings.ToUpper(method), path, id, d)
			}
		}
	}
	for id := range operationNotes {
		if !seen[id] {
			t.Errorf("operationNotes has %q, which is no operation", id)
		}
	}
	d, _ := at(doc, "paths", "/api/v1/payment-runs/{id}/approve", "post", "description").(string)
	if !strings.Contains(d, "Roles: finance;") {
		t.Errorf("approve-payment-run: %q does not name the finance role", d)
	}
}

// The enums the document lists are the domain's own lists: a value added
// to the domain and not to the document fails here.
func TestOpenAPIEnumsAreTheDomainsLists(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	schemas := at(openAPIDoc(t, e), "components", "schemas").(map[string]any)
	enum := func(path ...string) []string {
		var out []string
		vals, _ := at(schemas, path...).([]any)
		for _, v := range vals {
			out = append(out, v.(string))
		}
		return out
	}
	var roles []string
	for _, r := range access.Roles {
		roles = append(roles, string(r))
	}
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"UserBody.roles", enum("UserBody", "properties", "roles", "items", "enum"), roles},
		{"MilestoneBody.outcome_domain", enum("MilestoneBody", "properties", "outcome_domain", "enum"), contracts.OutcomeDomains},
		{"ClaimBody.reason_code", enum("ClaimBody", "properties", "reason_code", "enum"), outcomes.RejectionReasons},
		{"ClaimBody.state", enum("ClaimBody", "properties", "state", "enum"), outcomesClaimStates},
		{"TrajectoryBody.state", enum("TrajectoryBody", "properties", "state", "enum"), outcomesTrajectoryStates},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: the document lists %v, the domain %v", c.name, c.got, c.want)
		}
	}
}
