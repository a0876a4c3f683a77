package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
)

// billingEnv is the outcomes environment with a second finance user, so
// that one creates a payment run and the other approves it.
type billingEnv struct {
	*outcomeEnv
	finance2 string
}

func newBillingEnv(t *testing.T) *billingEnv {
	t.Helper()
	o := newOutcomeEnv(newTestEnv(t))
	b := &billingEnv{outcomeEnv: o, finance2: o.user("fin2@enschede.example", access.Finance)}
	// Background PDFs end before the test's database goes.
	t.Cleanup(o.srv.Close)
	return b
}

// approvedIntake refers a new participant to the contract, has the
// provider start and claim the intake, and a verifier approve it (200.00).
func (b *billingEnv) approvedIntake(contract contracts.ContractDetail, provider string) ClaimBody {
	b.t.Helper()
	var p ParticipantBody
	r := b.postJSON("/api/v1/participants", b.casemanager, map[string]any{"given_names": "Ayşe", "family_name": "Yılmaz", "bsn": fmt.Sprint(nextBSN())})
	if r.Code != http.StatusCreated {
		b.t.Fatalf("create participant = %d %s", r.Code, r.Body)
	}
	r.json(b.t, &p)
	var tr TrajectoryBody
	r = b.postJSON("/api/v1/trajectories", b.casemanager, map[string]any{"participant_id": p.ID, "contract_id": contract.ID, "product_code": "NT2"})
	if r.Code != http.StatusCreated {
		b.t.Fatalf("refer = %d %s", r.Code, r.Body)
	}
	r.json(b.t, &tr)
	r = b.postJSON("/api/v1/trajectories/"+tr.ID.String()+"/start", provider, map[string]any{"start_date": time.Now().AddDate(0, 0, -30).Format(time.DateOnly)})
	if r.Code != http.StatusOK {
		b.t.Fatalf("start = %d %s", r.Code, r.Body)
	}
	ct, body := claimForm(map[string]string{"trajectory_id": tr.ID.String(), "milestone_code": "intake",
		"achieved_on": time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}, nil)
	r = b.postForm("/api/v1/claims", provider, ct, body)
	if r.Code != http.StatusCreated {
		b.t.Fatalf("claim = %d %s", r.Code, r.Body)
	}
	var c ClaimBody
	r.json(b.t, &c)
	r = b.postJSON("/api/v1/claims/"+c.ID.String()+"/approve", b.verifier, map[string]any{"note": "intake report seen"})
	if r.Code != http.StatusOK {
		b.t.Fatalf("approve claim = %d %s", r.Code, r.Body)
	}
	r.json(b.t, &c)
	return c
}

// thisMonth is the current calendar month, which holds every claim the
// tests approve today.
func thisMonth() (start, end string) {
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return first.Format(time.DateOnly), first.AddDate(0, 1, -1).Format(time.DateOnly)
}

// createRun creates this month's run as the first finance user.
func (b *billingEnv) createRun() PaymentRunBody {
	b.t.Helper()
	start, end := thisMonth()
	r := b.postJSON("/api/v1/payment-runs", b.finance, map[string]any{"period_start": start, "period_end": end})
	if r.Code != http.StatusCreated {
		b.t.Fatalf("create run = %d %s", r.Code, r.Body)
	}
	var run PaymentRunBody
	r.json(b.t, &run)
	return run
}

