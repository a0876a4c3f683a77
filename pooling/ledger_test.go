package pooling

import (
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

func TestTransactionValidate(t *testing.T) {
	b, f, g := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	tests := []struct {
		name     string
		postings []Posting
		wantErr  string
	}{
		{"balanced", move(Available, Committed, b, f, d("10.00")), ""},
		{"one posting", []Posting{{Account: Available, BudgetID: b, FundingStreamID: f, Amount: d("1")}}, "at least two"},
		{"zero posting", []Posting{{Account: Available, BudgetID: b, FundingStreamID: f, Amount: d("0")}, {Account: Committed, BudgetID: b, FundingStreamID: f, Amount: d("0")}}, "is zero"},
		{"unbalanced", []Posting{{Account: Available, BudgetID: b, FundingStreamID: f, Amount: d("-10")}, {Account: Committed, BudgetID: b, FundingStreamID: f, Amount: d("9.99")}}, "sum to"},
		{"balanced overall but across streams", []Posting{{Account: Available, BudgetID: b, FundingStreamID: f, Amount: d("-10")}, {Account: Committed, BudgetID: b, FundingStreamID: g, Amount: d("10")}}, "sum to"},
		{"sub-cent", []Posting{{Account: Available, BudgetID: b, FundingStreamID: f, Amount: d("-0.005")}, {Account: Committed, BudgetID: b, FundingStreamID: f, Amount: d("0.005")}}, "two decimals"},
		{"no stream", []Posting{{Account: Available, BudgetID: b, Amount: d("-1")}, {Account: Committed, BudgetID: b, Amount: d("1")}}, "budget or stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindReserve, Postings: tt.postings}.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestReversalNegatesCreditsFirst(t *testing.T) {
	b, f := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	got := reversal(move(Committed, Payable, b, f, d("7.50")))
	if len(got) != 2 || got[0].Account != Payable || got[0].Amount.String() != "-7.5" || got[1].Account != Committed || got[1].Amount.String() != "7.5" {
		t.Fatalf("reversal = %+v, want payable -7.50 then committed +7.50", got)
	}
}

// ledgerFixture gives a budget and stream with one allocation in the ledger.
func ledgerFixture(t *testing.T) (*env, Budget, FundingStream) {
	e := newEnv(t)
	f := e.stream("NIG-2005", "1000.00", "language")
	b := e.budget("Integratie 2005")
	e.allocate(b, f, "500.00")
	return e, b, f
}

func TestLedgerIsAppendOnly(t *testing.T) {
	e, _, _ := ledgerFixture(t)
	for _, stmt := range []string{
		`UPDATE ledger_postings SET amount = amount * 2`,
		`DELETE FROM ledger_postings`,
		`TRUNCATE ledger_postings CASCADE`,
		`UPDATE ledger_transactions SET memo = 'edited'`,
		`DELETE FROM ledger_transactions`,
		`TRUNCATE ledger_transactions CASCADE`,
		`UPDATE allocations SET amount = 1`,
		`DELETE FROM allocations`,
	} {
		err := e.db.Gorm.Exec(stmt).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want it refused as append-only", stmt, err)
		}
	}
	var n int64
	e.db.Gorm.Raw(`SELECT count(*) FROM ledger_postings`).Scan(&n)
	if n != 2 {
		t.Fatalf("postings after refused changes = %d, want 2", n)
	}
}

// writeRaw writes a ledger transaction directly, bypassing Validate, in its own transaction.
func writeRaw(e *env, b Budget, f FundingStream, amounts ...string) error {
	return e.db.Gorm.Transaction(func(tx *gorm.DB) error {
		id := uuid.Must(uuid.NewV7())
		var alloc struct{ ID uuid.UUID }
		tx.Raw(`SELECT id FROM allocations LIMIT 1`).Scan(&alloc)
		if err := tx.Exec(`INSERT INTO ledger_transactions (id, kind, allocation_id, actor, created_at) VALUES (?, 'allocate', ?, 'test', ?)`,
			id, alloc.ID, time.Now()).Error; err != nil {
			return err
		}
		accounts := []Account{Available, Committed, Committed}
		for i, a := range amounts {
			if err := tx.Exec(`INSERT INTO ledger_postings (transaction_id, line, account, budget_id, funding_stream_id, amount) VALUES (?, ?, ?, ?, ?, ?)`,
				id, i+1, string(accounts[i]), b.ID, f.ID, d(a)).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

func TestDatabaseRefusesUnbalancedTransactions(t *testing.T) {
	e, b, f := ledgerFixture(t)
	tests := []struct {
		name    string
		amounts []string
	}{
		{"unbalanced", []string{"-10.00", "9.99"}},
		{"one posting", []string{"-10.00"}},
		{"no postings", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := writeRaw(e, b, f, tt.amounts...)
			if !database.IsCheckViolation(err, "ledger_transaction_balanced") {
				t.Fatalf("commit of %v: err = %v, want ledger_transaction_balanced", tt.amounts, err)
			}
		})
	}
	if err := writeRaw(e, b, f, "-10.00", "10.00"); err != nil {
		t.Fatalf("balanced transaction refused: %v", err)
	}
	e.mustCheck()
}

func TestDatabaseRefusesNegativeBalance(t *testing.T) {
	e, b, f := ledgerFixture(t)
	var ref struct{ ID uuid.UUID }
	e.db.Gorm.Raw(`SELECT id FROM allocations LIMIT 1`).Scan(&ref)
	err := e.db.Gorm.Transaction(func(tx *gorm.DB) error {
		id := uuid.Must(uuid.NewV7())
		if err := tx.Exec(`INSERT INTO ledger_transactions (id, kind, allocation_id, actor, created_at) VALUES (?, 'allocate', ?, 'test', now())`, id, ref.ID).Error; err != nil {
			return err
		}
		for i, p := range move(Available, Committed, b.ID, f.ID, d("500.01")) {
			if err := tx.Exec(`INSERT INTO ledger_postings (transaction_id, line, account, budget_id, funding_stream_id, amount) VALUES (?, ?, ?, ?, ?, ?)`,
				id, i+1, string(p.Account), p.BudgetID, p.FundingStreamID, p.Amount).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if !database.IsCheckViolation(err, "ledger_balances_sign") {
		t.Fatalf("overdraft: err = %v, want ledger_balances_sign", err)
	}
}
