package billing_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFullCycle(t *testing.T) {
	f := newFx(t)
	trA := f.started(f.a, f.contractA)
	trA2 := f.started(f.a, f.contractA)
	trB := f.started(f.b, f.contractB)
	f.clock.Set("2005-03-10")
	f.verified(f.a, trA.ID, "intake", "2005-03-05")
	f.verified(f.a, trA.ID, "a2", "2005-03-08")
	f.verified(f.a, trA2.ID, "intake", "2005-03-06")
	f.verified(f.b, trB.ID, "intake", "2005-03-07")
	f.verified(f.b, trB.ID, "knm", "2005-03-09")
	// Decided after the period: left for the next run.
	f.clock.Set("2005-04-02")
	late := f.verified(f.b, trB.ID, "a2", "2005-04-01")

	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	if run.State != billing.Draft || len(run.Statements) != 2 {
		t.Fatalf("run %s with %d statements, want a draft with 2", run.State, len(run.Statements))
	}
	stA, stB := statementOf(t, run, f.a), statementOf(t, run, f.b)
	// A: VAT exempt, 200 + 800 + 200.
	eq(t, "A subtotal", stA.Subtotal, "1200.00")
	eq(t, "A VAT", stA.VATTotal, "0")
	eq(t, "A transfer", stA.ToTransfer, "1200.00")
	// B: 21 % VAT contained in 200 + 400: 34.71 + 69.42.
	eq(t, "B total", stB.Total, "600.00")
	eq(t, "B VAT", stB.VATTotal, "104.13")
	eq(t, "B subtotal", stB.Subtotal, "495.87")
	eq(t, "run total", run.TotalTransfer, "1800.00")
	for _, st := range run.Statements {
		if !st.Reconciles() {
			t.Errorf("statement of %s does not reconcile with its lines", st.ProviderName)
		}
		if st.Number != nil {
			t.Errorf("a draft's statement has number %s", *st.Number)
		}
		for _, l := range st.Lines {
			if !strings.HasPrefix(l.ParticipantReference, "P-") || strings.Contains(l.ParticipantReference, "Nguy") {
				t.Errorf("line shows participant %q, want a reference", l.ParticipantReference)
			}
			if l.ClaimID != nil && *l.ClaimID == late.ID {
				t.Error("a claim decided after the period is in the run")
			}
		}
	}
	if stA.ProviderName != "Stichting Ćosić & Şahin" || stA.IBAN != "NL91ABNA0417164300" {
		t.Fatalf("provider snapshot %q %q", stA.ProviderName, stA.IBAN)
	}
	// Funding: A's first trajectory was reserved from the earmarked stream.
	codes := map[string]bool{}
	for _, st := range run.Statements {
		for _, l := range st.Lines {
			for _, fu := range l.Funding {
				codes[fu.ReportingCode] = true
			}
		}
	}
	if !codes["INB-2005"] || !codes["EIG-2005"] {
		t.Fatalf("funding codes %v, want both streams", codes)
	}

	_, err = f.bill.ExportRun(ctx, finance, run.ID)
	wantCode(t, err, billing.RunStateConflict)
	_, err = f.bill.ConfirmRun(ctx, finance, run.ID)
	wantCode(t, err, billing.RunStateConflict)

	f.clock.Set("2005-04-04")
	approved, err := f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	if approved.State != billing.Approved || *approved.ApprovedByLabel != finance2.Email {
		t.Fatalf("approved run %+v", approved)
	}
	got, err := f.bill.GetRun(ctx, auditor, run.ID)
	check(t, err)
	numbers := []string{*got.Statements[0].Number, *got.Statements[1].Number}
	if numbers[0] != "2005-0001" || numbers[1] != "2005-0002" || got.Statements[0].ProviderName != "Stichting Ćosić & Şahin" {
		t.Fatalf("numbers %v for %s, %s", numbers, got.Statements[0].ProviderName, got.Statements[1].ProviderName)
	}

	_, committedBefore, _ := f.exposure(f.contractA.ID)
	eq(t, "A payable before confirmation", committedBefore, "1200.00")

	exported, err := f.bill.ExportRun(ctx, finance, run.ID)
	check(t, err)
	if exported.State != billing.Exported {
		t.Fatalf("state %s", exported.State)
	}
	sepa, err := f.bill.RunSEPA(ctx, auditor, run.ID)
	check(t, err)
	xmllint(t, "pain.001.001.09.xsd", sepa.Data)
	for _, want := range []string{"<EndToEndId>2005-0001</EndToEndId>", "<Nm>Stichting Cosic + Sahin</Nm>", "<Nm>Taalschool Muller B.V.</Nm>",
		"<CtrlSum>1800.00</CtrlSum>", "<NbOfTxs>2</NbOfTxs>", "<BICFI>INGBNL2A</BICFI>", "<IBAN>NL14BNGH0285001234</IBAN>", "Specificatie 2005-0002"} {
		if !bytes.Contains(sepa.Data, []byte(want)) {
			t.Errorf("SEPA file lacks %s", want)
		}
	}
	journal, err := f.bill.RunJournal(ctx, finance, run.ID)
	check(t, err)
	rows, err := csv.NewReader(bytes.NewReader(journal.Data)).ReadAll()
	check(t, err)
	sum := decimal.Zero
	kvks := map[string]bool{}
	for _, r := range rows[1:] {
		sum = sum.Add(dec(r[7]))
		kvks[r[5]+" "+r[3]] = true
	}
	eq(t, "journal total", sum, "1800.00")
	if !kvks["11111111 INB-2005"] || !kvks["22222222 EIG-2005"] {
		t.Fatalf("journal rows %v", rows)
	}

	ledgerBefore := f.count("ledger_transactions")
	paid, err := f.bill.ConfirmRun(ctx, finance, run.ID)
	check(t, err)
	if paid.State != billing.Paid || paid.PaidAt == nil {
		t.Fatalf("confirmed run %+v", paid)
	}
	if n := f.count("ledger_transactions") - ledgerBefore; n != 5 {
		t.Fatalf("confirmation wrote %d ledger transactions, want 5 (one per claim)", n)
	}
	_, payable, paidA := f.exposure(f.contractA.ID)
	eq(t, "A payable after", payable, "0")
	eq(t, "A paid after", paidA, "1200.00")
	_, payableB, paidB := f.exposure(f.contractB.ID)
	eq(t, "B payable after (the late claim)", payableB, "800.00")
	eq(t, "B paid after", paidB, "600.00")
	report, err := f.pool.Report(ctx, finance, f.budget.ID)
	check(t, err)
	paidByCode := map[string]decimal.Decimal{}
	for _, l := range report.Lines {
		paidByCode[l.ReportingCode] = l.Paid
		if !l.Reconciles() {
			t.Errorf("report line %s does not reconcile", l.ReportingCode)
		}
	}
	journalByCode := map[string]decimal.Decimal{}
	for _, r := range rows[1:] {
		journalByCode[r[3]] = journalByCode[r[3]].Add(dec(r[7]))
	}
	for code, amount := range journalByCode {
		if !paidByCode[code].Equal(amount) {
			t.Errorf("stream %s: report paid %s, journal %s", code, paidByCode[code], amount)
		}
	}
	eq(t, "report paid total", report.Total.Paid, "1800.00")
	claim, err := f.out.GetClaim(ctx, verifier, *stA.Lines[0].ClaimID)
	check(t, err)
	if claim.State != outcomes.Paid {
		t.Fatalf("claim is %s after confirmation", claim.State)
	}

	// A second confirmation changes nothing.
	ledgerBefore, auditBefore := f.count("ledger_transactions"), f.count("audit_events")
	again, err := f.bill.ConfirmRun(ctx, finance, run.ID)
	check(t, err)
	if again.State != billing.Paid || !again.PaidAt.Equal(*paid.PaidAt) {
		t.Fatalf("second confirmation returned %+v", again)
	}
	if f.count("ledger_transactions") != ledgerBefore || f.count("audit_events") != auditBefore {
		t.Fatal("a second confirmation wrote something")
	}
	_, err = f.bill.CancelRun(ctx, finance, run.ID, "too late")
	wantCode(t, err, billing.RunStateConflict)

	// The next run pays the late claim only.
	f.clock.Set("2005-05-02")
	next, err := f.bill.CreateRun(ctx, finance, date("2005-04-01"), date("2005-04-30"))
	check(t, err)
	if len(next.Statements) != 1 || next.Statements[0].LineCount != 1 || *next.Statements[0].Lines[0].ClaimID != late.ID {
		t.Fatalf("next run %+v", next.Statements)
	}
	f.checkAll()

	runs, cursor, err := f.bill.ListRuns(ctx, auditor, billing.RunFilter{Page: database.Page{Limit: 1}})
	check(t, err)
	if len(runs) != 1 || runs[0].ID != run.ID || cursor == "" {
		t.Fatalf("first page %v cursor %q", runs, cursor)
	}
	p, err := database.ParsePage(1, cursor)
	check(t, err)
	runs, cursor, err = f.bill.ListRuns(ctx, auditor, billing.RunFilter{Page: p})
	check(t, err)
	if len(runs) != 1 || runs[0].ID != next.ID || cursor != "" {
		t.Fatalf("second page %v cursor %q", runs, cursor)
	}
}

