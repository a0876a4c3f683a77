package pooling

import (
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
)

// Procurement writes; finance and auditor read; case managers, verifiers,
// admins and providers get forbidden for everything in pooling's own use cases.
func TestPermissions(t *testing.T) {
	e := newEnv(t)
	f := e.stream("NIG-2005", "1000.00", "language")
	b := e.budget("Integratie 2005")
	_, providerActor := e.provider("40123456")
	verifier := access.Actor{Email: "controle@enschede.example", Roles: []access.Role{access.Verifier}}
	admin := access.Actor{Email: "beheer@enschede.example", Roles: []access.Role{access.Admin}}

	ops := map[string]func(a access.Actor) error{
		"create stream": func(a access.Actor) error {
			in := validStreamInput()
			in.ReportingCode = "P-" + a.Email[:3]
			_, err := e.s.CreateFundingStream(e.ctx, a, in)
			return err
		},
		"create budget": func(a access.Actor) error {
			_, err := e.s.CreateBudget(e.ctx, a, CreateBudgetInput{Name: "B " + a.Email, PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
			return err
		},
		"allocate": func(a access.Actor) error {
			_, err := e.s.Allocate(e.ctx, a, AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: "1.00"})
			return err
		},
		"list streams": func(a access.Actor) error {
			_, _, err := e.s.ListFundingStreams(e.ctx, a, database.Page{Limit: 5})
			return err
		},
		"get stream": func(a access.Actor) error { _, err := e.s.GetFundingStream(e.ctx, a, f.ID); return err },
		"list budgets": func(a access.Actor) error {
			_, _, err := e.s.ListBudgets(e.ctx, a, database.Page{Limit: 5})
			return err
		},
		"get budget":       func(a access.Actor) error { _, err := e.s.GetBudget(e.ctx, a, b.ID); return err },
		"list allocations": func(a access.Actor) error { _, err := e.s.ListAllocations(e.ctx, a, b.ID); return err },
		"report":           func(a access.Actor) error { _, err := e.s.Report(e.ctx, a, b.ID); return err },
		"stream report":    func(a access.Actor) error { _, err := e.s.StreamReport(e.ctx, a, f.ID); return err },
	}
	writes := map[string]bool{"create stream": true, "create budget": true, "allocate": true}
	actors := []struct {
		name        string
		actor       access.Actor
		read, write bool
	}{
		{"procurement", procurement, true, true},
		{"finance", finance, true, false},
		{"auditor", auditor, true, false},
		{"casemanager", casemanager, false, false},
		{"verifier", verifier, false, false},
		{"admin", admin, false, false},
		{"provider", providerActor, false, false},
	}
	for _, a := range actors {
		for name, op := range ops {
			allowed := a.read
			if writes[name] {
				allowed = a.write
			}
			err := op(a.actor)
			switch {
			case allowed && err != nil:
				t.Errorf("%s %s: %v, want allowed", a.name, name, err)
			case !allowed && !fault.HasCode(err, fault.Forbidden):
				t.Errorf("%s %s: err = %v, want forbidden", a.name, name, err)
			}
		}
	}
}
