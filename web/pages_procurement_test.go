package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/shopspring/decimal"
)

func pageSessionAs(t *testing.T, ts *httptest.Server, email string) *pageSession {
	t.Helper()
	c := browserClient(t)
	if resp := login(t, ts, c, email, testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("log in as %s = %d", email, resp.StatusCode)
	}
	return &pageSession{t: t, ts: ts, c: c}
}

// An open house through the pages: a provider applies at the fixed price,
// two procurement users admit it, and the contract's page links back to
// the tender. Before anything is admitted, a sealed open tender's lot page
// is refused to procurement.
func TestOpenHousePages(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clock := &apiClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.srv.procurement = e.srv.procurement.WithClock(clock.Now)
	e.user("inkoop1@enschede.example", access.Procurement)
	e.user("inkoop2@enschede.example", access.Procurement)
	e.minimalProvider("61000001", "Taalhuis Twente")
	e.providerUser("bieder@taalhuis.example", "61000001", access.Provider)
	bg, sys := context.Background(), access.System("test")
	share := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	start := clock.Now()
	in := procurement.TenderInput{Reference: "OH-WEB", Title: "Open house taal", Procedure: procurement.OpenHouse, BudgetID: e.fundedBudget(),
		PublicationDate: start, QuestionsDeadline: start.Add(24 * time.Hour), SubmissionDeadline: start.AddDate(0, 6, 0),
		ContractStart: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ContractEnd: time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC),
		Criteria: []procurement.CriterionInput{{Code: "keurmerk", Name: "Keurmerk", Kind: procurement.AdmissionCriterion}},
		Lots: []procurement.LotInput{{Title: "Taaltrajecten", CategoryCode: "language", Volume: 100, MaxPrice: decimal.NewFromInt(2200),
			Milestones: []contracts.Milestone{{Code: "intake", Name: "Intake", OutcomeDomain: "intake", Share: share("100"), DeadlineMonths: 2}}}}}
	d, err := e.srv.procurement.CreateTender(bg, sys, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.procurement.PublishTender(bg, sys, d.ID); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	tender := "/tenders/" + d.ID.String()

	prov := pageSessionAs(t, ts, "bieder@taalhuis.example")
	if st, page := prov.get(tender); st != http.StatusOK || !strings.Contains(page, "Inschrijving indienen") || strings.Contains(page, `name="price"`) {
		t.Fatalf("the open house's page for a provider = %d; want the application form without a price", st)
	}
	st, _, loc := prov.postFiles("/lots/"+d.Lots[0].ID.String()+"/bids", map[string]string{"tender_id": d.ID.String(), "capacity": "25",
		"vat_treatment": "exempt", "declaration": "1", "answer.keurmerk": "Blik op Werk sinds 2019"}, "attach.keurmerk", nil)
	if st != http.StatusSeeOther || loc != tender {
		t.Fatalf("applying = %d → %q", st, loc)
	}
	st, page, _ := prov.postFiles("/lots/"+d.Lots[0].ID.String()+"/bids", map[string]string{"tender_id": d.ID.String(), "capacity": "25",
		"vat_treatment": "exempt"}, "attach.keurmerk", nil)
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, "Vink de eigen verklaring aan.") {
		t.Fatalf("applying without the declaration = %d, want the message on the page", st)
	}

	buyer := pageSessionAs(t, ts, "inkoop1@enschede.example")
	_, page = buyer.get(tender)
	bids, _ := e.srv.procurement.ListBids(bg, sys, d.Lots[0].ID)
	if len(bids) != 1 || !strings.Contains(page, "Taalhuis Twente") || !strings.Contains(page, "/bids/"+bids[0].ID.String()+"/admit") {
		t.Fatalf("procurement's page lacks the application and its admit form")
	}
	if st, _, _ := buyer.post("/bids/"+bids[0].ID.String()+"/admit", url.Values{"tender_id": {d.ID.String()}}); st != http.StatusSeeOther {
		t.Fatalf("first approval = %d", st)
	}
	if st, page, _ := buyer.post("/bids/"+bids[0].ID.String()+"/admit", url.Values{"tender_id": {d.ID.String()}}); st != http.StatusConflict ||
		!strings.Contains(page, "De tweede stap zet een andere medewerker.") {
		t.Fatalf("the same user confirming = %d", st)
	}
	buyer2 := pageSessionAs(t, ts, "inkoop2@enschede.example")
	if st, _, _ := buyer2.post("/bids/"+bids[0].ID.String()+"/admit", url.Values{"tender_id": {d.ID.String()}}); st != http.StatusSeeOther {
		t.Fatalf("second approval = %d", st)
	}
	list, _, _ := e.srv.contracts.ListContracts(bg, sys, contracts.ContractFilter{Page: database.Page{Limit: 10}})
	if len(list) != 1 || !list[0].Ceiling.Equal(decimal.NewFromInt(55000)) {
		t.Fatalf("contracts after the admission: %+v", list)
	}
	if _, page := buyer.get("/contracts/" + list[0].ID.String()); !strings.Contains(page, `href="/tenders/`+d.ID.String()+`"`) {
		t.Fatal("the contract's page does not link back to its tender")
	}

	// An open tender's bids stay sealed on the pages too.
	sealed := in
	sealed.Reference, sealed.Procedure = "T-SEALED", procurement.Open
	sealed.Criteria = []procurement.CriterionInput{{Code: "price", Name: "Prijs", Kind: "price", Weight: decimal.NewFromInt(100)}}
	sd, err := e.srv.procurement.CreateTender(bg, sys, sealed)
	if err != nil {
		t.Fatal(err)
	}
	if st, page := buyer.get("/lots/" + sd.Lots[0].ID.String()); st != http.StatusConflict || strings.Contains(page, "Taalhuis") {
		t.Fatalf("a sealed lot's page for procurement = %d", st)
	}
}

