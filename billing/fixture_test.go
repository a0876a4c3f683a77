package billing_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	checks "github.com/euregio/tranche/internal/check"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

func actor(roles ...access.Role) access.Actor {
	id := uuid.Must(uuid.NewV7())
	return access.Actor{UserID: id, Email: "u-" + id.String()[24:] + "@enschede.example", Roles: roles}
}

var (
	procurement = actor(access.Procurement)
	casemanager = actor(access.CaseManager)
	verifier    = actor(access.Verifier)
	verifier2   = actor(access.Verifier)
	finance     = actor(access.Finance)
	finance2    = actor(access.Finance)
	auditor     = actor(access.Auditor)
	admin       = actor(access.Admin)
)

// clock is a settable time for one test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(day string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = date(day).Add(10 * time.Hour)
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func decp(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}

// fx is a funded, contracted municipality: a language stream with a small
// earmarked amount and an unrestricted own-funds stream in one budget, so
// that trajectories are paid from both; provider A (a foundation with
// diacritics in its name, VAT exempt) and provider B (a company charging
// 21 % VAT, with a BIC), each with an active language contract.
type fx struct {
	t         testing.TB
	db        *database.DB
	clock     *clock
	out       *outcomes.Service
	pool      *pooling.Service
	con       *contracts.Service
	bill      *billing.Service
	budget    pooling.Budget
	streams   []pooling.FundingStream
	a, b      access.Actor // a user of provider A, of provider B
	contractA contracts.ContractDetail
	contractB contracts.ContractDetail
}

func newFx(t testing.TB) *fx {
	t.Helper()
	db := dbtest.New(t)
	c := &clock{}
	c.Set("2005-03-01")
	f := &fx{t: t, db: db, clock: c, pool: pooling.NewService(db.Gorm).WithClock(c.Now), con: contracts.NewService(db.Gorm)}
	f.out = outcomes.NewService(db.Gorm, f.pool).WithClock(c.Now)
	f.bill = billing.NewService(db.Gorm, f.pool).WithClock(c.Now)
	var err error
	f.budget, err = f.pool.CreateBudget(ctx, procurement, pooling.CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	check(t, err)
	for _, in := range []pooling.CreateFundingStreamInput{
		{Funder: "Rijk", Name: "Inburgering 2005", ReportingCode: "INB-2005", Amount: "5000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31",
			Earmark: []string{"language", "civic_integration"}},
		{Funder: "Gemeente Enschede", Name: "Eigen middelen", ReportingCode: "EIG-2005", Amount: "500000.00", ValidFrom: "2005-01-01",
			ValidTo: "2005-12-31", Unrestricted: true},
	} {
		s, err := f.pool.CreateFundingStream(ctx, procurement, in)
		check(t, err)
		_, err = f.pool.Allocate(ctx, procurement, pooling.AllocateInput{BudgetID: f.budget.ID, FundingStreamID: s.ID, Amount: in.Amount})
		check(t, err)
		f.streams = append(f.streams, s)
	}
	f.a, f.contractA = f.contractedProvider(contracts.ProviderInput{KVK: "11111111", LegalName: "Stichting Ćosić & Şahin",
		IBAN: "NL91ABNA0417164300", AddressLine1: "Oldenzaalsestraat 12", Postcode: "7511 DZ", City: "Enschede"}, "ENS-2005-001", nil)
	f.b, f.contractB = f.contractedProvider(contracts.ProviderInput{KVK: "22222222", LegalName: "Taalschool Müller B.V.",
		IBAN: "NL20INGB0001234567", BIC: "INGBNL2A", AddressLine1: "Hengelosestraat 500", Postcode: "7521 AN", City: "Enschede"}, "ENS-2005-002", decp("21"))
	return f
}

func (f *fx) contractedProvider(in contracts.ProviderInput, ref string, vat *decimal.Decimal) (access.Actor, contracts.ContractDetail) {
	f.t.Helper()
	in.ContactName, in.ContactEmail = "Contact", "info@"+in.KVK+".example"
	p, err := f.con.RegisterProvider(ctx, procurement, in)
	check(f.t, err)
	budget := f.budget.ID
	c, err := f.con.CreateContract(ctx, procurement, contracts.ContractInput{ProviderID: p.ID, Reference: ref, Title: "Taaltrajecten 2005",
		PeriodStart: date("2005-01-01"), PeriodEnd: date("2005-12-31"), Ceiling: dec("400000.00"), Capacity: 200, VATExempt: vat == nil,
		VATRate: vat, BudgetID: &budget, Products: []contracts.Product{languageProduct()}})
	check(f.t, err)
	_, err = f.con.ActivateContract(ctx, procurement, c.ID)
	check(f.t, err)
	c, err = f.con.GetContract(ctx, procurement, c.ID)
	check(f.t, err)
	id := p.ID
	user := actor(access.Provider)
	user.ProviderID = &id
	return user, c
}

// languageProduct: intake 10 %, A2 40 %, KNM exam 20 %, job 30 %; price 2000.00.
func languageProduct() contracts.Product {
	return contracts.Product{Code: "NT2", Name: "Taaltraject NT2", CategoryCode: "language", Price: dec("2000.00"),
		Milestones: []contracts.Milestone{
			{Code: "intake", Name: "Intake", OutcomeDomain: contracts.DomainIntake, Share: decp("10"), DeadlineMonths: 2},
			{Code: "a2", Name: "Taalniveau A2 behaald — Nguyễn-groep", OutcomeDomain: contracts.DomainLanguage, Share: decp("40"), DeadlineMonths: 12,
				Prerequisites: contracts.Codes{"intake"}},
			{Code: "knm", Name: "Examen KNM", OutcomeDomain: contracts.DomainLanguage, Share: decp("20"), DeadlineMonths: 15, Prerequisites: contracts.Codes{"intake"}},
			{Code: "job", Name: "Werk of startkwalificatie", OutcomeDomain: contracts.DomainParticipation, Share: decp("30"), DeadlineMonths: 24,
				Prerequisites: contracts.Codes{"a2"}},
		}}
}

func check(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code fault.Code) {
	t.Helper()
	if !fault.HasCode(err, code) {
		t.Fatalf("err = %v, want %s", err, code.Code)
	}
}

var (
	participantMu sync.Mutex
	participantN  int
)

// started refers a new participant to the provider's contract and starts
// the trajectory on 2005-03-01.
func (f *fx) started(user access.Actor, contract contracts.ContractDetail) outcomes.TrajectoryDetail {
	f.t.Helper()
	participantMu.Lock()
	participantN++
	n := participantN
	participantMu.Unlock()
	p, err := f.out.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{GivenNames: "Çağrı", FamilyName: fmt.Sprintf("Nguyễn %d", n),
		Gender: "female", DateOfBirth: "1980-05-17", ArrivalDate: "2004-11-02"})
	check(f.t, err)
	tr, err := f.out.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: p.ID, ContractID: contract.ID, ProductCode: "NT2"})
	check(f.t, err)
	d, err := f.out.Start(ctx, user, tr.ID, date("2005-03-01"))
	check(f.t, err)
	return d
}

