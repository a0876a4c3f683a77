package billing_test

import (
	"strings"
	"testing"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/shopspring/decimal"
)

func TestVATOf(t *testing.T) {
	for _, c := range []struct {
		amount, rate, net, vat string
	}{
		{"200.00", "", "200.00", "0"},
		{"200.00", "21", "165.29", "34.71"},
		{"121.00", "21", "100.00", "21.00"},
		{"-200.00", "21", "-165.29", "-34.71"},
		{"0.05", "9", "0.05", "0.00"},
		{"1000.00", "0", "1000.00", "0"},
	} {
		var rate *decimal.Decimal
		if c.rate != "" {
			rate = decp(c.rate)
		}
		net, vat := billing.VATOf(dec(c.amount), rate)
		if !net.Equal(dec(c.net)) || !vat.Equal(dec(c.vat)) || !net.Add(vat).Equal(dec(c.amount)) {
			t.Errorf("VATOf(%s, %q) = %s + %s, want %s + %s", c.amount, c.rate, net, vat, c.net, c.vat)
		}
	}
}

// A provider whose clawbacks exceed its claims gets a statement with a
// negative balance and no transfer; the balance is carried into its next run.
func TestNegativeBalanceIsCarried(t *testing.T) {
	f := newFx(t)
	trA := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.clock.Set("2005-03-10")
	a2 := f.verified(f.a, trA.ID, "intake", "2005-03-02")
	f.verified(f.a, trA.ID, "a2", "2005-03-08")
	f.verified(f.b, trB.ID, "intake", "2005-03-02")
	f.clock.Set("2005-04-01")
	first, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	f.paid(first)

	// Both of A's paid claims are found wrong: 1000.00 to claw back. A then
	// earns a new intake (200.00); B earns its KNM exam.
	_, err = f.out.Revoke(ctx, verifier, a2.ID, "intake not held")
	check(t, err)
	stFirst := statementOf(t, first, f.a)
	_, err = f.out.Revoke(ctx, verifier, *stFirst.Lines[1].ClaimID, "certificate forged")
	check(t, err)
	trA2 := f.started(f.a, f.contractA)
	f.clock.Set("2005-04-10")
	f.verified(f.a, trA2.ID, "intake", "2005-04-05")
	f.verified(f.b, trB.ID, "knm", "2005-04-05")
	f.clock.Set("2005-05-01")
	second, err := f.bill.CreateRun(ctx, finance, date("2005-04-01"), date("2005-04-30"))
	check(t, err)
	st := statementOf(t, second, f.a)
	if st.LineCount != 3 {
		t.Fatalf("A's statement has %d lines, want a claim and two clawbacks", st.LineCount)
	}
	eq(t, "A total", st.Total, "-800.00")
	eq(t, "A to transfer", st.ToTransfer, "0")
	eq(t, "A carried out", st.CarriedOut, "-800.00")
	eq(t, "run total", second.TotalTransfer, "400.00") // B's KNM
	if !st.Reconciles() {
		t.Fatal("A's statement does not reconcile")
	}
	f.paid(second)
	sepa, err := f.bill.RunSEPA(ctx, finance, second.ID)
	check(t, err)
	xmllint(t, "pain.001.001.09.xsd", sepa.Data)
	if got := string(sepa.Data); contains(got, "Cosic") || !contains(got, "<NbOfTxs>1</NbOfTxs>") {
		t.Fatalf("a negative balance is in the SEPA file:\n%s", got)
	}
	f.checkAll()
	// The clawbacks are settled in pooling: nothing receivable is left.
	report, err := f.pool.Report(ctx, finance, f.budget.ID)
	check(t, err)
	eq(t, "receivable after netting", report.Total.ClawbackReceivable, "0")

	// A's next run carries the balance in.
	trA3 := f.started(f.a, f.contractA)
	f.clock.Set("2005-05-10")
	f.verified(f.a, trA3.ID, "intake", "2005-04-28")
	f.verified(f.a, trA2.ID, "a2", "2005-05-03")
	f.verified(f.a, trA3.ID, "a2", "2005-05-04")
	f.clock.Set("2005-06-01")
	third, err := f.bill.CreateRun(ctx, finance, date("2005-05-01"), date("2005-05-31"))
	check(t, err)
	st = statementOf(t, third, f.a)
	if st.Lines[0].Kind != billing.LineCarried || st.Lines[0].Description != "Saldo specificatie "+*statementOf(t, mustRun(t, f, second.ID), f.a).Number {
		t.Fatalf("first line %+v, want the carried balance", st.Lines[0])
	}
	eq(t, "A carried in", st.CarriedIn, "-800.00")
	eq(t, "A total", st.Total, "1800.00")
	eq(t, "A to transfer", st.ToTransfer, "1000.00")
	f.paid(third)
	journal, err := f.bill.RunJournal(ctx, finance, third.ID)
	check(t, err)
	if !contains(string(journal.Data), "CARRIED-IN") {
		t.Fatalf("journal lacks the carried balance:\n%s", journal.Data)
	}
	// The carried balance is used once: a fourth run does not carry it again.
	f.clock.Set("2005-06-10")
	f.verified(f.a, trA3.ID, "knm", "2005-06-02")
	f.verified(f.b, trB.ID, "a2", "2005-06-02")
	f.clock.Set("2005-07-01")
	fourth, err := f.bill.CreateRun(ctx, finance, date("2005-06-01"), date("2005-06-30"))
	check(t, err)
	if st := statementOf(t, fourth, f.a); !st.CarriedIn.IsZero() {
		t.Fatalf("the balance is carried twice: %s", st.CarriedIn)
	}
	f.checkAll()
}

