package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserPaymentRunFourEyes walks a payment run in Chromium: one
// finance user creates it, another approves it, watches the statement
// PDFs being made, and a PDF downloads.
func TestBrowserPaymentRunFourEyes(t *testing.T) {
	b := newBillingEnv(t)
	b.approvedIntake(b.contract, b.provider)
	b.approvedIntake(b.contract2, b.provider2)
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	start, end := thisMonth()
	ctx := newBrowser(t)

	// The first finance user creates this month's run.
	browserLogin(t, ctx, ts.URL, "fin@enschede.example")
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/payment-runs"),
		chromedp.WaitVisible(chromedp.CSS("#create-run-form")),
		chromedp.SetValue(chromedp.CSS("#period_start"), start),
		chromedp.SetValue(chromedp.CSS("#period_end"), end),
	)
	if err != nil {
		t.Fatalf("create the run: %v", err)
	}
	browserLoad(t, ctx, `#create-run-form button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#run-state"))); err != nil {
		t.Fatalf("create the run: %v", err)
	}
	if got := pageText(t, ctx, "#run-state", "Concept"); got != "Concept" {
		t.Fatalf("new run's state = %q, want Concept", got)
	}
	if got := pageTextContaining(t, ctx, "#own-run", "een andere medewerker van financiën keurt hem goed"); !strings.Contains(got, "een andere medewerker van financiën keurt hem goed") {
		t.Fatalf("the creator is told %q", got)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#approve-form').length`))
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("the creator is offered the approval")
	}
	runURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	outcomesBrowserLogout(t, ctx)

	// The second finance user approves it and sees the PDFs being made.
	// The test holds the PDFs' table, so that the page surely shows the
	// work under way and htmx, not a reload, brings the end of it.
	browserLogin(t, ctx, ts.URL, "fin2@enschede.example")
	if err := chromedp.Do(ctx, chromedp.Navigate(runURL), chromedp.WaitVisible(chromedp.CSS("#approve-form"))); err != nil {
		t.Fatalf("open the run: %v", err)
	}
	hold := b.db.Gorm.Begin()
	t.Cleanup(func() { hold.Rollback() })
	if err := hold.Exec(`LOCK TABLE statement_pdfs IN EXCLUSIVE MODE`).Error; err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	browserLoad(t, ctx, `#approve-form button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.flash")), chromedp.WaitVisible(chromedp.CSS("#pdf-progress"))); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if got := pageText(t, ctx, "#run-state", "Goedgekeurd"); got != "Goedgekeurd" {
		t.Fatalf("state after approval = %q, want Goedgekeurd", got)
	}
	if got := pageText(t, ctx, "#pdf-progress label", "PDF's: 0 van 2"); got != "PDF's: 0 van 2" {
		t.Fatalf("progress reads %q, want PDF's: 0 van 2", got)
	}
	polling, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#pdf-progress').getAttribute('hx-trigger')`))
	if err != nil {
		t.Fatal(err)
	}
	if polling != "every 2s" {
		t.Fatalf("the progress polls with %q, want every 2s", polling)
	}
	if err := hold.Commit().Error; err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#pdf-progress[data-ready="true"]`)))
	if err != nil {
		t.Fatalf("wait for the PDFs: %v", err)
	}
	if got := pageText(t, ctx, "#pdf-progress label", "PDF's: 2 van 2"); got != "PDF's: 2 van 2" {
		t.Fatalf("progress when ready = %q", got)
	}
	if got := pageText(t, ctx, "p.flash", "De betaalrun is goedgekeurd. De PDF's worden gemaakt."); got != "De betaalrun is goedgekeurd. De PDF's worden gemaakt." {
		t.Fatalf("the page was reloaded (flash %q) instead of updated in place", got)
	}

	// A statement's PDF downloads.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('a.billing-pdf').href).then(async r => {
			const head = new Uint8Array(await r.arrayBuffer()).slice(0, 4);
			return r.status + ' ' + r.headers.get('content-type') + ' ' + String.fromCharCode(...head);
		})`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the PDF: %v", err)
	}
	if got != "200 application/pdf %PDF" {
		t.Fatalf("statement PDF answers %q, want 200 application/pdf %%PDF", got)
	}
}