// waitForPDFs polls the run until every statement has its PDF.
func (b *billingEnv) waitForPDFs(runID string) PaymentRunBody {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var run PaymentRunBody
		b.get("/api/v1/payment-runs/"+runID, b.finance).json(b.t, &run)
		if run.PDFs != nil && run.PDFs.Ready {
			return run
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("statement PDFs not ready after 30 s: %+v", run.PDFs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestBillingAPIFullCycle(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	claim := b.approvedIntake(b.contract, b.provider)
	b.approvedIntake(b.contract2, b.provider2)
	start, end := thisMonth()

	// Create, then the same period again: the draft itself, with 200.
	run := b.createRun()
	if run.State != "draft" || run.StatementCount != 2 || run.TotalTransfer != "400.00" || run.PeriodStart != start || run.PeriodEnd != end ||
		run.CreatedBy != "fin@enschede.example" || run.PDFs != nil || len(run.Statements) != 2 {
		t.Fatalf("created run = %+v", run)
	}
	r := b.postJSON("/api/v1/payment-runs", b.finance2, map[string]any{"period_start": start, "period_end": end})
	var again PaymentRunBody
	r.json(t, &again)
	if r.Code != http.StatusOK || again.ID != run.ID {
		t.Fatalf("creating the same period again = %d run %s, want 200 and the draft %s", r.Code, again.ID, run.ID)
	}
	b.postJSON("/api/v1/payment-runs", b.finance, map[string]any{"period_start": end, "period_end": start}).problem(t, 422, "invalid_input")
	p := b.postJSON("/api/v1/payment-runs", b.finance, map[string]any{"period_start": "1 March", "period_end": end}).problem(t, 422, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "period_start" || p.Errors[0].Code != "invalid_date" {
		t.Fatalf("errors = %+v, want period_start invalid_date", p.Errors)
	}

	// The detail: statements with lines, money as strings, dates as dates.
	var detail PaymentRunBody
	b.get("/api/v1/payment-runs/"+run.ID.String(), b.auditor).json(t, &detail)
	st := detail.Statements[0]
	if st.ProviderName != "ROC van Twente" || st.Number != "" || st.Total != "200.00" || st.Subtotal != "200.00" || st.VATTotal != "0.00" ||
		st.ToTransfer != "200.00" || st.IBAN != "NL91ABNA0417164300" || len(st.Lines) != 1 {
		t.Fatalf("first statement = %+v", st)
	}
	st = detail.Statements[1]
	l := st.Lines[0]
	if st.ProviderName != "Taalhuis Twente" || l.Kind != "claim" || *l.ClaimID != claim.ID || l.MilestoneCode != "intake" || l.Amount != "200.00" ||
		l.NetAmount != "200.00" || l.VATRate != "" || l.AchievedOn != claim.AchievedOn || l.ParticipantReference != claim.ParticipantReference ||
		len(l.Funding) != 1 || l.Funding[0].ReportingCode != "INB" || l.Funding[0].Amount != "200.00" {
		t.Fatalf("Taalhuis statement %+v, line %+v", st, l)
	}
	var list RunsList
	b.get("/api/v1/payment-runs?state=draft", b.finance).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != run.ID {
		t.Fatalf("draft runs = %+v", list.Items)
	}
	b.get("/api/v1/payment-runs?state=paid", b.finance).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("paid runs = %+v, want none", list.Items)
	}
	b.get("/api/v1/payment-runs?state=done", b.finance).problem(t, 422, "invalid_input")

	// Four eyes: the creator cannot approve; a second finance user can.
	id := run.ID.String()
	b.postJSON("/api/v1/payment-runs/"+id+"/approve", b.finance, nil).problem(t, 409, "payment_run_creator_cannot_approve")
	b.postJSON("/api/v1/payment-runs/"+id+"/export", b.finance, nil).problem(t, 409, "payment_run_state")
	r = b.postJSON("/api/v1/payment-runs/"+id+"/approve", b.finance2, nil, "Idempotency-Key: approve-1")
	var got PaymentRunBody
	r.json(t, &got)
	if r.Code != http.StatusOK || got.State != "approved" || got.ApprovedBy != "fin2@enschede.example" || got.ApprovedAt == nil {
		t.Fatalf("approve = %d %+v", r.Code, got)
	}
	b.postJSON("/api/v1/payment-runs/"+id+"/cancel", b.finance, map[string]any{"reason": "too late"}).problem(t, 409, "payment_run_state")

	// The approval starts making the PDFs in the background once it has
	// committed (under its Idempotency-Key, after the answer is stored):
	// they get made without anyone reading the run's progress.
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, total, err := b.srv.billing.RunProgress(context.Background(), run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done == total {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d PDFs made 30 s after the approval", done, total)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The statements are numbered and their PDFs ready.
	detail = b.waitForPDFs(id)
	if detail.PDFs.Done != 2 || detail.PDFs.Total != 2 {
		t.Fatalf("PDF progress = %+v, want 2 of 2", detail.PDFs)
	}
	year := time.Now().UTC().Year()
	if detail.Statements[0].Number != fmt.Sprintf("%d-0001", year) || detail.Statements[1].Number != fmt.Sprintf("%d-0002", year) {
		t.Fatalf("numbers %q and %q", detail.Statements[0].Number, detail.Statements[1].Number)
	}
	taalhuis := detail.Statements[1]
	if taalhuis.PDFURL != "/api/v1/statements/"+taalhuis.ID.String()+".pdf" {
		t.Fatalf("pdf_url = %q", taalhuis.PDFURL)
	}
	r = b.get(taalhuis.PDFURL, b.provider)
	if r.Code != 200 || r.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body.String(), "%PDF") ||
		!strings.Contains(r.Header().Get("Content-Disposition"), taalhuis.Number) {
		t.Fatalf("statement PDF = %d %q %q", r.Code, r.Header().Get("Content-Type"), r.Header().Get("Content-Disposition"))
	}
	var one StatementBody
	b.get("/api/v1/statements/"+taalhuis.ID.String(), b.provider).json(t, &one)
	if one.Number != taalhuis.Number || len(one.Lines) != 1 || one.Lines[0].Amount != "200.00" {
		t.Fatalf("statement = %+v", one)
	}
	b.get("/api/v1/statements/not-an-id.pdf", b.provider).problem(t, 422, "invalid_input")

	// Nothing exported yet: no files.
	b.get("/api/v1/payment-runs/"+id+"/sepa.xml", b.finance).problem(t, 404, "payment_file_not_found")

	// Export: the SEPA file and the journal.
	r = b.postJSON("/api/v1/payment-runs/"+id+"/export", b.finance, nil)
	r.json(t, &got)
	if r.Code != 200 || got.State != "exported" || got.SEPAURL != "/api/v1/payment-runs/"+id+"/sepa.xml" || got.JournalURL == "" {
		t.Fatalf("export = %d %+v", r.Code, got)
	}
	r = b.get(got.SEPAURL, b.auditor)
	if r.Code != 200 || r.Header().Get("Content-Type") != "application/xml" || !strings.Contains(r.Body.String(), "pain.001.001.09") ||
		!strings.Contains(r.Body.String(), "<CtrlSum>400.00</CtrlSum>") || !strings.HasPrefix(r.Header().Get("Content-Disposition"), "attachment;") {
		t.Fatalf("SEPA file = %d %q:\n%s", r.Code, r.Header().Get("Content-Type"), r.Body)
	}
	r = b.get(got.JournalURL, b.finance)
	if r.Code != 200 || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") || !strings.Contains(r.Body.String(), "INB") ||
		!strings.Contains(r.Body.String(), "Taalhuis Twente") {
		t.Fatalf("journal = %d %q:\n%s", r.Code, r.Header().Get("Content-Type"), r.Body)
	}

	// Confirm, twice: the second changes nothing.
	for i := 0; i < 2; i++ {
		r = b.postJSON("/api/v1/payment-runs/"+id+"/confirm", b.finance2, nil)
		r.json(t, &got)
		if r.Code != 200 || got.State != "paid" || got.PaidBy != "fin2@enschede.example" {
			t.Fatalf("confirm #%d = %d %+v", i+1, r.Code, got)
		}
	}
	var paid ClaimBody
	b.get("/api/v1/claims/"+claim.ID.String(), b.finance).json(t, &paid)
	if paid.State != "paid" {
		t.Fatalf("claim after confirmation = %s, want paid", paid.State)
	}
	_, _, paidAmount, err := b.srv.pooling.Exposure(context.Background(), b.db.Gorm, b.contract.ID)
	if err != nil {
		t.Fatal(err)
	}
	if paidAmount.StringFixed(2) != "200.00" {
		t.Fatalf("paid on the contract = %s, want 200.00", paidAmount)
	}

	// A new claim, a new run, cancelled with a reason; nothing left to pay then.
	b.approvedIntake(b.contract, b.provider)
	run = b.createRun()
	r = b.postJSON("/api/v1/payment-runs/"+run.ID.String()+"/cancel", b.finance, map[string]any{"reason": "wrong period"})
	r.json(t, &got)
	if r.Code != 200 || got.State != "cancelled" || got.CancelReason != "wrong period" || got.CancelledBy != "fin@enschede.example" {
		t.Fatalf("cancel = %d %+v", r.Code, got)
	}
	b.postJSON("/api/v1/payment-runs/"+run.ID.String()+"/approve", b.finance2, nil).problem(t, 409, "payment_run_state")
	b.get("/api/v1/payment-runs/"+uuid.NewString(), b.finance).problem(t, 404, "payment_run_not_found")
}

// RunsList is a page of payment runs.
type RunsList struct {
	Items      []PaymentRunItem `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

// StatementsList is a page of statements.
type StatementsList struct {
	Items      []StatementItem `json:"items"`
	NextCursor string          `json:"next_cursor"`
}

func TestBillingAPIPermissions(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	b.approvedIntake(b.contract2, b.provider2)
	run := b.createRun()
	id := run.ID.String()
	if r := b.postJSON("/api/v1/payment-runs/"+id+"/approve", b.finance2, nil); r.Code != 200 {
		t.Fatalf("approve = %d %s", r.Code, r.Body)
	}
	if r := b.postJSON("/api/v1/payment-runs/"+id+"/export", b.finance2, nil); r.Code != 200 {
		t.Fatalf("export = %d %s", r.Code, r.Body)
	}
	detail := b.waitForPDFs(id)
	roc, taalhuis := detail.Statements[0].ID.String(), detail.Statements[1].ID.String()

	// Reads: finance and the auditor; a provider only its own statements.
	const ok, forbidden, notFound = http.StatusOK, http.StatusForbidden, http.StatusNotFound
	reads := []struct {
		path                                                     string
		finance, auditor, provider, other, casemanager, verifier int
	}{
		{"/api/v1/payment-runs", ok, ok, forbidden, forbidden, forbidden, forbidden},
		{"/api/v1/payment-runs/" + id, ok, ok, forbidden, forbidden, forbidden, forbidden},
		{"/api/v1/payment-runs/" + id + "/statements", ok, ok, forbidden, forbidden, forbidden, forbidden},
		{"/api/v1/payment-runs/" + id + "/sepa.xml", ok, ok, forbidden, forbidden, forbidden, forbidden},
		{"/api/v1/payment-runs/" + id + "/journal.csv", ok, ok, forbidden, forbidden, forbidden, forbidden},
		{"/api/v1/statements", ok, ok, ok, ok, forbidden, forbidden},
		{"/api/v1/statements/" + taalhuis, ok, ok, ok, notFound, forbidden, forbidden},
		{"/api/v1/statements/" + taalhuis + ".pdf", ok, ok, ok, notFound, forbidden, forbidden},
	}
	for _, c := range reads {
		for _, who := range []struct {
			name, token string
			want        int
		}{{"finance", b.finance, c.finance}, {"auditor", b.auditor, c.auditor}, {"provider", b.provider, c.provider},
			{"other provider", b.provider2, c.other}, {"case manager", b.casemanager, c.casemanager}, {"verifier", b.verifier, c.verifier}} {
			if got := b.get(c.path, who.token).Code; got != who.want {
				t.Errorf("%s GET %s = %d, want %d", who.name, c.path, got, who.want)
			}
		}
	}

	// A provider's list holds only its own statements.
	var sts StatementsList
	b.get("/api/v1/statements", b.provider).json(t, &sts)
	if len(sts.Items) != 1 || sts.Items[0].ID.String() != taalhuis {
		t.Fatalf("the provider lists %+v, want only %s", sts.Items, taalhuis)
	}
	b.get("/api/v1/statements/"+roc+".pdf", b.provider).problem(t, 404, "statement_not_found")
	b.get("/api/v1/payment-runs/"+uuid.NewString()+"/statements", b.finance).problem(t, 404, "payment_run_not_found")
	b.get("/api/v1/payment-runs/"+id+"/statements", b.finance).json(t, &sts)
	if len(sts.Items) != 2 {
		t.Fatalf("the run's statements = %+v, want two without lines", sts.Items)
	}

	// Writes: finance only.
	start, end := thisMonth()
	writes := []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/payment-runs", map[string]any{"period_start": start, "period_end": end}},
		{"/api/v1/payment-runs/" + id + "/approve", nil},
		{"/api/v1/payment-runs/" + id + "/export", nil},
		{"/api/v1/payment-runs/" + id + "/confirm", nil},
		{"/api/v1/payment-runs/" + id + "/cancel", map[string]any{"reason": "no"}},
	}
	for _, w := range writes {
		for _, who := range []struct{ name, token string }{{"auditor", b.auditor}, {"provider", b.provider}, {"case manager", b.casemanager}, {"verifier", b.verifier}} {
			if got := b.postJSON(w.path, who.token, w.body).Code; got != forbidden {
				t.Errorf("%s POST %s = %d, want 403", who.name, w.path, got)
			}
		}
	}
	var after PaymentRunBody
	b.get("/api/v1/payment-runs/"+id, b.finance).json(t, &after)
	if after.State != "exported" {
		t.Fatalf("after refused writes the run is %s, want exported", after.State)
	}
}

// TestBillingOpenAPIDocumentsThePDF checks the PDF download, served by the
// statement's route, has an operation of its own in the document.
func TestBillingOpenAPIDocumentsThePDF(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Responses   map[string]struct {
				Content map[string]any `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	e.get("/api/openapi.json", "").json(t, &doc)
	pdf := doc.Paths["/api/v1/statements/{id}.pdf"]["get"]
	if pdf.OperationID != "get-statement-pdf" || pdf.Responses["200"].Content["application/pdf"] == nil || pdf.Responses["404"].Content["application/problem+json"] == nil {
		t.Fatalf("PDF operation = %+v", pdf)
	}
	sepa := doc.Paths["/api/v1/payment-runs/{id}/sepa.xml"]["get"]
	if sepa.Responses["200"].Content["application/xml"] == nil {
		t.Fatalf("SEPA operation = %+v", sepa)
	}
	create := doc.Paths["/api/v1/payment-runs"]["post"]
	if create.Responses["201"].Content == nil {
		t.Fatalf("create operation = %+v", create)
	}
}

func TestStatementPDFJobsOncePerRunAndClose(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	run := b.createRun()
	// Approved through the service, so that no job starts by itself.
	ctx := context.Background()
	fin2, err := b.access.ActorByToken(ctx, b.finance2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.srv.billing.ApproveRun(ctx, fin2, run.ID); err != nil {
		t.Fatal(err)
	}

	// While a job for the run is under way, another does not start.
	j := b.srv.pdfJobs()
	j.running.Store(run.ID, struct{}{})
	if b.srv.startStatementPDFs(ctx, run.ID) {
		t.Fatal("a second job started for a run that has one")
	}
	j.running.Delete(run.ID)

	// Two requests at once: at least one starts, and together they store each PDF once.
	started := make(chan bool, 2)
	for i := 0; i < 2; i++ {
		go func() { started <- b.srv.startStatementPDFs(ctx, run.ID) }()
	}
	if a, b := <-started, <-started; !a && !b {
		t.Fatal("no job started")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		done, total, err := b.srv.billing.RunProgress(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done == total && total == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s %d of %d PDFs, want 1 of 1", done, total)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Close waits for the jobs and forgets them.
	b.srv.Close()
	b.srv.jobsMu.Lock()
	left := b.srv.jobs
	b.srv.jobsMu.Unlock()
	if left != nil {
		t.Fatal("Close left the server's jobs in place")
	}
}

// Many parallel creations of the same period's run, by one finance user
// over real connections: one run, exactly one 201, every other caller 200
// with that run.
func TestCreateRunInParallelOneCreated(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	srv := httptest.NewServer(b.handler)
	defer srv.Close()
	start, end := thisMonth()
	body := fmt.Sprintf(`{"period_start":%q,"period_end":%q}`, start, end)
	const n = 12
	codes := make([]int, n)
	ids := make([]uuid.UUID, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/payment-runs", strings.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Authorization", "Bearer "+b.finance)
			req.Header.Set("Content-Type", "application/json")
			res, err := srv.Client().Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			var run PaymentRunBody
			codes[i] = res.StatusCode
			errs[i] = json.NewDecoder(res.Body).Decode(&run)
			ids[i] = run.ID
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		switch codes[i] {
		case http.StatusCreated:
			created++
		case http.StatusOK:
		default:
			t.Fatalf("caller %d got %d", i, codes[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("caller %d got run %s, caller 0 %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d callers were told 201 Created, want exactly 1 (codes %v)", created, codes)
	}
	var runs int64
	if err := b.db.Gorm.Raw(`SELECT count(*) FROM payment_runs`).Scan(&runs).Error; err != nil || runs != 1 {
		t.Fatalf("%d runs (%v), want 1", runs, err)
	}
}
