package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/pooling"
)

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// A procurement officer records two streams with different earmarks,
// creates a budget, allocates both and reads the report; finance reads it
// too; a case manager sees none of it.
func TestPoolingPages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	e.user("fin@enschede.example", access.Finance)
	e.user("cm@enschede.example", access.CaseManager)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()

	proc := browserClient(t)
	login(t, ts, proc, "inkoop@enschede.example", testPassword)
	status, page := body(t, proc, ts.URL+"/funding-streams")
	if status != http.StatusOK || !strings.Contains(page, "Geldstroom vastleggen") || !strings.Contains(page, `value="language"`) {
		t.Fatalf("streams page: %d\n%s", status, page)
	}

	stream := func(code, name string, earmark ...string) url.Values {
		v := url.Values{"funder": {"Rijk"}, "name": {name}, "reporting_code": {code}, "amount": {"10.000,00"},
			"valid_from": {"2005-01-01"}, "valid_to": {"2005-12-31"}}
		if len(earmark) == 0 {
			v.Set("unrestricted", "1")
		}
		v["earmark"] = earmark
		return v
	}
	// An invalid form comes back with the error beside its field and the input kept.
	bad := stream("NIG 2005", "Rijksbijdrage inburgering")
	status, _, page = postForm(t, proc, ts.URL+"/funding-streams", bad)
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="reporting_code-error"`) || !strings.Contains(page, `value="Rijksbijdrage inburgering"`) {
		t.Fatalf("invalid stream: %d\n%s", status, page)
	}
	for _, v := range []url.Values{
		stream("NIG-2005", "Rijksbijdrage inburgering", "language", "civic_integration"),
		stream("REI-2005", "Re-integratiebudget", "reintegration"),
	} {
		status, loc, page := postForm(t, proc, ts.URL+"/funding-streams", v)
		if status != http.StatusSeeOther || loc != "/funding-streams" {
			t.Fatalf("create stream %s: %d %s\n%s", v.Get("reporting_code"), status, loc, page)
		}
	}
	_, page = body(t, proc, ts.URL+"/funding-streams")
	if !strings.Contains(page, "De geldstroom is vastgelegd.") || !strings.Contains(page, "NIG-2005") || !strings.Contains(page, "Re-integratie") {
		t.Fatalf("streams page after creating:\n%s", page)
	}

	status, loc, page := postForm(t, proc, ts.URL+"/budgets", url.Values{"name": {"Integratie 2005"}, "period_start": {"2005-01-01"}, "period_end": {"2005-12-31"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/budgets/") {
		t.Fatalf("create budget: %d %s\n%s", status, loc, page)
	}
	budgetURL := ts.URL + loc

	streams, _, err := e.srv.pooling.ListFundingStreams(t.Context(), access.System("test"), database.Page{Limit: 10})
	if err != nil || len(streams) != 2 {
		t.Fatalf("streams: %v %v", streams, err)
	}
	allocate := func(f pooling.FundingStream, amount string) (int, string) {
		status, _, page := postForm(t, proc, budgetURL+"/allocations", url.Values{"funding_stream_id": {f.ID.String()}, "amount": {amount}})
		return status, page
	}
	if status, page := allocate(streams[0], "10000.01"); status != http.StatusConflict ||
		!strings.Contains(page, "Dit is meer dan de geldstroom nog kan toewijzen.") || !strings.Contains(page, `value="10000.01"`) {
		t.Fatalf("over-allocation: %d\n%s", status, page)
	}
	// An amount that reads two ways is refused, never scaled: "1,000.00" is not 1.00.
	for _, amount := range []string{"1,000.00", "1.000", "1,000"} {
		if status, page := allocate(streams[0], amount); status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="amount-error"`) {
			t.Fatalf("allocate %q: %d, want 422 with the amount's error\n%s", amount, status, page)
		}
	}
	for _, a := range []struct {
		f      pooling.FundingStream
		amount string
	}{{streams[0], "6.000,00"}, {streams[1], "2500.50"}} {
		if status, page := allocate(a.f, a.amount); status != http.StatusSeeOther {
			t.Fatalf("allocate %s: %d\n%s", a.f.ReportingCode, status, page)
		}
	}
	status, page = body(t, proc, budgetURL)
	if status != http.StatusOK || !strings.Contains(page, "Verantwoording") || !strings.Contains(page, "€ 8.500,50") ||
		!strings.Contains(page, "€ 6.000,00") || !strings.Contains(page, "Het geld is toegewezen.") {
		t.Fatalf("budget page: %d\n%s", status, page)
	}

	fin := browserClient(t)
	login(t, ts, fin, "fin@enschede.example", testPassword)
	status, page = body(t, fin, budgetURL)
	if status != http.StatusOK || !strings.Contains(page, "€ 8.500,50") || strings.Contains(page, `name="amount"`) {
		t.Fatalf("finance budget page (read only): %d\n%s", status, page)
	}
	status, page = body(t, fin, budgetURL+"/report.csv")
	if status != http.StatusOK || !strings.Contains(page, "total") || !strings.Contains(page, "8500.50") {
		t.Fatalf("CSV download: %d\n%s", status, page)
	}
	if status, _, _ := postForm(t, fin, ts.URL+"/budgets", url.Values{"name": {"X"}, "period_start": {"2005-01-01"}, "period_end": {"2005-12-31"}}); status != http.StatusForbidden {
		t.Fatalf("finance creating a budget: %d, want 403", status)
	}

	cm := browserClient(t)
	login(t, ts, cm, "cm@enschede.example", testPassword)
	for _, path := range []string{"/funding-streams", "/budgets", loc, loc + "/report.csv"} {
		if status, _ := body(t, cm, ts.URL+path); status != http.StatusForbidden {
			t.Errorf("case manager GET %s: %d, want 403", path, status)
		}
	}
}

