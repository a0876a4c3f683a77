package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
)

// postContractsForm posts a form with the cookie client and returns the status and body.
func postContractsForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// contractsPages is a server with a procurement officer logged in.
type contractsPages struct {
	e    *testEnv
	ts   *httptest.Server
	proc string // the officer's API token
	c    *http.Client
}

func newContractsPages(t *testing.T) *contractsPages {
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	ts := httptest.NewServer(e.handler)
	t.Cleanup(ts.Close)
	c := browserClient(t)
	if resp := login(t, ts, c, "inkoop@enschede.example", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in = %d", resp.StatusCode)
	}
	return &contractsPages{e: e, ts: ts, proc: proc, c: c}
}

// provider registers a provider over the API and returns its id.
func (p *contractsPages) provider(t *testing.T, kvk, name string) string {
	t.Helper()
	var b ProviderBody
	r := p.e.postJSON("/api/v1/providers", p.proc, providerJSON(kvk, name))
	if r.Code != http.StatusCreated {
		t.Fatalf("register provider: %d %s", r.Code, r.Body)
	}
	r.json(t, &b)
	return b.ID.String()
}

// contract creates a draft contract over the API and returns its id.
func (p *contractsPages) contract(t *testing.T, providerID, ref string) string {
	t.Helper()
	var b ContractBody
	r := p.e.postJSON("/api/v1/contracts", p.proc, contractJSON(providerID, ref))
	if r.Code != http.StatusCreated {
		t.Fatalf("create contract: %d %s", r.Code, r.Body)
	}
	r.json(t, &b)
	return b.ID.String()
}

func providerValues(kvk, name, iban string) url.Values {
	return url.Values{"kvk": {kvk}, "legal_name": {name}, "iban": {iban}, "bic": {"ABNANL2A"},
		"vat_number": {"NL001234567B01"}, "address_line1": {"Hengelosestraat 1"}, "postcode": {"7514 AA"},
		"city": {"Enschede"}, "country": {"NL"}, "contact_name": {"Ayşe Yılmaz"}, "contact_email": {"info@taalhuis.example"}}
}