// Procurement types a tender on the new-tender page: a refusal comes back
// with what was typed and the messages beside the fields; a good one is a
// draft, published from its page.
func TestNewTenderPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("inkoop@enschede.example", access.Procurement)
	e.minimalProvider("61000001", "Taalhuis Twente")
	e.providerUser("bieder@taalhuis.example", "61000001", access.Provider)
	budget := e.fundedBudget()
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	buyer := pageSessionAs(t, ts, "inkoop@enschede.example")
	if st, page := buyer.get("/tenders/new"); st != http.StatusOK || !strings.Contains(page, `name="lots[0].milestones[5].share"`) {
		t.Fatalf("new tender page = %d", st)
	}
	tomorrow := time.Now().AddDate(0, 0, 1)
	form := url.Values{"reference": {"T-PAGE-01"}, "title": {"Taal via de pagina"}, "procedure": {"open"}, "budget_id": {budget.String()},
		"publication_date": {time.Now().Format(time.DateOnly)}, "questions_deadline": {tomorrow.Format("2006-01-02T15:04")},
		"submission_deadline": {tomorrow.AddDate(0, 0, 14).Format("2006-01-02T15:04")}, "contract_start": {"2027-01-01"}, "contract_end": {"2027-12-31"},
		"criteria[0].code": {"price"}, "criteria[0].name": {"Prijs"}, "criteria[0].kind": {"price"}, "criteria[0].weight": {"40"},
		"criteria[1].code": {"plan"}, "criteria[1].name": {"Plan van aanpak"}, "criteria[1].kind": {"quality"}, "criteria[1].weight": {"70"},
		"lots[0].title": {"Taaltrajecten"}, "lots[0].category_code": {"language"}, "lots[0].volume": {"40"}, "lots[0].max_price": {"2.500,00"},
		"lots[0].milestones[0].code": {"intake"}, "lots[0].milestones[0].name": {"Intake"}, "lots[0].milestones[0].outcome_domain": {"intake"},
		"lots[0].milestones[0].share": {"20"}, "lots[0].milestones[0].deadline_months": {"2"},
		"lots[0].milestones[1].code": {"a2"}, "lots[0].milestones[1].name": {"A2"}, "lots[0].milestones[1].outcome_domain": {"language"},
		"lots[0].milestones[1].share": {"70"}, "lots[0].milestones[1].deadline_months": {"12"}, "lots[0].milestones[1].prerequisites": {"intake"}}
	st, page, _ := buyer.post("/tenders/new", form)
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, "De wegingen tellen niet op tot 100.") ||
		!strings.Contains(page, `id="lots[0].milestones-error"`) || !strings.Contains(page, `value="Taal via de pagina"`) {
		t.Fatalf("a tender with weights of 110 and shares of 90 = %d:\n%s", st, page)
	}
	form.Set("criteria[1].weight", "60")
	form.Set("lots[0].milestones[1].share", "80")
	st, _, loc := buyer.post("/tenders/new", form)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/tenders/") {
		t.Fatalf("a good tender = %d → %q", st, loc)
	}
	prov := pageSessionAs(t, ts, "bieder@taalhuis.example")
	if st, _ := prov.get(loc); st != http.StatusNotFound {
		t.Fatalf("a provider reads the draft: %d", st)
	}
	if st, _, _ := buyer.post(loc+"/publish", nil); st != http.StatusSeeOther {
		t.Fatalf("publish = %d", st)
	}
	if st, page := prov.get(loc); st != http.StatusOK || !strings.Contains(page, "Inschrijving indienen") || !strings.Contains(page, "€ 2.500,00") {
		t.Fatalf("the published tender for a provider = %d:\n%s", st, page)
	}
	if st, page := prov.get("/tenders/new"); st != http.StatusForbidden || strings.Contains(page, "budget_id") {
		t.Fatalf("the new-tender page for a provider = %d", st)
	}
}
