package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
)

// download fetches a file with the session and returns its status, type and body.
func (s *pageSession) download(path string) (int, string, string) {
	s.t.Helper()
	resp, err := s.c.Get(s.ts.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// actor is the access actor behind an API token.
func (b *billingEnv) actor(token string) access.Actor {
	b.t.Helper()
	a, err := b.access.ActorByToken(context.Background(), token)
	if err != nil {
		b.t.Fatal(err)
	}
	return a
}

func TestBillingPagesRunCycle(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	b.approvedIntake(b.contract2, b.provider2)
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	fin := b.session(ts, "fin@enschede.example")

	// The list offers the previous calendar month.
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	status, page := fin.get("/payment-runs")
	if status != http.StatusOK {
		t.Fatalf("GET /payment-runs = %d", status)
	}
	wantIn(t, page, `<label for="period_start">`, `value="`+first.AddDate(0, -1, 0).Format(time.DateOnly)+`"`,
		`value="`+first.AddDate(0, 0, -1).Format(time.DateOnly)+`"`, "Er zijn nog geen betaalruns.", "<legend>Betaalrun maken</legend>")

	// Errors beside their fields, the input kept.
	status, page, _ = fin.post("/payment-runs", url.Values{"period_start": {"2005-03-31"}, "period_end": {"2005-03-01"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("reversed period = %d, want 422", status)
	}
	wantIn(t, page, `id="period_end-error"`, "De periode eindigt voordat hij begint.", `value="2005-03-31"`, `value="2005-03-01"`, `aria-invalid="true"`)
	status, page, _ = fin.post("/payment-runs", url.Values{"period_start": {"31-03-2005"}, "period_end": {""}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("unreadable dates = %d, want 422", status)
	}
	wantIn(t, page, `id="period_start-error"`, "Schrijf de datum als JJJJ-MM-DD.", `id="period_end-error"`, "Vul een datum in.", `value="31-03-2005"`)
	// The previous month holds nothing: the claims were approved today.
	status, page, _ = fin.post("/payment-runs", url.Values{"period_start": {"2005-03-01"}, "period_end": {"2005-03-31"}})
	if status != http.StatusConflict {
		t.Fatalf("empty period = %d, want 409", status)
	}
	wantIn(t, page, `class="error-box" role="alert"`, "Er is niets te betalen voor deze periode")

	// Create this month's run.
	start, end := thisMonth()
	status, _, loc := fin.post("/payment-runs", url.Values{"period_start": {start}, "period_end": {end}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/payment-runs/") {
		t.Fatalf("create = %d to %q", status, loc)
	}
	id := strings.TrimPrefix(loc, "/payment-runs/")
	_, page = fin.get(loc)
	wantIn(t, page, "De betaalrun is gemaakt.", `id="run-state">Concept<`, "ROC van Twente · concept", "Taalhuis Twente · concept",
		"€ 400,00", "€ 200,00", "<details>", "Regels (1)", "Inburgering", "(INB)", "vrij", `id="own-run"`, `id="cancel-form"`,
		`href="/statements/`, `<th scope="row">Subtotaal excl. btw</th>`)
	if strings.Contains(page, `id="approve-form"`) || strings.Contains(page, `id="pdf-progress"`) {
		t.Fatal("the creator is offered the approval, or a draft shows PDF progress")
	}
	// The creator tries anyway: refused, the reason shown.
	status, page, _ = fin.post(loc+"/approve", nil)
	if status != http.StatusConflict {
		t.Fatalf("creator approving = %d, want 409", status)
	}
	wantIn(t, page, "U hebt deze betaalrun gemaakt; een andere medewerker van financiën moet hem goedkeuren.", `id="run-state">Concept<`)

	// The second finance user asks for the same period: the draft.
	fin2 := b.session(ts, "fin2@enschede.example")
	status, _, loc2 := fin2.post("/payment-runs", url.Values{"period_start": {start}, "period_end": {end}})
	if status != http.StatusSeeOther || loc2 != loc {
		t.Fatalf("second create = %d to %q, want the draft %q", status, loc2, loc)
	}
	_, page = fin2.get(loc)
	wantIn(t, page, "Er bestond al een concept voor deze periode", `id="approve-form"`, `action="`+loc+`/approve"`)

	// Approve: numbers, and the PDFs' progress until they are ready.
	if status, _, to := fin2.post(loc+"/approve", nil); status != http.StatusSeeOther || to != loc {
		t.Fatalf("approve = %d to %q", status, to)
	}
	_, page = fin2.get(loc)
	year := now.Format("2006")
	wantIn(t, page, "De betaalrun is goedgekeurd.", `id="run-state">Goedgekeurd<`, "ROC van Twente · "+year+"-0001", `id="pdf-progress"`,
		`<progress id="pdf-progress-bar" max="2"`, `id="export-form"`)
	if strings.Contains(page, `id="cancel-form"`) || strings.Contains(page, `id="approve-form"`) {
		t.Fatal("an approved run offers cancelling or approval")
	}
	waitForProgressFragment(t, fin2, loc, "PDF&#39;s: 2 van 2")

	// Export: the files to download.
	if status, _, _ := fin.post(loc+"/export", nil); status != http.StatusSeeOther {
		t.Fatalf("export = %d", status)
	}
	_, page = fin.get(loc)
	wantIn(t, page, "De betaalrun is geëxporteerd.", `href="`+loc+`/sepa.xml"`, `href="`+loc+`/journal.csv"`, `id="confirm-form"`)
	if status, ct, body := fin.download(loc + "/sepa.xml"); status != 200 || ct != "application/xml" || !strings.Contains(body, "pain.001.001.09") {
		t.Fatalf("SEPA download = %d %q", status, ct)
	}
	if status, ct, body := fin.download(loc + "/journal.csv"); status != 200 || !strings.HasPrefix(ct, "text/csv") || !strings.Contains(body, "INB") {
		t.Fatalf("journal download = %d %q", status, ct)
	}
	// Cancelling is not possible any more: the error is shown.
	status, page, _ = fin.post(loc+"/cancel", url.Values{"reason": {"te laat"}})
	if status != http.StatusConflict {
		t.Fatalf("cancel an exported run = %d, want 409", status)
	}
	wantIn(t, page, "Dat kan niet in de huidige status van de betaalrun.")

	// Confirm.
	if status, _, _ := fin2.post(loc+"/confirm", nil); status != http.StatusSeeOther {
		t.Fatalf("confirm = %d", status)
	}
	_, page = fin2.get(loc)
	wantIn(t, page, "De betaling is bevestigd.", `id="run-state">Betaald<`, "fin2@enschede.example")
	for _, form := range []string{"approve-form", "export-form", "confirm-form", "cancel-form"} {
		if strings.Contains(page, `id="`+form+`"`) {
			t.Errorf("a paid run offers %s", form)
		}
	}
	_, page = fin.get("/payment-runs?state=paid")
	wantIn(t, page, `href="`+loc+`"`, "Betaald")
	if _, page = fin.get("/payment-runs?state=draft"); strings.Contains(page, `href="`+loc+`"`) {
		t.Error("the paid run is listed among the drafts")
	}
	// The list's export honours its filter; an unknown state or sort key is a 422.
	runID := strings.TrimPrefix(loc, "/payment-runs/")
	if rows := readCSV(t, fin, "/payment-runs.csv?state=paid&sort=total&dir=desc"); len(rows) != 2 || rows[1][0] != runID || rows[1][3] != "paid" {
		t.Errorf("export of paid runs = %v, want the one run", rows)
	}
	if rows := readCSV(t, fin, "/payment-runs.csv?state=draft"); len(rows) != 1 {
		t.Errorf("export of draft runs = %v, want the header alone", rows)
	}
	_, page = fin.get("/payment-runs?sort=period&per_page=1")
	wantIn(t, page, "1–1 van 1", `href="/payment-runs.csv?sort=period"`)
	if status, _ := b.session(ts, "staff@taalhuis.example").get("/payment-runs.csv"); status != http.StatusForbidden {
		t.Errorf("a provider exporting the payment runs = %d, want 403", status)
	}
	for _, bad := range []string{"?state=nonsense", "?sort=id", "?per_page=0"} {
		if status, _ := fin.get("/payment-runs" + bad); status != http.StatusUnprocessableEntity {
			t.Errorf("GET /payment-runs%s = %d, want 422", bad, status)
		}
	}

	// A new claim, a new draft, cancelled with a reason.
	b.approvedIntake(b.contract, b.provider)
	_, _, loc = fin.post("/payment-runs", url.Values{"period_start": {start}, "period_end": {end}})
	if loc == "/payment-runs/"+id {
		t.Fatal("a paid run was returned as the draft")
	}
	if status, _, _ := fin.post(loc+"/cancel", url.Values{"reason": {"Verkeerde periode"}}); status != http.StatusSeeOther {
		t.Fatalf("cancel = %d", status)
	}
	_, page = fin.get(loc)
	wantIn(t, page, "De betaalrun is geannuleerd.", `id="run-state">Geannuleerd<`, "Verkeerde periode")
}

// waitForProgressFragment polls the run's progress fragment until it says
// the PDFs are ready, and checks that it stops polling then.
func waitForProgressFragment(t *testing.T, s *pageSession, run, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, frag := s.get(run + "/progress")
		if status != http.StatusOK || strings.Contains(frag, "<html") {
			t.Fatalf("progress = %d, want a fragment:\n%s", status, frag)
		}
		if strings.Contains(frag, `data-ready="true"`) {
			wantIn(t, frag, want, "Alle PDF&#39;s zijn klaar")
			if strings.Contains(frag, "hx-get") {
				t.Fatalf("a finished progress keeps polling:\n%s", frag)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PDFs not ready after 30 s:\n%s", frag)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBillingProgressResumes: a run approved without a job (a restart in
// between) shows its progress polling, and reading it starts the job.
func TestBillingProgressResumes(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	run := b.createRun()
	if _, err := b.srv.billing.ApproveRun(context.Background(), b.actor(b.finance2), run.ID); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	s := b.session(ts, "audit@enschede.example")
	loc := "/payment-runs/" + run.ID.String()
	status, frag := s.get(loc + "/progress")
	if status != http.StatusOK {
		t.Fatalf("progress = %d", status)
	}
	wantIn(t, frag, `data-ready="false"`, `hx-get="`+loc+`/progress"`, `hx-trigger="every 2s"`, `hx-swap="outerHTML"`, "PDF&#39;s: 0 van 1",
		"De PDF&#39;s worden gemaakt")
	waitForProgressFragment(t, s, loc, "PDF&#39;s: 1 van 1")

	// The auditor reads the run and changes nothing.
	_, page := s.get(loc)
	wantIn(t, page, `id="pdf-progress"`, `data-ready="true"`, "Taalhuis Twente")
	if strings.Contains(page, "<form class=\"stack outcomes-form\"") {
		t.Fatal("the auditor is offered a form on the run")
	}
	if status, _, _ := s.post(loc+"/export", nil); status != http.StatusForbidden {
		t.Fatalf("auditor exporting = %d, want 403", status)
	}
	if status, _ := s.get("/payment-runs/" + uuid.NewString() + "/progress"); status != http.StatusNotFound {
		t.Fatalf("progress of no run = %d, want 404", status)
	}
}

func TestBillingStatementsPages(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	b.approvedIntake(b.contract2, b.provider2)
	run := b.createRun()
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	own := b.session(ts, "staff@taalhuis.example")

	// A draft's statements are not the provider's to see yet.
	_, page := own.get("/statements")
	wantIn(t, page, "Er zijn nog geen specificaties.")
	if r := b.postJSON("/api/v1/payment-runs/"+run.ID.String()+"/approve", b.finance2, nil); r.Code != http.StatusOK {
		t.Fatalf("approve = %d %s", r.Code, r.Body)
	}
	detail := b.waitForPDFs(run.ID.String())
	roc, taalhuis := detail.Statements[0], detail.Statements[1]

	status, page := own.get("/statements")
	if status != http.StatusOK {
		t.Fatalf("provider GET /statements = %d", status)
	}
	wantIn(t, page, taalhuis.Number, `href="/statements/`+taalhuis.ID.String()+`/pdf"`, "€ 200,00")
	if strings.Contains(page, roc.Number) || strings.Contains(page, "/payment-runs/") {
		t.Fatalf("the provider's statements show another's statement or the run:\n%s", page)
	}
	status, ct, pdf := own.download("/statements/" + taalhuis.ID.String() + "/pdf")
	if status != 200 || ct != "application/pdf" || !strings.HasPrefix(pdf, "%PDF") {
		t.Fatalf("own PDF = %d %q", status, ct)
	}
	for _, path := range []string{"/statements/" + roc.ID.String() + "/pdf", "/statements/not-an-id/pdf"} {
		if status, _, _ := own.download(path); status != http.StatusNotFound {
			t.Errorf("provider GET %s = %d, want 404", path, status)
		}
	}
	for _, path := range []string{"/payment-runs", "/payment-runs/" + run.ID.String(), "/payment-runs/" + run.ID.String() + "/progress"} {
		if status, _ := own.get(path); status != http.StatusForbidden {
			t.Errorf("provider GET %s = %d, want 403", path, status)
		}
	}

	// Finance and the auditor see every statement, with its run.
	for _, email := range []string{"fin@enschede.example", "audit@enschede.example"} {
		s := b.session(ts, email)
		_, page := s.get("/statements")
		wantIn(t, page, roc.Number, taalhuis.Number, "ROC van Twente", "Taalhuis Twente", `href="/payment-runs/`+run.ID.String()+`"`)
		if status, ct, _ := s.download("/statements/" + roc.ID.String() + "/pdf"); status != 200 || ct != "application/pdf" {
			t.Errorf("%s PDF = %d %q", email, status, ct)
		}
	}
	// Others see no statements at all.
	if status, _ := b.session(ts, "loods@enschede.example").get("/statements"); status != http.StatusForbidden {
		t.Errorf("case manager GET /statements = %d, want 403", status)
	}
}

func TestBillingWaiting(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	ctx := context.Background()
	count := func(token, key string) (int64, bool) {
		t.Helper()
		items, err := b.srv.billingWaiting(ctx, b.actor(token))
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Key == key {
				return it.Count, it.Alert
			}
		}
		return -1, false
	}
	if n, _ := count(b.finance2, "billing.home.to_approve"); n != 0 {
		t.Fatalf("runs to approve before any = %d", n)
	}
	if n, _ := count(b.verifier, "billing.home.to_approve"); n != -1 {
		t.Fatalf("a verifier is shown runs to approve")
	}
	run := b.createRun()

	// The creator's draft waits for the other finance user.
	if n, alert := count(b.finance2, "billing.home.to_approve"); n != 1 || !alert {
		t.Fatalf("fin2 runs to approve = %d (alert %v), want 1, emphasised", n, alert)
	}
	if n, _ := count(b.finance, "billing.home.to_approve"); n != 0 {
		t.Fatalf("the creator is asked to approve its own run")
	}
	if n, _ := count(b.finance, "billing.home.own_drafts"); n != 1 {
		t.Fatalf("the creator's own drafts = %d, want 1", n)
	}
	if n, _ := count(b.provider, "billing.home.new_statements"); n != 0 {
		t.Fatalf("provider statements before approval = %d, want 0", n)
	}
	// The start page and the menu show it.
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	_, page := b.session(ts, "fin2@enschede.example").get("/")
	wantIn(t, page, `<li class="alert-card"><a href="/payment-runs?state=draft"><span class="count">1</span>betaalruns om goed te keuren</a></li>`,
		`<a href="/payment-runs">Betaalruns</a>`, `<a href="/statements">Specificaties</a>`)
	if _, page = b.session(ts, "staff@taalhuis.example").get("/"); strings.Contains(page, `href="/payment-runs"`) || !strings.Contains(page, `<a href="/statements">Specificaties</a>`) {
		t.Fatalf("the provider's menu offers payment runs or lacks its statements:\n%s", page)
	}

	if r := b.postJSON("/api/v1/payment-runs/"+run.ID.String()+"/approve", b.finance2, nil); r.Code != http.StatusOK {
		t.Fatalf("approve = %d", r.Code)
	}
	if n, _ := count(b.finance, "billing.home.to_export"); n != 1 {
		t.Fatalf("runs to export = %d, want 1", n)
	}
	if n, _ := count(b.provider, "billing.home.new_statements"); n != 1 {
		t.Fatalf("provider's new statements = %d, want 1", n)
	}
	if n, _ := count(b.provider2, "billing.home.new_statements"); n != 0 {
		t.Fatalf("the other provider's new statements = %d, want 0", n)
	}
	if r := b.postJSON("/api/v1/payment-runs/"+run.ID.String()+"/export", b.finance, nil); r.Code != http.StatusOK {
		t.Fatalf("export = %d", r.Code)
	}
	if n, _ := count(b.finance2, "billing.home.to_confirm"); n != 1 {
		t.Fatalf("runs to confirm = %d, want 1", n)
	}
	if n, _ := count(b.finance2, "billing.home.to_export"); n != 0 {
		t.Fatalf("runs to export after the export = %d, want 0", n)
	}
}
