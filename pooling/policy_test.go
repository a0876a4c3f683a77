package pooling

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func TestReservationOrder(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(dateLayout, s); return t }
	ids := []uuid.UUID{
		uuid.MustParse("00000000-0000-7000-8000-00000000000a"),
		uuid.MustParse("00000000-0000-7000-8000-00000000000b"),
		uuid.MustParse("00000000-0000-7000-8000-00000000000c"),
		uuid.MustParse("00000000-0000-7000-8000-00000000000d"),
		uuid.MustParse("00000000-0000-7000-8000-00000000000e"),
	}
	streams := []eligibleStream{
		{ID: ids[0], Name: "own funds", Earmark: nil, ValidTo: day("2005-06-30")},
		{ID: ids[1], Name: "two categories, late", Earmark: []string{"civic_integration", "language"}, ValidTo: day("2005-12-31")},
		{ID: ids[2], Name: "one category, late", Earmark: []string{"language"}, ValidTo: day("2005-12-31")},
		{ID: ids[3], Name: "two categories, early", Earmark: []string{"language", "reintegration"}, ValidTo: day("2005-09-30")},
		{ID: ids[4], Name: "one category, late, higher id", Earmark: []string{"language"}, ValidTo: day("2005-12-31")},
	}
	want := []string{"one category, late", "one category, late, higher id", "two categories, early", "two categories, late", "own funds"}
	for round := 0; round < 20; round++ {
		shuffled := append([]eligibleStream(nil), streams...)
		rand.New(rand.NewPCG(uint64(round), 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		reservationOrder(shuffled)
		for i, s := range shuffled {
			if s.Name != want[i] {
				t.Fatalf("round %d: position %d = %q, want %q", round, i, s.Name, want[i])
			}
		}
	}
}

func TestSplitReservation(t *testing.T) {
	budget := uuid.Must(uuid.NewV7())
	a := eligibleStream{ID: uuid.MustParse("00000000-0000-7000-8000-00000000000a"), Earmark: []string{"language"}, Available: d("30.00")}
	u := eligibleStream{ID: uuid.MustParse("00000000-0000-7000-8000-00000000000b"), Earmark: nil, Available: d("100.00")}
	tests := []struct {
		name    string
		amount  string
		streams []eligibleStream
		want    map[uuid.UUID]string
		ok      bool
	}{
		{"restricted covers it", "20.00", []eligibleStream{u, a}, map[uuid.UUID]string{a.ID: "20.00"}, true},
		{"spills over to unrestricted", "50.00", []eligibleStream{u, a}, map[uuid.UUID]string{a.ID: "30.00", u.ID: "20.00"}, true},
		{"exactly everything", "130.00", []eligibleStream{a, u}, map[uuid.UUID]string{a.ID: "30.00", u.ID: "100.00"}, true},
		{"one cent short", "130.01", []eligibleStream{a, u}, nil, false},
		{"nothing eligible", "1.00", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, ok := splitReservation(budget, tt.streams, d(tt.amount))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			got := partsString(parts)
			if len(got) != len(tt.want) {
				t.Fatalf("parts = %v, want %v", got, tt.want)
			}
			for id, amt := range tt.want {
				if got[id] != amt {
					t.Fatalf("parts = %v, want %v", got, tt.want)
				}
			}
			if !sumAmounts(parts).Equal(d(tt.amount)) {
				t.Fatalf("parts sum to %s, want %s", sumAmounts(parts), tt.amount)
			}
		})
	}
}