func (f *fx) count(table string) int64 {
	f.t.Helper()
	var n int64
	check(f.t, f.db.Gorm.Table(table).Count(&n).Error)
	return n
}

func (f *fx) exposure(contractID uuid.UUID) (committed, payable, paid decimal.Decimal) {
	f.t.Helper()
	committed, payable, paid, err := f.pool.Exposure(ctx, f.db.Gorm, contractID)
	check(f.t, err)
	return committed, payable, paid
}

func TestCreateRunRules(t *testing.T) {
	f := newFx(t)
	_, err := f.bill.CreateRun(ctx, finance, date("2005-03-31"), date("2005-03-01"))
	wantCode(t, err, fault.InvalidInput)
	_, err = f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	wantCode(t, err, billing.NothingToPay)
	_, err = f.bill.CreateRun(ctx, verifier, date("2005-03-01"), date("2005-03-31"))
	wantCode(t, err, fault.Forbidden)
	_, err = f.bill.CreateRun(ctx, f.a, date("2005-03-01"), date("2005-03-31"))
	wantCode(t, err, fault.Forbidden)
	_, err = f.bill.GetRun(ctx, f.a, uuid.Must(uuid.NewV7()))
	wantCode(t, err, fault.Forbidden)
	_, err = f.bill.GetRun(ctx, finance, uuid.Must(uuid.NewV7()))
	wantCode(t, err, billing.RunNotFound)
}

