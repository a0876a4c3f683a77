package billing

// Table tests of the rules in rules.go (and of building a SEPA file from
// values). None of them touches the database: the rules take values and
// return values or a domain error.

import (
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func ruleDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ruleDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

var (
	financeA = access.Actor{UserID: uuid.MustParse("0190d5e0-0000-7000-8000-00000000000a"), Email: "a@enschede.example", Roles: []access.Role{access.Finance}}
	financeB = access.Actor{UserID: uuid.MustParse("0190d5e0-0000-7000-8000-00000000000b"), Email: "b@enschede.example", Roles: []access.Role{access.Finance}}
	auditorC = access.Actor{UserID: uuid.MustParse("0190d5e0-0000-7000-8000-00000000000c"), Email: "c@enschede.example", Roles: []access.Role{access.Auditor}}
	command  = access.System("tranche")
)

// providerFinance is a provider user who (wrongly) also holds the finance role.
func providerFinance() access.Actor {
	p := uuid.MustParse("0190d5e0-0000-7000-8000-0000000000f0")
	return access.Actor{UserID: uuid.MustParse("0190d5e0-0000-7000-8000-00000000000d"), Email: "d@provider.example",
		Roles: []access.Role{access.Finance, access.Provider}, ProviderID: &p}
}

// wantRuleCode fails t unless err carries code ("" for no error).
func wantRuleCode(t *testing.T, name string, err error, code fault.Code) {
	t.Helper()
	if code == (fault.Code{}) {
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
		}
		return
	}
	if !fault.HasCode(err, code) {
		t.Errorf("%s: error %v, want %s", name, err, code.Code)
	}
}

// madeBy is a run created by actor.
func madeBy(actor access.Actor, state RunState) Run {
	return Run{ID: uuid.Must(uuid.NewV7()), State: state, CreatedBy: userID(actor), CreatedByLabel: label(actor)}
}

func TestRunMadeBy(t *testing.T) {
	other := financeB
	other.Email = financeA.Email // another user with the same label
	tests := []struct {
		name  string
		run   Run
		actor access.Actor
		want  bool
	}{
		{"the creator", madeBy(financeA, Draft), financeA, true},
		{"another finance user", madeBy(financeA, Draft), financeB, false},
		{"the same label, another user id", madeBy(financeA, Draft), other, true},
		{"a command that created it", madeBy(command, Draft), command, true},
		{"a person, the run made by a command", madeBy(command, Draft), financeA, false},
		{"no creator id, the creator's label", Run{CreatedByLabel: financeA.Email}, financeA, true},
		{"no creator at all", Run{}, financeA, false},
	}
	for _, tt := range tests {
		if got := tt.run.MadeBy(tt.actor); got != tt.want {
			t.Errorf("%s: MadeBy = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWhoTakesPartInARun(t *testing.T) {
	tests := []struct {
		name      string
		actor     access.Actor
		action    access.Action
		municipal fault.Code // requireMunicipal
		person    fault.Code // requirePerson
	}{
		{"finance writes", financeA, access.WritePayments, fault.Code{}, fault.Code{}},
		{"an auditor does not write", auditorC, access.WritePayments, fault.Forbidden, fault.Code{}},
		{"an auditor reads", auditorC, access.ReadPayments, fault.Code{}, fault.Code{}},
		{"a provider user never, whatever its roles", providerFinance(), access.WritePayments, fault.Forbidden, fault.Code{}},
		{"a command may act, but not where four eyes compare people", command, access.WritePayments, fault.Code{}, fault.Forbidden},
	}
	for _, tt := range tests {
		wantRuleCode(t, tt.name+" (municipal)", requireMunicipal(tt.actor, tt.action), tt.municipal)
		wantRuleCode(t, tt.name+" (person)", requirePerson(tt.actor), tt.person)
	}
}

func TestCheckPeriod(t *testing.T) {
	tests := []struct {
		name       string
		start, end time.Time
		field      string // the field in error, "" for none
		code       string
	}{
		{"a month", ruleDate("2005-03-01"), ruleDate("2005-03-31"), "", ""},
		{"one day", ruleDate("2005-03-01"), ruleDate("2005-03-01"), "", ""},
		{"no start", time.Time{}, ruleDate("2005-03-31"), "period_start", codeRequired},
		{"no end", ruleDate("2005-03-01"), time.Time{}, "period_end", codeRequired},
		{"reversed", ruleDate("2005-03-31"), ruleDate("2005-03-01"), "period_end", codePeriodReversed},
		{"times of day are dropped", time.Date(2005, 3, 1, 23, 0, 0, 0, time.UTC), time.Date(2005, 3, 1, 1, 0, 0, 0, time.UTC), "", ""},
	}
	for _, tt := range tests {
		start, end, err := checkPeriod(tt.start, tt.end)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.name, err)
				continue
			}
			if !start.Equal(dateOf(tt.start)) || !end.Equal(dateOf(tt.end)) || start.Hour() != 0 || end.Hour() != 0 {
				t.Errorf("%s: period %s..%s, want the dates", tt.name, start, end)
			}
			continue
		}
		e, ok := fault.As(err)
		if !ok || e.Code != fault.InvalidInput || len(e.Fields) != 1 || e.Fields[0].Field != tt.field || e.Fields[0].Code != tt.code {
			t.Errorf("%s: error %v, want %s on %s", tt.name, err, tt.code, tt.field)
		}
	}
}