func TestSplitProportionalExamples(t *testing.T) {
	a, b, c := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	sh := func(id uuid.UUID, weight, room string) share {
		return share{StreamAmount: StreamAmount{FundingStreamID: id}, Weight: d(weight), Room: d(room)}
	}
	tests := []struct {
		name   string
		shares []share
		amount string
		want   map[uuid.UUID]string
		ok     bool
	}{
		{"even split", []share{sh(a, "600", "600"), sh(b, "400", "400")}, "500.00", map[uuid.UUID]string{a: "300.00", b: "200.00"}, true},
		{"remainder to the first", []share{sh(a, "1", "1"), sh(b, "1", "1"), sh(c, "1", "1")}, "1.00", map[uuid.UUID]string{a: "0.34", b: "0.33", c: "0.33"}, true},
		{"capped by room, rest elsewhere", []share{sh(a, "0.01", "0.00"), sh(b, "0.01", "0.01")}, "0.01", map[uuid.UUID]string{b: "0.01"}, true},
		{"more than room", []share{sh(a, "600", "100"), sh(b, "400", "100")}, "200.01", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, ok := splitProportional(tt.shares, d(tt.amount))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			got := partsString(parts)
			if len(got) != len(tt.want) {
				t.Fatalf("parts = %v, want %v", got, tt.want)
			}
			for id, amt := range tt.want {
				if got[id] != amt {
					t.Fatalf("parts = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

// Whatever the weights and rooms, a successful split sums exactly to the
// amount, gives no share more than its room and none a negative amount.
func TestSplitProportionalProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 2005))
	cents := func(n int64) decimal.Decimal { return decimal.New(n, -2) }
	for i := 0; i < 5000; i++ {
		n := 1 + r.IntN(4)
		shares := make([]share, n)
		room := decimal.Zero
		for j := range shares {
			w := cents(1 + r.Int64N(100000))
			rm := cents(r.Int64N(w.Mul(decimal.NewFromInt(100)).IntPart() + 1))
			shares[j] = share{StreamAmount: StreamAmount{FundingStreamID: uuid.Must(uuid.NewV7())}, Weight: w, Room: rm}
			room = room.Add(rm)
		}
		amount := cents(1 + r.Int64N(room.Mul(decimal.NewFromInt(100)).IntPart()+50))
		parts, ok := splitProportional(shares, amount)
		if ok != !amount.GreaterThan(room) {
			t.Fatalf("case %d: ok = %v for amount %s and room %s", i, ok, amount, room)
		}
		if !ok {
			continue
		}
		if !sumAmounts(parts).Equal(amount) {
			t.Fatalf("case %d: parts sum to %s, want %s", i, sumAmounts(parts), amount)
		}
		for _, p := range parts {
			for _, s := range shares {
				if s.FundingStreamID == p.FundingStreamID && (p.Amount.GreaterThan(s.Room) || !p.Amount.IsPositive() || !p.Amount.Equal(p.Amount.Round(2))) {
					t.Fatalf("case %d: part %s for room %s", i, p.Amount, s.Room)
				}
			}
		}
	}
}

// ---- the input and state rules, without a database

// fieldCodes lists err's field errors as field/code.
func fieldCodes(err error) []string {
	e, ok := fault.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+"/"+f.Code)
	}
	return out
}

// wantField fails t unless err is invalid input with field/code among its
// fields; an empty want asks for no error at all.
func wantField(t *testing.T, name string, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
		}
		return
	}
	if !fault.HasCode(err, fault.InvalidInput) || !slices.Contains(fieldCodes(err), want) {
		t.Errorf("%s: error %v (fields %v), want %s", name, err, fieldCodes(err), want)
	}
}