func TestProviderFormKeepsInputAndShowsErrorsBesideFields(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)

	status, _, page := postContractsForm(t, p.c, p.ts.URL+"/providers", providerValues("12345678", "Taalhuis Twente", "NL91 ABNA 0417 1643 01"))
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad IBAN = %d, want 422:\n%s", status, page)
	}
	for _, want := range []string{
		`<span class="field-error" id="iban-error">Dit is geen geldig IBAN`,
		`aria-invalid="true" aria-describedby="iban-hint iban-error"`,
		`value="Taalhuis Twente"`,
		`value="NL91 ABNA 0417 1643 01"`,
		`value="Ayşe Yılmaz"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the form that came back lacks %s", want)
		}
	}
	if strings.Contains(page, `id="kvk-error"`) {
		t.Errorf("a valid KvK number got an error")
	}

	status, loc, _ := postContractsForm(t, p.c, p.ts.URL+"/providers", providerValues("12345678", "Taalhuis Twente", "NL91 ABNA 0417 1643 00"))
	if status != http.StatusSeeOther || loc != "/providers" {
		t.Fatalf("good provider = %d to %q, want 303 to /providers", status, loc)
	}
	_, page = body(t, p.c, p.ts.URL+"/providers")
	if !strings.Contains(page, "De aanbieder is geregistreerd.") || !strings.Contains(page, "NL91ABNA0417164300") {
		t.Fatalf("providers page lacks the confirmation or the provider with its normalised IBAN:\n%s", page)
	}

	status, _, page = postContractsForm(t, p.c, p.ts.URL+"/providers", providerValues("12345678", "Nogmaals", "NL91ABNA0417164300"))
	if status != http.StatusConflict || !strings.Contains(page, `id="kvk-error">Er is al een aanbieder met dit KvK-nummer.`) {
		t.Fatalf("taken KvK number = %d, want 409 with the error beside the KvK field", status)
	}
}

func TestProviderUserSeesOnlyItsOwnContracts(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	own := p.provider(t, "12345678", "Taalhuis Twente")
	other := p.provider(t, "23456789", "Werkbedrijf Oost")
	ownContract := p.contract(t, own, "ENS-2005-001")
	otherContract := p.contract(t, other, "WO-2005-001")
	p.e.providerUser("medewerker@taalhuis.example", "12345678", access.Provider)

	c := browserClient(t)
	login(t, p.ts, c, "medewerker@taalhuis.example", testPassword)
	status, page := body(t, c, p.ts.URL+"/contracts")
	if status != http.StatusOK || !strings.Contains(page, "ENS-2005-001") || strings.Contains(page, "WO-2005-001") {
		t.Fatalf("provider's contracts = %d; want its own ENS-2005-001 and not WO-2005-001:\n%s", status, page)
	}
	if strings.Contains(page, `href="/contracts/new"`) {
		t.Errorf("a provider is offered to create contracts")
	}
	status, page = body(t, c, p.ts.URL+"/contracts/"+ownContract)
	if status != http.StatusOK || !strings.Contains(page, "€ 735,16") {
		t.Fatalf("own contract = %d, want 200 with the last tranche € 735,16", status)
	}
	if strings.Contains(page, "/activate") {
		t.Errorf("a provider is offered to activate its contract")
	}
	if status, _ := body(t, c, p.ts.URL+"/contracts/"+otherContract); status != http.StatusNotFound {
		t.Fatalf("other provider's contract = %d, want 404", status)
	}
	if status, _ := body(t, c, p.ts.URL+"/contracts/not-an-id"); status != http.StatusNotFound {
		t.Fatalf("malformed contract id = %d, want 404", status)
	}
	if status, _, _ := postContractsForm(t, c, p.ts.URL+"/contracts/"+ownContract+"/activate", nil); status != http.StatusForbidden {
		t.Fatalf("provider activating its contract = %d, want 403", status)
	}
}

func TestCaseManagerCannotCreateContracts(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	p.e.user("cm@enschede.example", access.CaseManager)
	c := browserClient(t)
	login(t, p.ts, c, "cm@enschede.example", testPassword)

	form := contractValues(pid, "ENS-2005-009")
	if status, _, _ := postContractsForm(t, c, p.ts.URL+"/contracts/new", form); status != http.StatusForbidden {
		t.Fatalf("case manager POST /contracts/new = %d, want 403", status)
	}
	form.Set("add_row", "1")
	if status, _, _ := postContractsForm(t, c, p.ts.URL+"/contracts/new", form); status != http.StatusForbidden {
		t.Fatalf("case manager adding a schedule row = %d, want 403", status)
	}
	if status, _ := body(t, c, p.ts.URL+"/contracts/new"); status != http.StatusForbidden {
		t.Fatalf("case manager GET /contracts/new = %d, want 403", status)
	}
	if status, _, _ := postContractsForm(t, c, p.ts.URL+"/providers", providerValues("23456789", "X", "NL91ABNA0417164300")); status != http.StatusForbidden {
		t.Fatalf("case manager POST /providers = %d, want 403", status)
	}
	status, page := body(t, c, p.ts.URL+"/contracts")
	if status != http.StatusOK || strings.Contains(page, `href="/contracts/new"`) {
		t.Fatalf("case manager's contracts list = %d, or offers a new contract", status)
	}
}

// contractValues is the new-contract form for the demo language trajectory
// (intake 10, A2 40, exam 20, job 30), as a browser posts it.
func contractValues(providerID, ref string) url.Values {
	v := url.Values{"provider_id": {providerID}, "reference": {ref}, "title": {"Taal 2005"},
		"period_start": {"2005-01-01"}, "period_end": {"2005-12-31"}, "ceiling": {"100.000,00"}, "capacity": {"40"},
		"vat_treatment": {"exempt"}, "products[0].category_code": {"language"}, "products[0].code": {"NT2-A2"},
		"products[0].name": {"Taaltraject NT2 tot A2"}, "products[0].price": {"2450,55"}, "rows": {"4"}}
	rows := []struct{ code, name, domain, share, deadline, pre string }{
		{"intake", "Intake", "intake", "10", "2", ""},
		{"a2", "A2 behaald", "language", "40", "12", "intake"},
		{"exam", "Examen KNM", "language", "20", "15", ""},
		{"job", "Startkwalificatie of werk", "participation", "30", "24", "a2"},
	}
	for i, r := range rows {
		f := milestoneField(i)
		v.Set(f+".code", r.code)
		v.Set(f+".name", r.name)
		v.Set(f+".outcome_domain", r.domain)
		v.Set(f+".share", r.share)
		v.Set(f+".deadline_months", r.deadline)
		v.Set(f+".prerequisites", r.pre)
	}
	v.Set(milestoneField(1)+".evidence_required", "1")
	v.Set(milestoneField(1)+".evidence_kinds", "exam_result")
	return v
}

// contractsInputValue finds the value of the input named name in a page.
func contractsInputValue(t *testing.T, page, name string) string {
	t.Helper()
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(page)
	if m == nil {
		return "(no such input)"
	}
	return m[1]
}

func TestContractScheduleEditorKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	u := p.ts.URL + "/contracts/new"

	status, page := body(t, p.c, u)
	if status != http.StatusOK || strings.Count(page, `class="contracts-milestone"`) != defaultMilestoneRows {
		t.Fatalf("new contract form = %d with %d rows, want 200 with %d", status, strings.Count(page, `class="contracts-milestone"`), defaultMilestoneRows)
	}

	form := contractValues(pid, "ENS-2005-001")
	form.Set("add_row", "1")
	status, _, page = postContractsForm(t, p.c, u, form)
	if status != http.StatusOK || strings.Count(page, `class="contracts-milestone"`) != 5 {
		t.Fatalf("add a row = %d with %d rows, want 200 with 5", status, strings.Count(page, `class="contracts-milestone"`))
	}
	if got := contractsInputValue(t, page, "products[0].milestones[3].code"); got != "job" {
		t.Errorf("after adding a row, row 4's code = %q, want job", got)
	}
	if got := contractsInputValue(t, page, "products[0].milestones[4].code"); got != "" {
		t.Errorf("the added row's code = %q, want it empty", got)
	}
	if !strings.Contains(page, `id="m4-code" name="products[0].milestones[4].code" value="" autofocus`) {
		t.Errorf("the added row does not get the focus")
	}
	if got := contractsInputValue(t, page, "reference"); got != "ENS-2005-001" {
		t.Errorf("after adding a row, the reference = %q", got)
	}
	if !strings.Contains(page, `name="products[0].milestones[1].evidence_required" value="1" checked`) {
		t.Errorf("after adding a row, row 2's evidence box is no longer ticked")
	}

	form = contractValues(pid, "ENS-2005-001")
	form.Set("remove_row", "0")
	status, _, page = postContractsForm(t, p.c, u, form)
	if status != http.StatusOK || strings.Count(page, `class="contracts-milestone"`) != 3 {
		t.Fatalf("remove a row = %d with %d rows, want 200 with 3", status, strings.Count(page, `class="contracts-milestone"`))
	}
	for i, want := range []string{"a2", "exam", "job"} {
		if got := contractsInputValue(t, page, milestoneField(i)+".code"); got != want {
			t.Errorf("after removing row 1, row %d's code = %q, want %q", i+1, got, want)
		}
	}
	if got := contractsInputValue(t, page, milestoneField(0)+".evidence_kinds"); got != "exam_result" {
		t.Errorf("after removing row 1, the evidence kinds moved with their row: got %q", got)
	}
	if !strings.Contains(page, "Samen: 90 %") {
		t.Errorf("the schedule does not show that the shares add up to 90")
	}

	// Wrong input comes back with the errors beside the row that caused them.
	form = contractValues(pid, "ENS-2005-001")
	form.Set(milestoneField(2)+".share", "25")
	form.Set(milestoneField(3)+".deadline_months", "0")
	form.Set(milestoneField(3)+".prerequisites", "a3")
	status, _, page = postContractsForm(t, p.c, u, form)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong schedule = %d, want 422", status)
	}
	for _, want := range []string{
		`id="products[0].milestones-error">De aandelen tellen niet op tot precies 100.`,
		`id="products[0].milestones[3].deadline_months-error">Minstens één maand na de start.`,
		`id="products[0].milestones[3].prerequisites-error">Dit is geen code van een mijlpaal in dit schema.`,
		`aria-invalid="true" aria-describedby="products[0].milestones[3].deadline_months-error"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the schedule that came back lacks %s", want)
		}
	}
	if got := contractsInputValue(t, page, milestoneField(2)+".share"); got != "25" {
		t.Errorf("the typed share came back as %q", got)
	}

	// Blank rows are skipped, so a schedule of three in the default four rows is fine.
	form = contractValues(pid, "ENS-2005-002")
	form.Set(milestoneField(0)+".share", "40")
	for _, k := range []string{"code", "name", "outcome_domain", "share", "deadline_months", "prerequisites"} {
		form.Set(milestoneField(2)+"."+k, "")
	}
	form.Set(milestoneField(3)+".share", "20")
	status, loc, page := postContractsForm(t, p.c, u, form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/contracts/") {
		t.Fatalf("schedule with a blank row = %d to %q, want 303 to the contract:\n%s", status, loc, page)
	}
	_, page = body(t, p.c, p.ts.URL+loc)
	for _, want := range []string{"Het conceptcontract is opgeslagen.", "€ 980,22", "€ 490,11", "Concept"} {
		if !strings.Contains(page, want) {
			t.Errorf("the new contract's page lacks %q", want)
		}
	}
}

