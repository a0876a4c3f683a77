package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/euregio/tranche/internal/access"
)

// poolingBrowserSubmit clicks a form's submit button, waits for the page
// the form leads to and checks its status (after any redirect).
func poolingBrowserSubmit(t *testing.T, ctx context.Context, form string, wantStatus int) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	if err != nil {
		t.Fatalf("submit %s: %v", form, err)
	}
	if resp.Status != int64(wantStatus) {
		t.Fatalf("submit %s: status %d, want %d", form, resp.Status, wantStatus)
	}
}

// poolingBrowserRows reads the visible text of every cell of the rows the
// selector finds, one slice per row, keyed by the row's first cell.
func poolingBrowserRows(t *testing.T, ctx context.Context, rows string) map[string][]string {
	t.Helper()
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
		`Array.from(document.querySelectorAll(`+strconv.Quote(rows)+`)).map(tr => Array.from(tr.cells).map(c => c.innerText.trim()))`))
	if err != nil {
		t.Fatalf("rows %s: %v", rows, err)
	}
	out := map[string][]string{}
	for _, r := range cells {
		if len(r) > 0 {
			out[r[0]] = r
		}
	}
	return out
}

// A procurement officer records two funding streams with different
// earmarks, creates a budget, allocates both streams into it (after one
// refused over-allocation) and reads the accountability report and its CSV.
func TestBrowserPoolingFundingPath(t *testing.T) {
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx := newBrowser(t)
	browserLogin(t, ctx, ts.URL, "inkoop@enschede.example")

	// Two funding streams: one earmarked for language and civic
	// integration, one unrestricted.
	type stream struct {
		funder, name, code, amount string
		earmark                    []string // none: unrestricted
	}
	for _, s := range []stream{
		{"Ministerie van SZW", "Rijksbijdrage inburgering", "NIG-2005", "10000,00", []string{"language", "civic_integration"}},
		{"Gemeente Enschede", "Gemeentelijk werkbudget", "GWB-2005", "5000", nil},
	} {
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(ts.URL + "/funding-streams"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/funding-streams"] input[name="funder"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="funder"]`), s.funder),
			chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), s.name),
			chromedp.SendKeys(chromedp.CSS(`input[name="reporting_code"]`), s.code),
			chromedp.SendKeys(chromedp.CSS(`input[name="amount"]`), s.amount),
			chromedp.SetValue(chromedp.CSS(`input[name="valid_from"]`), "2005-01-01"),
			chromedp.SetValue(chromedp.CSS(`input[name="valid_to"]`), "2005-12-31"),
		}
		for _, c := range s.earmark {
			steps = append(steps, chromedp.Click(chromedp.CSS(`input[name="earmark"][value="`+c+`"]`)))
		}
		if len(s.earmark) == 0 {
			steps = append(steps, chromedp.Click(chromedp.CSS(`input[name="unrestricted"]`)))
		}
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("type stream %s: %v", s.code, err)
		}
		poolingBrowserSubmit(t, ctx, `form[action="/funding-streams"]`, http.StatusOK)
		if got := pageText(t, ctx, "p.flash", "De geldstroom is vastgelegd."); got != "De geldstroom is vastgelegd." {
			t.Fatalf("flash after stream %s = %q", s.code, got)
		}
	}
	split, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('input[name="earmark"]')).map(i => i.closest('label')).
			filter(l => l.getClientRects().length !== 1 || Math.abs(l.querySelector('input').getBoundingClientRect().top - l.getBoundingClientRect().top) > l.getBoundingClientRect().height / 2).
			map(l => l.innerText.trim())`))
	if err != nil || len(split) != 0 {
		t.Errorf("earmark checkboxes apart from their labels: %v (%v)", split, err)
	}
	streams := poolingBrowserRows(t, ctx, "main table tbody tr")
	if len(streams) != 2 {
		t.Fatalf("streams table has %d rows, want 2: %v", len(streams), streams)
	}
	// Name, funder, code, validity, earmark, amount, unallocated.
	for name, want := range map[string][]string{
		"Rijksbijdrage inburgering": {"Rijksbijdrage inburgering", "Ministerie van SZW", "NIG-2005", "01-01-2005 – 31-12-2005", "Inburgering (KNM/ONA), Taal (NT2)", "€ 10.000,00", "€ 10.000,00"},
		"Gemeentelijk werkbudget":   {"Gemeentelijk werkbudget", "Gemeente Enschede", "GWB-2005", "01-01-2005 – 31-12-2005", "Vrij besteedbaar", "€ 5.000,00", "€ 5.000,00"},
	} {
		// The last cell, the link to correct the stream, is checked elsewhere.
		if got := strings.Join(streams[name][:min(len(want), len(streams[name]))], " | "); got != strings.Join(want, " | ") {
			t.Errorf("stream row %s:\n got %s\nwant %s", name, got, strings.Join(want, " | "))
		}
	}

	// A budget for 2005; creating it leads to its page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/budgets"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/budgets"] input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "Integratie 2005"),
		chromedp.SetValue(chromedp.CSS(`input[name="period_start"]`), "2005-01-01"),
		chromedp.SetValue(chromedp.CSS(`input[name="period_end"]`), "2005-12-31"),
	)
	if err != nil {
		t.Fatalf("type the budget: %v", err)
	}
	poolingBrowserSubmit(t, ctx, `form[action="/budgets"]`, http.StatusOK)
	if got := pageText(t, ctx, "p.flash", "Het budget is aangemaakt."); got != "Het budget is aangemaakt." {
		t.Fatalf("flash after the budget = %q", got)
	}
	if got := pageText(t, ctx, "main h1", "Integratie 2005"); got != "Integratie 2005" {
		t.Fatalf("budget page heading = %q", got)
	}
	budgetURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasPrefix(budgetURL, ts.URL+"/budgets/") {
		t.Fatalf("budget page at %q (%v)", budgetURL, err)
	}
	allocForm := `form[action$="/allocations"]`

	// allocate chooses a stream by the reporting code its option shows and
	// types the amount.
	allocate := func(code, amount string, wantStatus int) {
		t.Helper()
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](
			`(Array.from(document.querySelectorAll('select[name="funding_stream_id"] option')).find(o => o.textContent.includes("(`+code+`)")) || {value: ""}).value`))
		if err != nil || id == "" {
			t.Fatalf("no option for stream %s in the allocation form (%v)", code, err)
		}
		if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`select[name="funding_stream_id"]`), id)); err != nil {
			t.Fatalf("choose stream %s (%s): %v", code, id, err)
		}
		// Clear what a refused attempt left, then type.
		err = chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`void (document.querySelector('`+allocForm+` input[name="amount"]').value = "")`),
			chromedp.SendKeys(chromedp.CSS(allocForm+` input[name="amount"]`), amount),
		)
		if err != nil {
			t.Fatalf("type allocation %s %s: %v", code, amount, err)
		}
		poolingBrowserSubmit(t, ctx, allocForm, wantStatus)
	}

	// More than the stream holds is refused beside the amount, input kept.
	allocate("NIG-2005", "10000,01", http.StatusConflict)
	if got := pageText(t, ctx, "#amount-error", "Dit is meer dan de geldstroom nog kan toewijzen."); got != "Dit is meer dan de geldstroom nog kan toewijzen." {
		t.Fatalf("over-allocation error = %q", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(allocForm+` input[name="amount"]`))); err != nil || got != "10000,01" {
		t.Fatalf("amount after the refusal = %q (%v), want the input kept", got, err)
	}

	allocate("NIG-2005", "6000,00", http.StatusOK)
	if got := pageText(t, ctx, "p.flash", "Het geld is toegewezen."); got != "Het geld is toegewezen." {
		t.Fatalf("flash after the first allocation = %q", got)
	}
	allocate("GWB-2005", "2500.50", http.StatusOK)
	if got := pageText(t, ctx, "p.flash", "Het geld is toegewezen."); got != "Het geld is toegewezen." {
		t.Fatalf("flash after the second allocation = %q", got)
	}

	// The allocations table lists both, with their amounts.
	allocs := poolingBrowserRows(t, ctx, "main table:not(.report) tbody tr")
	for name, want := range map[string]string{"Rijksbijdrage inburgering": "€ 6.000,00", "Gemeentelijk werkbudget": "€ 2.500,50"} {
		r := allocs[name]
		if len(r) != 4 || r[len(r)-1] != want {
			t.Errorf("allocation row %s = %q, want amount %s", name, r, want)
		}
	}
	if len(allocs) != 2 {
		t.Errorf("allocations table has %d rows, want 2: %v", len(allocs), allocs)
	}

	// The report: per stream and in total, everything allocated is
	// available and nothing is committed, payable, paid, released or
	// clawed back yet.
	if got := pageText(t, ctx, "main h2:last-of-type", "Verantwoording"); got != "Verantwoording" {
		t.Errorf("report heading = %q", got)
	}
	// The report, wider than the window, scrolls in its box; the page does not.
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](
		`[document.documentElement.scrollWidth, document.documentElement.clientWidth, document.querySelector('table.report').scrollWidth]`))
	if err != nil || len(overflow) != 3 || overflow[0] > overflow[1] {
		t.Errorf("budget page is %v px wide in a %v px window (report %v px): %v", overflow[0], overflow[1], overflow[2], err)
	}
	const zero = "€ 0,00"
	row := func(allocated string) []string {
		return []string{allocated, zero, zero, zero, zero, zero, zero, allocated}
	}
	report := poolingBrowserRows(t, ctx, "table.report tbody tr")
	if len(report) != 2 {
		t.Fatalf("report has %d stream rows, want 2: %v", len(report), report)
	}
	for name, want := range map[string][]string{
		"Rijksbijdrage inburgering": append([]string{"Rijksbijdrage inburgering", "NIG-2005"}, row("€ 6.000,00")...),
		"Gemeentelijk werkbudget":   append([]string{"Gemeentelijk werkbudget", "GWB-2005"}, row("€ 2.500,50")...),
		"Totaal":                    append([]string{"Totaal"}, row("€ 8.500,50")...),
	} {
		var got []string
		if name == "Totaal" {
			got = poolingBrowserRows(t, ctx, "table.report tfoot tr")[name]
		} else {
			got = report[name]
		}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("report row %s:\n got %s\nwant %s", name, strings.Join(got, " | "), strings.Join(want, " | "))
		}
	}
	if total := pageTextContaining(t, ctx, "table.report tfoot", "Totaal", "€ 8.500,50"); !strings.Contains(total, "Totaal") || !strings.Contains(total, "€ 8.500,50") {
		t.Errorf("report total as read = %q", total)
	}

	// The CSV link downloads the same report.
	type download struct {
		Status int    `json:"status"`
		Type   string `json:"type"`
		Body   string `json:"body"`
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[download](
		`(async () => { const a = document.querySelector('a[href$="/report.csv"]'); const r = await fetch(a.href); return {status: r.status, type: r.headers.get('content-type') || '', body: await r.text()}; })()`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the CSV link: %v", err)
	}
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Type, "text/csv") {
		t.Fatalf("CSV link: status %d, content type %q", csv.Status, csv.Type)
	}
	for _, want := range []string{"NIG-2005", "GWB-2005", "6000.00", "2500.50", "8500.50", "total"} {
		if !strings.Contains(csv.Body, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv.Body)
		}
	}
}