func TestCreateIsIdempotentWhileDraft(t *testing.T) {
	f := newFx(t)
	tr := f.started(f.a, f.contractA)
	f.verified(f.a, tr.ID, "intake", "2005-03-01")
	const n = 8
	ids := make([]uuid.UUID, n)
	errs := make([]error, n)
	created := make([]bool, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
			ids[i], errs[i], created[i] = r.ID, err, r.Created
		}()
	}
	wg.Wait()
	if got := slices.Index(created, true); got < 0 || slices.Contains(created[got+1:], true) {
		t.Fatalf("created = %v, want exactly one call to have made the draft", created)
	}
	for i := range n {
		check(t, errs[i])
		if ids[i] != ids[0] {
			t.Fatalf("creation %d gave run %s, the first %s", i, ids[i], ids[0])
		}
	}
	if got := f.count("payment_runs"); got != 1 {
		t.Fatalf("%d runs, want 1", got)
	}
	// Cancelled, the claim is free again and a new draft takes it.
	_, err := f.bill.CancelRun(ctx, finance, ids[0], "wrong period")
	check(t, err)
	again, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	if again.ID == ids[0] || len(again.Statements) != 1 {
		t.Fatalf("after cancelling: run %s with %d statements", again.ID, len(again.Statements))
	}
	f.checkAll()
}

func TestConcurrentRunsNeverShareAClaim(t *testing.T) {
	f := newFx(t)
	var claims []uuid.UUID
	for range 3 {
		tr := f.started(f.a, f.contractA)
		claims = append(claims, f.verified(f.a, tr.ID, "intake", "2005-03-01").ID)
		tr = f.started(f.b, f.contractB)
		claims = append(claims, f.verified(f.b, tr.ID, "intake", "2005-03-01").ID)
	}
	f.clock.Set("2005-04-02")
	// Runs for different periods that all cover the claims, at once.
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.bill.CreateRun(ctx, finance, date("2005-01-01").AddDate(0, 0, i), date("2005-03-31"))
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case fault.HasCode(err, billing.NothingToPay), fault.HasCode(err, billing.ItemInLiveRun):
		default:
			t.Fatal(err)
		}
	}
	if created == 0 {
		t.Fatal("no run was created")
	}
	var inRuns []struct {
		ItemID uuid.UUID
		Runs   int
	}
	check(t, f.db.Gorm.Raw(`SELECT item_id, count(*) AS runs FROM run_items WHERE live GROUP BY item_id`).Scan(&inRuns).Error)
	if len(inRuns) != len(claims) {
		t.Fatalf("%d claims in runs, want %d", len(inRuns), len(claims))
	}
	for _, r := range inRuns {
		if r.Runs != 1 {
			t.Fatalf("claim %s is in %d live runs", r.ItemID, r.Runs)
		}
	}
	// The database itself refuses a claim in a second live run.
	other := uuid.Must(uuid.NewV7())
	check(t, f.db.Gorm.Exec(`INSERT INTO payment_runs (id, period_start, period_end, state, created_by_label, created_at)
		VALUES (?, '2004-01-01', '2004-12-31', 'draft', 'test', now())`, other).Error)
	err := f.db.Gorm.Exec(`INSERT INTO run_items (run_id, item_id, kind) VALUES (?, ?, 'claim')`, other, claims[0]).Error
	if !database.IsUniqueViolation(err, "run_items_one_live_run") {
		t.Fatalf("second live run for a claim: err = %v, want run_items_one_live_run", err)
	}
}

