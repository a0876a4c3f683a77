package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/euregio/tranche/internal/access"
)

// A procurement officer creates two funding streams with different
// earmarks, a budget, allocates both and reads the accountability report.
func TestBrowserFundingPath(t *testing.T) {
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx := newBrowser(t)
	browserLogin(t, ctx, ts.URL, "inkoop@enschede.example")

	stream := func(funder, name, code, amount string, earmark []string) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(ts.URL + "/funding-streams"),
			chromedp.WaitVisible(chromedp.CSS("#funder")),
			chromedp.SendKeys(chromedp.CSS("#funder"), funder),
			chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.SendKeys(chromedp.CSS("#reporting_code"), code),
			chromedp.SendKeys(chromedp.CSS("#amount"), amount),
			chromedp.SetValue(chromedp.CSS("#valid_from"), "2005-01-01"),
			chromedp.SetValue(chromedp.CSS("#valid_to"), "2005-12-31"),
		}
		for _, code := range earmark {
			steps = append(steps, chromedp.Click(chromedp.CSS(`input[name="earmark"][value="`+code+`"]`)))
		}
		if len(earmark) == 0 {
			steps = append(steps, chromedp.Click(chromedp.CSS(`input[name="unrestricted"]`)))
		}
		steps = append(steps, chromedp.Click(chromedp.CSS(`form[action="/funding-streams"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("p.flash")))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("create stream %s: %v", code, err)
		}
	}
	stream("Ministerie van Justitie", "Rijksbijdrage inburgering", "INB-2005", "120000,00", []string{"language", "civic_integration"})
	stream("Gemeente Enschede", "Eigen middelen", "EM-2005", "30000", nil)
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"INB-2005", "EM-2005"} {
		if !strings.Contains(page, want) {
			t.Fatalf("the streams page lacks %s:\n%s", want, page)
		}
	}

	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/budgets"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Integratie 2005"),
		chromedp.SetValue(chromedp.CSS("#period_start"), "2005-01-01"),
		chromedp.SetValue(chromedp.CSS("#period_end"), "2005-12-31"),
		chromedp.Click(chromedp.CSS(`form[action="/budgets"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")),
		chromedp.Click(chromedp.CSS(`a[href^="/budgets/"]`)),
		chromedp.WaitVisible(chromedp.CSS("#funding_stream_id")),
	)
	if err != nil {
		t.Fatalf("create and open the budget: %v", err)
	}
	allocate := func(label, amount string) {
		t.Helper()
		value, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#funding_stream_id option')].find(o => o.textContent.includes('`+label+`')).value`))
		if err != nil {
			t.Fatalf("find stream %s in the select: %v", label, err)
		}
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('p.flash').forEach(p => p.remove())`),
			chromedp.SetValue(chromedp.CSS("#funding_stream_id"), value),
			chromedp.SendKeys(chromedp.CSS("#amount"), amount),
			chromedp.Click(chromedp.CSS(`form[action$="/allocations"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("p.flash, .error-box, .field-error")),
		)
		if err != nil {
			t.Fatalf("allocate %s: %v", label, err)
		}
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.error-box, .field-error')].map(e => e.textContent).join('; ')`))
		if err != nil {
			t.Fatal(err)
		}
		if problems != "" {
			t.Fatalf("allocating %s: %s", label, problems)
		}
	}
	allocate("INB-2005", "100000")
	allocate("EM-2005", "30000,00")

	report, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.report")))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Rijksbijdrage inburgering", "Eigen middelen", "€ 100.000,00", "€ 30.000,00", "€ 130.000,00"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	total, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.report tfoot")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(total, "€ 130.000,00") != 2 {
		t.Errorf("the total line should show 130.000,00 allocated and available: %q", total)
	}
	csvType, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.querySelector('a[href$="report.csv"]').href).then(r => r.status + ' ' + r.headers.get('content-type'))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(csvType, "200 text/csv") {
		t.Fatalf("the CSV download answers %q", csvType)
	}
}
