package contracts

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Product is what a contract version sells: a trajectory of one service
// category at a price, paid in tranches by its milestone schedule.
type Product struct {
	ID           uuid.UUID       `json:"id"`
	VersionID    uuid.UUID       `json:"version_id"`
	Position     int             `json:"position"`
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	CategoryCode string          `json:"category_code"`
	Price        decimal.Decimal `json:"price"`
	Milestones   []Milestone     `json:"milestones" gorm:"-"`
}

// Milestone is one result that pays a tranche of the product's price: a
// share of the price in percent, or a fixed amount (one kind per schedule).
type Milestone struct {
	ID             uuid.UUID        `json:"id"`
	ProductID      uuid.UUID        `json:"product_id"`
	Position       int              `json:"position"`
	Code           string           `json:"code"`
	Name           string           `json:"name"`
	OutcomeDomain  string           `json:"outcome_domain"`
	Share          *decimal.Decimal `json:"share,omitempty"`
	FixedAmount    *decimal.Decimal `json:"fixed_amount,omitempty"`
	DeadlineMonths int              `json:"deadline_months"` // after the trajectory's start
	Prerequisites  Codes            `json:"prerequisites"`   // codes of milestones that must be verified first
	// EvidenceRequired says a claim needs at least one evidence file;
	// EvidenceKinds names what is expected (certificate, exam_result …).
	EvidenceRequired bool  `json:"evidence_required"`
	EvidenceKinds    Codes `json:"evidence_kinds"`
	// Tranche is what the milestone pays, set when the product is stored
	// (see TrancheAmounts).
	Tranche decimal.Decimal `json:"tranche"`
}

// Tranche returns the amount the milestone with code pays, and whether the
// product has such a milestone.
func (p Product) Tranche(code string) (decimal.Decimal, bool) {
	for _, m := range p.Milestones {
		if m.Code == code {
			return m.Tranche, true
		}
	}
	return decimal.Zero, false
}

// Milestone returns the milestone with code.
func (p Product) Milestone(code string) (Milestone, bool) {
	for _, m := range p.Milestones {
		if m.Code == code {
			return m, true
		}
	}
	return Milestone{}, false
}

var (
	hundred = decimal.NewFromInt(100)
	cent    = decimal.New(1, -2)
)

// TrancheAmounts splits a price over a milestone schedule, in schedule order.
// A share milestone pays share × price / 100 rounded half-up to the cent; a
// fixed-amount milestone pays its amount; and the last milestone takes the
// remainder, so the tranches always sum exactly to the price.
//
// No milestone takes more than what is left of the price, so no tranche is
// ever negative. For a valid schedule (shares summing to 100, or amounts to
// the price, every tranche at least a cent) that limit never applies: each
// tranche is exactly the rounded share. The price must be positive.
func TrancheAmounts(price decimal.Decimal, milestones []Milestone) []decimal.Decimal {
	out := make([]decimal.Decimal, len(milestones))
	if len(milestones) == 0 {
		return out
	}
	left := price
	for i, m := range milestones[:len(milestones)-1] {
		var t decimal.Decimal
		switch {
		case m.Share != nil:
			t = m.Share.Mul(price).Div(hundred).Round(2)
		case m.FixedAmount != nil:
			t = *m.FixedAmount
		}
		t = decimal.Max(decimal.Zero, decimal.Min(t, left))
		out[i] = t
		left = left.Sub(t)
	}
	out[len(out)-1] = decimal.Max(decimal.Zero, left)
	return out
}