// verified submits and approves a milestone claim.
func (f *fx) verified(user access.Actor, tr uuid.UUID, code, achieved string) outcomes.ClaimDetail {
	f.t.Helper()
	c, err := f.out.Submit(ctx, user, outcomes.SubmitInput{TrajectoryID: tr, MilestoneCode: code, AchievedOn: date(achieved)})
	check(f.t, err)
	c, err = f.out.Approve(ctx, verifier, c.ID, "")
	check(f.t, err)
	if c.State == outcomes.AwaitingSecondApproval {
		c, err = f.out.Approve(ctx, verifier2, c.ID, "")
		check(f.t, err)
	}
	return c
}

// paid takes a run through approval, export and confirmation.
func (f *fx) paid(run billing.RunDetail) billing.Run {
	f.t.Helper()
	_, err := f.bill.ApproveRun(ctx, finance2, run.ID)
	check(f.t, err)
	_, err = f.bill.ExportRun(ctx, finance, run.ID)
	check(f.t, err)
	r, err := f.bill.ConfirmRun(ctx, finance, run.ID)
	check(f.t, err)
	return r
}

// statementOf returns the run's statement for the provider user.
func statementOf(t testing.TB, run billing.RunDetail, user access.Actor) billing.StatementDetail {
	t.Helper()
	for _, st := range run.Statements {
		if st.ProviderID == *user.ProviderID {
			return st
		}
	}
	t.Fatalf("run %s has no statement for provider %s", run.ID, *user.ProviderID)
	return billing.StatementDetail{}
}

func eq(t testing.TB, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Fatalf("%s = %s, want %s", what, got.StringFixed(2), want)
	}
}

// checkAll runs billing's, pooling's and outcomes' consistency checks.
func (f *fx) checkAll() {
	f.t.Helper()
	for name, run := range map[string]func() ([]checks.Result, error){
		"billing":  func() ([]checks.Result, error) { return billing.Check(ctx, f.db.Gorm) },
		"pooling":  func() ([]checks.Result, error) { return pooling.Check(ctx, f.db.Gorm) },
		"outcomes": func() ([]checks.Result, error) { return outcomes.Check(ctx, f.db.Gorm) },
	} {
		results, err := run()
		check(f.t, err)
		for _, r := range results {
			if !r.OK {
				f.t.Errorf("%s check %s: %s", name, r.Name, r.Detail)
			}
		}
	}
}

// xmllint validates file against one of the schemas in testdata; the test
// fails, not skips, when xmllint is missing.
func xmllint(t testing.TB, schema string, data []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatalf("xmllint is needed to validate the SEPA file (apt-get install libxml2-utils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "sepa.xml")
	writeFile(t, file, data)
	out, err := exec.Command(bin, "--noout", "--schema", filepath.Join("testdata", schema), file).CombinedOutput()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("the SEPA file does not validate against %s:\n%s\n%s", schema, out, data)
		}
		t.Fatal(err)
	}
}
