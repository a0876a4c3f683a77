package pooling

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// eligibleStream is a stream of a budget that may pay for a category, with
// what it still has available in that budget.
type eligibleStream struct {
	ID            uuid.UUID
	Name          string
	ReportingCode string
	Earmark       []string // nil: unrestricted
	ValidTo       time.Time
	Available     decimal.Decimal
}

// reservationOrder sorts streams by the reservation policy: earmarked streams
// before unrestricted ones; among earmarked streams the one with the fewest
// categories first (the money that can be spent on least is used first);
// then the earliest end of validity (money that lapses first is used first);
// then the stream id, so that equal streams always come in the same order.
func reservationOrder(streams []eligibleStream) {
	slices.SortStableFunc(streams, func(a, b eligibleStream) int {
		ua, ub := a.Earmark == nil, b.Earmark == nil
		if ua != ub {
			if ua {
				return 1
			}
			return -1
		}
		if len(a.Earmark) != len(b.Earmark) {
			return len(a.Earmark) - len(b.Earmark)
		}
		if c := a.ValidTo.Compare(b.ValidTo); c != 0 {
			return c
		}
		return strings.Compare(a.ID.String(), b.ID.String())
	})
}

// splitReservation takes amount from the streams in policy order, each
// giving what it has available until the amount is covered. ok is false when
// the streams together hold less than amount.
func splitReservation(budgetID uuid.UUID, streams []eligibleStream, amount decimal.Decimal) (parts []StreamAmount, ok bool) {
	ordered := slices.Clone(streams)
	reservationOrder(ordered)
	rest := amount
	for _, s := range ordered {
		if !rest.IsPositive() {
			break
		}
		if !s.Available.IsPositive() {
			continue
		}
		take := decimal.Min(rest, s.Available)
		parts = append(parts, StreamAmount{BudgetID: budgetID, FundingStreamID: s.ID, StreamName: s.Name, ReportingCode: s.ReportingCode, Amount: take})
		rest = rest.Sub(take)
	}
	if rest.IsPositive() {
		return nil, false
	}
	return parts, true
}

// share is one stream's part of a commitment: its weight is what the
// original reservation took from the stream, room what the operation may
// still take from it now.
type share struct {
	StreamAmount
	Weight decimal.Decimal
	Room   decimal.Decimal
}

// splitProportional divides amount over the shares in proportion to their
// weights (the original reservation's split): each share gets its
// proportion rounded down to the cent, but never more than its room; the
// cents left over go to the shares in their order (the reservation's order,
// so the most restricted stream first) as far as each has room. ok is false
// when the shares together have less room than amount. The parts always sum
// exactly to amount.
func splitProportional(shares []share, amount decimal.Decimal) (parts []StreamAmount, ok bool) {
	weight := decimal.Zero
	for _, s := range shares {
		weight = weight.Add(s.Weight)
	}
	if !weight.IsPositive() {
		return nil, false
	}
	got := make([]decimal.Decimal, len(shares))
	rest := amount
	for i, s := range shares {
		g := amount.Mul(s.Weight).Div(weight).Truncate(2)
		g = decimal.Min(g, s.Room)
		if g.IsNegative() {
			g = decimal.Zero
		}
		got[i] = g
		rest = rest.Sub(g)
	}
	for i, s := range shares {
		if !rest.IsPositive() {
			break
		}
		extra := decimal.Min(rest, s.Room.Sub(got[i]))
		if extra.IsPositive() {
			got[i] = got[i].Add(extra)
			rest = rest.Sub(extra)
		}
	}
	if rest.IsPositive() {
		return nil, false
	}
	for i, s := range shares {
		if got[i].IsPositive() {
			p := s.StreamAmount
			p.Amount = got[i]
			parts = append(parts, p)
		}
	}
	return parts, true
}
