package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
)

func streamJSON(code string, earmark ...string) map[string]any {
	m := map[string]any{"funder": "Ministerie van Justitie", "name": "Stroom " + code, "reporting_code": code,
		"amount": "10000.00", "valid_from": "2005-01-01", "valid_to": "2005-12-31"}
	if len(earmark) == 0 {
		m["unrestricted"] = true
	} else {
		m["earmark"] = earmark
	}
	return m
}

func TestPoolingAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	fin := e.user("financien@enschede.example", access.Finance)

	var lang, own FundingStreamBody
	r := e.postJSON("/api/v1/funding-streams", proc, streamJSON("NIG-2005", "language", "civic_integration"))
	if r.Code != http.StatusCreated {
		t.Fatalf("create stream: %d %s", r.Code, r.Body)
	}
	r.json(t, &lang)
	if lang.Amount != "10000.00" || lang.Unallocated != "10000.00" || lang.Currency != "EUR" || lang.Unrestricted || len(lang.Earmark) != 2 {
		t.Fatalf("created stream = %+v", lang)
	}
	e.postJSON("/api/v1/funding-streams", proc, streamJSON("OWN-2005")).json(t, &own)
	if !own.Unrestricted || own.Earmark == nil || len(own.Earmark) != 0 {
		t.Fatalf("unrestricted stream = %+v", own)
	}
	bad := streamJSON("BAD 1", "astrology")
	bad["amount"] = "12,345"
	p := e.postJSON("/api/v1/funding-streams", proc, bad).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	fields := map[string]string{}
	for _, f := range p.Errors {
		fields[f.Field] = f.Code
	}
	if fields["reporting_code"] != "invalid_format" || fields["amount"] != "invalid_amount" || fields["earmark"] != "unknown_category" {
		t.Fatalf("invalid stream errors = %+v", p.Errors)
	}
	// The API reads only its canonical notation: no thousands separators, a dot before the cents.
	for _, amount := range []string{"1,000.00", "1.000,00", "1000,00", "1.000", "€ 1000.00"} {
		odd := streamJSON("ODD-2005")
		odd["amount"] = amount
		p := e.postJSON("/api/v1/funding-streams", proc, odd).problem(t, http.StatusUnprocessableEntity, "invalid_input")
		if len(p.Errors) != 1 || p.Errors[0].Field != "amount" || p.Errors[0].Code != "invalid_amount" {
			t.Errorf("amount %q: errors = %+v, want amount/invalid_amount", amount, p.Errors)
		}
	}

	var b BudgetBody
	r = e.postJSON("/api/v1/budgets", proc, map[string]any{"name": "Integratie 2005", "period_start": "2005-01-01", "period_end": "2005-12-31"})
	if r.Code != http.StatusCreated {
		t.Fatalf("create budget: %d %s", r.Code, r.Body)
	}
	r.json(t, &b)
	var b2006 BudgetBody
	e.postJSON("/api/v1/budgets", proc, map[string]any{"name": "Integratie 2006", "period_start": "2006-01-01", "period_end": "2006-12-31"}).json(t, &b2006)

	alloc := "/api/v1/budgets/" + b.ID.String() + "/allocations"
	var a AllocationBody
	r = e.postJSON(alloc, proc, map[string]any{"funding_stream_id": lang.ID, "amount": "6000.00"})
	if r.Code != http.StatusCreated {
		t.Fatalf("allocate: %d %s", r.Code, r.Body)
	}
	r.json(t, &a)
	if a.Amount != "6000.00" || a.ReportingCode != "NIG-2005" || a.BudgetID != b.ID {
		t.Fatalf("allocation = %+v", a)
	}
	e.postJSON(alloc, proc, map[string]any{"funding_stream_id": own.ID, "amount": "2500.50"})
	e.postJSON(alloc, proc, map[string]any{"funding_stream_id": lang.ID, "amount": "4000.01"}).problem(t, http.StatusConflict, "allocation_exceeds_stream")
	e.postJSON("/api/v1/budgets/"+b2006.ID.String()+"/allocations", proc, map[string]any{"funding_stream_id": lang.ID, "amount": "1.00"}).
		problem(t, http.StatusConflict, "allocation_outside_validity")
	e.postJSON(alloc, proc, map[string]any{"funding_stream_id": "nonsense", "amount": "1.00"}).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	e.postJSON("/api/v1/budgets/"+lang.ID.String()+"/allocations", proc, map[string]any{"funding_stream_id": lang.ID, "amount": "1.00"}).
		problem(t, http.StatusNotFound, "budget_not_found")

	var got FundingStreamBody
	e.get("/api/v1/funding-streams/"+lang.ID.String(), fin).json(t, &got)
	if got.Allocated != "6000.00" || got.Unallocated != "4000.00" {
		t.Fatalf("stream after allocation = %+v", got)
	}
	var list ListBody[FundingStreamBody]
	e.get("/api/v1/funding-streams?limit=1", fin).json(t, &list)
	if len(list.Items) != 1 || list.NextCursor == "" {
		t.Fatalf("first page = %+v", list)
	}
	next := list.NextCursor
	list = ListBody[FundingStreamBody]{}
	e.get("/api/v1/funding-streams?limit=1&cursor="+next, fin).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != own.ID || list.NextCursor != "" {
		t.Fatalf("second page = %+v", list)
	}
	var allocs ListBody[AllocationBody]
	e.get(alloc, fin).json(t, &allocs)
	if len(allocs.Items) != 2 {
		t.Fatalf("allocations = %+v", allocs)
	}

	var rep ReportBody
	r = e.get("/api/v1/budgets/"+b.ID.String()+"/report", fin)
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("report: %d %s %s", r.Code, r.Header().Get("Content-Type"), r.Body)
	}
	r.json(t, &rep)
	if len(rep.Lines) != 2 || rep.Total.Allocated != "8500.50" || rep.Total.Available != "8500.50" || rep.Total.Committed != "0.00" {
		t.Fatalf("report = %+v", rep)
	}
	r = e.get("/api/v1/budgets/"+b.ID.String()+"/report?format=csv", fin)
	if r.Code != http.StatusOK || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV report: %d %s", r.Code, r.Header().Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body.String())).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][6] != "allocated" || rows[3][1] != "total" || rows[3][6] != "8500.50" {
		t.Fatalf("CSV report (%v):\n%s", err, r.Body)
	}
	var srep ReportBody
	e.get("/api/v1/funding-streams/"+lang.ID.String()+"/report", fin).json(t, &srep)
	if len(srep.Lines) != 1 || srep.Lines[0].Allocated != "6000.00" {
		t.Fatalf("stream report = %+v", srep)
	}
	e.get("/api/v1/budgets/"+b.ID.String()+"/report?format=pdf", fin).problem(t, http.StatusUnprocessableEntity, "invalid_input")
}

