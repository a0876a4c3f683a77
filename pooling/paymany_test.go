package pooling

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// TestPayManyWritesWhatPayWrites reserves, accrues and pays the same on two
// databases, paying one by one with Pay on the first and all at once with
// PayMany (in batches of two rows) on the second, and compares the ledgers:
// balances, postings per stream, what each commitment holds, the accruals.
func TestPayManyWritesWhatPayWrites(t *testing.T) {
	defer func(n int) { payBatch = n }(payBatch)
	payBatch = 2
	one, many := newScenario(t), newScenario(t)
	ctx := context.Background()
	refs := make([]uuid.UUID, 4)
	for i := range refs {
		refs[i] = uuid.Must(uuid.NewV7())
	}
	reserves := []struct{ category, amount string }{
		{"language", "700.00"}, // spills from ROC-NT2 to NIG-2005
		{"civic_integration", "200.00"},
		{"reintegration", "450.01"}, // spills to own funds
		{"language", "350.00"},
	}
	accruals := []struct {
		ref    int
		amount string
	}{{0, "70.00"}, {0, "333.33"}, {2, "0.01"}, {1, "200.00"}, {2, "450.00"}, {3, "100.00"}, {3, "17.17"}}
	ids := make([]uuid.UUID, len(accruals))
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7())
	}
	for _, s := range []*scenario{one, many} {
		for i, r := range reserves {
			in := ReserveInput{BudgetID: s.b.ID, Category: r.category, Amount: d(r.amount), Reference: refs[i],
				ContractID: s.contractID, ProviderID: s.providerID}
			if _, err := s.reserve(s.providerActor, in); err != nil {
				t.Fatalf("reserve %v: %v", r, err)
			}
		}
		for i, a := range accruals {
			if err := s.in(func(tx *gorm.DB) error {
				_, err := s.s.Accrue(ctx, tx, finance, refs[a.ref], ids[i], d(a.amount))
				return err
			}); err != nil {
				t.Fatalf("accrue %v: %v", a, err)
			}
		}
	}
	// Pay all but the last accrual (it stays payable), in a mixed order.
	pay := []uuid.UUID{ids[4], ids[0], ids[2], ids[1], ids[5], ids[3]}
	paymentID := uuid.Must(uuid.NewV7())
	if err := one.in(func(tx *gorm.DB) error {
		for _, id := range pay {
			if _, err := one.s.Pay(ctx, tx, finance, id, paymentID); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("Pay: %v", err)
	}
	if err := many.in(func(tx *gorm.DB) error { return many.s.PayMany(ctx, tx, finance, pay, paymentID) }); err != nil {
		t.Fatalf("PayMany: %v", err)
	}
	want, got := ledgerPicture(t, one, refs), ledgerPicture(t, many, refs)
	if !slices.Equal(want, got) {
		t.Errorf("PayMany's ledger differs from Pay's:\nPay:\n  %s\nPayMany:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
	if !slices.ContainsFunc(got, func(l string) bool {
		return strings.HasPrefix(l, "balance ") && strings.Contains(l, " paid ") && !strings.HasSuffix(l, " 0.00")
	}) {
		t.Error("nothing was paid")
	}
	many.mustCheck()
	one.mustCheck()
	var perRow struct{ N int }
	many.db.Gorm.Raw(`SELECT count(*) AS n FROM pg_trigger WHERE tgname = 'ledger_postings_apply' AND tgtype & 1 = 1`).Scan(&perRow)
	if perRow.N != 0 {
		t.Error("ledger_postings_apply still runs per row")
	}
	for _, s := range []*scenario{one, many} {
		var n struct{ N int }
		s.db.Gorm.Raw(`SELECT count(*) AS n FROM audit_events WHERE action = 'accrual.pay'`).Scan(&n)
		if n.N != len(pay) {
			t.Errorf("%d accrual.pay events, want %d", n.N, len(pay))
		}
		var paid struct{ N int }
		s.db.Gorm.Raw(`SELECT count(*) AS n FROM accruals WHERE status = 'paid' AND payment_id = ? AND paid_at IS NOT NULL`, paymentID).Scan(&paid)
		if paid.N != len(pay) {
			t.Errorf("%d accruals paid by the run, want %d", paid.N, len(pay))
		}
	}
	// Paying again refuses and writes nothing.
	err := many.in(func(tx *gorm.DB) error {
		return many.s.PayMany(ctx, tx, finance, []uuid.UUID{ids[6], ids[0]}, paymentID)
	})
	if !fault.HasCode(err, AccrualNotPayable) {
		t.Fatalf("PayMany of a paid accrual = %v, want %s", err, AccrualNotPayable)
	}
	if again := ledgerPicture(t, many, refs); !slices.Equal(again, got) {
		t.Error("a refused PayMany changed the ledger")
	}
	err = many.in(func(tx *gorm.DB) error {
		return many.s.PayMany(ctx, tx, finance, []uuid.UUID{ids[6], ids[6]}, paymentID)
	})
	if !fault.HasCode(err, AccrualNotPayable) {
		t.Fatalf("PayMany of an accrual listed twice = %v, want %s", err, AccrualNotPayable)
	}
	err = many.in(func(tx *gorm.DB) error {
		return many.s.PayMany(ctx, tx, many.providerActor, []uuid.UUID{ids[6]}, paymentID)
	})
	if !fault.HasCode(err, fault.Forbidden) {
		t.Fatalf("PayMany by a provider = %v, want %s", err, fault.Forbidden)
	}
}