// TestRunSteps is the state machine of a run: draft → approved → exported
// → paid, or draft → cancelled, with the four-eyes rule at approval.
func TestRunSteps(t *testing.T) {
	now := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		step  string
		state RunState
		actor access.Actor // who takes the step; financeA created every run
		want  fault.Code
		next  RunState // the state after the step, when allowed
	}{
		{"another user approves a draft", "approve", Draft, financeB, fault.Code{}, Approved},
		{"the creator approves", "approve", Draft, financeA, CreatorCannotApprove, ""},
		{"approve an approved run", "approve", Approved, financeB, RunStateConflict, ""},
		{"approve a cancelled run", "approve", Cancelled, financeB, RunStateConflict, ""},
		{"cancel a draft", "cancel", Draft, financeA, fault.Code{}, Cancelled},
		{"cancel an approved run", "cancel", Approved, financeA, RunStateConflict, ""},
		{"cancel a paid run", "cancel", Paid, financeA, RunStateConflict, ""},
		{"export an approved run", "export", Approved, financeA, fault.Code{}, Exported},
		{"export a draft", "export", Draft, financeB, RunStateConflict, ""},
		{"export again", "export", Exported, financeB, RunStateConflict, ""},
		{"confirm an exported run", "confirm", Exported, financeA, fault.Code{}, Paid},
		{"confirm an approved run", "confirm", Approved, financeA, RunStateConflict, ""},
		{"confirm a paid run again", "confirm", Paid, financeA, fault.Code{}, Paid},
	}
	for _, tt := range tests {
		run := madeBy(financeA, tt.state)
		var (
			err  error
			next Run
			cols map[string]any
		)
		switch tt.step {
		case "approve":
			if err = checkApprove(run, tt.actor); err == nil {
				next, cols = approve(run, tt.actor, now)
			}
		case "cancel":
			if err = checkCancel(run); err == nil {
				next, cols = cancel(run, tt.actor, now, "wrong period")
			}
		case "export":
			if err = checkExport(run); err == nil {
				next, cols = export(run, tt.actor, now)
			}
		case "confirm":
			var done bool
			done, err = checkConfirm(run)
			switch {
			case err == nil && done:
				next, cols = run, map[string]any{"state": run.State}
				if tt.state != Paid {
					t.Errorf("%s: done for a %s run", tt.name, tt.state)
				}
			case err == nil:
				next, cols = confirm(run, tt.actor, now)
			}
		}
		wantRuleCode(t, tt.name, err, tt.want)
		if err != nil {
			continue
		}
		if next.State != tt.next || cols["state"] != tt.next {
			t.Errorf("%s: state %s (columns %v), want %s", tt.name, next.State, cols["state"], tt.next)
		}
	}
}

