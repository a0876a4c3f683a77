package pooling

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// figures are what the model expects on one report line.
type figures struct {
	allocated, available, committed, payable, paid, receivable, released, clawedBack decimal.Decimal
}

func (f figures) String() string {
	return fmt.Sprintf("allocated %s available %s committed %s payable %s paid %s receivable %s released %s clawed back %s",
		f.allocated.StringFixed(2), f.available.StringFixed(2), f.committed.StringFixed(2), f.payable.StringFixed(2),
		f.paid.StringFixed(2), f.receivable.StringFixed(2), f.released.StringFixed(2), f.clawedBack.StringFixed(2))
}

type modelCommitment struct {
	ref       uuid.UUID
	budget    int
	committed decimal.Decimal
}

type modelAccrual struct {
	id     uuid.UUID
	status AccrualStatus
	parts  []StreamAmount
	budget int
}

// model keeps, independently of the ledger, what every report line must
// show, updated from the splits the service returns.
type model struct {
	t           *testing.T
	r           *rand.Rand
	e           *env
	streams     []FundingStream
	budgets     []Budget
	unallocated map[uuid.UUID]decimal.Decimal
	lines       map[[2]uuid.UUID]*figures
	commitments []*modelCommitment
	accruals    []*modelAccrual
	provider    uuid.UUID
	done        map[string]int // successful steps by kind
}

func (m *model) line(budget, stream uuid.UUID) *figures {
	k := [2]uuid.UUID{budget, stream}
	if m.lines[k] == nil {
		m.lines[k] = &figures{}
	}
	return m.lines[k]
}

// amount returns a random amount between 0.01 and max euros.
func (m *model) amount(max int64) decimal.Decimal {
	return decimal.New(1+m.r.Int64N(max*100), -2)
}

var categories = []string{"language", "civic_integration", "social_guidance", "reintegration", "dual_trajectory", "care"}

func (m *model) step() (string, error) {
	switch op := m.r.IntN(10); {
	case op < 2:
		return m.allocate()
	case op < 5:
		return m.reserve()
	case op < 6:
		return m.release()
	case op < 8:
		return m.accrue()
	case op < 9:
		return m.pay()
	default:
		return m.clawBackOrSettle()
	}
}

func (m *model) allocate() (string, error) {
	f := m.streams[m.r.IntN(len(m.streams))]
	bi := m.r.IntN(len(m.budgets))
	amount := m.amount(800)
	desc := fmt.Sprintf("allocate %s of %s to budget %d", amount, f.ReportingCode, bi)
	_, err := m.e.s.Allocate(m.e.ctx, procurement, AllocateInput{BudgetID: m.budgets[bi].ID, FundingStreamID: f.ID, Amount: amount.StringFixed(2)})
	if amount.GreaterThan(m.unallocated[f.ID]) {
		if !fault.HasCode(err, AllocationExceedsStream) {
			return desc, fmt.Errorf("err = %v, want allocation_exceeds_stream", err)
		}
		return desc, nil
	}
	if err != nil {
		return desc, err
	}
	m.unallocated[f.ID] = m.unallocated[f.ID].Sub(amount)
	m.done["allocate"]++
	l := m.line(m.budgets[bi].ID, f.ID)
	l.allocated = l.allocated.Add(amount)
	l.available = l.available.Add(amount)
	return desc, nil
}

