package procurement

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

// clock is the tests' server clock: it stands still until moved.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC()
	c.mu.Unlock()
}

// start is when every test's clock starts: a Monday morning.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type env struct {
	svc       *Service
	contracts *contracts.Service
	pool      *pooling.Service
	users     *access.Service
	owner     *gorm.DB
	db        *gorm.DB
	clock     *clock
	budget    uuid.UUID // 1 000 000.00 available

	buyer, buyer2 access.Actor // two procurement users
	eval1, eval2  access.Actor // the committee
	auditor       access.Actor
	providers     []uuid.UUID
	bidders       []access.Actor // one user per provider
	casemanager   access.Actor
}

// newEnv gives the procurement service on a fresh database as the
// application's role, with a funded budget, three providers with a user
// each, two procurement users, two evaluators and an auditor.
func newEnv(t *testing.T) *env {
	t.Helper()
	owner, app := dbtest.NewApp(t)
	pool := pooling.NewService(app.Gorm)
	e := &env{svc: NewService(app.Gorm, pool), contracts: contracts.NewService(app.Gorm).UseFunds(pool), pool: pool,
		users: access.NewService(app.Gorm), owner: owner.Gorm, db: app.Gorm, clock: &clock{t: start}}
	e.svc.now = e.clock.Now
	sys := access.System("test")
	b, err := pool.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Integratie 2026", PeriodStart: "2026-01-01", PeriodEnd: "2027-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	e.budget = b.ID
	stream, err := pool.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Inburgering",
		ReportingCode: "INB-2026", Amount: "1000000.00", ValidFrom: "2026-01-01", ValidTo: "2027-12-31", Unrestricted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: e.budget, FundingStreamID: stream.ID, Amount: "1000000.00"}); err != nil {
		t.Fatal(err)
	}
	e.buyer = e.user(t, "inkoop1", "", access.Procurement)
	e.buyer2 = e.user(t, "inkoop2", "", access.Procurement)
	e.eval1 = e.user(t, "beoordelaar1", "", access.Evaluator)
	e.eval2 = e.user(t, "beoordelaar2", "", access.Evaluator)
	e.auditor = e.user(t, "accountant", "", access.Auditor)
	e.casemanager = e.user(t, "klantmanager", "", access.CaseManager)
	for i, name := range []string{"Taalhuis Twente", "Werkwijs Oost", "Inburgering Plus"} {
		kvk := fmt.Sprintf("%08d", 61000001+i)
		p, err := e.contracts.RegisterProvider(ctx, e.buyer, contracts.ProviderInput{KVK: kvk, LegalName: name, IBAN: "NL91 ABNA 0417 1643 00",
			BIC: "ABNANL2A", AddressLine1: "Gronausestraat 1200", Postcode: "7534 AA", City: "Enschede",
			ContactName: "Ayşe Yılmaz", ContactEmail: "contact@provider.example", ContactPhone: "053 123 4567"})
		if err != nil {
			t.Fatal(err)
		}
		e.providers = append(e.providers, p.ID)
		e.bidders = append(e.bidders, e.user(t, fmt.Sprintf("bieder%d", i), kvk, access.Provider))
	}
	return e
}