func TestContractLifecycleThroughThePages(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	form := contractValues(pid, "ENS-2005-001")
	form.Set("budget_id", p.e.fundedBudget().String())
	status, loc, _ := postContractsForm(t, p.c, p.ts.URL+"/contracts/new", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create = %d", status)
	}
	status, _, page := postContractsForm(t, p.c, p.ts.URL+"/contracts/new", contractValues(pid, "ENS-2005-001"))
	if status != http.StatusConflict || !strings.Contains(page, `id="reference-error">Er is al een contract met dit kenmerk.`) {
		t.Fatalf("a taken reference = %d, want 409 with the error beside the reference", status)
	}

	for _, step := range []struct{ action, flash, status string }{
		{"activate", "Het contract is actief.", "Actief"},
		{"suspend", "Het contract is opgeschort", "Opgeschort"},
		{"activate", "Het contract is actief.", "Actief"},
		{"end", "Het contract is beëindigd.", "Beëindigd"},
	} {
		status, to, _ := postContractsForm(t, p.c, p.ts.URL+loc+"/"+step.action, url.Values{"reason": {"test"}})
		if status != http.StatusSeeOther || to != loc {
			t.Fatalf("%s = %d to %q", step.action, status, to)
		}
		_, page := body(t, p.c, p.ts.URL+loc)
		if !strings.Contains(page, step.flash) || !strings.Contains(page, `id="contract-status">`+step.status+`<`) {
			t.Fatalf("after %s the page lacks %q or status %q", step.action, step.flash, step.status)
		}
	}
	if status, _, _ := postContractsForm(t, p.c, p.ts.URL+loc+"/activate", nil); status != http.StatusConflict {
		t.Fatalf("activating an ended contract = %d, want 409", status)
	}

	_, page = body(t, p.c, p.ts.URL+"/contracts?status=ended")
	if !strings.Contains(page, "ENS-2005-001") {
		t.Errorf("the list of ended contracts lacks ENS-2005-001")
	}
	_, page = body(t, p.c, p.ts.URL+"/contracts?status=active")
	if strings.Contains(page, "ENS-2005-001") {
		t.Errorf("the list of active contracts shows the ended ENS-2005-001")
	}
}

