package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// outcomesBrowserLogout logs out with the header's button.
func outcomesBrowserLogout(t *testing.T, ctx context.Context) {
	t.Helper()
	browserLoad(t, ctx, `header form[action="/logout"] button`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#email"))); err != nil {
		t.Fatalf("log out: %v", err)
	}
}

// TestBrowserReferralToApprovedClaim walks the outcome path in Chromium: a
// case manager refers, the provider starts the trajectory and claims the
// intake with a PDF, a verifier opens the evidence and approves; the
// tranche moves from committed to payable.
func TestBrowserReferralToApprovedClaim(t *testing.T) {
	o := newOutcomeEnv(newTestEnv(t))
	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	var p ParticipantBody
	if r := o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"given_names": "Leyla", "family_name": "Şahin"}); r.Code != http.StatusCreated {
		t.Fatalf("create participant = %d %s", r.Code, r.Body)
	} else {
		r.json(t, &p)
	}
	pdf := filepath.Join(t.TempDir(), "intakeverslag.pdf")
	if err := os.WriteFile(pdf, pagePDF, 0o600); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	ctx := newBrowser(t)

	// The case manager refers the participant to the NT2 product.
	browserLogin(t, ctx, ts.URL, "loods@enschede.example")
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/participants/"+p.ID.String()),
		chromedp.WaitVisible(chromedp.CSS("#offer")),
		chromedp.SetValue(chromedp.CSS("#offer"), o.contract.ID.String()+"/NT2"),
		chromedp.SendKeys(chromedp.CSS("#note"), "Wil graag snel beginnen"),
	)
	if err != nil {
		t.Fatalf("refer: %v", err)
	}
	browserLoad(t, ctx, `form[action$="/refer"] button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
		t.Fatalf("refer: %v", err)
	}
	if got := pageText(t, ctx, "p.flash", "De deelnemer is verwezen."); got != "De deelnemer is verwezen." {
		t.Fatalf("after referring the page says %q", got)
	}
	outcomesBrowserLogout(t, ctx)

	// The provider starts it and claims the intake with a PDF.
	browserLogin(t, ctx, ts.URL, "staff@taalhuis.example")
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/referrals"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="start_date"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="start_date"]`), today),
	)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	browserLoad(t, ctx, `form[action$="/start"] button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#trajectory-state"))); err != nil {
		t.Fatalf("start: %v", err)
	}
	if got := pageText(t, ctx, "#trajectory-state", "Lopend"); got != "Lopend" {
		t.Fatalf("trajectory state after the start = %q, want Lopend", got)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#achieved_on-intake"), today),
		chromedp.SetUploadFiles(chromedp.CSS("#evidence-intake"), []string{pdf}),
		chromedp.SendKeys(chromedp.CSS("#note-intake"), "Intakegesprek gevoerd"),
	)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	browserLoad(t, ctx, `#claim-intake button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#claim-state"))); err != nil {
		t.Fatalf("claim: %v", err)
	}
	if got := pageText(t, ctx, "#claim-state", "Ingediend"); got != "Ingediend" {
		t.Fatalf("claim state = %q, want Ingediend", got)
	}
	claimURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	claimPath := strings.TrimPrefix(claimURL, ts.URL)
	if !strings.HasPrefix(claimPath, "/claims/") {
		t.Fatalf("after the claim the browser is at %s", claimURL)
	}
	outcomesBrowserLogout(t, ctx)

	// A verifier finds it in the queue, views the evidence and approves.
	browserLogin(t, ctx, ts.URL, "toets@enschede.example")
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/verify"),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+claimPath+`"]`)),
	)
	if err != nil {
		t.Fatalf("open the claim from the queue: %v", err)
	}
	browserLoad(t, ctx, `a[href="`+claimPath+`"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#approve-form"))); err != nil {
		t.Fatalf("open the claim from the queue: %v", err)
	}
	evidence, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('.outcomes-evidence a').href).then(r => r.status + ' ' + r.headers.get('content-type'))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the evidence: %v", err)
	}
	if evidence != "200 application/pdf" {
		t.Fatalf("evidence link answers %q, want 200 application/pdf", evidence)
	}
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#approve_note"), "Intakeverslag in orde"),
	)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	browserLoad(t, ctx, `#approve-form button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.flash"))); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if got := pageText(t, ctx, "#claim-state", "Goedgekeurd"); got != "Goedgekeurd" {
		t.Fatalf("claim state after approval = %q, want Goedgekeurd", got)
	}

	// The intake's tranche moved from committed to payable.
	committed, payable, paid, err := o.srv.pooling.Exposure(context.Background(), o.db.Gorm, o.contract.ID)
	if err != nil {
		t.Fatal(err)
	}
	if payable.StringFixed(2) != "200.00" || committed.StringFixed(2) != "1800.00" || !paid.IsZero() {
		t.Fatalf("contract exposure committed %s payable %s paid %s, want 1800.00, 200.00 and 0.00", committed, payable, paid)
	}
}
