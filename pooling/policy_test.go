package pooling

import (
	"math/rand/v2"
	"testing"
	"time"

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
