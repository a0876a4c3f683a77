package pooling

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// scenario: a language-only stream (fewest categories), a stream for
// language and civic integration, a reintegration stream and own funds.
type scenario struct {
	*env
	lang, langCivic, reint, own FundingStream
	b                           Budget
	providerID                  uuid.UUID
	providerActor               access.Actor
	contractID                  uuid.UUID
}

func newScenario(t *testing.T) *scenario {
	e := newEnv(t)
	s := &scenario{env: e}
	s.lang = e.stream("ROC-NT2", "1000.00", "language")
	s.langCivic = e.stream("NIG-2005", "2000.00", "language", "civic_integration")
	s.reint = e.stream("REI-2005", "1000.00", "reintegration")
	s.own = e.stream("OWN-2005", "5000.00")
	s.b = e.budget("Integratie 2005")
	e.allocate(s.b, s.lang, "300.00")
	e.allocate(s.b, s.langCivic, "500.00")
	e.allocate(s.b, s.reint, "400.00")
	e.allocate(s.b, s.own, "1000.00")
	s.providerID, s.providerActor = e.provider("40123456")
	s.contractID = uuid.Must(uuid.NewV7())
	return s
}

func (s *scenario) reserveInput(category, amount string) ReserveInput {
	return ReserveInput{BudgetID: s.b.ID, Category: category, Amount: d(amount), Reference: uuid.Must(uuid.NewV7()),
		ContractID: s.contractID, ProviderID: s.providerID}
}

func TestReserveFollowsThePolicy(t *testing.T) {
	s := newScenario(t)
	tests := []struct {
		category, amount string
		want             map[uuid.UUID]string
	}{
		// Language: language-only first, then language+civic, then own funds.
		{"language", "250.00", map[uuid.UUID]string{s.lang.ID: "250.00"}},
		{"language", "300.00", map[uuid.UUID]string{s.lang.ID: "50.00", s.langCivic.ID: "250.00"}},
		{"language", "300.00", map[uuid.UUID]string{s.langCivic.ID: "250.00", s.own.ID: "50.00"}},
		// Civic integration never touches the language-only or reintegration streams.
		{"civic_integration", "100.00", map[uuid.UUID]string{s.own.ID: "100.00"}},
		{"reintegration", "450.00", map[uuid.UUID]string{s.reint.ID: "400.00", s.own.ID: "50.00"}},
		// Care: only the unrestricted stream may pay.
		{"care", "800.00", map[uuid.UUID]string{s.own.ID: "800.00"}},
	}
	for i, tt := range tests {
		c, err := s.reserve(system, s.reserveInput(tt.category, tt.amount))
		if err != nil {
			t.Fatalf("reservation %d (%s %s): %v", i, tt.category, tt.amount, err)
		}
		got := partsString(c.Parts)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Fatalf("reservation %d (%s %s): parts %v, want %v", i, tt.category, tt.amount, got, tt.want)
		}
	}
	if !s.balance(s.b, s.own, Available).IsZero() || !s.balance(s.b, s.own, Committed).Equal(d("1000")) {
		t.Fatalf("own funds available %s committed %s, want 0 and 1000", s.balance(s.b, s.own, Available), s.balance(s.b, s.own, Committed))
	}
	s.mustCheck()
}