var (
	codePattern         = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$`)
	evidenceKindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)
)

// normalizeProducts trims the texts of products as typed.
func normalizeProducts(products []Product) []Product {
	out := make([]Product, len(products))
	for i, p := range products {
		p.Code = strings.TrimSpace(p.Code)
		p.Name = strings.TrimSpace(p.Name)
		p.CategoryCode = strings.TrimSpace(p.CategoryCode)
		ms := make([]Milestone, len(p.Milestones))
		for j, m := range p.Milestones {
			m.Code = strings.TrimSpace(m.Code)
			m.Name = strings.TrimSpace(m.Name)
			m.OutcomeDomain = strings.TrimSpace(m.OutcomeDomain)
			pre := Codes{}
			for _, c := range m.Prerequisites {
				if c = strings.TrimSpace(c); c != "" && !slices.Contains(pre, c) {
					pre = append(pre, c)
				}
			}
			m.Prerequisites = pre
			kinds := Codes{}
			for _, k := range m.EvidenceKinds {
				if k = strings.TrimSpace(k); k != "" && !slices.Contains(kinds, k) {
					kinds = append(kinds, k)
				}
			}
			m.EvidenceKinds = kinds
			ms[j] = m
		}
		p.Milestones = ms
		out[i] = p
	}
	return out
}

// validateProducts checks products and their schedules against the known
// categories; field paths look like products[0].milestones[2].share. Every
// category must be active: a new version cannot buy a retired category.
func validateProducts(errs *fault.Fields, products []Product, categories map[string]Category) {
	if len(products) == 0 {
		addField(errs, "products", ProductsRequired, "add at least one product")
		return
	}
	if len(products) > MaxProducts {
		addField(errs, "products", TooMany, fmt.Sprintf("at most %d products in one contract", MaxProducts))
		return
	}
	seen := map[string]bool{}
	for i, p := range products {
		f := fmt.Sprintf("products[%d]", i)
		switch {
		case p.Code == "":
			addField(errs, f+".code", Required, "the product needs a code")
		case !codePattern.MatchString(p.Code):
			addField(errs, f+".code", CodeInvalid, "letters, digits and . _ - (at most 40)")
		case seen[p.Code]:
			addField(errs, f+".code", ProductCodeDuplicate, "another product has code "+p.Code)
		}
		seen[p.Code] = true
		requireText(errs, f+".name", p.Name, 200)
		cat, known := categories[p.CategoryCode]
		switch {
		case p.CategoryCode == "":
			addField(errs, f+".category_code", Required, "choose a service category")
		case !known:
			addField(errs, f+".category_code", CategoryUnknown, "no service category "+p.CategoryCode)
		case !cat.Active:
			addField(errs, f+".category_code", CategoryInactive, "the category "+p.CategoryCode+" is no longer offered")
		}
		priceOK := true
		switch {
		case !p.Price.IsPositive():
			addField(errs, f+".price", PriceNotPositive, "the price must be more than zero")
			priceOK = false
		case !p.Price.Equal(p.Price.Round(2)):
			addField(errs, f+".price", AmountTooPrecise, "at most two decimals")
			priceOK = false
		}
		validateSchedule(errs, f, p, cat, known, priceOK)
	}
}

// Limits of one contract, far above any real one and within what one
// statement and the columns carry; beyond them a field error, never a 500.
const (
	MaxProducts       = 50      // products in one contract
	MaxMilestones     = 50      // milestones in one schedule; also evidence kinds and prerequisites of one milestone
	MaxDeadlineMonths = 240     // a milestone's deadline after the trajectory's start
	MaxCapacity       = 100_000 // trajectories under one contract
)

func validateSchedule(errs *fault.Fields, f string, p Product, cat Category, catKnown, priceOK bool) {
	if len(p.Milestones) == 0 {
		addField(errs, f+".milestones", ScheduleEmpty, "add at least one milestone")
		return
	}
	if len(p.Milestones) > MaxMilestones {
		addField(errs, f+".milestones", TooMany, fmt.Sprintf("at most %d milestones in one schedule", MaxMilestones))
		return
	}
	codes := map[string]bool{}
	shares, amounts := 0, 0
	shareSum, amountSum := decimal.Zero, decimal.Zero
	kindOK := true
	for j, m := range p.Milestones {
		mf := fmt.Sprintf("%s.milestones[%d]", f, j)
		switch {
		case m.Code == "":
			addField(errs, mf+".code", Required, "the milestone needs a code")
		case !codePattern.MatchString(m.Code):
			addField(errs, mf+".code", CodeInvalid, "letters, digits and . _ - (at most 40)")
		case codes[m.Code]:
			addField(errs, mf+".code", MilestoneCodeDuplicate, "another milestone has code "+m.Code)
		}
		codes[m.Code] = true
		requireText(errs, mf+".name", m.Name, 200)
		switch {
		case m.OutcomeDomain == "":
			addField(errs, mf+".outcome_domain", Required, "choose an outcome domain")
		case !slices.Contains(OutcomeDomains, m.OutcomeDomain):
			addField(errs, mf+".outcome_domain", OutcomeDomainUnknown, "choose from intake, language, social, labour, participation")
		case catKnown && !cat.HasDomain(m.OutcomeDomain):
			addField(errs, mf+".outcome_domain", DomainNotInCategory,
				fmt.Sprintf("%s is not a domain of %s (%s)", m.OutcomeDomain, cat.Code, strings.Join(cat.OutcomeDomains, ", ")))
		}
		switch {
		case m.Share != nil && m.FixedAmount != nil, m.Share == nil && m.FixedAmount == nil:
			addField(errs, mf+".share", ScheduleMixed, "give either a share or a fixed amount")
			kindOK = false
		case m.Share != nil:
			shares++
			s := *m.Share
			if !s.IsPositive() || s.GreaterThan(hundred) || !s.Equal(s.Round(2)) {
				addField(errs, mf+".share", ShareInvalid, "a percentage above 0 and at most 100, with at most two decimals")
				kindOK = false
			}
			shareSum = shareSum.Add(s)
		default:
			amounts++
			a := *m.FixedAmount
			switch {
			case !a.IsPositive():
				addField(errs, mf+".fixed_amount", PriceNotPositive, "the amount must be more than zero")
				kindOK = false
			case !a.Equal(a.Round(2)):
				addField(errs, mf+".fixed_amount", AmountTooPrecise, "at most two decimals")
				kindOK = false
			}
			amountSum = amountSum.Add(a)
		}
		switch {
		case m.DeadlineMonths <= 0:
			addField(errs, mf+".deadline_months", DeadlineNotPositive, "at least one month after the start")
		case m.DeadlineMonths > MaxDeadlineMonths:
			addField(errs, mf+".deadline_months", OutOfRange, fmt.Sprintf("at most %d months after the start", MaxDeadlineMonths))
		}
		if len(m.EvidenceKinds) > MaxMilestones || len(m.Prerequisites) > MaxMilestones {
			addField(errs, mf, TooMany, fmt.Sprintf("at most %d evidence kinds and %d prerequisites", MaxMilestones, MaxMilestones))
			continue
		}
		for k, kind := range m.EvidenceKinds {
			if !evidenceKindPattern.MatchString(kind) {
				addField(errs, fmt.Sprintf("%s.evidence_kinds[%d]", mf, k), EvidenceKindInvalid, "lower-case letters, digits and underscores")
			}
		}
	}
	if shares > 0 && amounts > 0 {
		addField(errs, f+".milestones", ScheduleMixed, "use shares for every milestone or fixed amounts for every milestone")
		kindOK = false
	}
	if kindOK && shares > 0 && !shareSum.Equal(hundred) {
		addField(errs, f+".milestones", ShareSum, fmt.Sprintf("the shares sum to %s, not 100", shareSum.String()))
		kindOK = false
	}
	if kindOK && amounts > 0 && priceOK && !amountSum.Equal(p.Price) {
		addField(errs, f+".milestones", AmountSum, fmt.Sprintf("the amounts sum to %s, not the price %s", amountSum.StringFixed(2), p.Price.StringFixed(2)))
		kindOK = false
	}
	if kindOK && priceOK {
		for j, t := range TrancheAmounts(p.Price, p.Milestones) {
			if t.LessThan(cent) {
				field := "share"
				if p.Milestones[j].FixedAmount != nil {
					field = "fixed_amount"
				}
				addField(errs, fmt.Sprintf("%s.milestones[%d].%s", f, j, field), TrancheTooSmall, "the milestone would pay less than one cent at this price")
			}
		}
	}
	validatePrerequisites(errs, f, p.Milestones)
}

// validatePrerequisites reports prerequisites that are not milestones of the
// schedule, and every milestone that lies on a cycle of prerequisites (a
// milestone that needs itself, directly or through others, can never be
// claimed).
func validatePrerequisites(errs *fault.Fields, f string, ms []Milestone) {
	index := map[string]int{}
	for j, m := range ms {
		if _, dup := index[m.Code]; !dup {
			index[m.Code] = j
		}
	}
	for j, m := range ms {
		for _, pre := range m.Prerequisites {
			if _, ok := index[pre]; !ok {
				addField(errs, fmt.Sprintf("%s.milestones[%d].prerequisites", f, j), PrerequisiteUnknown, "no milestone "+pre+" in this schedule")
			}
		}
	}
	// Depth-first search; a node met again while still on the stack closes a cycle.
	const (
		unvisited = iota
		onStack
		done
	)
	state := make([]int, len(ms))
	onCycle := make([]bool, len(ms))
	var stack []int
	var visit func(j int)
	visit = func(j int) {
		state[j] = onStack
		stack = append(stack, j)
		for _, pre := range ms[j].Prerequisites {
			k, ok := index[pre]
			if !ok {
				continue
			}
			switch state[k] {
			case unvisited:
				visit(k)
			case onStack:
				for n := len(stack) - 1; n >= 0; n-- {
					onCycle[stack[n]] = true
					if stack[n] == k {
						break
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[j] = done
	}
	for j := range ms {
		if state[j] == unvisited {
			visit(j)
		}
	}
	for j, on := range onCycle {
		if on {
			addField(errs, fmt.Sprintf("%s.milestones[%d].prerequisites", f, j), PrerequisiteCycle,
				"the prerequisites of "+ms[j].Code+" lead back to it")
		}
	}
}

// maxPrice returns the highest product price.
func maxPrice(products []Product) decimal.Decimal {
	m := decimal.Zero
	for _, p := range products {
		m = decimal.Max(m, p.Price)
	}
	return m
}