func (m *model) reserve() (string, error) {
	bi := m.r.IntN(len(m.budgets))
	b := m.budgets[bi]
	category := categories[m.r.IntN(len(categories))]
	amount := m.amount(500)
	desc := fmt.Sprintf("reserve %s for %s in budget %d", amount, category, bi)
	eligible := decimal.Zero
	for _, f := range m.streams {
		if f.Allows(category) {
			eligible = eligible.Add(m.line(b.ID, f.ID).available)
		}
	}
	in := ReserveInput{BudgetID: b.ID, Category: category, Amount: amount, Reference: uuid.Must(uuid.NewV7()),
		ContractID: uuid.Must(uuid.NewV7()), ProviderID: m.provider}
	c, err := m.e.reserve(system, in)
	if amount.GreaterThan(eligible) {
		if !fault.HasCode(err, BudgetInsufficient) {
			return desc, fmt.Errorf("err = %v with %s eligible, want budget_insufficient", err, eligible)
		}
		return desc, nil
	}
	if err != nil {
		return desc, fmt.Errorf("%w (eligible %s)", err, eligible)
	}
	if !sumAmounts(c.Parts).Equal(amount) {
		return desc, fmt.Errorf("parts sum to %s", sumAmounts(c.Parts))
	}
	for _, p := range c.Parts {
		f := m.streams[slices.IndexFunc(m.streams, func(f FundingStream) bool { return f.ID == p.FundingStreamID })]
		if !f.Allows(category) {
			return desc, fmt.Errorf("reserved on %s, whose earmark %v excludes %s", f.ReportingCode, f.Earmark, category)
		}
		l := m.line(b.ID, p.FundingStreamID)
		l.available = l.available.Sub(p.Amount)
		l.committed = l.committed.Add(p.Amount)
	}
	m.done["reserve"]++
	m.commitments = append(m.commitments, &modelCommitment{ref: in.Reference, budget: bi, committed: amount})
	return desc, nil
}

// pickCommitment returns a random commitment, or nil when there is none.
func (m *model) pickCommitment() *modelCommitment {
	if len(m.commitments) == 0 {
		return nil
	}
	return m.commitments[m.r.IntN(len(m.commitments))]
}

// sometimesTooMuch returns an amount up to what is held, or now and then
// a cent more than that.
func (m *model) sometimesTooMuch(held decimal.Decimal) decimal.Decimal {
	if m.r.IntN(8) == 0 || !held.IsPositive() {
		return held.Add(decimal.New(1, -2))
	}
	return decimal.New(1+m.r.Int64N(held.Shift(2).IntPart()), -2)
}

func (m *model) release() (string, error) {
	c := m.pickCommitment()
	if c == nil {
		return "release: nothing reserved", nil
	}
	amount := m.sometimesTooMuch(c.committed)
	desc := fmt.Sprintf("release %s of %s (holds %s)", amount, c.ref, c.committed)
	var parts []StreamAmount
	err := m.e.in(func(tx *gorm.DB) error {
		var err error
		parts, err = m.e.s.Release(m.e.ctx, tx, system, c.ref, amount)
		return err
	})
	if amount.GreaterThan(c.committed) {
		if !fault.HasCode(err, CommitmentInsufficient) {
			return desc, fmt.Errorf("err = %v, want commitment_insufficient", err)
		}
		return desc, nil
	}
	if err != nil {
		return desc, err
	}
	if !sumAmounts(parts).Equal(amount) {
		return desc, fmt.Errorf("parts sum to %s", sumAmounts(parts))
	}
	m.done["release"]++
	c.committed = c.committed.Sub(amount)
	for _, p := range parts {
		l := m.line(m.budgets[c.budget].ID, p.FundingStreamID)
		l.committed = l.committed.Sub(p.Amount)
		l.available = l.available.Add(p.Amount)
		l.released = l.released.Add(p.Amount)
	}
	return desc, nil
}

func (m *model) accrue() (string, error) {
	c := m.pickCommitment()
	if c == nil {
		return "accrue: nothing reserved", nil
	}
	amount := m.sometimesTooMuch(c.committed)
	desc := fmt.Sprintf("accrue %s of %s (holds %s)", amount, c.ref, c.committed)
	var a Accrual
	err := m.e.in(func(tx *gorm.DB) error {
		var err error
		a, err = m.e.s.Accrue(m.e.ctx, tx, system, c.ref, uuid.Must(uuid.NewV7()), amount)
		return err
	})
	if amount.GreaterThan(c.committed) {
		if !fault.HasCode(err, CommitmentInsufficient) {
			return desc, fmt.Errorf("err = %v, want commitment_insufficient", err)
		}
		return desc, nil
	}
	if err != nil {
		return desc, err
	}
	if !sumAmounts(a.Parts).Equal(amount) {
		return desc, fmt.Errorf("parts sum to %s", sumAmounts(a.Parts))
	}
	c.committed = c.committed.Sub(amount)
	for _, p := range a.Parts {
		l := m.line(m.budgets[c.budget].ID, p.FundingStreamID)
		l.committed = l.committed.Sub(p.Amount)
		l.payable = l.payable.Add(p.Amount)
	}
	m.done["accrue"]++
	m.accruals = append(m.accruals, &modelAccrual{id: a.ID, status: AccrualPayable, parts: a.Parts, budget: c.budget})
	return desc, nil
}