// Every contracts page is translated in every language: a message key
// that is missing shows up as the key itself.
func TestContractsPagesInEveryLanguage(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	id := p.contract(t, pid, "ENS-2005-001")
	rawKey := regexp.MustCompile(`contracts\.[a-z_]+\.[a-z_]+`)
	for _, lang := range Languages {
		for _, path := range []string{"/providers", "/contracts", "/contracts/new", "/contracts/" + id} {
			req, _ := http.NewRequest(http.MethodGet, p.ts.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
			resp, err := p.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s in %s = %d", path, lang, resp.StatusCode)
			}
			if !strings.Contains(string(b), `<html lang="`+lang+`">`) {
				t.Errorf("%s is not in %s", path, lang)
			}
			if k := rawKey.FindString(string(b)); k != "" {
				t.Errorf("%s in %s shows the untranslated key %s", path, lang, k)
			}
		}
	}
}

// Procurement amends an active contract from its page: a refused ceiling
// comes back beside its field with what was typed, a good one becomes a new
// version, audited with before and after.
func TestContractAmendmentThroughThePage(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	form := contractValues(pid, "ENS-2005-001")
	form.Set("budget_id", p.e.fundedBudget().String())
	status, loc, _ := postContractsForm(t, p.c, p.ts.URL+"/contracts/new", form)
	if status != http.StatusSeeOther {
		t.Fatalf("create = %d", status)
	}
	_, page := body(t, p.c, p.ts.URL+loc)
	if strings.Contains(page, `id="amend"`) {
		t.Fatalf("a draft offers an amendment; it is edited directly")
	}
	if status, _, _ := postContractsForm(t, p.c, p.ts.URL+loc+"/activate", nil); status != http.StatusSeeOther {
		t.Fatalf("activate = %d", status)
	}
	_, page = body(t, p.c, p.ts.URL+loc)
	if !strings.Contains(page, `id="amend"`) || !strings.Contains(page, `value="100000.00"`) {
		t.Fatalf("the active contract's page lacks the amendment form with the current ceiling")
	}

	status, _, page = postContractsForm(t, p.c, p.ts.URL+loc+"/amend", url.Values{"ceiling": {"1,500.00"}, "capacity": {"50"}, "note": {"meer trajecten"}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="ceiling-error"`) || !strings.Contains(page, `value="1,500.00"`) || !strings.Contains(page, `id="error-summary"`) {
		t.Fatalf("an ambiguous ceiling = %d, want 422 with the error beside the ceiling and the input kept:\n%s", status, page)
	}
	status, to, _ := postContractsForm(t, p.c, p.ts.URL+loc+"/amend", url.Values{"ceiling": {"150.000,00"}, "capacity": {"50"}, "period_end": {"2006-06-30"}, "note": {"meer trajecten"}})
	if status != http.StatusSeeOther || to != loc {
		t.Fatalf("amend = %d to %q", status, to)
	}
	_, page = body(t, p.c, p.ts.URL+loc)
	for _, want := range []string{"Het contract is gewijzigd.", "€ 150.000,00", "50 trajecten", "30-06-2006"} {
		if !strings.Contains(page, want) {
			t.Errorf("the amended contract's page lacks %q", want)
		}
	}
	var n int64
	p.e.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'contract.amend' AND before IS NOT NULL AND after IS NOT NULL`).Scan(&n)
	if n != 1 {
		t.Errorf("audit events of the amendment with before and after = %d, want 1", n)
	}
}

// Procurement changes a provider's IBAN and contact on the providers page;
// the change is audited with before and after.
func TestProviderDetailsChangeThroughThePage(t *testing.T) {
	t.Parallel()
	p := newContractsPages(t)
	pid := p.provider(t, "12345678", "Taalhuis Twente")
	status, page := body(t, p.c, p.ts.URL+"/providers/"+pid+"/edit")
	if status != http.StatusOK || !strings.Contains(page, `action="/providers/`+pid+`"`) || !strings.Contains(page, `value="NL91ABNA0417164300"`) {
		t.Fatalf("edit page = %d, want the form with the provider's details:\n%s", status, page)
	}
	form := url.Values{"legal_name": {"Taalhuis Twente"}, "kvk": {"12345678"}, "iban": {"NL91ABNA0417164301"}, "bic": {"ABNANL2A"},
		"country": {"NL"}, "city": {"Enschede"}, "contact_name": {"Mirjam de Vries"}, "contact_email": {"mirjam@taalhuis.example"}}
	status, _, page = postContractsForm(t, p.c, p.ts.URL+"/providers/"+pid, form)
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `id="iban-error"`) || !strings.Contains(page, `value="NL91ABNA0417164301"`) {
		t.Fatalf("a wrong IBAN = %d, want 422 beside the IBAN with the input kept:\n%s", status, page)
	}
	form.Set("iban", "DE89 3704 0044 0532 0130 00")
	form.Set("bic", "COBADEFFXXX")
	status, to, _ := postContractsForm(t, p.c, p.ts.URL+"/providers/"+pid, form)
	if status != http.StatusSeeOther || to != "/providers" {
		t.Fatalf("save = %d to %q", status, to)
	}
	_, page = body(t, p.c, p.ts.URL+"/providers")
	for _, want := range []string{"De gegevens van de aanbieder zijn gewijzigd.", "DE89370400440532013000", "Mirjam de Vries"} {
		if !strings.Contains(page, want) {
			t.Errorf("the providers page lacks %q", want)
		}
	}
	var ev struct{ Before, After string }
	p.e.db.Gorm.Raw(`SELECT before::text AS before, after::text AS after FROM audit_events WHERE action = 'provider.update' AND entity_id = ?`, pid).Scan(&ev)
	if !strings.Contains(ev.Before, "NL91ABNA0417164300") || !strings.Contains(ev.After, "DE89370400440532013000") {
		t.Errorf("audit of the change: before %s, after %s", ev.Before, ev.After)
	}
	cm := browserClient(t)
	p.e.user("cm@enschede.example", access.CaseManager)
	login(t, p.ts, cm, "cm@enschede.example", testPassword)
	if status, _ := body(t, cm, p.ts.URL+"/providers/"+pid+"/edit"); status != http.StatusForbidden {
		t.Errorf("a case manager opening the edit form = %d, want 403", status)
	}
	if status, _, _ := postContractsForm(t, cm, p.ts.URL+"/providers/"+pid, form); status != http.StatusForbidden {
		t.Errorf("a case manager saving = %d, want 403", status)
	}
}
