package contracts

import (
	"context"
	"fmt"
	"github.com/euregio/tranche/pooling"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ctx = context.Background()

func user(roles ...access.Role) access.Actor {
	id := uuid.Must(uuid.NewV7())
	return access.Actor{UserID: id, Email: "u-" + id.String()[:8] + "@enschede.example", Roles: roles}
}

func providerUser(providerID uuid.UUID) access.Actor {
	a := user(access.Provider)
	a.ProviderID = &providerID
	return a
}

var (
	procurement = user(access.Procurement)
	auditor     = user(access.Auditor)
	casemanager = user(access.CaseManager)
)

type env struct {
	svc    *Service
	db     *gorm.DB
	pool   *pooling.Service
	budget uuid.UUID // funded with 1 000 000.00
}

// newEnv gives a contracts service on a fresh database, with pooling
// telling it what budgets have available, as serve wires it.
func newEnv(t *testing.T) env {
	t.Helper()
	db := dbtest.New(t)
	pool := pooling.NewService(db.Gorm)
	e := env{svc: NewService(db.Gorm).UseFunds(pool), db: db.Gorm, pool: pool}
	e.budget = budgetRow(t, e)
	sys := access.System("test")
	stream, err := pool.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Integratie",
		ReportingCode: "INT-" + e.budget.String()[:8], Amount: "1000000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Unrestricted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: e.budget, FundingStreamID: stream.ID, Amount: "1000000.00"}); err != nil {
		t.Fatal(err)
	}
	return e
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func decp(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}
func day(s string) time.Time { return must(time.Parse(time.DateOnly, s)) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Valid fictional identifiers: the IBANs pass mod-97.
func providerInput(kvk, name string) ProviderInput {
	return ProviderInput{
		KVK: kvk, LegalName: name, IBAN: "NL91 ABNA 0417 1643 00", BIC: "abnanl2a", VATNumber: "NL001234567B01",
		AddressLine1: "Gronausestraat 1200", Postcode: "7534 AA", City: "Enschede",
		ContactName: "Ayşe Yılmaz", ContactEmail: "Contact@Taalhuis.example", ContactPhone: "053 123 4567",
	}
}

func registerProvider(t *testing.T, e env, kvk, name string) Provider {
	t.Helper()
	p, err := e.svc.RegisterProvider(ctx, procurement, providerInput(kvk, name))
	if err != nil {
		t.Fatalf("RegisterProvider(%s): %v", kvk, err)
	}
	return p
}

// languageProduct is the demo's language trajectory: intake 10 %, A2
// reached 40 %, civic-integration exam 20 %, start qualification or job 30 %.
func languageProduct(price string) Product {
	return Product{Code: "NT2-A2", Name: "Taaltraject NT2 tot A2", CategoryCode: "language", Price: dec(price),
		Milestones: []Milestone{
			{Code: "intake", Name: "Intake en leerplan", OutcomeDomain: DomainIntake, Share: decp("10"), DeadlineMonths: 2},
			{Code: "a2", Name: "A2 behaald", OutcomeDomain: DomainLanguage, Share: decp("40"), DeadlineMonths: 12,
				Prerequisites: Codes{"intake"}, EvidenceRequired: true, EvidenceKinds: Codes{"exam_result"}},
			{Code: "knm", Name: "Examen KNM", OutcomeDomain: DomainLanguage, Share: decp("20"), DeadlineMonths: 15, Prerequisites: Codes{"intake"}},
			{Code: "participation", Name: "Startkwalificatie of werk", OutcomeDomain: DomainParticipation, Share: decp("30"), DeadlineMonths: 24,
				Prerequisites: Codes{"a2"}},
		}}
}

// reintegrationProduct: intake 15 %, job started 35 %, job sustained 6 months 50 %.
func reintegrationProduct(price string) Product {
	return Product{Code: "REINT", Name: "Re-integratietraject", CategoryCode: "reintegration", Price: dec(price),
		Milestones: []Milestone{
			{Code: "intake", Name: "Intake", OutcomeDomain: DomainIntake, Share: decp("15"), DeadlineMonths: 1},
			{Code: "job_started", Name: "Baan gestart", OutcomeDomain: DomainLabour, Share: decp("35"), DeadlineMonths: 9, Prerequisites: Codes{"intake"}},
			{Code: "job_sustained_26w", Name: "Baan behouden 26 weken", OutcomeDomain: DomainLabour, Share: decp("50"), DeadlineMonths: 15,
				Prerequisites: Codes{"job_started"}, EvidenceRequired: true, EvidenceKinds: Codes{"payslip", "employment_contract"}},
		}}
}

func contractInput(providerID uuid.UUID, ref string) ContractInput {
	return ContractInput{
		ProviderID: providerID, Reference: ref, Title: "Taal en participatie 2005",
		PeriodStart: day("2005-01-01"), PeriodEnd: day("2005-12-31"),
		Ceiling: dec("100000.00"), Capacity: 40, VATExempt: true,
		Products: []Product{languageProduct("2450.55")},
	}
}

func createContract(t *testing.T, e env, providerID uuid.UUID, ref string) ContractDetail {
	t.Helper()
	in := contractInput(providerID, ref)
	in.BudgetID = &e.budget
	c, err := e.svc.CreateContract(ctx, procurement, in)
	if err != nil {
		t.Fatalf("CreateContract(%s): %v", ref, err)
	}
	return c
}

func activeContract(t *testing.T, e env, providerID uuid.UUID, ref string) ContractDetail {
	t.Helper()
	c := createContract(t, e, providerID, ref)
	if _, err := e.svc.ActivateContract(ctx, procurement, c.ID); err != nil {
		t.Fatalf("ActivateContract(%s): %v", ref, err)
	}
	return must(e.svc.GetContract(ctx, procurement, c.ID))
}

// hasField reports whether err is an invalid-input or conflict error with a
// field error of the given code on the given field.
func hasField(err error, field string, code fault.Code) bool {
	e, ok := fault.As(err)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code.Code {
			return true
		}
	}
	return false
}

func auditCount(t *testing.T, db *gorm.DB, action, entityID string) int {
	t.Helper()
	var row struct{ N int }
	if err := db.Raw(`SELECT count(*) AS n FROM audit_events WHERE action = ? AND entity_id = ?`, action, entityID).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	return row.N
}

func describe(err error) string {
	if e, ok := fault.As(err); ok {
		return fmt.Sprintf("%s %v", e.Code.Code, e.Fields)
	}
	return fmt.Sprint(err)
}

// budgetRow inserts a budget the way pooling stores one (contracts does not
// import pooling), for contracts that name the budget paying for them.
func budgetRow(t *testing.T, e env) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := e.db.Exec(`INSERT INTO budgets (id, name, period_start, period_end) VALUES (?, ?, '2005-01-01', '2005-12-31')`, id, "Budget "+id.String()).Error; err != nil {
		t.Fatal(err)
	}
	return id
}