// pickAccrual returns a random accrual in one of the statuses, or nil.
func (m *model) pickAccrual(statuses ...AccrualStatus) *modelAccrual {
	var in []*modelAccrual
	for _, a := range m.accruals {
		if slices.Contains(statuses, a.status) {
			in = append(in, a)
		}
	}
	if len(in) == 0 {
		return nil
	}
	return in[m.r.IntN(len(in))]
}

func (m *model) commitmentOf(a *modelAccrual) (*modelCommitment, error) {
	var ref struct{ Reference uuid.UUID }
	if err := m.e.db.Gorm.Raw(`SELECT c.reference FROM accruals a JOIN commitments c ON c.id = a.commitment_id WHERE a.id = ?`, a.id).Scan(&ref).Error; err != nil {
		return nil, err
	}
	i := slices.IndexFunc(m.commitments, func(c *modelCommitment) bool { return c.ref == ref.Reference })
	if i < 0 {
		return nil, fmt.Errorf("accrual %s has no commitment in the model", a.id)
	}
	return m.commitments[i], nil
}

func (m *model) pay() (string, error) {
	a := m.pickAccrual(AccrualPayable, AccrualPaid)
	if a == nil {
		return "pay: nothing accrued", nil
	}
	desc := fmt.Sprintf("pay %s (%s)", a.id, a.status)
	err := m.e.in(func(tx *gorm.DB) error {
		_, err := m.e.s.Pay(m.e.ctx, tx, system, a.id, uuid.Must(uuid.NewV7()))
		return err
	})
	if a.status != AccrualPayable {
		if !fault.HasCode(err, AccrualNotPayable) {
			return desc, fmt.Errorf("err = %v, want accrual_not_payable", err)
		}
		return desc, nil
	}
	if err != nil {
		return desc, err
	}
	m.done["pay"]++
	a.status = AccrualPaid
	for _, p := range a.parts {
		l := m.line(m.budgets[a.budget].ID, p.FundingStreamID)
		l.payable = l.payable.Sub(p.Amount)
		l.paid = l.paid.Add(p.Amount)
	}
	return desc, nil
}

func (m *model) clawBackOrSettle() (string, error) {
	a := m.pickAccrual(AccrualPayable, AccrualPaid, AccrualReclaiming)
	if a == nil {
		return "claw back: nothing accrued", nil
	}
	c, err := m.commitmentOf(a)
	if err != nil {
		return "claw back", err
	}
	desc := fmt.Sprintf("claw back or settle %s (%s)", a.id, a.status)
	err = m.e.in(func(tx *gorm.DB) error {
		var err error
		if a.status == AccrualReclaiming {
			_, err = m.e.s.SettleClawBack(m.e.ctx, tx, system, a.id, uuid.Must(uuid.NewV7()))
		} else {
			_, err = m.e.s.ClawBack(m.e.ctx, tx, system, a.id, "random revocation")
		}
		return err
	})
	if err != nil {
		return desc, err
	}
	for _, p := range a.parts {
		l := m.line(m.budgets[a.budget].ID, p.FundingStreamID)
		switch a.status {
		case AccrualPayable:
			l.payable = l.payable.Sub(p.Amount)
			l.committed = l.committed.Add(p.Amount)
			l.clawedBack = l.clawedBack.Add(p.Amount)
		case AccrualPaid:
			l.paid = l.paid.Sub(p.Amount)
			l.receivable = l.receivable.Add(p.Amount)
			l.clawedBack = l.clawedBack.Add(p.Amount)
		case AccrualReclaiming:
			l.receivable = l.receivable.Sub(p.Amount)
			l.committed = l.committed.Add(p.Amount)
		}
	}
	m.done[string(a.status)+" clawed back or settled"]++
	switch a.status {
	case AccrualPayable:
		a.status = AccrualWithdrawn
		c.committed = c.committed.Add(sumAmounts(a.parts))
	case AccrualPaid:
		a.status = AccrualReclaiming
	case AccrualReclaiming:
		a.status = AccrualReclaimed
		c.committed = c.committed.Add(sumAmounts(a.parts))
	}
	return desc, nil
}