func TestStreamInputRules(t *testing.T) {
	tests := []struct {
		name   string
		change func(*CreateFundingStreamInput)
		want   string // field/code, "" for valid
	}{
		{"valid", func(*CreateFundingStreamInput) {}, ""},
		{"valid, unrestricted", func(in *CreateFundingStreamInput) { in.Earmark, in.Unrestricted = nil, true }, ""},
		{"valid, lower-case EUR", func(in *CreateFundingStreamInput) { in.Currency = " eur " }, ""},
		{"funder blank", func(in *CreateFundingStreamInput) { in.Funder = "  " }, "funder/" + codeRequired},
		{"name of 201 characters", func(in *CreateFundingStreamInput) { in.Name = strings.Repeat("é", 201) }, "name/" + codeTooLong},
		{"name of 200 characters", func(in *CreateFundingStreamInput) { in.Name = strings.Repeat("é", 200) }, ""},
		{"reporting code missing", func(in *CreateFundingStreamInput) { in.ReportingCode = " " }, "reporting_code/" + codeRequired},
		{"reporting code starting with a dash", func(in *CreateFundingStreamInput) { in.ReportingCode = "-NIG" }, "reporting_code/" + codeInvalidFormat},
		{"reporting code of 41 characters", func(in *CreateFundingStreamInput) { in.ReportingCode = strings.Repeat("A", 41) }, "reporting_code/" + codeInvalidFormat},
		{"amount zero", func(in *CreateFundingStreamInput) { in.Amount = "0" }, "amount/not_positive"},
		{"currency USD", func(in *CreateFundingStreamInput) { in.Currency = "USD" }, "currency/" + codeCurrency},
		{"valid_to before valid_from", func(in *CreateFundingStreamInput) { in.ValidTo = "2004-12-31" }, "valid_to/" + codeEndBeforeStart},
		{"valid_from not a date", func(in *CreateFundingStreamInput) { in.ValidFrom = "2005-13-01" }, "valid_from/" + codeInvalidDate},
		{"earmark of blanks only", func(in *CreateFundingStreamInput) { in.Earmark = []string{" ", ""} }, "earmark/" + codeEarmarkChoice},
		{"earmark and unrestricted", func(in *CreateFundingStreamInput) { in.Unrestricted = true }, "earmark/" + codeEarmarkChoice},
	}
	for _, tt := range tests {
		in := validStreamInput()
		tt.change(&in)
		_, errs := in.parse()
		wantField(t, tt.name, errs.Err(), tt.want)
	}
	in := validStreamInput()
	in.Earmark = []string{" Language", "civic_integration", "language", ""}
	f, errs := in.parse()
	if errs.Err() != nil || !slices.Equal(f.Earmark, []string{"civic_integration", "language"}) || f.Currency != "EUR" {
		t.Errorf("parse = %+v, %v: want the earmark trimmed, lower-cased, deduplicated and sorted, in EUR", f, errs.Err())
	}
	in.Earmark, in.Unrestricted = nil, true
	if f, _ := in.parse(); f.Earmark != nil || !f.Unrestricted() || !f.Allows("anything") {
		t.Errorf("an unrestricted stream has earmark %v", f.Earmark)
	}
}

func TestBudgetInputRules(t *testing.T) {
	tests := []struct {
		name string
		in   CreateBudgetInput
		want string
	}{
		{"valid", CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"}, ""},
		{"one day", CreateBudgetInput{Name: "B", PeriodStart: "2005-01-01", PeriodEnd: "2005-01-01"}, ""},
		{"name blank", CreateBudgetInput{Name: " ", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"}, "name/" + codeRequired},
		{"start missing", CreateBudgetInput{Name: "B", PeriodEnd: "2005-12-31"}, "period_start/" + codeRequired},
		{"end not a date", CreateBudgetInput{Name: "B", PeriodStart: "2005-01-01", PeriodEnd: "2005-02-30"}, "period_end/" + codeInvalidDate},
		{"end before start", CreateBudgetInput{Name: "B", PeriodStart: "2005-06-01", PeriodEnd: "2005-05-31"}, "period_end/" + codeEndBeforeStart},
	}
	for _, tt := range tests {
		_, errs := tt.in.parse()
		wantField(t, tt.name, errs.Err(), tt.want)
	}
}

func TestAllocationRules(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(dateLayout, s); return t }
	stream := FundingStream{Name: "NIG", Amount: d("1000.00"), Allocated: d("400.00"), ValidFrom: day("2005-01-01"), ValidTo: day("2005-12-31")}
	budget := func(from, to string) Budget { return Budget{Name: "B", PeriodStart: day(from), PeriodEnd: day(to)} }
	tests := []struct {
		name   string
		budget Budget
		amount string
		want   fault.Code
	}{
		{"within validity, what is left", budget("2005-01-01", "2005-12-31"), "600.00", fault.Code{}},
		{"a quarter, one cent", budget("2005-04-01", "2005-06-30"), "0.01", fault.Code{}},
		{"one cent more than is left", budget("2005-01-01", "2005-12-31"), "600.01", AllocationExceedsStream},
		{"the budget starts before the stream", budget("2004-12-31", "2005-12-31"), "1.00", AllocationOutsideValidity},
		{"the budget ends after the stream", budget("2005-01-01", "2006-01-01"), "1.00", AllocationOutsideValidity},
	}
	for _, tt := range tests {
		err := checkAllocation(tt.budget, stream, d(tt.amount))
		if tt.want == (fault.Code{}) {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.name, err)
			}
		} else if !fault.HasCode(err, tt.want) {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.want.Code)
		}
	}
	b, s := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	inputs := []struct {
		name string
		in   AllocateInput
		want string
	}{
		{"valid", AllocateInput{BudgetID: b, FundingStreamID: s, Amount: "10.00"}, ""},
		{"no budget", AllocateInput{FundingStreamID: s, Amount: "10.00"}, "budget_id/" + codeRequired},
		{"no stream", AllocateInput{BudgetID: b, Amount: "10.00"}, "funding_stream_id/" + codeRequired},
		{"negative amount", AllocateInput{BudgetID: b, FundingStreamID: s, Amount: "-10.00"}, "amount/not_positive"},
		{"no amount", AllocateInput{BudgetID: b, FundingStreamID: s}, "amount/required"},
	}
	for _, tt := range inputs {
		_, err := tt.in.parse()
		wantField(t, tt.name, err, tt.want)
	}
}

