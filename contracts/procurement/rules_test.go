package procurement

import (
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func decp(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}

// The price formula on worked examples: max × lowest / offered, rounded
// half away from zero to the cent of a point.
func TestPricePointsWorkedExamples(t *testing.T) {
	for _, c := range []struct{ weight, lowest, offered, want string }{
		{"40", "800.00", "800.00", "40"},      // the lowest price gets the full weight
		{"40", "800.00", "1000.00", "32"},     // 40 × 800 / 1000
		{"40", "800.00", "1250.00", "25.6"},   // 40 × 800 / 1250
		{"40", "800.00", "900.00", "35.56"},   // 35.5555… rounds up
		{"40", "800.00", "2400.00", "13.33"},  // 13.3333… rounds down
		{"35", "1000.00", "1600.00", "21.88"}, // 21.875: half away from zero
		{"100", "1.00", "3.00", "33.33"},
	} {
		if got := PricePoints(dec(c.weight), dec(c.lowest), dec(c.offered)); !got.Equal(dec(c.want)) {
			t.Errorf("PricePoints(%s, %s, %s) = %s, want %s", c.weight, c.lowest, c.offered, got, c.want)
		}
	}
	if got := QualityPoints(dec("25"), dec("7.5")); !got.Equal(dec("18.75")) {
		t.Errorf("QualityPoints(25, 7.5) = %s, want 18.75", got)
	}
	if got := QualityPoints(dec("35"), dec("6.33")); !got.Equal(dec("22.16")) { // 22.155 half up
		t.Errorf("QualityPoints(35, 6.33) = %s, want 22.16", got)
	}
}

// criteria of the example: price 40, plan of approach 35, results
// achieved elsewhere 25.
func exampleCriteria() []Criterion {
	return []Criterion{
		{ID: uuid.New(), Code: "price", Kind: PriceCriterion, Weight: dec("40")},
		{ID: uuid.New(), Code: "plan", Kind: QualityCriterion, Weight: dec("35")},
		{ID: uuid.New(), Code: "results", Kind: QualityCriterion, Weight: dec("25")},
	}
}

func scored(cr []Criterion, price string, at time.Time, plan, results string) Scored {
	return Scored{BidID: uuid.Must(uuid.NewV7()), Price: dec(price), SubmittedAt: at,
		Consensus: map[uuid.UUID]decimal.Decimal{cr[1].ID: dec(plan), cr[2].ID: dec(results)}}
}

func TestRankWorkedExample(t *testing.T) {
	cr := exampleCriteria()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a := scored(cr, "1000.00", t0, "8", "7") // 32.00 + 28.00 + 17.50 = 77.50
	b := scored(cr, "1250.00", t0, "9", "9") // 25.60 + 31.50 + 22.50 = 79.60
	c := scored(cr, "800.00", t0, "6", "5")  // 40.00 + 21.00 + 12.50 = 73.50
	got := Rank(cr, []Scored{a, b, c})
	want := []struct {
		id                    uuid.UUID
		price, quality, total string
	}{{b.BidID, "25.6", "54", "79.6"}, {a.BidID, "32", "45.5", "77.5"}, {c.BidID, "40", "33.5", "73.5"}}
	for i, w := range want {
		g := got[i]
		if g.BidID != w.id || g.Rank != i+1 || !g.PricePoints.Equal(dec(w.price)) || !g.QualityPoints.Equal(dec(w.quality)) || !g.TotalPoints.Equal(dec(w.total)) {
			t.Errorf("rank %d = %+v, want bid %s with %s + %s = %s", i+1, g, w.id, w.price, w.quality, w.total)
		}
	}
}

// A tie on total points goes to the higher quality points, then to the
// earlier submission.
func TestRankTieBreak(t *testing.T) {
	cr := exampleCriteria()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	x := scored(cr, "1000.00", t0, "6", "6")   // 40.00 + 21.00 + 15.00 = 76.00
	y := scored(cr, "1250.00", t0, "8", "6.4") // 32.00 + 28.00 + 16.00 = 76.00, more quality
	got := Rank(cr, []Scored{x, y})
	if got[0].BidID != y.BidID || !got[0].TotalPoints.Equal(got[1].TotalPoints) {
		t.Fatalf("tie on %s: the higher quality (y) must rank first, got %+v", got[0].TotalPoints, got)
	}
	// Same price and scores: the earlier submission wins, whatever order
	// the bids come in.
	late := scored(cr, "900.00", t0.Add(time.Minute), "7", "7")
	early := scored(cr, "900.00", t0, "7", "7")
	for _, in := range [][]Scored{{late, early}, {early, late}} {
		if got := Rank(cr, in); got[0].BidID != early.BidID || got[1].Rank != 2 {
			t.Fatalf("equal points: the earlier submission must win, got %+v", got)
		}
	}
	if got := Rank(cr, nil); len(got) != 0 {
		t.Fatalf("no bids, ranking %+v", got)
	}
}

func TestAwardVolumes(t *testing.T) {
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	ranked := []Ranked{{BidID: ids[0], Rank: 1}, {BidID: ids[1], Rank: 2}, {BidID: ids[2], Rank: 3}}
	for _, c := range []struct {
		name             string
		awardees, volume int
		capacity         map[uuid.UUID]int
		want             []int // 0: not a winner
	}{
		{"one winner takes the volume", 1, 40, map[uuid.UUID]int{ids[0]: 100}, []int{40, 0, 0}},
		{"capped at the capacity offered", 1, 40, map[uuid.UUID]int{ids[0]: 25}, []int{25, 0, 0}},
		{"two winners, remainder to the first", 2, 41, map[uuid.UUID]int{ids[0]: 100, ids[1]: 100}, []int{21, 20, 0}},
		{"more awardees than bids", 5, 30, map[uuid.UUID]int{ids[0]: 100, ids[1]: 100, ids[2]: 100}, []int{10, 10, 10}},
	} {
		got := AwardVolumes(ranked, c.awardees, c.volume, c.capacity)
		for i, w := range c.want {
			if got[i].Winner != (w > 0) || got[i].AwardedVolume != w {
				t.Errorf("%s: rank %d = winner %v volume %d, want %d", c.name, i+1, got[i].Winner, got[i].AwardedVolume, w)
			}
		}
	}
}

func TestDeadlineIsTheServersClock(t *testing.T) {
	deadline := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	tender := Tender{Reference: "T-1", State: Published, SubmissionDeadline: deadline}
	if err := acceptsBids(tender, deadline.Add(-time.Microsecond)); err != nil {
		t.Fatalf("a microsecond before the deadline: %v", err)
	}
	for _, at := range []time.Time{deadline, deadline.Add(time.Microsecond)} {
		if err := acceptsBids(tender, at); !fault.HasCode(err, DeadlinePassed) {
			t.Fatalf("at %s: %v, want deadline_passed", at, err)
		}
		if stateAt(tender, at) != Closed {
			t.Fatalf("at %s the tender is %s, want closed", at, stateAt(tender, at))
		}
	}
	if err := acceptsBids(Tender{State: Opened}, deadline.Add(-time.Hour)); !fault.HasCode(err, TenderTransition) {
		t.Fatalf("an opened tender takes bids: %v", err)
	}
}

func TestStandstill(t *testing.T) {
	approved := time.Date(2026, 4, 1, 16, 30, 0, 0, time.UTC)
	end := standstillEnd(approved, 20)
	if !end.Equal(time.Date(2026, 4, 21, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("standstill of 20 days from 1 April ends %s", end)
	}
	if concludable(end, 0, time.Date(2026, 4, 21, 23, 59, 0, 0, time.UTC)) {
		t.Fatal("concluded on the standstill's last day")
	}
	if !concludable(end, 0, time.Date(2026, 4, 22, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("not concludable the day after the standstill")
	}
	if concludable(end, 1, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatal("concludable with an open objection")
	}
}

func codesOf(err error) map[string]string {
	out := map[string]string{}
	if e, ok := fault.As(err); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestCriteriaRules(t *testing.T) {
	q := func(code, kind, w string) CriterionInput {
		return CriterionInput{Code: code, Name: code, Kind: kind, Weight: dec(w)}
	}
	for _, c := range []struct {
		name  string
		proc  Procedure
		in    []CriterionInput
		field string
		code  string
	}{
		{"none", Open, nil, "criteria", CriteriaRequired.Code},
		{"not 100", Open, []CriterionInput{q("price", "price", "40"), q("plan", "quality", "35")}, "criteria", WeightsNot100.Code},
		{"two prices", Open, []CriterionInput{q("price", "price", "40"), q("price2", "price", "60")}, "criteria", PriceCriterionCount.Code},
		{"no price", Open, []CriterionInput{q("plan", "quality", "100")}, "criteria", PriceCriterionCount.Code},
		{"zero weight", Open, []CriterionInput{q("price", "price", "100"), q("plan", "quality", "0")}, "criteria[1].weight", WeightInvalid.Code},
		{"three decimals", Open, []CriterionInput{q("price", "price", "33.333"), q("plan", "quality", "66.667")}, "criteria[0].weight", WeightInvalid.Code},
		{"duplicate code", Open, []CriterionInput{q("price", "price", "50"), q("price", "quality", "50")}, "criteria[1].code", CriterionDuplicate.Code},
		{"bad code", Open, []CriterionInput{q("Price!", "price", "100")}, "criteria[0].code", CriterionCodeInvalid.Code},
		{"admission in open", Open, []CriterionInput{q("price", "price", "100"), q("ok", "admission", "0")}, "criteria[1].kind", CriterionKindInvalid.Code},
		{"price in open house", OpenHouse, []CriterionInput{q("price", "price", "100")}, "criteria[0].kind", CriterionKindInvalid.Code},
	} {
		var errs fault.Fields
		checkCriteria(&errs, c.proc, c.in)
		if got := codesOf(errs.Err())[c.field]; got != c.code {
			t.Errorf("%s: %s = %q, want %q (all: %v)", c.name, c.field, got, c.code, codesOf(errs.Err()))
		}
	}
	var errs fault.Fields
	checkCriteria(&errs, Open, []CriterionInput{q("price", "price", "40"), q("plan", "quality", "35"), q("results", "quality", "25")})
	if len(errs) != 0 {
		t.Fatalf("the issue's example criteria are refused: %v", errs)
	}
}

func TestLotRulesAndBudgetWarning(t *testing.T) {
	var errs fault.Fields
	checkLots(&errs, []LotInput{{Title: "Taal", CategoryCode: "language", Volume: 0, MaxPrice: dec("-1"), Awardees: 0,
		Milestones: []contracts.Milestone{{Code: "intake", FixedAmount: decp("100")}}}})
	got := codesOf(errs.Err())
	for f, code := range map[string]string{"lots[0].volume": VolumeNotPositive.Code, "lots[0].max_price": PriceNotPositive.Code,
		"lots[0].milestones[0].share": ScheduleSharesOnly.Code} {
		if got[f] != code {
			t.Errorf("%s = %q, want %q", f, got[f], code)
		}
	}
	lots := []Lot{{Volume: 40, MaxPrice: dec("2500.00")}, {Volume: 10, MaxPrice: dec("1000.00")}} // 110 000.00
	if w := budgetWarning(lots, dec("110000.00")); len(w) != 0 {
		t.Fatalf("lots within the budget warn: %v", w)
	}
	if w := budgetWarning(lots, dec("109999.99")); len(w) != 1 || w[0].Code != "lots_exceed_budget" {
		t.Fatalf("lots a cent over the budget: %v", w)
	}
}