// compare checks every report line against the model.
func (m *model) compare() error {
	seen := 0
	for _, b := range m.budgets {
		r, err := m.e.s.Report(m.e.ctx, auditor, b.ID)
		if err != nil {
			return err
		}
		for _, l := range r.Lines {
			seen++
			w := m.line(b.ID, l.FundingStreamID)
			got := figures{l.Allocated, l.Available, l.Committed, l.Payable, l.Paid, l.ClawbackReceivable, l.Released, l.ClawedBack}
			if got.String() != w.String() {
				return fmt.Errorf("budget %s stream %s: report %s, model %s", b.Name, l.ReportingCode, got, w)
			}
			for _, v := range []decimal.Decimal{l.Available, l.Committed, l.Payable, l.Paid, l.ClawbackReceivable} {
				if v.IsNegative() {
					return fmt.Errorf("budget %s stream %s: negative figure in %v", b.Name, l.ReportingCode, got)
				}
			}
		}
	}
	nonEmpty := 0
	for _, f := range m.lines {
		if !f.allocated.IsZero() {
			nonEmpty++
		}
	}
	if seen != nonEmpty {
		return fmt.Errorf("report has %d lines, model %d", seen, nonEmpty)
	}
	return nil
}

const fixedSeed = 1

func runProperty(t *testing.T, seed uint64, steps int) {
	e := newEnv(t)
	m := &model{t: t, r: rand.New(rand.NewPCG(seed, 2005)), e: e, unallocated: map[uuid.UUID]decimal.Decimal{}, lines: map[[2]uuid.UUID]*figures{}, done: map[string]int{}}
	m.streams = []FundingStream{
		e.stream("ROC-NT2", "1500.00", "language"),
		e.stream("NIG-2005", "2500.00", "civic_integration", "language"),
		e.stream("REI-2005", "2000.00", "reintegration"),
		e.stream("ERDF-W", "1200.00", "care", "dual_trajectory", "social_guidance"),
		e.stream("OWN-2005", "1000.00"),
	}
	for _, f := range m.streams {
		m.unallocated[f.ID] = f.Amount
	}
	m.budgets = []Budget{e.budget("Integratie 2005"), e.budget("Re-integratie 2005")}
	m.provider, _ = e.provider("40123456")
	for i := 0; i < steps; i++ {
		desc, err := m.step()
		if err != nil {
			t.Fatalf("seed %d step %d %s: %v", seed, i, desc, err)
		}
		if err := m.compare(); err != nil {
			t.Fatalf("seed %d after step %d %s: %v", seed, i, desc, err)
		}
		if i%40 == 39 {
			e.mustCheck()
			if t.Failed() {
				t.Fatalf("seed %d: check failed after step %d %s", seed, i, desc)
			}
		}
	}
	e.mustCheck()
	t.Logf("seed %d: successful steps %v", seed, m.done)
	// The fixed seed's sequence is deterministic; it must reach every kind of step.
	for _, kind := range []string{"allocate", "reserve", "release", "accrue", "pay",
		"payable clawed back or settled", "paid clawed back or settled", "reclaiming clawed back or settled"} {
		if seed == fixedSeed && m.done[kind] == 0 {
			t.Errorf("seed %d: no successful %s in %d steps; the sequence does not exercise it", seed, kind, steps)
		}
	}
	var unbalanced int64
	e.db.Gorm.Raw(`SELECT count(*) FROM (SELECT transaction_id FROM ledger_postings GROUP BY transaction_id HAVING sum(amount) <> 0) x`).Scan(&unbalanced)
	if unbalanced != 0 {
		t.Fatalf("seed %d: %d unbalanced transactions", seed, unbalanced)
	}
}

// Random sequences of allocate, reserve, release, accrue, pay, claw back
// and settle keep every invariant: each transaction sums to zero, no
// balance is negative, and the report equals both the ledger and a model
// kept beside it. One fixed seed, and one new seed per run (logged, so a
// failure can be replayed with it).
func TestPropertyRandomSequences(t *testing.T) {
	seeds := []uint64{fixedSeed, uint64(time.Now().UnixNano())}
	for _, seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Logf("seed %d", seed)
			runProperty(t, seed, 250)
		})
	}
}