func (e *env) user(t *testing.T, name, kvk string, roles ...access.Role) access.Actor {
	t.Helper()
	u, err := e.users.CreateUser(ctx, access.System("test"), access.NewUser{Email: name + "@enschede.example", Name: "Gebruiker " + name, Roles: roles, ProviderKVK: kvk})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	a, err := e.users.ActorByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// languageLot is a lot of language trajectories paid by the demo's schedule.
func languageLot(volume int, maxPrice string, awardees int) LotInput {
	return LotInput{Title: "Taaltrajecten NT2", CategoryCode: "language", Volume: volume, MaxPrice: dec(maxPrice), Awardees: awardees,
		Milestones: []contracts.Milestone{
			{Code: "intake", Name: "Intake en leerplan", OutcomeDomain: contracts.DomainIntake, Share: decp("10"), DeadlineMonths: 2},
			{Code: "a2", Name: "A2 behaald", OutcomeDomain: contracts.DomainLanguage, Share: decp("60"), DeadlineMonths: 12,
				Prerequisites: contracts.Codes{"intake"}, EvidenceRequired: true, EvidenceKinds: contracts.Codes{"exam_result"}},
			{Code: "participation", Name: "Werk of opleiding", OutcomeDomain: contracts.DomainParticipation, Share: decp("30"), DeadlineMonths: 24,
				Prerequisites: contracts.Codes{"a2"}},
		}}
}

// tenderInput is an open tender with the criteria (price 40,
// plan of approach 35, results achieved elsewhere 25), taking bids until
// a week after start.
func (e *env) tenderInput(ref string, lots ...LotInput) TenderInput {
	if len(lots) == 0 {
		lots = []LotInput{languageLot(40, "2500.00", 1)}
	}
	return TenderInput{Reference: ref, Title: "Taal en participatie 2026", Description: "Trajecten NT2 voor statushouders",
		Procedure: Open, BudgetID: e.budget, PublicationDate: start,
		QuestionsDeadline: start.Add(3 * 24 * time.Hour), SubmissionDeadline: start.Add(7 * 24 * time.Hour),
		ContractStart: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), ContractEnd: time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC),
		Criteria: []CriterionInput{{Code: "price", Name: "Prijs", Kind: PriceCriterion, Weight: dec("40")},
			{Code: "plan", Name: "Plan van aanpak", Kind: QualityCriterion, Weight: dec("35")},
			{Code: "results", Name: "Elders behaalde resultaten", Kind: QualityCriterion, Weight: dec("25")}},
		Lots: lots}
}

// published creates and publishes a tender.
func (e *env) published(t *testing.T, in TenderInput) TenderDetail {
	t.Helper()
	d, err := e.svc.CreateTender(ctx, e.buyer, in)
	if err != nil {
		t.Fatalf("CreateTender: %v", err)
	}
	if d, err = e.svc.PublishTender(ctx, e.buyer, d.ID); err != nil {
		t.Fatalf("PublishTender: %v", err)
	}
	return d
}

func (e *env) bid(lot uuid.UUID, price string, capacity int) BidInput {
	return BidInput{LotID: lot, Price: dec(price), Capacity: capacity, VATExempt: true, Declaration: true,
		Answers: map[string]string{"plan": "Wij werken in kleine groepen met een taalcoach.", "results": "82 % haalde A2 in Hengelo."}}
}

func (e *env) submit(t *testing.T, who access.Actor, in BidInput) BidDetail {
	t.Helper()
	b, err := e.svc.SubmitBid(ctx, who, in)
	if err != nil {
		t.Fatalf("SubmitBid: %v", err)
	}
	return b
}

// afterDeadline moves the clock past the tender's deadline and opens it,
// four-eyes.
func (e *env) open(t *testing.T, d TenderDetail) Opening {
	t.Helper()
	if e.clock.Now().Before(d.SubmissionDeadline) {
		e.clock.Set(d.SubmissionDeadline)
	}
	if o, err := e.svc.OpenTender(ctx, e.buyer, d.ID); err != nil || !o.Pending {
		t.Fatalf("first opening call: %+v, %v", o, err)
	}
	o, err := e.svc.OpenTender(ctx, e.buyer2, d.ID)
	if err != nil || o.Pending {
		t.Fatalf("second opening call: %+v, %v", o, err)
	}
	return o
}

func wantCode(t *testing.T, what string, err error, code fault.Code) {
	t.Helper()
	if !fault.HasCode(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code.Code)
	}
}

func wantField(t *testing.T, what string, err error, field, code string) {
	t.Helper()
	if got := codesOf(err)[field]; got != code {
		t.Fatalf("%s: %s = %q, want %q (error %v)", what, field, got, code, err)
	}
}
