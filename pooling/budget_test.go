package pooling

import (
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestCreateBudgetValidation(t *testing.T) {
	e := newEnv(t)
	e.budget("Integratie 2005")
	tests := []struct {
		name      string
		in        CreateBudgetInput
		field     string
		fieldCode string
	}{
		{"name missing", CreateBudgetInput{Name: "", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"}, "name", codeRequired},
		{"name taken", CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"}, "name", codeTaken},
		{"start missing", CreateBudgetInput{Name: "B", PeriodEnd: "2005-12-31"}, "period_start", codeRequired},
		{"end not a date", CreateBudgetInput{Name: "B", PeriodStart: "2005-01-01", PeriodEnd: "2005-02-30"}, "period_end", codeInvalidDate},
		{"end before start", CreateBudgetInput{Name: "B", PeriodStart: "2005-06-01", PeriodEnd: "2005-05-31"}, "period_end", codeEndBeforeStart},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.s.CreateBudget(e.ctx, procurement, tt.in)
			fe, ok := fault.As(err)
			if !ok || fe.Code != fault.InvalidInput || len(fe.Fields) == 0 || fe.Fields[0].Field != tt.field || fe.Fields[0].Code != tt.fieldCode {
				t.Fatalf("err = %v, want invalid_input on %s/%s", err, tt.field, tt.fieldCode)
			}
		})
	}
}

func TestBudgetsReadBackAndList(t *testing.T) {
	e := newEnv(t)
	b1 := e.budget("Integratie 2005")
	b2 := e.budget("Re-integratie 2005")
	got, err := e.s.GetBudget(e.ctx, auditor, b1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Integratie 2005" || got.PeriodStart.Format(dateLayout) != "2005-01-01" || got.PeriodEnd.Format(dateLayout) != "2005-12-31" {
		t.Fatalf("budget = %+v", got)
	}
	items, next, err := e.s.ListBudgets(e.ctx, finance, database.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].ID != b1.ID || items[1].ID != b2.ID || next != "" {
		t.Fatalf("ListBudgets = %+v next %q, want both in creation order", items, next)
	}
	if _, err := e.s.GetBudget(e.ctx, auditor, uuid.Must(uuid.NewV7())); !fault.HasCode(err, BudgetNotFound) {
		t.Fatalf("unknown budget: err = %v, want budget_not_found", err)
	}
}

func TestAllocateRules(t *testing.T) {
	e := newEnv(t)
	f := e.stream("NIG-2005", "1000.00", "language")
	b := e.budget("Integratie 2005")
	b2006, err := e.s.CreateBudget(e.ctx, procurement, CreateBudgetInput{Name: "Integratie 2006", PeriodStart: "2006-01-01", PeriodEnd: "2006-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	half, err := e.s.CreateBudget(e.ctx, procurement, CreateBudgetInput{Name: "Tweede helft 2005", PeriodStart: "2005-07-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	e.allocate(b, f, "600.00")
	e.allocate(half, f, "100.00") // a budget period inside the validity is fine

	tests := []struct {
		name string
		in   AllocateInput
		code fault.Code
	}{
		{"more than unallocated", AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: "300.01"}, AllocationExceedsStream},
		{"budget outside validity", AllocateInput{BudgetID: b2006.ID, FundingStreamID: f.ID, Amount: "1.00"}, AllocationOutsideValidity},
		{"unknown budget", AllocateInput{BudgetID: uuid.Must(uuid.NewV7()), FundingStreamID: f.ID, Amount: "1.00"}, BudgetNotFound},
		{"unknown stream", AllocateInput{BudgetID: b.ID, FundingStreamID: uuid.Must(uuid.NewV7()), Amount: "1.00"}, FundingStreamNotFound},
		{"no amount", AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID}, fault.InvalidInput},
		{"zero amount", AllocateInput{BudgetID: b.ID, FundingStreamID: f.ID, Amount: "0"}, fault.InvalidInput},
		{"no budget", AllocateInput{FundingStreamID: f.ID, Amount: "1.00"}, fault.InvalidInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.s.Allocate(e.ctx, procurement, tt.in); !fault.HasCode(err, tt.code) {
				t.Fatalf("err = %v, want %s", err, tt.code.Code)
			}
		})
	}
	// Exactly the rest is allowed.
	e.allocate(b, f, "300.00")
	got, err := e.s.GetFundingStream(e.ctx, procurement, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Allocated.Equal(d("1000")) || !got.Unallocated().IsZero() {
		t.Fatalf("stream allocated %s unallocated %s, want 1000 and 0", got.Allocated, got.Unallocated())
	}
	allocs, err := e.s.ListAllocations(e.ctx, auditor, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(allocs) != 2 || allocs[0].Amount.StringFixed(2) != "600.00" || allocs[1].Amount.StringFixed(2) != "300.00" || allocs[0].ReportingCode != "NIG-2005" {
		t.Fatalf("allocations = %+v", allocs)
	}
	if !e.balance(b, f, Available).Equal(d("900")) || !e.balance(b, f, Funding).Equal(d("-900")) {
		t.Fatalf("budget balances available %s funding %s, want 900 and -900", e.balance(b, f, Available), e.balance(b, f, Funding))
	}
	e.mustCheck()
}

// The database itself refuses an allocation above the stream's amount or
// outside its validity, whoever writes it.
func TestAllocationConstraintsInDatabase(t *testing.T) {
	e := newEnv(t)
	f := e.stream("NIG-2005", "100.00", "language")
	b := e.budget("Integratie 2005")
	b2006, err := e.s.CreateBudget(e.ctx, procurement, CreateBudgetInput{Name: "Integratie 2006", PeriodStart: "2006-01-01", PeriodEnd: "2006-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	err = e.db.Gorm.Exec(`INSERT INTO allocations (id, budget_id, funding_stream_id, amount) VALUES (?, ?, ?, 100.01)`, uuid.Must(uuid.NewV7()), b.ID, f.ID).Error
	if !database.IsCheckViolation(err, "funding_streams_overallocated") {
		t.Fatalf("over-allocation: err = %v, want funding_streams_overallocated", err)
	}
	err = e.db.Gorm.Exec(`INSERT INTO allocations (id, budget_id, funding_stream_id, amount) VALUES (?, ?, ?, 1)`, uuid.Must(uuid.NewV7()), b2006.ID, f.ID).Error
	if !database.IsCheckViolation(err, "allocations_within_validity") {
		t.Fatalf("outside validity: err = %v, want allocations_within_validity", err)
	}
}