func TestStreamChangeable(t *testing.T) {
	tests := []struct {
		name      string
		allocated string
		rows      bool // an allocation row exists
		inUse     bool
	}{
		{"never allocated", "0", false, false},
		{"an allocation row", "0", true, true},
		{"an allocated amount", "0.01", false, true},
	}
	for _, tt := range tests {
		err := checkStreamChangeable(FundingStream{ReportingCode: "NIG", Allocated: d(tt.allocated)}, tt.rows)
		if got := fault.HasCode(err, FundingStreamInUse); got != tt.inUse || (!tt.inUse && err != nil) {
			t.Errorf("%s: error %v, want in use %v", tt.name, err, tt.inUse)
		}
	}
}

func TestReserveInputRules(t *testing.T) {
	valid := func() ReserveInput {
		return ReserveInput{BudgetID: uuid.Must(uuid.NewV7()), Category: "language", Amount: d("100.00"),
			Reference: uuid.Must(uuid.NewV7()), ContractID: uuid.Must(uuid.NewV7()), ProviderID: uuid.Must(uuid.NewV7())}
	}
	tests := []struct {
		name   string
		change func(*ReserveInput)
		want   string
	}{
		{"valid", func(*ReserveInput) {}, ""},
		{"no budget", func(in *ReserveInput) { in.BudgetID = uuid.Nil }, "budget_id/" + codeRequired},
		{"blank category", func(in *ReserveInput) { in.Category = " " }, "category/" + codeRequired},
		{"zero", func(in *ReserveInput) { in.Amount = decimal.Zero }, "amount/not_positive"},
		{"three decimals", func(in *ReserveInput) { in.Amount = d("1.005") }, "amount/too_many_decimals"},
		{"too large", func(in *ReserveInput) { in.Amount = d("1000000000000.00") }, "amount/too_large"},
		{"no reference", func(in *ReserveInput) { in.Reference = uuid.Nil }, "reference/" + codeRequired},
		{"no contract", func(in *ReserveInput) { in.ContractID = uuid.Nil }, "contract_id/" + codeRequired},
		{"no provider", func(in *ReserveInput) { in.ProviderID = uuid.Nil }, "provider_id/" + codeRequired},
	}
	for _, tt := range tests {
		in := valid()
		tt.change(&in)
		wantField(t, tt.name, in.validate(), tt.want)
	}
	in := valid()
	streams := []eligibleStream{{ID: uuid.Must(uuid.NewV7()), Earmark: []string{"language"}, Available: d("60.00")},
		{ID: uuid.Must(uuid.NewV7()), Available: d("39.99")}}
	if _, err := planReservation(in, streams); !fault.HasCode(err, BudgetInsufficient) || !strings.Contains(err.Error(), "99.99 available") {
		t.Errorf("a cent short: error %v, want budget_insufficient naming 99.99 available", err)
	}
	streams[1].Available = d("40.00")
	if parts, err := planReservation(in, streams); err != nil || len(parts) != 2 || !sumAmounts(parts).Equal(in.Amount) || parts[0].BudgetID != in.BudgetID {
		t.Errorf("exactly enough: %v, %v", parts, err)
	}
}

