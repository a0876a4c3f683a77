package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
)

// browserMilestone types one row of the schedule editor.
func browserMilestone(i int, code, name, domain, share, deadline, prerequisites string) chromedp.Action[chromedp.Void] {
	id := func(field string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("#m%d-%s", i, field)) }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(id("code"), code),
		chromedp.SendKeys(id("name"), name),
		chromedp.SetValue(id("domain"), domain),
		chromedp.SendKeys(id("share"), share),
		chromedp.SendKeys(id("deadline"), deadline),
	}
	if prerequisites != "" {
		steps = append(steps, chromedp.SendKeys(id("prerequisites"), prerequisites))
	}
	return chromedp.Steps(steps...)
}

// browserLoad clicks something that loads a page and waits until the page
// has loaded, so that the next step does not act on the page it replaced.
func browserLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
}

// browserValue reads an input's current value.
func browserValue(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

func TestBrowserProcurementBuildsAndActivatesContract(t *testing.T) {
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	budget := e.fundedBudget()
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx := newBrowser(t)
	browserLogin(t, ctx, ts.URL, "inkoop@enschede.example")

	// Register the provider through the form.
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/providers"),
		chromedp.WaitVisible(chromedp.CSS("#legal_name")),
		chromedp.SendKeys(chromedp.CSS("#legal_name"), "Taalhuis Twente"),
		chromedp.SendKeys(chromedp.CSS("#kvk"), "12345678"),
		chromedp.SendKeys(chromedp.CSS("#iban"), "NL91 ABNA 0417 1643 00"),
		chromedp.SendKeys(chromedp.CSS("#bic"), "ABNANL2A"),
		chromedp.SendKeys(chromedp.CSS("#city"), "Enschede"),
		chromedp.SendKeys(chromedp.CSS("#contact_email"), "info@taalhuis.example"),
	)
	if err != nil {
		t.Fatalf("type the provider: %v", err)
	}
	browserLoad(t, ctx, `form[action="/providers"] button[type="submit"]`)
	if got := pageText(t, ctx, "p.flash", "De aanbieder is geregistreerd."); got != "De aanbieder is geregistreerd." {
		t.Fatalf("flash after registering = %q", got)
	}
	if got := pageTextContaining(t, ctx, "main table tbody", "Taalhuis Twente", "NL91ABNA0417164300"); !strings.Contains(got, "Taalhuis Twente") || !strings.Contains(got, "NL91ABNA0417164300") {
		t.Fatalf("providers table = %q, want the new provider", got)
	}
	providers, _, err := e.srv.contracts.ListProviders(context.Background(), access.System("test"), contracts.ProviderFilter{Page: database.Page{Limit: 10}})
	if err != nil || len(providers) != 1 {
		t.Fatalf("providers after registering = %v, %v", providers, err)
	}

	// Build the contract: terms, product, and a schedule typed in the
	// default four rows with one row too many, then a row added and the
	// wrong one removed.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/contracts")); err != nil {
		t.Fatal(err)
	}
	browserLoad(t, ctx, `a[href="/contracts/new"]`)
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#provider_id"), providers[0].ID.String()),
		chromedp.SendKeys(chromedp.CSS("#reference"), "ENS-2005-001"),
		chromedp.SendKeys(chromedp.CSS("#title"), "Taaltrajecten 2005"),
		chromedp.SetValue(chromedp.CSS("#period_start"), "2005-01-01"),
		chromedp.SetValue(chromedp.CSS("#period_end"), "2005-12-31"),
		chromedp.SetValue(chromedp.CSS("#budget_id"), budget.String()),
		chromedp.SendKeys(chromedp.CSS("#ceiling"), "100000"),
		chromedp.SendKeys(chromedp.CSS("#capacity"), "40"),
		chromedp.SetValue(chromedp.CSS("#product-category"), "language"),
		chromedp.SendKeys(chromedp.CSS("#product-code"), "NT2-A2"),
		chromedp.SendKeys(chromedp.CSS("#product-name"), "Taaltraject NT2 tot A2"),
		chromedp.SendKeys(chromedp.CSS("#product-price"), "2450,55"),
		browserMilestone(0, "intake", "Intake", "intake", "10", "2", ""),
		browserMilestone(1, "a2", "A2 behaald", "language", "40", "12", "intake"),
		chromedp.Click(chromedp.CSS("#m1-evidence")),
		chromedp.SendKeys(chromedp.CSS("#m1-kinds"), "exam_result"),
		browserMilestone(2, "oops", "Verkeerde rij", "social", "5", "1", ""),
		browserMilestone(3, "exam", "Examen KNM", "language", "20", "15", ""),
	)
	if err != nil {
		t.Fatalf("type the contract: %v", err)
	}
	browserLoad(t, ctx, "#add-row")
	for sel, want := range map[string]string{"#reference": "ENS-2005-001", "#product-price": "2450,55", "#m0-code": "intake",
		"#m1-kinds": "exam_result", "#m2-code": "oops", "#m3-share": "20", "#m4-code": ""} {
		if got := browserValue(t, ctx, sel); got != want {
			t.Errorf("after adding a row %s = %q, want %q", sel, got, want)
		}
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#m1-evidence").checked`))
	if err != nil || !checked {
		t.Errorf("after adding a row the evidence box of row 2 is not ticked (%v)", err)
	}

	if err := chromedp.Do(ctx, browserMilestone(4, "job", "Startkwalificatie of werk", "participation", "30", "24", "a2")); err != nil {
		t.Fatalf("type the added row: %v", err)
	}
	browserLoad(t, ctx, "#m2-remove")
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS("#m4-code"))); err != nil {
		t.Fatalf("the removed row is still there: %v", err)
	}
	for sel, want := range map[string]string{"#m0-code": "intake", "#m1-code": "a2", "#m2-code": "exam", "#m3-code": "job",
		"#m3-share": "30", "#m3-prerequisites": "a2", "#reference": "ENS-2005-001"} {
		if got := browserValue(t, ctx, sel); got != want {
			t.Errorf("after removing row 3 %s = %q, want %q", sel, got, want)
		}
	}
	if got := pageText(t, ctx, "#share-total", "Samen: 100 %"); got != "Samen: 100 %" {
		t.Errorf("share total = %q, want Samen: 100 %%", got)
	}

	// Save the draft, then activate it.
	browserLoad(t, ctx, "#save")
	if got := pageText(t, ctx, "#contract-status", "Concept"); got != "Concept" {
		t.Errorf("saved contract status = %q, want Concept", got)
	}
	browserLoad(t, ctx, "#activate")
	if err := chromedp.Do(ctx, chromedp.WaitNotPresent(chromedp.CSS("#activate")), chromedp.WaitVisible(chromedp.CSS("#suspend"))); err != nil {
		t.Fatalf("after activating: %v", err)
	}
	if got := pageText(t, ctx, "#contract-status", "Actief"); got != "Actief" {
		t.Errorf("status after activating = %q, want Actief", got)
	}
	if got := pageText(t, ctx, "p.flash", "Het contract is actief."); got != "Het contract is actief." {
		t.Errorf("flash after activating = %q", got)
	}
	tranches, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("table.contracts-milestones td.tranche")].map(td => td.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"€ 245,06", "€ 980,22", "€ 490,11", "€ 735,16"}
	if strings.Join(tranches, "|") != strings.Join(want, "|") {
		t.Errorf("tranche amounts = %q, want %q", tranches, want)
	}
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`[...document.querySelectorAll("table.contracts-milestones tbody th")].map(th => th.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(codes, ",") != "intake,a2,exam,job" {
		t.Errorf("milestones = %q, want intake, a2, exam, job", codes)
	}

	// The contract is in the list, active.
	browserLoad(t, ctx, `nav.main a[href="/contracts"]`)
	if row := pageTextContaining(t, ctx, "main table tbody tr", "ENS-2005-001", "Actief", "Taalhuis Twente"); !strings.Contains(row, "ENS-2005-001") || !strings.Contains(row, "Actief") || !strings.Contains(row, "Taalhuis Twente") {
		t.Errorf("contracts list row = %q", row)
	}
}
