package web

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/pdftest"
)

// apiClock is the server's clock in a procurement test: it stands still
// until moved.
type apiClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *apiClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *apiClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func tenderJSON(ref, budget string, start time.Time) map[string]any {
	return map[string]any{
		"reference": ref, "title": "Taal en participatie 2026", "procedure": "open", "budget_id": budget,
		"publication_date": start.Format(time.DateOnly), "questions_deadline": start.Add(72 * time.Hour), "submission_deadline": start.Add(168 * time.Hour),
		"contract_start": "2026-06-01", "contract_end": "2027-05-31",
		"criteria": []map[string]any{{"code": "price", "name": "Prijs", "kind": "price", "weight": "40"},
			{"code": "plan", "name": "Plan van aanpak", "kind": "quality", "weight": "35"},
			{"code": "results", "name": "Elders behaalde resultaten", "kind": "quality", "weight": "25"}},
		"lots": []map[string]any{{"title": "Taaltrajecten NT2", "category_code": "language", "volume": 40, "max_price": "2500.00",
			"milestones": []map[string]any{
				{"code": "intake", "name": "Intake", "outcome_domain": "intake", "share": "10", "deadline_months": 2},
				{"code": "a2", "name": "A2 behaald", "outcome_domain": "language", "share": "90", "deadline_months": 12, "prerequisites": []string{"intake"}}}}},
	}
}