func TestPayManyPlan(t *testing.T) {
	budget, stream := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	accrual := func(status AccrualStatus) Accrual {
		return Accrual{ID: uuid.Must(uuid.NewV7()), CommitmentID: uuid.Must(uuid.NewV7()), BudgetID: budget, Amount: d("50.00"), Status: status,
			Parts: []StreamAmount{{BudgetID: budget, FundingStreamID: stream, Amount: d("50.00")}}}
	}
	a, b, paid := accrual(AccrualPayable), accrual(AccrualPayable), accrual(AccrualPaid)
	found := map[uuid.UUID]Accrual{a.ID: a, b.ID: b, paid.ID: paid}
	unknown := uuid.Must(uuid.NewV7())
	tests := []struct {
		name string
		ids  []uuid.UUID
		ok   bool
		want string // the error's code, "" for any of its kind
		kind fault.Kind
	}{
		{"two payable", []uuid.UUID{b.ID, a.ID}, true, "", 0},
		{"one listed twice", []uuid.UUID{a.ID, b.ID, a.ID}, false, AccrualNotPayable.Code, fault.KindConflict},
		{"one paid already", []uuid.UUID{a.ID, paid.ID}, false, AccrualNotPayable.Code, fault.KindConflict},
		{"one unknown", []uuid.UUID{a.ID, unknown}, false, "", fault.KindNotFound},
	}
	now := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	payment := uuid.Must(uuid.NewV7())
	for _, tt := range tests {
		_, err := sortedAccrualIDs(tt.ids)
		if err == nil {
			_, err = planPayMany(tt.ids, found, payment, now, "finance")
		}
		if tt.ok {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.name, err)
			}
			continue
		}
		e, ok := fault.As(err)
		if !ok || e.Code.Kind != tt.kind || (tt.want != "" && e.Code.Code != tt.want) {
			t.Errorf("%s: error %v, want %s %s", tt.name, err, tt.kind, tt.want)
		}
	}
	sorted, _ := sortedAccrualIDs([]uuid.UUID{b.ID, a.ID})
	if sorted[0] != a.ID || sorted[1] != b.ID {
		t.Error("the ids are not in lock (id) order")
	}
	plan, err := planPayMany([]uuid.UUID{b.ID, a.ID}, found, payment, now, "finance")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Transactions) != 2 || len(plan.Postings) != 4 || plan.After[0].ID != b.ID || plan.Before[0].Status != AccrualPayable {
		t.Fatalf("plan %+v: want one transaction per accrual, in the order asked", plan)
	}
	for i, after := range plan.After {
		tx := plan.Transactions[i]
		if after.Status != AccrualPaid || *after.PaymentID != payment || !after.PaidAt.Equal(now) || tx.Kind != KindPay || *tx.AccrualID != after.ID ||
			tx.Postings[0].Account != Payable || !tx.Postings[0].Amount.Equal(d("-50.00")) || tx.Postings[1].Account != Paid || tx.Actor != "finance" {
			t.Errorf("accrual %d: %+v with %+v", i, after, tx)
		}
	}
	if found[a.ID].Status != AccrualPayable {
		t.Error("the plan changed the accruals it was given")
	}
}

