package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/pdftest"
	"github.com/go-chi/httprate"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// A tender through the pages, from publication through a provider's bid
// (with a PDF attachment), the four-eyes opening, blind scoring by two
// evaluators, consensus, the four-eyes award and the conclusion, to the
// draft contract.
func TestBrowserTenderFromPublicationToContract(t *testing.T) {
	e := newTestEnv(t)
	clock := &apiClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.srv.procurement = e.srv.procurement.WithClock(clock.Now)
	// Seven people log in and out a dozen times from one address within a
	// minute; the login limits are not what this test is about.
	e.srv.loginIP, e.srv.loginID = httprate.NewRateLimiter(100, time.Minute), httprate.NewRateLimiter(100, time.Minute)
	for _, u := range []struct {
		email string
		role  access.Role
	}{{"inkoop1@enschede.example", access.Procurement}, {"inkoop2@enschede.example", access.Procurement},
		{"beoordelaar1@enschede.example", access.Evaluator}, {"beoordelaar2@enschede.example", access.Evaluator}} {
		e.user(u.email, u.role)
	}
	e.minimalProvider("61000001", "Taalhuis Twente")
	other := e.minimalProvider("61000002", "Werkwijs Oost")
	e.providerUser("bieder@taalhuis.example", "61000001", access.Provider)
	e.providerUser("bieder@werkwijs.example", "61000002", access.Provider)
	bg := context.Background()
	sys := access.System("test")
	share := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	start := clock.Now()
	d, err := e.srv.procurement.CreateTender(bg, sys, procurement.TenderInput{Reference: "T-WEB-01", Title: "Taal 2026", Procedure: procurement.Open,
		BudgetID: e.fundedBudget(), PublicationDate: start, QuestionsDeadline: start.Add(72 * time.Hour), SubmissionDeadline: start.Add(168 * time.Hour),
		ContractStart: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ContractEnd: time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC),
		Criteria: []procurement.CriterionInput{{Code: "price", Name: "Prijs", Kind: "price", Weight: decimal.NewFromInt(40)},
			{Code: "plan", Name: "Plan van aanpak", Kind: "quality", Weight: decimal.NewFromInt(60)}},
		Lots: []procurement.LotInput{{Title: "Taaltrajecten", CategoryCode: "language", Volume: 20, MaxPrice: decimal.NewFromInt(2500),
			Milestones: []contracts.Milestone{{Code: "intake", Name: "Intake", OutcomeDomain: "intake", Share: share("20"), DeadlineMonths: 2},
				{Code: "a2", Name: "A2", OutcomeDomain: "language", Share: share("80"), DeadlineMonths: 12}}}}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx := newBrowser(t)
	tenderURL := ts.URL + "/tenders/" + d.ID.String()
	lotURL := ts.URL + "/lots/" + d.Lots[0].ID.String()
	as := func(email, url string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/")); err != nil {
			t.Fatal(err)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/logout"]').length`)); n > 0 {
			browserLoad(t, ctx, `form[action="/logout"] button`)
		}
		browserLogin(t, ctx, ts.URL, email)
		if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
			t.Fatal(err)
		}
	}
	flash := func(want string) {
		t.Helper()
		if got := pageText(t, ctx, "p.flash", want); got != want {
			errText := pageText(t, ctx, "p.error-box", "")
			t.Fatalf("flash = %q, want %q (error: %q)", got, want, errText)
		}
	}

	// Procurement publishes and names the committee.
	as("inkoop1@enschede.example", ts.URL+"/tenders")
	browserLoad(t, ctx, `a[href="/tenders/`+d.ID.String()+`"]`)
	browserLoad(t, ctx, `form[action$="/publish"] button`)
	flash("De aanbesteding is gepubliceerd.")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll('input[name="members"]').forEach(b => b.checked = true); true`)); err != nil {
		t.Fatal(err)
	}
	browserLoad(t, ctx, `form[action$="/committee"] button`)
	flash("De commissie is opgeslagen.")

	// A provider bids through the form, with a PDF for the plan.
	pdf := filepath.Join(t.TempDir(), "plan.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4 plan van aanpak"), 0o644); err != nil {
		t.Fatal(err)
	}
	as("bieder@taalhuis.example", tenderURL)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#price-1"), "1.000,00"),
		chromedp.SendKeys(chromedp.CSS("#capacity-1"), "20"),
		chromedp.SendKeys(chromedp.CSS("#answer-1-plan"), "Kleine groepen met een taalcoach."),
		chromedp.SetUploadFiles(chromedp.CSS("#attach-1-plan"), []string{pdf}),
		chromedp.Click(chromedp.CSS(`input[name="declaration"]`)),
	)
	if err != nil {
		t.Fatalf("type the bid: %v", err)
	}
	browserLoad(t, ctx, `form[action$="/bids"] button[type="submit"]`)
	flash("Uw inschrijving is ontvangen.")
	bidder, err := e.srv.access.ActorByID(bg, userID(t, e, "bieder@werkwijs.example"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.procurement.SubmitBid(bg, bidder, procurement.BidInput{LotID: d.Lots[0].ID, Price: decimal.NewFromInt(1250), Capacity: 20,
		VATExempt: true, Declaration: true, Answers: map[string]string{"plan": "Werkend leren."}}); err != nil {
		t.Fatal(err)
	}

	// The deadline passes; two procurement users open.
	clock.Set(d.SubmissionDeadline)
	as("inkoop1@enschede.example", tenderURL)
	browserLoad(t, ctx, `form[action$="/open"] button`)
	flash("Uw deel van de opening is vastgelegd.")
	as("inkoop2@enschede.example", tenderURL)
	browserLoad(t, ctx, `form[action$="/open"] button`)
	flash("Uw deel van de opening is vastgelegd.")
	pageTextContaining(t, ctx, "main", "Proces-verbaal van opening")

	// Two evaluators score blind; the first records the consensus.
	bids, err := e.srv.procurement.ListBids(bg, sys, d.Lots[0].ID)
	if err != nil || len(bids) != 2 {
		t.Fatalf("bids after the opening: %v %v", bids, err)
	}
	for _, ev := range []struct{ email, a, b string }{{"beoordelaar1@enschede.example", "8", "6"}, {"beoordelaar2@enschede.example", "7", "6"}} {
		as(ev.email, lotURL)
		if got := pageTextContaining(t, ctx, "main", "Kleine groepen met een taalcoach.", "plan.pdf"); !strings.Contains(got, "plan.pdf") {
			t.Fatalf("the evaluator's lot page lacks the bid's answer and attachment:\n%s", got)
		}
		for i, b := range bids {
			sel := "#score-" + b.ID.String() + "-plan"
			score := []string{ev.a, ev.b}[i]
			if b.ProviderID == other {
				score = []string{ev.b, ev.a}[i]
			}
			if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), score)); err != nil {
				t.Fatal(err)
			}
			browserLoad(t, ctx, `form[action="/bids/`+b.ID.String()+`/scores"] button`)
			flash("Uw score is opgeslagen.")
		}
	}
	for _, b := range bids {
		score := "8"
		if b.ProviderID == other {
			score = "6"
		}
		err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#consensus-"+b.ID.String()+"-plan"), score),
			chromedp.SendKeys(chromedp.CSS("#rationale-"+b.ID.String()+"-plan"), "De commissie is het eens."))
		if err != nil {
			t.Fatal(err)
		}
		browserLoad(t, ctx, `form[action="/bids/`+b.ID.String()+`/consensus"] button`)
		flash("De consensusscore is vastgelegd.")
	}

	// Evaluation complete, award proposed and approved by another person.
	as("inkoop1@enschede.example", tenderURL)
	browserLoad(t, ctx, `form[action$="/evaluate"] button`)
	flash("De beoordeling is afgerond.")
	if err := chromedp.Do(ctx, chromedp.Navigate(lotURL)); err != nil {
		t.Fatal(err)
	}
	// Taalhuis: 40 + 48 = 88.00; Werkwijs: 32 + 36 = 68.00.
	pageTextContaining(t, ctx, "main", "Rangorde", "Taalhuis Twente", "88.00")
	browserLoad(t, ctx, `form[action$="/award"] button`)
	flash("De gunning is voorgesteld.")
	browserLoad(t, ctx, `form[action$="/award/approve"] button`)
	if got := pageText(t, ctx, "p.error-box", "De tweede stap zet een andere medewerker."); got != "De tweede stap zet een andere medewerker." {
		t.Fatalf("the proposer approving: %q", got)
	}
	as("inkoop2@enschede.example", lotURL)
	browserLoad(t, ctx, `form[action$="/award/approve"] button`)
	flash("De gunning is goedgekeurd; de opschortingstermijn loopt.")

	// The losing bidder reads its notice.
	as("bieder@werkwijs.example", tenderURL)
	pageTextContaining(t, ctx, "main", "Gunningsbeslissing", "Plaats 2 met 68.00 punten")

	// The pages' downloads: the notice in English, the opening record, the
	// attachment; another provider gets none of them.
	loser := pageSessionAs(t, ts, "bieder@werkwijs.example")
	var loserBid, winnerBid uuid.UUID
	for _, b := range bids {
		if b.ProviderID == other {
			loserBid = b.ID
		} else {
			winnerBid = b.ID
		}
	}
	if st, pdf := loser.get("/bids/" + loserBid.String() + "/notice.pdf?lang=en"); st != 200 || !strings.Contains(pdftest.Text(t, []byte(pdf), 0, 0), "Award decision T-WEB-01, lot 1") {
		t.Fatalf("the notice PDF on the pages = %d", st)
	}
	if st, _ := loser.get("/bids/" + winnerBid.String() + "/attachments/1"); st != 404 {
		t.Fatalf("another provider's attachment = %d", st)
	}
	if st, _ := loser.get("/tenders/" + d.ID.String() + "/opening.pdf"); st != 404 {
		t.Fatalf("the opening record for a provider = %d", st)
	}
	buyer := pageSessionAs(t, ts, "inkoop1@enschede.example")
	if st, pdf := buyer.get("/tenders/" + d.ID.String() + "/opening.pdf"); st != 200 || !strings.Contains(pdftest.Text(t, []byte(pdf), 0, 0), "Proces-verbaal van opening T-WEB-01") {
		t.Fatalf("the opening record on the pages = %d", st)
	}
	if st, pdf := buyer.get("/bids/" + winnerBid.String() + "/attachments/1"); st != 200 || pdf != "%PDF-1.4 plan van aanpak" {
		t.Fatalf("the attachment on the pages = %d %q", st, pdf)
	}

	// After the standstill the award becomes the contract.
	clock.Set(d.SubmissionDeadline.AddDate(0, 0, 30))
	as("inkoop1@enschede.example", tenderURL)
	browserLoad(t, ctx, `form[action$="/conclude"] button`)
	flash("De gegunde inschrijvingen zijn conceptcontracten geworden, voor zover de opschortingstermijn voorbij is.")
	list, _, err := e.srv.contracts.ListContracts(bg, sys, contracts.ContractFilter{Page: database.Page{Limit: 10}})
	if err != nil || len(list) != 1 || list[0].Reference != "T-WEB-01-L1-01" || list[0].ProviderName != "Taalhuis Twente" || list[0].Status != contracts.Draft {
		t.Fatalf("contracts after the conclusion: %+v %v", list, err)
	}
}

func userID(t *testing.T, e *testEnv, email string) uuid.UUID {
	t.Helper()
	var id string
	if err := e.db.Gorm.Raw(`SELECT id::text FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	return uuid.MustParse(id)
}