// The procurement API from a draft tender to its contract: every answer
// checked against the served document, bids sealed until a four-eyes
// opening, blind scoring, a four-eyes award, the notice, the conclusion.
func TestProcurementAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	clock := &apiClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	e.srv.procurement = e.srv.procurement.WithClock(clock.Now)
	buyer := e.user("inkoop1@enschede.example", access.Procurement)
	buyer2 := e.user("inkoop2@enschede.example", access.Procurement)
	eval1 := e.user("beoordelaar1@enschede.example", access.Evaluator)
	eval2 := e.user("beoordelaar2@enschede.example", access.Evaluator)
	auditor := e.user("audit@enschede.example", access.Auditor)
	e.minimalProvider("61000001", "Taalhuis Twente")
	e.minimalProvider("61000002", "Werkwijs Oost")
	bidderA := e.providerUser("a@taalhuis.example", "61000001", access.Provider)
	bidderB := e.providerUser("b@werkwijs.example", "61000002", access.Provider)
	budget := e.fundedBudget().String()

	in := tenderJSON("T-API-01", budget, clock.Now())
	bad := tenderJSON("T-API-02", budget, clock.Now())
	bad["criteria"].([]map[string]any)[0]["weight"] = "50"
	p := e.postJSON("/api/v1/tenders", buyer, bad).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "criteria" || p.Errors[0].Code != "weights_not_100" {
		t.Fatalf("weights of 110: %+v", p.Errors)
	}
	e.postJSON("/api/v1/tenders", bidderA, in).problem(t, http.StatusForbidden, "forbidden")
	var tender TenderBody
	if r := e.postJSON("/api/v1/tenders", buyer, in); r.Code != http.StatusCreated {
		t.Fatalf("create tender: %d %s", r.Code, r.Body)
	} else {
		r.json(t, &tender)
	}
	e.get("/api/v1/tenders/"+tender.ID.String(), bidderA).problem(t, http.StatusNotFound, "tender_not_found")
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/publish", buyer, nil).json(t, &tender)
	if tender.State != "published" || len(tender.Lots) != 1 {
		t.Fatalf("published tender: %+v", tender)
	}
	var members []string
	for _, email := range []string{"beoordelaar1@enschede.example", "beoordelaar2@enschede.example"} {
		var id string
		e.db.Gorm.Raw(`SELECT id FROM users WHERE email = ?`, email).Scan(&id)
		members = append(members, id)
	}
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/committee", buyer, map[string]any{"members": members}).json(t, &tender)
	lot := tender.Lots[0].ID.String()

	// Questions: the answer reaches the other provider without the asker.
	var q QuestionBody
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/questions", bidderA, map[string]any{"question": "Ook avondlessen?"}).json(t, &q)
	e.postJSON("/api/v1/questions/"+q.ID.String()+"/answer", buyer, map[string]any{"answer": "Ja."}).json(t, &q)
	var qs []QuestionBody
	e.get("/api/v1/tenders/"+tender.ID.String()+"/questions", bidderB).json(t, &qs)
	if len(qs) != 1 || qs[0].ProviderID != nil || qs[0].Answer != "Ja." {
		t.Fatalf("published answers: %+v", qs)
	}

	// Bids, sealed.
	var bidA, bidB BidBody
	bid := func(price string) map[string]any {
		return map[string]any{"price": price, "capacity": 40, "vat_exempt": true, "declaration": true,
			"answers":     map[string]string{"plan": "Kleine groepen", "results": "82 % A2"},
			"attachments": []map[string]any{{"criterion": "results", "filename": "cijfers.pdf", "content": []byte("%PDF-1.4 cijfers")}}}
	}
	e.postJSON("/api/v1/lots/"+lot+"/bids", bidderA, bid("1000.00")).json(t, &bidA)
	e.postJSON("/api/v1/lots/"+lot+"/bids", bidderB, bid("1250.00")).json(t, &bidB)
	noDecl := bid("900.00")
	noDecl["declaration"] = false
	p = e.postJSON("/api/v1/lots/"+lot+"/bids", bidderB, noDecl).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	if p.Errors[0].Field != "declaration" || p.Errors[0].Code != "declaration_required" {
		t.Fatalf("a bid without the declaration: %+v", p.Errors)
	}
	for _, who := range []string{buyer, auditor, eval1} {
		e.get("/api/v1/lots/"+lot+"/bids", who).problem(t, http.StatusConflict, "bids_sealed")
		e.get("/api/v1/bids/"+bidA.ID.String(), who).problem(t, http.StatusNotFound, "bid_not_found")
		e.get("/api/v1/bids/"+bidA.ID.String()+"/attachments/1", who).problem(t, http.StatusNotFound, "bid_not_found")
		e.get("/api/v1/tenders/"+tender.ID.String()+"/opening", who).problem(t, http.StatusConflict, "bids_sealed")
	}
	e.get("/api/v1/bids/"+bidA.ID.String(), bidderB).problem(t, http.StatusNotFound, "bid_not_found")
	var own []BidItem
	e.get("/api/v1/lots/"+lot+"/bids", bidderB).json(t, &own)
	if len(own) != 1 || own[0].ID != bidB.ID {
		t.Fatalf("a provider lists %+v, want its own bid only", own)
	}

	// Nor does any log line: no price, answer or attachment name.
	for _, secret := range []string{"1000.00", "1250.00", "Kleine groepen", "cijfers.pdf"} {
		if strings.Contains(e.logs.String(), secret) {
			t.Fatalf("a log line shows %q before the opening", secret)
		}
	}

	// The opening, four-eyes, after the deadline.
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/open", buyer, nil).problem(t, http.StatusConflict, "deadline_not_passed")
	clock.Set(tender.SubmissionDeadline)
	e.postJSON("/api/v1/lots/"+lot+"/bids", bidderB, bid("900.00")).problem(t, http.StatusConflict, "deadline_passed")
	var opening OpeningBody
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/open", buyer, nil).json(t, &opening)
	if !opening.Pending || len(opening.Lots) != 0 {
		t.Fatalf("first opening call: %+v", opening)
	}
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/open", buyer, nil).problem(t, http.StatusConflict, "four_eyes_same_user")
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/open", buyer2, nil).json(t, &opening)
	if opening.Pending || len(opening.Lots[0].Bids) != 2 || opening.Lots[0].Bids[0].ContentSHA256 != bidA.ContentSHA256 {
		t.Fatalf("opening record: %+v", opening)
	}
	if r := e.get("/api/v1/bids/"+bidA.ID.String()+"/attachments/1", auditor); r.Code != http.StatusOK || r.Body.String() != "%PDF-1.4 cijfers" {
		t.Fatalf("the attachment after the opening: %d %q", r.Code, r.Body)
	}

	// Blind scoring, consensus, evaluation.
	score := func(who, bidID, criterion, value string) {
		t.Helper()
		if r := e.postJSON("/api/v1/bids/"+bidID+"/scores", who, map[string]any{"criterion": criterion, "score": value}); r.Code != http.StatusOK {
			t.Fatalf("score: %d %s", r.Code, r.Body)
		}
	}
	for _, c := range []string{"plan", "results"} {
		score(eval1, bidA.ID.String(), c, "6")
		score(eval1, bidB.ID.String(), c, "9")
	}
	var ev EvaluationBody
	e.get("/api/v1/lots/"+lot+"/evaluation", eval2).json(t, &ev)
	if ev.Scored || len(ev.Scores) != 0 || ev.Given != 4 || ev.Expected != 8 {
		t.Fatalf("evaluator 2 before scoring: %+v", ev)
	}
	e.postJSON("/api/v1/bids/"+bidA.ID.String()+"/scores", buyer, map[string]any{"criterion": "plan", "score": "5"}).problem(t, http.StatusForbidden, "forbidden")
	for _, c := range []string{"plan", "results"} {
		score(eval2, bidA.ID.String(), c, "6.5")
		score(eval2, bidB.ID.String(), c, "8.5")
	}
	for id, s := range map[string]string{bidA.ID.String(): "6", bidB.ID.String(): "9"} {
		for _, c := range []string{"plan", "results"} {
			if r := e.postJSON("/api/v1/bids/"+id+"/consensus", eval1, map[string]any{"criterion": c, "score": s, "rationale": "Eens."}); r.Code != http.StatusOK {
				t.Fatalf("consensus: %d %s", r.Code, r.Body)
			}
		}
	}
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/evaluate", buyer, nil).json(t, &tender)
	e.get("/api/v1/lots/"+lot+"/evaluation", auditor).json(t, &ev)
	// A: 40 + 21 + 15 = 76.00; B: 32 + 31.5 + 22.5 = 86.00.
	if tender.State != "evaluated" || len(ev.Ranking) != 2 || ev.Ranking[0].BidID != bidB.ID || ev.Ranking[0].TotalPoints != "86.00" || ev.Ranking[1].TotalPoints != "76.00" {
		t.Fatalf("ranking: %s %+v", tender.State, ev.Ranking)
	}

	// The award, four-eyes; the notice; the conclusion after the standstill.
	e.postJSON("/api/v1/lots/"+lot+"/award", buyer, nil).json(t, &ev)
	e.postJSON("/api/v1/lots/"+lot+"/award/approve", buyer, nil).problem(t, http.StatusConflict, "four_eyes_same_user")
	e.postJSON("/api/v1/lots/"+lot+"/award/approve", buyer2, nil).json(t, &ev)
	var notice NoticeBody
	e.get("/api/v1/bids/"+bidA.ID.String()+"/notice", bidderA).json(t, &notice)
	if notice.Own == nil || notice.Own.Rank != 2 || len(notice.Winners) != 1 || notice.StandstillEnd != "2026-03-29" {
		t.Fatalf("notice: %+v", notice)
	}
	if r := e.get("/api/v1/bids/"+bidA.ID.String()+"/notice/pdf?lang=de", bidderA); r.Code != http.StatusOK {
		t.Fatalf("notice pdf: %d %s", r.Code, r.Body)
	} else if text := pdftest.Text(t, r.Body.Bytes(), 0, 0); !strings.Contains(text, "Zuschlagsentscheidung T-API-01, Los 1") ||
		!strings.Contains(text, "Rang 2") || !strings.Contains(text, "76.00") || !strings.Contains(text, "29-03-2026") {
		t.Fatalf("the German notice reads:\n%s", text)
	}
	e.get("/api/v1/bids/"+bidA.ID.String()+"/notice/pdf", bidderB).problem(t, http.StatusNotFound, "bid_not_found")
	e.get("/api/v1/tenders/"+tender.ID.String()+"/opening/pdf", bidderA).problem(t, http.StatusNotFound, "tender_not_found")
	if r := e.get("/api/v1/tenders/"+tender.ID.String()+"/opening/pdf", auditor); r.Code != http.StatusOK {
		t.Fatalf("opening pdf: %d %s", r.Code, r.Body)
	} else if text := pdftest.Text(t, r.Body.Bytes(), 0, 0); !strings.Contains(text, "Proces-verbaal van opening T-API-01") ||
		!strings.Contains(text, "Taalhuis Twente") || !strings.Contains(text, "1.000,00") || !strings.Contains(text, bidA.ContentSHA256) ||
		!strings.Contains(text, "inkoop1@enschede.example") || !strings.Contains(text, "inkoop2@enschede.example") {
		t.Fatalf("the opening record reads:\n%s", text)
	}
	var c ConclusionBody
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/conclude", buyer, nil).json(t, &c)
	if len(c.Created) != 0 || len(c.Waiting) != 1 || c.Waiting[0].Reason != "standstill" {
		t.Fatalf("conclusion during the standstill: %+v", c)
	}
	clock.Set(time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC))
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/conclude", buyer, nil).json(t, &c)
	if len(c.Created) != 1 || c.Tender.State != "concluded" {
		t.Fatalf("conclusion: %+v", c)
	}
	var k ContractBody
	e.get("/api/v1/contracts/"+c.Created[0].ContractID.String(), buyer).json(t, &k)
	if k.Reference != "T-API-01-L1-01" || k.Ceiling != "50000.00" || k.Status != "draft" {
		t.Fatalf("the contract: %+v", k.ContractItem)
	}
	e.postJSON("/api/v1/tenders/"+tender.ID.String()+"/conclude", buyer, nil).json(t, &c)
	if len(c.Created) != 0 {
		t.Fatalf("concluding again made %d contracts", len(c.Created))
	}
}
