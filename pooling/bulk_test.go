package pooling

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/audit"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// insertCopier stands in for COPY with plain INSERTs in tx.
func insertCopier(tx *gorm.DB) CopyFunc {
	return func(ctx context.Context, table string, columns []string, rows [][]any) error {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(columns)), ", ")
		q := fmt.Sprintf(`INSERT INTO %s (%s) VALUES (%s)`, table, strings.Join(columns, ", "), marks)
		for _, r := range rows {
			if err := tx.WithContext(ctx).Exec(q, r...).Error; err != nil {
				return err
			}
		}
		return nil
	}
}

// ledgerPicture is what the ledger holds, with streams by reporting code and
// commitments by the order they were made, so that two databases compare.
func ledgerPicture(t *testing.T, s *scenario, refs []uuid.UUID) []string {
	t.Helper()
	var rows []struct{ Line string }
	err := s.db.Gorm.Raw(`
		SELECT 'balance ' || f.reporting_code || ' ' || b.account || ' ' || b.balance AS line
		FROM ledger_balances b JOIN funding_streams f ON f.id = b.funding_stream_id
		UNION ALL
		SELECT 'flow ' || f.reporting_code || ' ' || l.flow || ' ' || l.total AS line
		FROM ledger_flows l JOIN funding_streams f ON f.id = l.funding_stream_id
		UNION ALL
		SELECT 'posting ' || t.kind || ' ' || p.line || ' ' || p.account || ' ' || f.reporting_code || ' ' || p.amount || ' ' || coalesce(array_position(?::uuid[], c.reference)::text, '-')
		FROM ledger_postings p JOIN ledger_transactions t ON t.id = p.transaction_id JOIN funding_streams f ON f.id = p.funding_stream_id
		LEFT JOIN commitments c ON c.id = t.commitment_id
		UNION ALL
		SELECT 'held ' || array_position(?::uuid[], c.reference) || ' ' || f.reporting_code || ' ' || cb.account || ' ' || cb.balance
		FROM commitment_balances cb JOIN commitments c ON c.id = cb.commitment_id JOIN funding_streams f ON f.id = cb.funding_stream_id
		UNION ALL
		SELECT 'part ' || array_position(?::uuid[], c.reference) || ' ' || cp.position || ' ' || f.reporting_code || ' ' || cp.amount
		FROM commitment_parts cp JOIN commitments c ON c.id = cp.commitment_id JOIN funding_streams f ON f.id = cp.funding_stream_id
		UNION ALL
		SELECT 'accrual ' || array_position(?::uuid[], c.reference) || ' ' || a.amount || ' ' || a.status || ' ' || f.reporting_code || ' ' || ap.amount
		FROM accruals a JOIN commitments c ON c.id = a.commitment_id JOIN accrual_parts ap ON ap.accrual_id = a.id JOIN funding_streams f ON f.id = ap.funding_stream_id`,
		uuidStrings(refs), uuidStrings(refs), uuidStrings(refs), uuidStrings(refs)).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Line
	}
	slices.Sort(out)
	return out
}

func uuidStrings(ids []uuid.UUID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = id.String()
	}
	return uuidArray(s)
}

