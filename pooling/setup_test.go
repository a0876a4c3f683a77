package pooling

import (
	"context"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// env is a pooling service on a fresh database.
type env struct {
	t   testing.TB
	ctx context.Context
	db  *database.DB
	s   *Service
}

var (
	procurement = access.Actor{UserID: uuid.MustParse("00000000-0000-7000-8000-000000000001"), Email: "inkoop@enschede.example", Roles: []access.Role{access.Procurement}}
	finance     = access.Actor{UserID: uuid.MustParse("00000000-0000-7000-8000-000000000002"), Email: "financien@enschede.example", Roles: []access.Role{access.Finance}}
	auditor     = access.Actor{UserID: uuid.MustParse("00000000-0000-7000-8000-000000000003"), Email: "accountant@enschede.example", Roles: []access.Role{access.Auditor}}
	casemanager = access.Actor{UserID: uuid.MustParse("00000000-0000-7000-8000-000000000004"), Email: "loods@enschede.example", Roles: []access.Role{access.CaseManager}}
	system      = access.System("pooling-test")
)

func newEnv(t testing.TB) *env {
	t.Helper()
	db := dbtest.New(t)
	clock := time.Date(2005, 3, 1, 9, 0, 0, 0, time.UTC)
	s := NewService(db.Gorm).WithClock(func() time.Time { clock = clock.Add(time.Second); return clock })
	return &env{t: t, ctx: context.Background(), db: db, s: s}
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// providerActor returns a provider user's actor for a new provider organisation.
func (e *env) provider(kvk string) (uuid.UUID, access.Actor) {
	e.t.Helper()
	id := uuid.Must(uuid.NewV7())
	if err := e.db.Gorm.Exec(`INSERT INTO providers (id, kvk, legal_name) VALUES (?, ?, ?)`, id, kvk, "Provider "+kvk).Error; err != nil {
		e.t.Fatalf("insert provider: %v", err)
	}
	pid := id
	return id, access.Actor{UserID: uuid.Must(uuid.NewV7()), Email: "staff-" + kvk + "@provider.example", Roles: []access.Role{access.Provider}, ProviderID: &pid}
}

func (e *env) stream(code, amount string, earmark ...string) FundingStream {
	e.t.Helper()
	in := CreateFundingStreamInput{Funder: "Ministerie van Justitie", Name: "Stream " + code, ReportingCode: code, Amount: amount,
		ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Earmark: earmark, Unrestricted: len(earmark) == 0}
	f, err := e.s.CreateFundingStream(e.ctx, procurement, in)
	if err != nil {
		e.t.Fatalf("create stream %s: %v", code, err)
	}
	return f
}

func (e *env) budget(name string) Budget {
	e.t.Helper()
	b, err := e.s.CreateBudget(e.ctx, procurement, CreateBudgetInput{Name: name, PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		e.t.Fatalf("create budget %s: %v", name, err)
	}
	return b
}

func (e *env) allocate(b Budget, f FundingStream, amount string) Allocation {
	e.t.Helper()
	a, err := e.s.Allocate(e.ctx, procurement, AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: amount})
	if err != nil {
		e.t.Fatalf("allocate %s of %s: %v", amount, f.ReportingCode, err)
	}
	return a
}

// in runs fn in its own transaction, as a calling capability would.
func (e *env) in(fn func(tx *gorm.DB) error) error {
	return database.Transaction(e.ctx, e.db.Gorm, fn)
}

func (e *env) reserve(actor access.Actor, in ReserveInput) (Commitment, error) {
	var c Commitment
	err := e.in(func(tx *gorm.DB) error {
		var err error
		c, err = e.s.Reserve(e.ctx, tx, actor, in)
		return err
	})
	return c, err
}

// mustCheck fails the test unless every consistency check passes.
func (e *env) mustCheck() {
	e.t.Helper()
	results, err := Check(e.ctx, e.db.Gorm)
	if err != nil {
		e.t.Fatalf("Check: %v", err)
	}
	for _, r := range results {
		if !r.OK {
			e.t.Errorf("check %s failed: %s", r.Name, r.Detail)
		}
	}
}

// balance returns a running balance of the ledger.
func (e *env) balance(b Budget, f FundingStream, account Account) decimal.Decimal {
	e.t.Helper()
	var row struct{ Balance decimal.Decimal }
	if err := e.db.Gorm.Raw(`SELECT balance FROM ledger_balances WHERE budget_id = ? AND funding_stream_id = ? AND account = ?`,
		b.ID, f.ID, string(account)).Scan(&row).Error; err != nil {
		e.t.Fatal(err)
	}
	return row.Balance
}

func partsString(parts []StreamAmount) map[uuid.UUID]string {
	out := map[uuid.UUID]string{}
	for _, p := range parts {
		out[p.FundingStreamID] = p.Amount.StringFixed(2)
	}
	return out
}