// Procurement writes; finance and auditors read; case managers, verifiers,
// admins and providers see nothing of the funding.
func TestPoolingAPIPermissions(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	e.minimalProvider("12345678", "Taalhuis Twente")
	tokens := map[string]string{
		"procurement": proc,
		"finance":     e.user("fin@enschede.example", access.Finance),
		"auditor":     e.user("audit@enschede.example", access.Auditor),
		"casemanager": e.user("cm@enschede.example", access.CaseManager),
		"verifier":    e.user("ver@enschede.example", access.Verifier),
		"admin":       e.user("admin@enschede.example", access.Admin),
		"provider":    e.providerUser("staff@taalhuis.example", "12345678", access.Provider),
	}
	var f FundingStreamBody
	e.postJSON("/api/v1/funding-streams", proc, streamJSON("NIG-2005", "language")).json(t, &f)
	var b BudgetBody
	e.postJSON("/api/v1/budgets", proc, map[string]any{"name": "Integratie 2005", "period_start": "2005-01-01", "period_end": "2005-12-31"}).json(t, &b)

	reads := []string{
		"/api/v1/funding-streams", "/api/v1/funding-streams/" + f.ID.String(), "/api/v1/funding-streams/" + f.ID.String() + "/report",
		"/api/v1/budgets", "/api/v1/budgets/" + b.ID.String(), "/api/v1/budgets/" + b.ID.String() + "/allocations",
		"/api/v1/budgets/" + b.ID.String() + "/report", "/api/v1/budgets/" + b.ID.String() + "/report?format=csv",
	}
	n := 0
	writes := func() []struct {
		path string
		body map[string]any
	} {
		n++
		return []struct {
			path string
			body map[string]any
		}{
			{"/api/v1/funding-streams", streamJSON("P-" + string(rune('A'+n)))},
			{"/api/v1/budgets", map[string]any{"name": "B" + string(rune('A'+n)), "period_start": "2005-01-01", "period_end": "2005-12-31"}},
			{"/api/v1/budgets/" + b.ID.String() + "/allocations", map[string]any{"funding_stream_id": f.ID, "amount": "1.00"}},
		}
	}
	for role, tok := range tokens {
		canRead := role == "procurement" || role == "finance" || role == "auditor"
		canWrite := role == "procurement"
		for _, path := range reads {
			r := e.get(path, tok)
			if canRead && r.Code != http.StatusOK {
				t.Errorf("%s GET %s: %d %s, want 200", role, path, r.Code, r.Body)
			}
			if !canRead && r.Code != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", role, path, r.Code)
			}
		}
		for _, w := range writes() {
			r := e.postJSON(w.path, tok, w.body)
			if canWrite && r.Code != http.StatusCreated {
				t.Errorf("%s POST %s: %d %s, want 201", role, w.path, r.Code, r.Body)
			}
			if !canWrite && r.Code != http.StatusForbidden {
				t.Errorf("%s POST %s: %d %s, want 403", role, w.path, r.Code, r.Body)
			}
		}
	}
	if r := e.get("/api/v1/budgets", ""); r.Code != http.StatusUnauthorized {
		t.Errorf("anonymous GET /api/v1/budgets: %d, want 401", r.Code)
	}
}