// TestAccrualSteps is the life of an accrual: payable → paid, payable →
// withdrawn, paid → reclaiming → reclaimed, and every step refused from
// the states it does not start from.
func TestAccrualSteps(t *testing.T) {
	budget, s1, s2 := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	parts := []StreamAmount{{BudgetID: budget, FundingStreamID: s1, Amount: d("30.00")}, {BudgetID: budget, FundingStreamID: s2, Amount: d("20.00")}}
	accrued := Transaction{ID: uuid.Must(uuid.NewV7()), Kind: KindAccrue, Postings: moves(Committed, Payable, budget, parts)}
	now := time.Date(2005, 4, 1, 9, 0, 0, 0, time.UTC)
	payment := uuid.Must(uuid.NewV7())
	tests := []struct {
		step    string
		from    AccrualStatus
		want    fault.Code // refused with, or the zero Code
		to      AccrualStatus
		debit   Account // the account the transaction's first positive posting goes to
		credit  Account // the account its first posting takes from
		reverse bool    // the transaction reverses the accrual's
	}{
		{"pay", AccrualPayable, fault.Code{}, AccrualPaid, Paid, Payable, false},
		{"pay", AccrualPaid, AccrualNotPayable, "", "", "", false},
		{"pay", AccrualWithdrawn, AccrualNotPayable, "", "", "", false},
		{"pay", AccrualReclaiming, AccrualNotPayable, "", "", "", false},
		{"claw back", AccrualPayable, fault.Code{}, AccrualWithdrawn, Committed, Payable, true},
		{"claw back", AccrualPaid, fault.Code{}, AccrualReclaiming, ClawbackReceivable, Paid, false},
		{"claw back", AccrualWithdrawn, AccrualClawedBack, "", "", "", false},
		{"claw back", AccrualReclaiming, AccrualClawedBack, "", "", "", false},
		{"claw back", AccrualReclaimed, AccrualClawedBack, "", "", "", false},
		{"settle", AccrualReclaiming, fault.Code{}, AccrualReclaimed, Committed, ClawbackReceivable, false},
		{"settle", AccrualPaid, ClawBackNotOpen, "", "", "", false},
		{"settle", AccrualReclaimed, ClawBackNotOpen, "", "", "", false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s a %s accrual", tt.step, tt.from)
		a := Accrual{ID: uuid.Must(uuid.NewV7()), CommitmentID: uuid.Must(uuid.NewV7()), BudgetID: budget, Amount: d("50.00"), Status: tt.from, Parts: parts}
		var (
			got Accrual
			tx  Transaction
			err error
		)
		switch tt.step {
		case "pay":
			got, tx, err = planPay(a, payment, now, "finance")
		case "claw back":
			var acc *Transaction
			if tt.from == AccrualPayable {
				acc = &accrued
			}
			got, tx, err = planClawBack(a, acc, "revoked", now, "finance")
		case "settle":
			got, tx, err = planSettle(a, payment, now, "finance")
		}
		if tt.want != (fault.Code{}) {
			if !fault.HasCode(err, tt.want) {
				t.Errorf("%s: error %v, want %s", name, err, tt.want.Code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
			continue
		}
		if got.Status != tt.to || *tx.AccrualID != a.ID || *tx.CommitmentID != a.CommitmentID || tx.Actor != "finance" || !tx.CreatedAt.Equal(now) {
			t.Errorf("%s: accrual %s, transaction %+v; want %s", name, got.Status, tx, tt.to)
		}
		if err := tx.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		debit := slices.IndexFunc(tx.Postings, func(p Posting) bool { return p.Amount.IsPositive() })
		if len(tx.Postings) != 4 || tx.Postings[0].Account != tt.credit || !tx.Postings[0].Amount.IsNegative() || debit < 0 || tx.Postings[debit].Account != tt.debit {
			t.Errorf("%s: postings %+v, want %s → %s, credit first", name, tx.Postings, tt.credit, tt.debit)
		}
		if (tx.ReversesID != nil) != tt.reverse || (tt.reverse && *tx.ReversesID != accrued.ID) {
			t.Errorf("%s: reverses %v, want reversal %v", name, tx.ReversesID, tt.reverse)
		}
		switch tt.step {
		case "pay":
			if *got.PaymentID != payment || !got.PaidAt.Equal(now) {
				t.Errorf("%s: %+v", name, got)
			}
		case "claw back":
			if *got.ClawbackReason != "revoked" || !got.ClawedBackAt.Equal(now) || tx.Memo != "revoked" {
				t.Errorf("%s: %+v", name, got)
			}
		case "settle":
			if *got.SettlementPaymentID != payment || !got.SettledAt.Equal(now) {
				t.Errorf("%s: %+v", name, got)
			}
		}
		if a.Status != tt.from {
			t.Errorf("%s: the plan changed the accrual it was given", name)
		}
	}
	if _, _, err := planClawBack(Accrual{Status: AccrualPayable}, nil, "revoked", now, "finance"); err == nil {
		t.Error("a payable accrual was clawed back without its accrue transaction")
	}
}