func TestReserveInsufficientChangesNothing(t *testing.T) {
	s := newScenario(t)
	// Language may use 300 + 500 + 1000 = 1800; the reintegration stream is not eligible.
	var postingsBefore, eventsBefore int64
	s.db.Gorm.Raw(`SELECT count(*) FROM ledger_postings`).Scan(&postingsBefore)
	s.db.Gorm.Raw(`SELECT count(*) FROM audit_events`).Scan(&eventsBefore)
	in := s.reserveInput("language", "1800.01")
	var afterErr error
	err := s.in(func(tx *gorm.DB) error {
		_, err := s.s.Reserve(s.ctx, tx, system, in)
		if !fault.HasCode(err, BudgetInsufficient) {
			return fmt.Errorf("err = %v, want budget_insufficient", err)
		}
		// The caller's transaction is still usable after the refusal.
		afterErr = tx.Exec(`SELECT 1`).Error
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if afterErr != nil {
		t.Fatalf("transaction unusable after budget_insufficient: %v", afterErr)
	}
	var postingsAfter, eventsAfter, commitments int64
	s.db.Gorm.Raw(`SELECT count(*) FROM ledger_postings`).Scan(&postingsAfter)
	s.db.Gorm.Raw(`SELECT count(*) FROM audit_events`).Scan(&eventsAfter)
	s.db.Gorm.Raw(`SELECT count(*) FROM commitments`).Scan(&commitments)
	if postingsAfter != postingsBefore || eventsAfter != eventsBefore || commitments != 0 {
		t.Fatalf("after refusal: postings %d→%d, events %d→%d, commitments %d; want no change",
			postingsBefore, postingsAfter, eventsBefore, eventsAfter, commitments)
	}
	if _, err := s.reserve(system, s.reserveInput("language", "1800.00")); err != nil {
		t.Fatalf("reserving exactly what is eligible: %v", err)
	}
	s.mustCheck()
}

func TestReserveRefusals(t *testing.T) {
	s := newScenario(t)
	done := s.reserveInput("language", "10.00")
	if _, err := s.reserve(system, done); err != nil {
		t.Fatal(err)
	}
	otherID, otherProvider := s.provider("40999999")
	_ = otherID
	tests := []struct {
		name   string
		actor  access.Actor
		change func(*ReserveInput)
		code   fault.Code
	}{
		{"zero amount", system, func(in *ReserveInput) { in.Amount = decimal.Zero }, fault.InvalidInput},
		{"three decimals", system, func(in *ReserveInput) { in.Amount = d("1.005") }, fault.InvalidInput},
		{"no reference", system, func(in *ReserveInput) { in.Reference = uuid.Nil }, fault.InvalidInput},
		{"no category", system, func(in *ReserveInput) { in.Category = "" }, fault.InvalidInput},
		{"unknown category", system, func(in *ReserveInput) { in.Category = "astrology" }, fault.InvalidInput},
		{"unknown budget", system, func(in *ReserveInput) { in.BudgetID = uuid.Must(uuid.NewV7()) }, BudgetNotFound},
		{"reference reserved before", system, func(in *ReserveInput) { in.Reference = done.Reference }, CommitmentExists},
		{"another provider's actor", otherProvider, func(*ReserveInput) {}, fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := s.reserveInput("language", "10.00")
			tt.change(&in)
			if _, err := s.reserve(tt.actor, in); !fault.HasCode(err, tt.code) {
				t.Fatalf("err = %v, want %s", err, tt.code.Code)
			}
		})
	}
	// The provider itself may reserve for its own trajectory.
	if _, err := s.reserve(s.providerActor, s.reserveInput("language", "10.00")); err != nil {
		t.Fatalf("own provider reserving: %v", err)
	}
}

// A reservation of 100 over two streams (60/40) keeps that split through
// release, accrual, payment and clawback, and the report shows every euro on
// its stream.
func TestLifecycleKeepsTheSplit(t *testing.T) {
	s := newScenario(t)
	// Use up the language-only stream but 60, so a language reservation of 100 is 60 + 40.
	if _, err := s.reserve(system, s.reserveInput("language", "240.00")); err != nil {
		t.Fatal(err)
	}
	in := s.reserveInput("language", "100.00")
	c, err := s.reserve(system, in)
	if err != nil {
		t.Fatal(err)
	}
	if got := partsString(c.Parts); got[s.lang.ID] != "60.00" || got[s.langCivic.ID] != "40.00" {
		t.Fatalf("reservation parts = %v, want 60/40", got)
	}
	claim1, claim2 := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	run := uuid.Must(uuid.NewV7())
	var a1, a2 Accrual
	var released []StreamAmount
	err = s.in(func(tx *gorm.DB) error {
		var err error
		if a1, err = s.s.Accrue(s.ctx, tx, system, in.Reference, claim1, d("10.00")); err != nil {
			return err
		}
		if a2, err = s.s.Accrue(s.ctx, tx, system, in.Reference, claim2, d("40.00")); err != nil {
			return err
		}
		if _, err = s.s.Pay(s.ctx, tx, system, claim1, run); err != nil {
			return err
		}
		released, err = s.s.Release(s.ctx, tx, system, in.Reference, d("25.00"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name      string
		parts     []StreamAmount
		lang, civ string
	}{
		{"accrual of 10", a1.Parts, "6.00", "4.00"},
		{"accrual of 40", a2.Parts, "24.00", "16.00"},
		{"release of 25", released, "15.00", "10.00"},
	} {
		got := partsString(tt.parts)
		if got[s.lang.ID] != tt.lang || got[s.langCivic.ID] != tt.civ {
			t.Errorf("%s: parts %v, want %s on %s and %s on %s", tt.name, got, tt.lang, s.lang.ReportingCode, tt.civ, s.langCivic.ReportingCode)
		}
	}
	split, err := s.s.AccrualSplit(s.ctx, s.db.Gorm, claim2)
	if err != nil {
		t.Fatal(err)
	}
	if len(split) != 2 || split[0].FundingStreamID != s.lang.ID || split[0].ReportingCode != "ROC-NT2" || split[0].BudgetID != s.b.ID {
		t.Fatalf("AccrualSplit = %+v, want the language stream first with its reporting code", split)
	}
	many, err := s.s.AccrualSplits(s.ctx, s.db.Gorm, []uuid.UUID{claim2})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(many[claim2]) != fmt.Sprint(split) {
		t.Fatalf("AccrualSplits = %+v, want what AccrualSplit gives: %+v", many[claim2], split)
	}
	if _, err := s.s.AccrualSplits(s.ctx, s.db.Gorm, []uuid.UUID{claim2, uuid.Must(uuid.NewV7())}); !fault.HasCode(err, AccrualNotFound) {
		t.Fatalf("AccrualSplits with an unknown id: %v", err)
	}
	committed, payable, paid, err := s.s.Exposure(s.ctx, s.db.Gorm, s.contractID)
	if err != nil {
		t.Fatal(err)
	}
	// Contract: 240 (first reservation) + 100 - 50 accrued - 25 released = 265 committed.
	if committed.StringFixed(2) != "265.00" || payable.StringFixed(2) != "40.00" || paid.StringFixed(2) != "10.00" {
		t.Fatalf("Exposure = %s/%s/%s, want 265.00/40.00/10.00", committed, payable, paid)
	}
	got, err := s.s.GetCommitment(s.ctx, s.db.Gorm, in.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if got.Committed.StringFixed(2) != "25.00" || got.Payable.StringFixed(2) != "40.00" || got.Paid.StringFixed(2) != "10.00" {
		t.Fatalf("commitment holds %s/%s/%s, want 25/40/10", got.Committed, got.Payable, got.Paid)
	}

	// Attribution is a query: the payable and paid money per stream.
	var rows []struct {
		FundingStreamID uuid.UUID
		Account         string
		Total           decimal.Decimal
	}
	s.db.Gorm.Raw(`SELECT funding_stream_id, account, sum(amount) AS total FROM ledger_postings
		WHERE budget_id = ? AND account IN ('payable', 'paid') GROUP BY 1, 2`, s.b.ID).Scan(&rows)
	want := map[string]string{
		s.lang.ID.String() + "/payable": "24.00", s.langCivic.ID.String() + "/payable": "16.00",
		s.lang.ID.String() + "/paid": "6.00", s.langCivic.ID.String() + "/paid": "4.00",
	}
	if len(rows) != len(want) {
		t.Fatalf("attribution rows = %+v, want %v", rows, want)
	}
	for _, r := range rows {
		if w := want[r.FundingStreamID.String()+"/"+r.Account]; r.Total.StringFixed(2) != w {
			t.Fatalf("attribution %s %s = %s, want %s", r.FundingStreamID, r.Account, r.Total, w)
		}
	}
	s.mustCheck()
}

func TestAccrualStateRules(t *testing.T) {
	s := newScenario(t)
	in := s.reserveInput("reintegration", "100.00")
	if _, err := s.reserve(system, in); err != nil {
		t.Fatal(err)
	}
	claim := uuid.Must(uuid.NewV7())
	run := uuid.Must(uuid.NewV7())
	step := func(fn func(tx *gorm.DB) error) error { return s.in(fn) }
	tests := []struct {
		name string
		fn   func(tx *gorm.DB) error
		code *fault.Code
	}{
		{"accrue more than committed", func(tx *gorm.DB) error {
			_, err := s.s.Accrue(s.ctx, tx, system, in.Reference, claim, d("100.01"))
			return err
		}, &CommitmentInsufficient},
		{"accrue for an unknown reference", func(tx *gorm.DB) error {
			_, err := s.s.Accrue(s.ctx, tx, system, uuid.Must(uuid.NewV7()), claim, d("1.00"))
			return err
		}, &CommitmentNotFound},
		{"accrue", func(tx *gorm.DB) error {
			_, err := s.s.Accrue(s.ctx, tx, system, in.Reference, claim, d("30.00"))
			return err
		}, nil},
		{"accrue the same claim again", func(tx *gorm.DB) error {
			_, err := s.s.Accrue(s.ctx, tx, system, in.Reference, claim, d("30.00"))
			return err
		}, &AccrualExists},
		{"release more than still committed", func(tx *gorm.DB) error {
			_, err := s.s.Release(s.ctx, tx, system, in.Reference, d("70.01"))
			return err
		}, &CommitmentInsufficient},
		{"settle a clawback that is not open", func(tx *gorm.DB) error {
			_, err := s.s.SettleClawBack(s.ctx, tx, system, claim, run)
			return err
		}, &ClawBackNotOpen},
		{"claw back without a reason", func(tx *gorm.DB) error {
			_, err := s.s.ClawBack(s.ctx, tx, system, claim, " ")
			return err
		}, &fault.InvalidInput},
		{"pay", func(tx *gorm.DB) error {
			_, err := s.s.Pay(s.ctx, tx, system, claim, run)
			return err
		}, nil},
		{"pay twice", func(tx *gorm.DB) error {
			_, err := s.s.Pay(s.ctx, tx, system, claim, run)
			return err
		}, &AccrualNotPayable},
		{"claw back after payment", func(tx *gorm.DB) error {
			a, err := s.s.ClawBack(s.ctx, tx, system, claim, "exam result forged")
			if err == nil && a.Status != AccrualReclaiming {
				return fmt.Errorf("status %s, want reclaiming", a.Status)
			}
			return err
		}, nil},
		{"claw back twice", func(tx *gorm.DB) error {
			_, err := s.s.ClawBack(s.ctx, tx, system, claim, "again")
			return err
		}, &AccrualClawedBack},
		{"billing nets the clawback", func(tx *gorm.DB) error {
			a, err := s.s.SettleClawBack(s.ctx, tx, system, claim, uuid.Must(uuid.NewV7()))
			if err == nil && a.Status != AccrualReclaimed {
				return fmt.Errorf("status %s, want reclaimed", a.Status)
			}
			return err
		}, nil},
	}
	for _, tt := range tests {
		err := step(tt.fn)
		switch {
		case tt.code == nil && err != nil:
			t.Fatalf("%s: %v", tt.name, err)
		case tt.code != nil && !fault.HasCode(err, *tt.code):
			t.Fatalf("%s: err = %v, want %s", tt.name, err, tt.code.Code)
		}
	}
	// After the settlement the whole 100 is committed again.
	c, err := s.s.GetCommitment(s.ctx, s.db.Gorm, in.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Committed.StringFixed(2) != "100.00" || !c.Paid.IsZero() || !c.ClawbackReceivable.IsZero() {
		t.Fatalf("commitment after settled clawback = %+v", c)
	}
	s.mustCheck()
}

// A clawback before payment is a reversing transaction of the accrual.
func TestClawBackOfPayableReversesTheAccrual(t *testing.T) {
	s := newScenario(t)
	in := s.reserveInput("language", "500.00") // 300 language-only + 200 language/civic
	if _, err := s.reserve(system, in); err != nil {
		t.Fatal(err)
	}
	claim := uuid.Must(uuid.NewV7())
	err := s.in(func(tx *gorm.DB) error {
		if _, err := s.s.Accrue(s.ctx, tx, system, in.Reference, claim, d("123.45")); err != nil {
			return err
		}
		a, err := s.s.ClawBack(s.ctx, tx, system, claim, "claim revoked before payment")
		if err == nil && a.Status != AccrualWithdrawn {
			return fmt.Errorf("status %s, want withdrawn", a.Status)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var link struct {
		Kind       string
		ReversesID uuid.UUID
		Original   string
	}
	s.db.Gorm.Raw(`SELECT t.kind, t.reverses_id, o.kind AS original FROM ledger_transactions t JOIN ledger_transactions o ON o.id = t.reverses_id
		WHERE t.accrual_id = ? AND t.kind = 'claw_back'`, claim).Scan(&link)
	if link.Kind != "claw_back" || link.Original != "accrue" {
		t.Fatalf("clawback transaction = %+v, want it to reverse the accrue transaction", link)
	}
	c, err := s.s.GetCommitment(s.ctx, s.db.Gorm, in.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Committed.StringFixed(2) != "500.00" || !c.Payable.IsZero() {
		t.Fatalf("commitment after clawback = committed %s payable %s, want 500 and 0", c.Committed, c.Payable)
	}
	s.mustCheck()
}

func TestProviderAccrualsForBilling(t *testing.T) {
	s := newScenario(t)
	other, _ := s.provider("40888888")
	mine := s.reserveInput("language", "100.00")
	theirs := s.reserveInput("language", "100.00")
	theirs.ProviderID = other
	for _, in := range []ReserveInput{mine, theirs} {
		if _, err := s.reserve(system, in); err != nil {
			t.Fatal(err)
		}
	}
	c1, c2, c3 := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err := s.in(func(tx *gorm.DB) error {
		for _, x := range []struct {
			ref   uuid.UUID
			claim uuid.UUID
		}{{mine.Reference, c1}, {mine.Reference, c2}, {theirs.Reference, c3}} {
			if _, err := s.s.Accrue(s.ctx, tx, system, x.ref, x.claim, d("20.00")); err != nil {
				return err
			}
		}
		if _, err := s.s.Pay(s.ctx, tx, system, c2, uuid.Must(uuid.NewV7())); err != nil {
			return err
		}
		_, err := s.s.ClawBack(s.ctx, tx, system, c2, "job did not last")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	payable, err := s.s.ProviderAccruals(s.ctx, s.db.Gorm, s.providerID, AccrualPayable)
	if err != nil {
		t.Fatal(err)
	}
	if len(payable) != 1 || payable[0].ID != c1 || !sumAmounts(payable[0].Parts).Equal(d("20")) {
		t.Fatalf("payable accruals = %+v, want only %s with its split", payable, c1)
	}
	open, err := s.s.ProviderAccruals(s.ctx, s.db.Gorm, s.providerID, AccrualReclaiming)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].ID != c2 || open[0].ClawbackReason == nil || *open[0].ClawbackReason != "job did not last" {
		t.Fatalf("open clawbacks = %+v, want %s", open, c2)
	}
}

// Provider users never accrue, pay or claw back; another provider's
// commitment is invisible to a provider.
func TestInTransactionStepsRefuseProviders(t *testing.T) {
	s := newScenario(t)
	in := s.reserveInput("language", "100.00")
	if _, err := s.reserve(system, in); err != nil {
		t.Fatal(err)
	}
	claim := uuid.Must(uuid.NewV7())
	if err := s.in(func(tx *gorm.DB) error {
		_, err := s.s.Accrue(s.ctx, tx, system, in.Reference, claim, d("10.00"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, otherProvider := s.provider("40777777")
	tests := []struct {
		name string
		fn   func(tx *gorm.DB) error
		code fault.Code
	}{
		{"provider accrues", func(tx *gorm.DB) error {
			_, err := s.s.Accrue(s.ctx, tx, s.providerActor, in.Reference, uuid.Must(uuid.NewV7()), d("1.00"))
			return err
		}, fault.Forbidden},
		{"provider pays", func(tx *gorm.DB) error {
			_, err := s.s.Pay(s.ctx, tx, s.providerActor, claim, uuid.Must(uuid.NewV7()))
			return err
		}, fault.Forbidden},
		{"provider claws back", func(tx *gorm.DB) error {
			_, err := s.s.ClawBack(s.ctx, tx, s.providerActor, claim, "x")
			return err
		}, fault.Forbidden},
		{"provider settles", func(tx *gorm.DB) error {
			_, err := s.s.SettleClawBack(s.ctx, tx, s.providerActor, claim, uuid.Must(uuid.NewV7()))
			return err
		}, fault.Forbidden},
		{"other provider releases", func(tx *gorm.DB) error {
			_, err := s.s.Release(s.ctx, tx, otherProvider, in.Reference, d("1.00"))
			return err
		}, CommitmentNotFound},
	}
	for _, tt := range tests {
		if err := s.in(tt.fn); !fault.HasCode(err, tt.code) {
			t.Errorf("%s: err = %v, want %s", tt.name, err, tt.code.Code)
		}
	}
	if err := s.in(func(tx *gorm.DB) error {
		_, err := s.s.Release(s.ctx, tx, s.providerActor, in.Reference, d("1.00"))
		return err
	}); err != nil {
		t.Fatalf("own provider releasing: %v", err)
	}
}

// 50 goroutines reserve 100.00 each against a budget whose language-eligible
// streams hold exactly 700.00 (430 + 270, so one reservation straddles both):
// exactly 7 succeed, the others get budget_insufficient, and the balances
// are exact and never negative.
func TestConcurrentReservations(t *testing.T) {
	const goroutines, k = 50, 7
	e := newEnv(t)
	lang := e.stream("ROC-NT2", "430.00", "language")
	own := e.stream("OWN-2005", "270.00")
	reint := e.stream("REI-2005", "1000.00", "reintegration")
	b := e.budget("Integratie 2005")
	e.allocate(b, lang, "430.00")
	e.allocate(b, own, "270.00")
	e.allocate(b, reint, "1000.00")
	providerID, _ := e.provider("41234567")
	contract := uuid.Must(uuid.NewV7())

	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, insufficient int
	var other []error
	start := make(chan struct{})
	for i := 0; i < goroutines; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.reserve(system, ReserveInput{BudgetID: b.ID, Category: "language", Amount: d("100.00"),
				Reference: uuid.Must(uuid.NewV7()), ContractID: contract, ProviderID: providerID})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case fault.HasCode(err, BudgetInsufficient):
				insufficient++
			default:
				other = append(other, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Fatalf("unexpected errors: %v", errors.Join(other...))
	}
	if ok != k || insufficient != goroutines-k {
		t.Fatalf("succeeded %d, budget_insufficient %d; want %d and %d", ok, insufficient, k, goroutines-k)
	}
	for _, c := range []struct {
		f                    FundingStream
		available, committed string
	}{{lang, "0.00", "430.00"}, {own, "0.00", "270.00"}, {reint, "1000.00", "0.00"}} {
		if got := e.balance(b, c.f, Available).StringFixed(2); got != c.available {
			t.Errorf("%s available = %s, want %s", c.f.ReportingCode, got, c.available)
		}
		if got := e.balance(b, c.f, Committed).StringFixed(2); got != c.committed {
			t.Errorf("%s committed = %s, want %s", c.f.ReportingCode, got, c.committed)
		}
	}
	var commitments int64
	e.db.Gorm.Raw(`SELECT count(*) FROM commitments`).Scan(&commitments)
	if commitments != k {
		t.Fatalf("commitments = %d, want %d", commitments, k)
	}
	e.mustCheck()
}