func TestStepsRecordWhoAndWhen(t *testing.T) {
	now := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	run := madeBy(financeA, Draft)
	approved, cols := approve(run, financeB, now)
	if approved.ApprovedBy == nil || *approved.ApprovedBy != financeB.UserID || *approved.ApprovedByLabel != financeB.Email ||
		!approved.ApprovedAt.Equal(now) || cols["approved_by_label"] != financeB.Email || cols["approved_at"] != now {
		t.Errorf("approve: %+v, columns %v", approved, cols)
	}
	if run.State != Draft || run.ApprovedAt != nil {
		t.Error("approve changed the run it was given")
	}
	cancelled, cols := cancel(run, financeA, now, "wrong period")
	if cancelled.CancelReason != "wrong period" || cols["cancel_reason"] != "wrong period" || *cancelled.CancelledByLabel != financeA.Email {
		t.Errorf("cancel: %+v, columns %v", cancelled, cols)
	}
	exported, cols := export(approved, command, now)
	if *exported.ExportedByLabel != "system:tranche" || cols["exported_by_label"] != "system:tranche" {
		t.Errorf("export: %+v, columns %v", exported, cols)
	}
	paid, cols := confirm(exported, financeB, now)
	if !paid.PaidAt.Equal(now) || cols["paid_by_label"] != financeB.Email || *paid.ApprovedByLabel != financeB.Email {
		t.Errorf("confirm: %+v, columns %v", paid, cols)
	}
}

func TestNumberStatements(t *testing.T) {
	ids := func(n int) []uuid.UUID {
		out := make([]uuid.UUID, n)
		for i := range out {
			out[i] = uuid.Must(uuid.NewV7())
		}
		return out
	}
	tests := []struct {
		name       string
		ids        []uuid.UUID
		year, last int
		want       []string
		next       int
	}{
		{"the year's first", ids(2), 2005, 0, []string{"2005-0001", "2005-0002"}, 2},
		{"after the year's 41st", ids(3), 2005, 41, []string{"2005-0042", "2005-0043", "2005-0044"}, 44},
		{"nothing to number", nil, 2006, 7, nil, 7},
		{"past 9999", ids(2), 2005, 9998, []string{"2005-9999", "2005-10000"}, 10000},
	}
	for _, tt := range tests {
		got, next := numberStatements(tt.ids, tt.year, tt.last)
		if next != tt.next || len(got) != len(tt.want) {
			t.Errorf("%s: %v, counter %d; want %v, counter %d", tt.name, got, next, tt.want, tt.next)
			continue
		}
		for i, n := range got {
			if n.ID != tt.ids[i] || n.Number != tt.want[i] || n.Seq != tt.last+i+1 {
				t.Errorf("%s: statement %d numbered %+v, want %s", tt.name, i, n, tt.want[i])
			}
		}
	}
}

func TestVATInALine(t *testing.T) {
	rate := func(s string) *decimal.Decimal { d := ruleDec(s); return &d }
	tests := []struct {
		name           string
		amount         string
		rate           *decimal.Decimal
		wantNet, wantV string
	}{
		{"exempt", "1210.00", nil, "1210.00", "0"},
		{"zero rate", "100.00", rate("0"), "100.00", "0"},
		{"21 percent contained", "1210.00", rate("21"), "1000.00", "210.00"},
		{"9 percent, rounded to the cent", "100.00", rate("9"), "91.74", "8.26"},
		{"a clawback keeps its sign", "-1210.00", rate("21"), "-1000.00", "-210.00"},
	}
	for _, tt := range tests {
		net, vat := VATOf(ruleDec(tt.amount), tt.rate)
		if !net.Equal(ruleDec(tt.wantNet)) || !vat.Equal(ruleDec(tt.wantV)) || !net.Add(vat).Equal(ruleDec(tt.amount)) {
			t.Errorf("%s: VATOf(%s) = %s + %s, want %s + %s", tt.name, tt.amount, net, vat, tt.wantNet, tt.wantV)
		}
	}
}

