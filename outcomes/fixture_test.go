package outcomes_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
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
	auditor     = actor(access.Auditor)
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

// fx is a funded, contracted municipality: one language stream in one
// budget, a provider with an active language contract, and a second
// provider with a contract of its own.
type fx struct {
	t         testing.TB
	db        *database.DB
	url       string
	clock     *clock
	s         *outcomes.Service
	pool      *pooling.Service
	con       *contracts.Service
	budget    pooling.Budget
	stream    pooling.FundingStream
	provider  access.Actor // a user of the first provider
	other     access.Actor // a user of the second provider
	contract  contracts.ContractDetail
	contract2 contracts.ContractDetail
}

type fxOptions struct {
	streamAmount string // default 100000.00
	capacity     int    // default 40
	ceiling      string // default 100000.00
}

func newFx(t testing.TB, opts ...fxOptions) *fx {
	t.Helper()
	o := fxOptions{streamAmount: "100000.00", capacity: 40, ceiling: "100000.00"}
	if len(opts) > 0 {
		if opts[0].streamAmount != "" {
			o.streamAmount = opts[0].streamAmount
		}
		if opts[0].capacity != 0 {
			o.capacity = opts[0].capacity
		}
		if opts[0].ceiling != "" {
			o.ceiling = opts[0].ceiling
		}
	}
	url := dbtest.URL(t)
	db, err := database.Open(ctx, url, nil)
	check(t, err)
	t.Cleanup(db.Close)
	c := &clock{}
	c.Set("2005-03-01")
	f := &fx{t: t, db: db, url: url, clock: c, pool: pooling.NewService(db.Gorm), con: contracts.NewService(db.Gorm)}
	f.s = outcomes.NewService(db.Gorm, f.pool).WithClock(c.Now)
	f.stream, err = f.pool.CreateFundingStream(ctx, procurement, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Inburgering 2005",
		ReportingCode: "INB-2005", Amount: o.streamAmount, ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Earmark: []string{"language", "civic_integration"}})
	check(t, err)
	f.budget, err = f.pool.CreateBudget(ctx, procurement, pooling.CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	check(t, err)
	_, err = f.pool.Allocate(ctx, procurement, pooling.AllocateInput{BudgetID: f.budget.ID, FundingStreamID: f.stream.ID, Amount: o.streamAmount})
	check(t, err)
	f.provider, f.contract = f.contractedProvider("11111111", "Taalhuis Twente", "ENS-2005-001", o)
	f.other, f.contract2 = f.contractedProvider("22222222", "ROC van Twente", "ENS-2005-002", o)
	return f
}

func (f *fx) contractedProvider(kvk, name, ref string, o fxOptions) (access.Actor, contracts.ContractDetail) {
	f.t.Helper()
	p, err := f.con.RegisterProvider(ctx, procurement, contracts.ProviderInput{KVK: kvk, LegalName: name, IBAN: "NL91ABNA0417164300",
		AddressLine1: "Hengelosestraat 1", Postcode: "7511 AA", City: "Enschede", ContactName: "Contact", ContactEmail: "info@" + kvk + ".example"})
	check(f.t, err)
	budget := f.budget.ID
	c, err := f.con.CreateContract(ctx, procurement, contracts.ContractInput{ProviderID: p.ID, Reference: ref, Title: "Taaltrajecten 2005",
		PeriodStart: date("2005-01-01"), PeriodEnd: date("2005-12-31"), Ceiling: dec(o.ceiling), Capacity: o.capacity, VATExempt: true,
		BudgetID: &budget, Products: []contracts.Product{languageProduct()}})
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

// languageProduct: intake 10 %, A2 40 % (evidence), KNM exam 20 %, job 30 %; price 2000.00.
func languageProduct() contracts.Product {
	return contracts.Product{Code: "NT2", Name: "Taaltraject NT2", CategoryCode: "language", Price: dec("2000.00"),
		Milestones: []contracts.Milestone{
			{Code: "intake", Name: "Intake", OutcomeDomain: contracts.DomainIntake, Share: decp("10"), DeadlineMonths: 2},
			{Code: "a2", Name: "A2 behaald", OutcomeDomain: contracts.DomainLanguage, Share: decp("40"), DeadlineMonths: 12,
				Prerequisites: contracts.Codes{"intake"}, EvidenceRequired: true},
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

var participantN int

func (f *fx) participant() outcomes.ParticipantView {
	f.t.Helper()
	participantN++
	p, err := f.s.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{GivenNames: "Ayşe", FamilyName: fmt.Sprintf("Şahin %d", participantN),
		Gender: "female", DateOfBirth: "1980-05-17", ArrivalDate: "2004-11-02"})
	check(f.t, err)
	return p
}

// refer refers a new participant to the provider's contract.
func (f *fx) refer(contract contracts.ContractDetail) outcomes.Trajectory {
	f.t.Helper()
	tr, err := f.s.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: f.participant().ID, ContractID: contract.ID, ProductCode: "NT2"})
	check(f.t, err)
	return tr
}

// started refers and starts a trajectory with the first provider on 2005-03-01.
func (f *fx) started() outcomes.TrajectoryDetail {
	f.t.Helper()
	tr := f.refer(f.contract)
	d, err := f.s.Start(ctx, f.provider, tr.ID, date("2005-03-01"))
	check(f.t, err)
	return d
}

var pdf = outcomes.File{Name: "certificaat.pdf", Data: []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")}

func (f *fx) submit(tr uuid.UUID, code, achieved string, files ...outcomes.File) (outcomes.ClaimDetail, error) {
	return f.s.Submit(ctx, f.provider, outcomes.SubmitInput{TrajectoryID: tr, MilestoneCode: code, AchievedOn: date(achieved), Evidence: files})
}

// verified submits and approves a milestone.
func (f *fx) verified(tr uuid.UUID, code, achieved string) outcomes.ClaimDetail {
	f.t.Helper()
	c, err := f.submit(tr, code, achieved, pdf)
	check(f.t, err)
	c, err = f.s.Approve(ctx, verifier, c.ID, "")
	check(f.t, err)
	if c.State == outcomes.AwaitingSecondApproval {
		c, err = f.s.Approve(ctx, verifier2, c.ID, "")
		check(f.t, err)
	}
	return c
}

// exposure is the contract's committed, payable and paid money.
func (f *fx) exposure(contractID uuid.UUID) (committed, payable, paid decimal.Decimal) {
	f.t.Helper()
	committed, payable, paid, err := f.pool.Exposure(ctx, f.db.Gorm, contractID)
	check(f.t, err)
	return committed, payable, paid
}

func eq(t testing.TB, what string, got decimal.Decimal, want string) {
	t.Helper()
	if !got.Equal(dec(want)) {
		t.Fatalf("%s = %s, want %s", what, got.StringFixed(2), want)
	}
}