// Procurement corrects a funding stream on its page until money of it is
// allocated; then the correction is refused.
func TestFundingStreamCorrectionThroughThePage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	proc := browserClient(t)
	login(t, ts, proc, "inkoop@enschede.example", testPassword)
	sys := access.System("test")
	f, err := e.srv.pooling.CreateFundingStream(t.Context(), sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Inburgering", ReportingCode: "NIG-2005",
		Amount: "10000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Earmark: []string{"language"}})
	if err != nil {
		t.Fatal(err)
	}
	editURL := ts.URL + "/funding-streams/" + f.ID.String()
	status, page := body(t, proc, editURL+"/edit")
	if status != http.StatusOK || !strings.Contains(page, `action="/funding-streams/`+f.ID.String()+`"`) || !strings.Contains(page, `value="10000.00"`) {
		t.Fatalf("edit page = %d:\n%s", status, page)
	}
	v := url.Values{"funder": {"Rijk"}, "name": {"Inburgering (herzien)"}, "reporting_code": {"NIG-2005"}, "amount": {"12.500,00"},
		"valid_from": {"2005-01-01"}, "valid_to": {"2005-12-31"}, "earmark": {"language", "civic_integration"}}
	status, loc, page := postForm(t, proc, editURL, v)
	if status != http.StatusSeeOther || loc != "/funding-streams" {
		t.Fatalf("correct = %d to %q:\n%s", status, loc, page)
	}
	_, page = body(t, proc, ts.URL+"/funding-streams")
	if !strings.Contains(page, "De geldstroom is gecorrigeerd.") || !strings.Contains(page, "Inburgering (herzien)") || !strings.Contains(page, "€ 12.500,00") {
		t.Fatalf("streams page after the correction:\n%s", page)
	}
	b, err := e.srv.pooling.CreateBudget(t.Context(), sys, pooling.CreateBudgetInput{Name: "Integratie", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.pooling.Allocate(t.Context(), sys, pooling.AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: "100.00"}); err != nil {
		t.Fatal(err)
	}
	_, page = body(t, proc, ts.URL+"/funding-streams")
	if strings.Contains(page, "/funding-streams/"+f.ID.String()+"/edit") {
		t.Errorf("a used stream still offers its correction")
	}
	status, _, page = postForm(t, proc, editURL, v)
	if status != http.StatusConflict || !strings.Contains(page, "Er is al geld uit deze geldstroom toegewezen") {
		t.Fatalf("correcting a used stream = %d:\n%s", status, page)
	}
}