func mustRun(t testing.TB, f *fx, id [16]byte) billing.RunDetail {
	t.Helper()
	r, err := f.bill.GetRun(ctx, finance, id)
	check(t, err)
	return r
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestProviderReadsOnlyItsOwnStatements(t *testing.T) {
	f := newFx(t)
	trA := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.verified(f.a, trA.ID, "intake", "2005-03-01")
	f.verified(f.b, trB.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	stA, stB := statementOf(t, run, f.a), statementOf(t, run, f.b)
	// A draft's statements are not the provider's to see yet.
	_, err = f.bill.GetStatement(ctx, f.a, stA.ID)
	wantCode(t, err, billing.StatementNotFound)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	got, err := f.bill.GetStatement(ctx, f.a, stA.ID)
	check(t, err)
	if got.ID != stA.ID || got.Number == nil || len(got.Lines) != 1 {
		t.Fatalf("own statement %+v", got.Statement)
	}
	_, err = f.bill.GetStatement(ctx, f.a, stB.ID)
	wantCode(t, err, billing.StatementNotFound)
	if e, _ := fault.As(err); e.Code.Kind != fault.KindNotFound {
		t.Fatalf("another provider's statement gives %v, want a not-found kind", err)
	}
	_, err = f.bill.StatementPDF(ctx, f.b, stA.ID)
	wantCode(t, err, billing.StatementNotFound)
	pdf, err := f.bill.StatementPDF(ctx, f.b, stB.ID)
	check(t, err)
	if pdf.ContentType != "application/pdf" || len(pdf.Data) == 0 {
		t.Fatalf("own PDF %q %d bytes", pdf.ContentType, len(pdf.Data))
	}
	list, next, err := f.bill.ListStatements(ctx, f.a, billing.StatementFilter{Page: database.Page{Limit: 10}})
	check(t, err)
	if len(list) != 1 || list[0].ID != stA.ID || next != "" {
		t.Fatalf("provider A lists %d statements", len(list))
	}
	// Runs, SEPA files and journals are finance's and the auditor's.
	_, err = f.bill.GetRun(ctx, f.a, run.ID)
	wantCode(t, err, fault.Forbidden)
	_, err = f.bill.RunJournal(ctx, f.a, run.ID)
	wantCode(t, err, fault.Forbidden)
	all, _, err := f.bill.ListStatements(ctx, auditor, billing.StatementFilter{RunID: &run.ID, Page: database.Page{Limit: 10}})
	check(t, err)
	if len(all) != 2 {
		t.Fatalf("auditor lists %d statements, want 2", len(all))
	}
	_, err = f.bill.GetStatement(ctx, auditor, stB.ID)
	check(t, err)
	_, err = f.bill.RunSEPA(ctx, auditor, run.ID)
	wantCode(t, err, billing.FileNotFound)
}

func TestCheckFindsBrokenTotals(t *testing.T) {
	f := newFx(t)
	tr := f.started(f.a, f.contractA)
	f.verified(f.a, tr.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	f.checkAll()
	st := run.Statements[0]
	// A hand-edited line that keeps the line's own CHECKs but no longer
	// matches the statement.
	check(t, f.db.Gorm.Exec(`UPDATE statement_lines SET net_amount = 150.00, amount = 150.00 WHERE statement_id = ?`, st.ID).Error)
	results, err := billing.Check(ctx, f.db.Gorm)
	check(t, err)
	failed := map[string]bool{}
	for _, r := range results {
		if !r.OK {
			failed[r.Name] = true
		}
	}
	if !failed["statement_totals_match_lines"] || !failed["line_funding_matches_amount"] || len(failed) != 2 {
		t.Fatalf("failed checks %v", failed)
	}
}