func TestCreatorCannotApprove(t *testing.T) {
	f := newFx(t)
	tr := f.started(f.a, f.contractA)
	f.verified(f.a, tr.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance, run.ID)
	wantCode(t, err, billing.CreatorCannotApprove)
	both := finance
	both.Roles = []access.Role{access.Finance, access.Auditor}
	_, err = f.bill.ApproveRun(ctx, both, run.ID)
	wantCode(t, err, billing.CreatorCannotApprove)
	_, err = f.bill.ApproveRun(ctx, auditor, run.ID)
	wantCode(t, err, fault.Forbidden)
	// A command is not a second person, and a run a command made has no first.
	_, err = f.bill.ApproveRun(ctx, access.System("cli"), run.ID)
	wantCode(t, err, fault.Forbidden)
	_, err = f.bill.CreateRun(ctx, access.System("cli"), date("2005-03-01"), date("2005-03-31"))
	wantCode(t, err, fault.Forbidden)
	// The database refuses it too.
	err = f.db.Gorm.Exec(`UPDATE payment_runs SET state = 'approved', approved_by = created_by, approved_by_label = 'x', approved_at = now() WHERE id = ?`, run.ID).Error
	if !database.IsCheckViolation(err, "payment_runs_four_eyes") {
		t.Fatalf("err = %v, want payment_runs_four_eyes", err)
	}
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	wantCode(t, err, billing.RunStateConflict)
	_, err = f.bill.CancelRun(ctx, finance, run.ID, "")
	wantCode(t, err, billing.RunStateConflict)
}

func TestParallelApprovalsNumberGapless(t *testing.T) {
	f := newFx(t)
	const months = 5
	var runs []uuid.UUID
	for m := range months {
		start := date("2005-03-01").AddDate(0, m, 0)
		f.clock.Set(start.Format("2006-01-02"))
		trA := f.started(f.a, f.contractA)
		trB := f.started(f.b, f.contractB)
		f.clock.Set(start.AddDate(0, 0, 5).Format("2006-01-02"))
		f.verified(f.a, trA.ID, "intake", "2005-03-02")
		f.verified(f.b, trB.ID, "intake", "2005-03-02")
		f.clock.Set(start.AddDate(0, 1, 0).Format("2006-01-02"))
		r, err := f.bill.CreateRun(ctx, finance, start, start.AddDate(0, 1, -1))
		check(t, err)
		if len(r.Statements) != 2 {
			t.Fatalf("run %d has %d statements", m, len(r.Statements))
		}
		runs = append(runs, r.ID)
	}
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for i, id := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.bill.ApproveRun(ctx, finance2, id)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		check(t, err)
	}
	var numbers []string
	check(t, f.db.Gorm.Raw(`SELECT number FROM statements ORDER BY number`).Scan(&numbers).Error)
	if len(numbers) != 2*months {
		t.Fatalf("%d numbers, want %d", len(numbers), 2*months)
	}
	for i, n := range numbers {
		if want := billing.StatementNumber(2005, i+1); n != want {
			t.Fatalf("numbers %v: position %d is %s, want %s", numbers, i, n, want)
		}
	}
	// Each run's statements have consecutive numbers.
	for _, id := range runs {
		r, err := f.bill.GetRun(ctx, finance, id)
		check(t, err)
		a, b := *r.Statements[0].NumberSeq, *r.Statements[1].NumberSeq
		if b != a+1 {
			t.Fatalf("run %s numbered %d and %d", id, a, b)
		}
	}
	f.checkAll()
}

func TestRevokedClaimMakesDraftStale(t *testing.T) {
	f := newFx(t)
	tr := f.started(f.a, f.contractA)
	c := f.verified(f.a, tr.ID, "intake", "2005-03-01")
	run, err := f.bill.CreateRun(ctx, finance, date("2005-03-01"), date("2005-03-31"))
	check(t, err)
	_, err = f.out.Revoke(ctx, verifier, c.ID, "certificate forged")
	check(t, err)
	_, err = f.bill.ApproveRun(ctx, finance2, run.ID)
	wantCode(t, err, billing.RunStale)
	_, err = f.bill.CancelRun(ctx, finance, run.ID, "claim revoked")
	check(t, err)
	f.checkAll()
}