// TestBulkLedgerWritesWhatTheServiceWrites plays the same steps through the
// service and through BulkLedger on two databases and compares the ledgers.
func TestBulkLedgerWritesWhatTheServiceWrites(t *testing.T) {
	type step struct {
		op       string // reserve, accrue, release
		ref      int
		category string
		amount   string
	}
	steps := []step{
		{"reserve", 0, "language", "700.00"}, // spills from ROC-NT2 to NIG-2005
		{"reserve", 1, "civic_integration", "200.00"},
		{"reserve", 2, "reintegration", "450.01"}, // spills to own funds
		{"accrue", 0, "", "70.00"},
		{"accrue", 0, "", "333.33"},
		{"accrue", 2, "", "0.01"},
		{"release", 0, "", "100.01"},
		{"accrue", 1, "", "200.00"},
		{"release", 2, "", "450.00"},
		{"reserve", 3, "language", "1500.00"}, // too much: refused
		{"reserve", 4, "language", "350.00"},
	}
	service, bulk := newScenario(t), newScenario(t)
	refs := make([]uuid.UUID, 5)
	for i := range refs {
		refs[i] = uuid.Must(uuid.NewV7())
	}
	ctx := context.Background()
	ledger, err := NewBulkLedger(ctx, bulk.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	refused := map[string]bool{}
	// BulkLedger writes the ledger only; its caller (`tranche generate`)
	// records the audit events of the commitments, and so does this test.
	var reserved []audit.Event
	for i, st := range steps {
		in := ReserveInput{BudgetID: service.b.ID, Category: st.category, Amount: d(st.amount), Reference: refs[st.ref],
			ContractID: service.contractID, ProviderID: service.providerID}
		var serr error
		switch st.op {
		case "reserve":
			_, serr = service.reserve(service.providerActor, in)
		case "accrue":
			serr = service.in(func(tx *gorm.DB) error {
				_, err := service.s.Accrue(ctx, tx, finance, refs[st.ref], uuid.Must(uuid.NewV7()), d(st.amount))
				return err
			})
		case "release":
			serr = service.in(func(tx *gorm.DB) error {
				_, err := service.s.Release(ctx, tx, system, refs[st.ref], d(st.amount))
				return err
			})
		}
		in.BudgetID, in.ContractID, in.ProviderID = bulk.b.ID, bulk.contractID, bulk.providerID
		var berr error
		ok := true
		switch st.op {
		case "reserve":
			var c Commitment
			c, ok, berr = ledger.Reserve(in, uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), at, "bulk")
			if ok {
				reserved = append(reserved, audit.Event{Action: "commitment.reserve", EntityType: "commitment", EntityID: c.ID.String(), After: c})
			}
		case "accrue":
			_, berr = ledger.Accrue(refs[st.ref], uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), d(st.amount), at, "bulk")
		case "release":
			_, berr = ledger.Release(refs[st.ref], uuid.Must(uuid.NewV7()), d(st.amount), at, "bulk")
		}
		if berr != nil {
			t.Fatalf("step %d %v: bulk: %v", i, st, berr)
		}
		if (serr != nil) != !ok {
			t.Fatalf("step %d %v: service says %v, bulk ok=%v", i, st, serr, ok)
		}
		if !ok {
			refused[st.op] = true
		}
	}
	if !refused["reserve"] {
		t.Fatal("the scenario never runs out of money")
	}
	err = bulk.in(func(tx *gorm.DB) error {
		if err := ledger.Flush(ctx, tx, insertCopier(tx)); err != nil {
			return err
		}
		return audit.RecordMany(ctx, tx, system, reserved)
	})
	if err != nil {
		t.Fatal(err)
	}
	if ledger.Pending() {
		t.Error("the ledger still holds rows after Flush")
	}
	want, got := ledgerPicture(t, service, refs), ledgerPicture(t, bulk, refs)
	if !slices.Equal(want, got) {
		t.Errorf("bulk ledger differs from the service's:\nservice:\n  %s\nbulk:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
	}
	bulk.mustCheck()
	var split struct{ N int }
	bulk.db.Gorm.Raw(`SELECT count(*) AS n FROM commitment_parts WHERE position = 2`).Scan(&split)
	if split.N < 2 {
		t.Errorf("%d commitments split over two streams, want the spills", split.N)
	}
	var enabled struct{ N int }
	bulk.db.Gorm.Raw(`SELECT count(*) AS n FROM pg_trigger WHERE tgname IN ('ledger_postings_apply', 'ledger_postings_balanced', 'ledger_transactions_balanced') AND tgenabled <> 'D'`).Scan(&enabled)
	if enabled.N != 3 {
		t.Errorf("%d of 3 balance triggers enabled after Flush", enabled.N)
	}
}

func TestBulkLedgerFlushRefusesAnUnbalancedBatch(t *testing.T) {
	s := newScenario(t)
	ctx := context.Background()
	ledger, err := NewBulkLedger(ctx, s.db.Gorm)
	if err != nil {
		t.Fatal(err)
	}
	in := s.reserveInput("language", "100.00")
	if _, ok, err := ledger.Reserve(in, uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), time.Now(), "bulk"); err != nil || !ok {
		t.Fatalf("reserve: %v %v", ok, err)
	}
	ledger.postingRows[1][5] = d("99.99") // the debit no longer matches the credit
	err = s.in(func(tx *gorm.DB) error { return ledger.Flush(ctx, tx, insertCopier(tx)) })
	if err == nil || !strings.Contains(err.Error(), "unbalanced") {
		t.Fatalf("Flush of an unbalanced batch = %v, want a refusal", err)
	}
	var n struct{ N int }
	s.db.Gorm.Raw(`SELECT count(*) AS n FROM commitments`).Scan(&n)
	if n.N != 0 {
		t.Errorf("%d commitments written by a refused batch", n.N)
	}
	s.mustCheck()
}