// gatheredFor is what gatherLines gives for claims of provider p on
// contract k with the given amounts (negative: a clawback).
func gatheredFor(t *testing.T, p, k uuid.UUID, amounts ...string) gathered {
	t.Helper()
	var claims []outcomes.PayableClaim
	var clawbacks []clawbackRow
	for _, a := range amounts {
		d := ruleDec(a)
		if d.IsNegative() {
			clawbacks = append(clawbacks, clawbackRow{ClaimID: uuid.Must(uuid.NewV7()), TrajectoryID: uuid.Must(uuid.NewV7()), ContractID: k,
				ProviderID: p, ParticipantReference: "P-1", MilestoneCode: "intake", AchievedOn: ruleDate("2005-02-01"), Amount: d.Neg()})
			continue
		}
		claims = append(claims, outcomes.PayableClaim{ClaimID: uuid.Must(uuid.NewV7()), TrajectoryID: uuid.Must(uuid.NewV7()), ContractID: k,
			ProviderID: p, ParticipantReference: "P-1", MilestoneCode: "intake", AchievedOn: ruleDate("2005-03-01"), Amount: d})
	}
	g, err := gatherLines(claims, nil, clawbacks, ruleDate("2005-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestGatherLines(t *testing.T) {
	p, k := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	held := uuid.Must(uuid.NewV7())
	claims := []outcomes.PayableClaim{
		{ClaimID: held, ContractID: k, ProviderID: p, Amount: ruleDec("100.00"), AchievedOn: time.Date(2005, 3, 1, 15, 0, 0, 0, time.UTC)},
		{ClaimID: uuid.Must(uuid.NewV7()), ContractID: k, ProviderID: p, Amount: ruleDec("200.00"), AchievedOn: ruleDate("2005-03-02")},
	}
	clawbacks := []clawbackRow{{ClaimID: uuid.Must(uuid.NewV7()), ContractID: k, ProviderID: p, Amount: ruleDec("50.00")}}
	end := ruleDate("2005-03-31")

	g, err := gatherLines(claims, map[uuid.UUID]bool{held: true}, clawbacks, end)
	if err != nil {
		t.Fatal(err)
	}
	lines := g.Lines[p]
	if len(lines) != 2 || lines[0].Kind != LineClaim || !lines[0].Amount.Equal(ruleDec("200.00")) ||
		lines[1].Kind != LineClawback || !lines[1].Amount.Equal(ruleDec("-50.00")) {
		t.Fatalf("lines %+v: want the claim no live run holds, then the clawback, negated", lines)
	}
	if len(g.Providers) != 1 || len(g.Claims) != 2 || len(g.Contracts) != 2 {
		t.Errorf("gathered %+v", g)
	}
	if _, err := gatherLines(claims[:1], map[uuid.UUID]bool{held: true}, nil, end); !fault.HasCode(err, NothingToPay) {
		t.Errorf("only held claims: error %v, want payment_run_empty", err)
	}
	if _, err := gatherLines(nil, nil, nil, end); !fault.HasCode(err, NothingToPay) {
		t.Errorf("nothing at all: error %v, want payment_run_empty", err)
	}
	g, _ = gatherLines(claims[:1], nil, nil, end)
	if a := g.Lines[p][0].AchievedOn; a == nil || !a.Equal(ruleDate("2005-03-01")) {
		t.Errorf("achieved on %v, want the date alone", a)
	}
}

// TestPlanStatementsNets is the netting of a provider's claims, clawbacks
// and carried-in negative balances into one statement.
func TestPlanStatementsNets(t *testing.T) {
	p, k := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	stream := uuid.Must(uuid.NewV7())
	twentyOne := ruleDec("21")
	tests := []struct {
		name                             string
		amounts                          []string // claims; negative: clawbacks
		carried                          []string // negative balances carried in
		vat                              *decimal.Decimal
		subtotal, vatTotal, total, carry string
		balance, toTransfer, carriedOut  string
		lines                            int
	}{
		{"claims only, exempt", []string{"1000.00", "500.00"}, nil, nil, "1500.00", "0", "1500.00", "0", "1500.00", "1500.00", "0", 2},
		{"VAT contained in the claims", []string{"1210.00"}, nil, &twentyOne, "1000.00", "210.00", "1210.00", "0", "1210.00", "1210.00", "0", 1},
		{"a clawback netted", []string{"1000.00", "-300.00"}, nil, nil, "700.00", "0", "700.00", "0", "700.00", "700.00", "0", 2},
		{"a clawback larger than the claims is carried out", []string{"200.00", "-500.00"}, nil, nil, "-300.00", "0", "-300.00", "0", "-300.00", "0", "-300.00", 2},
		{"a carried-in balance netted", []string{"1000.00"}, []string{"-300.00"}, nil, "1000.00", "0", "1000.00", "-300.00", "700.00", "700.00", "0", 2},
		{"a carried-in balance larger than the claims", []string{"100.00"}, []string{"-300.00", "-50.00"}, nil, "100.00", "0", "100.00", "-350.00", "-250.00", "0", "-250.00", 3},
		{"exactly even", []string{"300.00", "-300.00"}, nil, nil, "0", "0", "0", "0", "0", "0", "0", 2},
	}
	for _, tt := range tests {
		g := gatheredFor(t, p, k, tt.amounts...)
		splits := map[uuid.UUID][]pooling.StreamAmount{}
		for _, l := range g.Lines[p] {
			splits[*l.ClaimID] = []pooling.StreamAmount{{FundingStreamID: stream, ReportingCode: "NIG-2005", Amount: l.Amount.Abs()}}
		}
		var carries []carryRow
		for i, c := range tt.carried {
			carries = append(carries, carryRow{StatementID: uuid.Must(uuid.NewV7()), ProviderID: p, Number: StatementNumber(2005, i+1), CarriedOut: ruleDec(c)})
		}
		run := RunDetail{Run: Run{ID: uuid.Must(uuid.NewV7()), State: Draft}}
		got, err := planStatements(run, g, map[uuid.UUID]Statement{p: {ProviderName: "Taalhuis Twente"}},
			map[uuid.UUID][]carryRow{p: carries}, map[uuid.UUID]*decimal.Decimal{k: tt.vat}, splits)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(got.Statements) != 1 || got.StatementCount != 1 {
			t.Errorf("%s: %d statements, want 1", tt.name, len(got.Statements))
			continue
		}
		st := got.Statements[0]
		for _, f := range []struct {
			what      string
			got, want decimal.Decimal
		}{
			{"subtotal", st.Subtotal, ruleDec(tt.subtotal)}, {"VAT", st.VATTotal, ruleDec(tt.vatTotal)}, {"total", st.Total, ruleDec(tt.total)},
			{"carried in", st.CarriedIn, ruleDec(tt.carry)}, {"balance", st.Balance, ruleDec(tt.balance)},
			{"to transfer", st.ToTransfer, ruleDec(tt.toTransfer)}, {"carried out", st.CarriedOut, ruleDec(tt.carriedOut)},
			{"run total", got.TotalTransfer, ruleDec(tt.toTransfer)},
		} {
			if !f.got.Equal(f.want) {
				t.Errorf("%s: %s %s, want %s", tt.name, f.what, f.got, f.want)
			}
		}
		if st.LineCount != tt.lines || len(st.Lines) != tt.lines || st.ProviderID != p || st.RunID != run.ID || st.ProviderName != "Taalhuis Twente" {
			t.Errorf("%s: statement %+v", tt.name, st.Statement)
		}
		if !st.Reconciles() {
			t.Errorf("%s: the statement does not reconcile", tt.name)
		}
		for i, l := range st.Lines {
			if l.Position != i+1 || l.StatementID != st.ID {
				t.Errorf("%s: line %d at position %d of %s", tt.name, i, l.Position, l.StatementID)
			}
			if l.Kind == LineCarried {
				if i >= len(tt.carried) || l.VATAmount.Sign() != 0 || len(l.Funding) != 0 || !strings.HasPrefix(l.Description, "Saldo specificatie 2005-") {
					t.Errorf("%s: carried line %+v, want it first, without VAT or funding", tt.name, l)
				}
				continue
			}
			if len(l.Funding) != 1 || !l.Funding[0].Amount.Equal(l.Amount) {
				t.Errorf("%s: line %s funded %+v, want its amount with its sign", tt.name, l.Amount, l.Funding)
			}
		}
	}
}

func TestPlanStatementsOrderAndMissingProvider(t *testing.T) {
	k := uuid.Must(uuid.NewV7())
	a, b := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ga, gb := gatheredFor(t, a, k, "10.00"), gatheredFor(t, b, k, "20.00")
	g := gathered{Lines: map[uuid.UUID][]Line{a: ga.Lines[a], b: gb.Lines[b]}, Providers: []uuid.UUID{a, b}, Claims: append(ga.Claims, gb.Claims...)}
	splits := map[uuid.UUID][]pooling.StreamAmount{}
	for _, l := range append(ga.Lines[a], gb.Lines[b]...) {
		splits[*l.ClaimID] = []pooling.StreamAmount{{Amount: l.Amount}}
	}
	run := RunDetail{Run: Run{ID: uuid.Must(uuid.NewV7())}}
	got, err := planStatements(run, g, map[uuid.UUID]Statement{a: {ProviderName: "Zorg Oost"}, b: {ProviderName: "Arbeid Enschede"}}, nil, nil, splits)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Statements) != 2 || got.Statements[0].ProviderName != "Arbeid Enschede" || got.Statements[1].ProviderName != "Zorg Oost" ||
		!got.TotalTransfer.Equal(ruleDec("30.00")) || got.StatementCount != 2 {
		t.Errorf("statements %v, total %s: want them by provider name, total 30.00", []string{got.Statements[0].ProviderName, got.Statements[1].ProviderName}, got.TotalTransfer)
	}
	if _, err := planStatements(run, g, map[uuid.UUID]Statement{a: {ProviderName: "Zorg Oost"}}, nil, nil, splits); err == nil {
		t.Error("a run for a provider that was not found was planned")
	}
}

func TestBuildSEPARefuses(t *testing.T) {
	number := "2005-0001"
	statement := func(n *string, transfer string) StatementDetail {
		var s StatementDetail
		s.ID, s.Number, s.ProviderName, s.IBAN, s.ToTransfer = uuid.Must(uuid.NewV7()), n, "Taalhuis Twente", "NL91ABNA0417164300", ruleDec(transfer)
		return s
	}
	settings := Settings{DebtorName: "Gemeente Enschede", DebtorIBAN: "NL14BNGH0285001234", Town: "Enschede", Country: "NL"}
	at := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		version string
		sts     []StatementDetail
		total   string
		ok      bool
	}{
		{"one transfer, the default version", "", []StatementDetail{statement(&number, "10.00")}, "10.00", true},
		{"an unknown version", "pain.001.001.02", []StatementDetail{statement(&number, "10.00")}, "10.00", false},
		{"an unnumbered statement", Pain09, []StatementDetail{statement(nil, "10.00")}, "10.00", false},
		{"a negative balance is no transfer", Pain09, []StatementDetail{statement(&number, "10.00"), statement(nil, "0")}, "10.00", true},
		{"nothing to transfer", Pain03, []StatementDetail{statement(&number, "0")}, "0", false},
		{"the run's total differs", Pain09, []StatementDetail{statement(&number, "10.00")}, "10.01", false},
	}
	for _, tt := range tests {
		s := settings
		s.PainVersion = tt.version
		run := RunDetail{Run: Run{ID: uuid.Must(uuid.NewV7()), State: Approved, TotalTransfer: ruleDec(tt.total)}, Statements: tt.sts}
		data, err := BuildSEPA(run, s, at)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v, want ok %v", tt.name, err, tt.ok)
		}
		if tt.ok && !strings.Contains(string(data), "<Dt>2005-04-01</Dt>") {
			t.Errorf("%s: the execution date is not the export's weekday", tt.name)
		}
	}
}
