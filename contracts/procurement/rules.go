package procurement

// The rules of procurement as pure functions: each takes what a use case
// loaded under its locks (or the input as typed) and returns what to write,
// or the domain error that refuses it. They touch no database and are
// table-tested without one (rules_test.go).

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

var (
	hundred = decimal.NewFromInt(100)
	ten     = decimal.NewFromInt(10)
)

// Defaults and limits of a tender.
const (
	DefaultBidValidityDays = 90
	DefaultStandstillDays  = 20
	MaxCriteria            = 20
	MaxLots                = 50
	// MinDaysAfterAmendment is how many days an amendment of the criteria
	// or lots must leave bidders before the deadline; a deadline nearer
	// than that must be moved by the same amendment.
	MinDaysAfterAmendment = 6
	// MinEvaluators is the smallest committee that may score.
	MinEvaluators = 2
)

var (
	tenderReferencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,23}$`)
	criterionCodePattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

func field(errs *fault.Fields, name string, code fault.Code, message string) {
	errs.Add(name, code.Code, message)
}

func requireText(errs *fault.Fields, name, v string, max int) {
	switch {
	case v == "":
		field(errs, name, Required, "required")
	case utf8.RuneCountInString(v) > max:
		field(errs, name, TooLong, fmt.Sprintf("at most %d characters", max))
	}
}

// requiredText trims a text that must be given and checks its length.
func requiredText(name, v string, max int) (string, error) {
	v = strings.TrimSpace(v)
	var errs fault.Fields
	requireText(&errs, name, v, max)
	return v, errs.Err()
}

func dateOnly(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// stateAt is the tender's state as its users see it at now: a published
// tender whose submission deadline has passed is closed.
func stateAt(t Tender, now time.Time) State {
	if t.State == Published && !now.Before(t.SubmissionDeadline) {
		return Closed
	}
	return t.State
}

// acceptsBids says whether a bid (or an open-house application) may be
// submitted, replaced or withdrawn at now: the server's clock, read under
// the tender's lock, against the deadline; at the deadline itself it is
// too late.
func acceptsBids(t Tender, now time.Time) error {
	switch st := stateAt(t, now); st {
	case Published:
		return nil
	case Closed:
		return fault.New(DeadlinePassed, "the deadline of tender %s passed at %s", t.Reference, t.SubmissionDeadline.Format(time.RFC3339))
	default:
		return fault.New(TenderTransition, "tender %s is %s; it takes no bids", t.Reference, st)
	}
}

// checkTender validates the terms of a tender as typed and returns them
// normalised with its criteria and lots (the lots' schedules are checked
// by contracts' rules, in the service).
func checkTender(in TenderInput) (Tender, []Criterion, []Lot, fault.Fields) {
	t := Tender{
		Reference:          strings.TrimSpace(in.Reference),
		Title:              strings.TrimSpace(in.Title),
		Description:        strings.TrimSpace(in.Description),
		Procedure:          in.Procedure,
		BudgetID:           in.BudgetID,
		PublicationDate:    dateOnly(in.PublicationDate),
		QuestionsDeadline:  in.QuestionsDeadline.UTC().Truncate(time.Microsecond),
		SubmissionDeadline: in.SubmissionDeadline.UTC().Truncate(time.Microsecond),
		BidValidityDays:    DefaultBidValidityDays,
		StandstillDays:     DefaultStandstillDays,
		ContractStart:      dateOnly(in.ContractStart),
		ContractEnd:        dateOnly(in.ContractEnd),
	}
	var errs fault.Fields
	switch {
	case t.Reference == "":
		field(&errs, "reference", Required, "the tender needs a reference")
	case !tenderReferencePattern.MatchString(t.Reference):
		field(&errs, "reference", TenderReferenceBad, "letters, digits and . _ / - (at most 24)")
	}
	requireText(&errs, "title", t.Title, 200)
	if utf8.RuneCountInString(t.Description) > 20000 {
		field(&errs, "description", TooLong, "at most 20000 characters")
	}
	if !slices.Contains(Procedures, t.Procedure) {
		field(&errs, "procedure", ProcedureUnknown, "open or open_house")
	}
	if t.BudgetID == uuid.Nil {
		field(&errs, "budget_id", Required, "choose the budget that pays")
	}
	for _, d := range []struct {
		name string
		v    time.Time
	}{{"publication_date", in.PublicationDate}, {"questions_deadline", in.QuestionsDeadline}, {"submission_deadline", in.SubmissionDeadline},
		{"contract_start", in.ContractStart}, {"contract_end", in.ContractEnd}} {
		if d.v.IsZero() {
			field(&errs, d.name, Required, "required")
		}
	}
	if !in.QuestionsDeadline.IsZero() && !in.SubmissionDeadline.IsZero() && t.QuestionsDeadline.After(t.SubmissionDeadline) {
		field(&errs, "questions_deadline", DeadlineOrder, "the question deadline must not be after the submission deadline")
	}
	if !in.ContractStart.IsZero() && !in.ContractEnd.IsZero() && t.ContractEnd.Before(t.ContractStart) {
		field(&errs, "contract_end", PeriodEndBeforeStart, "the contracts end before they start")
	}
	if in.BidValidityDays != nil {
		t.BidValidityDays = *in.BidValidityDays
		if t.BidValidityDays < 1 || t.BidValidityDays > 730 {
			field(&errs, "bid_validity_days", OutOfRange, "from 1 to 730 days")
		}
	}
	if in.StandstillDays != nil {
		t.StandstillDays = *in.StandstillDays
		if t.StandstillDays < 0 || t.StandstillDays > 365 {
			field(&errs, "standstill_days", OutOfRange, "from 0 to 365 days")
		}
	}
	criteria := checkCriteria(&errs, t.Procedure, in.Criteria)
	lots := checkLots(&errs, in.Lots)
	return t, criteria, lots, errs
}

// checkCriteria: an open tender has one price criterion and any number of
// quality criteria, weights above 0 summing to exactly 100; an open house
// has admission criteria only, without weights.
func checkCriteria(errs *fault.Fields, proc Procedure, in []CriterionInput) []Criterion {
	if len(in) == 0 {
		field(errs, "criteria", CriteriaRequired, "add the award criteria")
		return nil
	}
	if len(in) > MaxCriteria {
		field(errs, "criteria", TooMany, fmt.Sprintf("at most %d criteria", MaxCriteria))
		return nil
	}
	out := make([]Criterion, len(in))
	seen := map[string]bool{}
	prices := 0
	sum := decimal.Zero
	for i, c := range in {
		f := fmt.Sprintf("criteria[%d]", i)
		c.Code, c.Name, c.Kind = strings.TrimSpace(c.Code), strings.TrimSpace(c.Name), strings.TrimSpace(c.Kind)
		switch {
		case c.Code == "":
			field(errs, f+".code", Required, "the criterion needs a code")
		case !criterionCodePattern.MatchString(c.Code):
			field(errs, f+".code", CriterionCodeInvalid, "lower-case letters, digits and _")
		case seen[c.Code]:
			field(errs, f+".code", CriterionDuplicate, "another criterion has code "+c.Code)
		}
		seen[c.Code] = true
		requireText(errs, f+".name", c.Name, 200)
		switch {
		case proc == OpenHouse && c.Kind != AdmissionCriterion:
			field(errs, f+".kind", CriterionKindInvalid, "an open house has admission criteria only")
		case proc == Open && c.Kind != PriceCriterion && c.Kind != QualityCriterion:
			field(errs, f+".kind", CriterionKindInvalid, "price or quality")
		}
		if c.Kind == PriceCriterion {
			prices++
		}
		if proc == Open {
			if !c.Weight.IsPositive() || c.Weight.GreaterThan(hundred) || !c.Weight.Equal(c.Weight.Round(2)) {
				field(errs, f+".weight", WeightInvalid, "more than 0, at most 100, two decimals")
			}
			sum = sum.Add(c.Weight)
		} else {
			c.Weight = decimal.Zero
		}
		out[i] = Criterion{Position: i, Code: c.Code, Name: c.Name, Kind: c.Kind, Weight: c.Weight}
	}
	if proc == Open {
		if prices != 1 {
			field(errs, "criteria", PriceCriterionCount, fmt.Sprintf("exactly one price criterion; there are %d", prices))
		}
		if !sum.Equal(hundred) {
			field(errs, "criteria", WeightsNot100, "the weights sum to "+sum.String()+", not 100")
		}
	}
	return out
}

func checkLots(errs *fault.Fields, in []LotInput) []Lot {
	if len(in) == 0 {
		field(errs, "lots", LotsRequired, "add at least one lot")
		return nil
	}
	if len(in) > MaxLots {
		field(errs, "lots", TooMany, fmt.Sprintf("at most %d lots", MaxLots))
		return nil
	}
	out := make([]Lot, len(in))
	for i, l := range in {
		f := fmt.Sprintf("lots[%d]", i)
		lot := Lot{Number: i + 1, Title: strings.TrimSpace(l.Title), CategoryCode: strings.TrimSpace(l.CategoryCode),
			Volume: l.Volume, MaxPrice: l.MaxPrice, Awardees: max(l.Awardees, 1), Schedule: Schedule(l.Milestones)}
		requireText(errs, f+".title", lot.Title, 200)
		if lot.Volume < 1 || lot.Volume > 100_000 {
			field(errs, f+".volume", VolumeNotPositive, "from 1 to 100000 trajectories")
		}
		if l.Awardees < 0 || (lot.Volume >= 1 && lot.Awardees > lot.Volume) {
			field(errs, f+".awardees", AwardeesInvalid, "at least one provider, at most the volume")
		}
		switch {
		case !lot.MaxPrice.IsPositive():
			field(errs, f+".max_price", PriceNotPositive, "the maximum price must be more than zero")
		case !lot.MaxPrice.Equal(lot.MaxPrice.Round(2)):
			field(errs, f+".max_price", AmountTooPrecise, "at most two decimals")
		}
		for j, m := range l.Milestones {
			if m.FixedAmount != nil || m.Share == nil {
				field(errs, fmt.Sprintf("%s.milestones[%d].share", f, j), ScheduleSharesOnly, "give a share of the price in percent")
			}
		}
		out[i] = lot
	}
	return out
}

// budgetWarning warns when the lots could cost more than the budget has
// available: procurement may still publish (the volume is an estimate).
func budgetWarning(lots []Lot, available decimal.Decimal) []Warning {
	total := decimal.Zero
	for _, l := range lots {
		total = total.Add(l.MaxValue())
	}
	if total.GreaterThan(available) {
		return []Warning{{Code: "lots_exceed_budget", Message: fmt.Sprintf(
			"the lots' maximum value (volume × maximum price) is %s; the budget has %s available", total.StringFixed(2), available.StringFixed(2))}}
	}
	return []Warning{}
}

// changedTerms names what an amendment changes.
func changedTerms(old TenderDetail, t Tender, criteria []Criterion, lots []Lot) []string {
	var out []string
	if old.Title != t.Title || old.Description != t.Description {
		out = append(out, "description")
	}
	if !old.QuestionsDeadline.Equal(t.QuestionsDeadline) {
		out = append(out, "questions_deadline")
	}
	if !old.SubmissionDeadline.Equal(t.SubmissionDeadline) {
		out = append(out, "submission_deadline")
	}
	if !sameCriteria(old.Criteria, criteria) {
		out = append(out, "criteria")
	}
	if !sameLots(old.Lots, lots) {
		out = append(out, "lots")
	}
	if !old.ContractStart.Equal(t.ContractStart) || !old.ContractEnd.Equal(t.ContractEnd) ||
		old.BidValidityDays != t.BidValidityDays || old.StandstillDays != t.StandstillDays {
		out = append(out, "terms")
	}
	return out
}

func sameCriteria(a, b []Criterion) bool {
	return slices.EqualFunc(a, b, func(x, y Criterion) bool {
		return x.Code == y.Code && x.Name == y.Name && x.Kind == y.Kind && x.Weight.Equal(y.Weight)
	})
}

func sameLots(a, b []Lot) bool {
	return slices.EqualFunc(a, b, func(x, y Lot) bool {
		xs, _ := x.Schedule.Value()
		ys, _ := y.Schedule.Value()
		return x.Number == y.Number && x.Title == y.Title && x.CategoryCode == y.CategoryCode && x.Volume == y.Volume &&
			x.MaxPrice.Equal(y.MaxPrice) && x.Awardees == y.Awardees && xs == ys
	})
}

// planAmendment checks an amendment of a published tender at now: the
// deadline has not passed, lots are not removed, and a change to the
// criteria or lots leaves bidders MinDaysAfterAmendment days.
func planAmendment(old TenderDetail, t Tender, criteria []Criterion, lots []Lot, note string, now time.Time) ([]string, bool, error) {
	if err := acceptsBids(old.Tender, now); err != nil {
		return nil, false, err
	}
	var errs fault.Fields
	if strings.TrimSpace(note) == "" {
		field(&errs, "note", AmendmentNoteRequired, "say what changes and why")
	}
	if len(lots) < len(old.Lots) {
		field(&errs, "lots", LotRemoved, fmt.Sprintf("the tender has %d lots; an amendment keeps them all", len(old.Lots)))
	}
	if t.Procedure != old.Procedure {
		field(&errs, "procedure", ProcedureUnknown, "the procedure of a published tender does not change")
	}
	if !t.SubmissionDeadline.After(now) {
		field(&errs, "submission_deadline", DeadlineInPast, "the deadline must be in the future")
	}
	changed := changedTerms(old, t, criteria, lots)
	material := slices.Contains(changed, "criteria") || slices.Contains(changed, "lots")
	if material && t.SubmissionDeadline.Before(now.AddDate(0, 0, MinDaysAfterAmendment)) {
		field(&errs, "submission_deadline", AmendmentTooLate, fmt.Sprintf(
			"a change to the criteria or lots must leave at least %d days; move the deadline to %s or later",
			MinDaysAfterAmendment, now.AddDate(0, 0, MinDaysAfterAmendment).Format(time.RFC3339)))
	}
	if len(changed) == 0 && len(errs) == 0 {
		field(&errs, "note", AmendmentNoteRequired, "the amendment changes nothing")
	}
	return changed, material, errs.Err()
}

// ---- bids

// checkBid validates a bid for lot of a tender with criteria.
func checkBid(in BidInput, proc Procedure, lot Lot, criteria []Criterion) (fault.Fields, decimal.Decimal) {
	var errs fault.Fields
	price := in.Price
	if proc == OpenHouse {
		if !price.IsZero() && !price.Equal(lot.MaxPrice) {
			field(&errs, "price", PriceNotFixed, "the open house pays "+lot.MaxPrice.StringFixed(2)+" per trajectory")
		}
		price = lot.MaxPrice
	} else {
		switch {
		case !price.IsPositive():
			field(&errs, "price", PriceNotPositive, "the price must be more than zero")
		case !price.Equal(price.Round(2)):
			field(&errs, "price", AmountTooPrecise, "at most two decimals")
		case price.GreaterThan(lot.MaxPrice):
			field(&errs, "price", PriceAboveMaximum, "the lot's maximum is "+lot.MaxPrice.StringFixed(2))
		}
	}
	if in.Capacity < 1 || in.Capacity > 100_000 {
		field(&errs, "capacity", CapacityInvalid, "from 1 to 100000 trajectories")
	}
	switch {
	case in.VATExempt && in.VATRate != nil:
		field(&errs, "vat_rate", VATRateWithExempt, "leave the rate empty for a VAT exempt bid")
	case !in.VATExempt && in.VATRate == nil:
		field(&errs, "vat_rate", VATRateRequired, "give the VAT rate, or mark the bid VAT exempt")
	case in.VATRate != nil && (in.VATRate.IsNegative() || in.VATRate.GreaterThan(hundred) || !in.VATRate.Equal(in.VATRate.Round(2))):
		field(&errs, "vat_rate", VATRateInvalid, "between 0 and 100, at most two decimals")
	}
	if !in.Declaration {
		field(&errs, "declaration", DeclarationMissing, "declare that no exclusion ground applies")
	}
	known := map[string]bool{}
	for _, c := range criteria {
		if c.Kind == PriceCriterion {
			continue
		}
		known[c.Code] = true
		attached := slices.ContainsFunc(in.Attachments, func(a Attachment) bool { return a.Criterion == c.Code })
		if strings.TrimSpace(in.Answers[c.Code]) == "" && !attached {
			field(&errs, "answers."+c.Code, AnswerRequired, "answer "+c.Name)
		}
		if utf8.RuneCountInString(in.Answers[c.Code]) > 20000 {
			field(&errs, "answers."+c.Code, TooLong, "at most 20000 characters")
		}
	}
	for _, code := range sortedKeys(in.Answers) {
		if !known[code] {
			field(&errs, "answers."+code, CriterionUnknown, "no criterion "+code+" to answer")
		}
	}
	for i, a := range in.Attachments {
		if !known[a.Criterion] {
			field(&errs, fmt.Sprintf("attachments[%d].criterion", i), CriterionUnknown, "no criterion "+a.Criterion+" to answer")
		}
	}
	return errs, price
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ---- evaluation

// Exclusion reasons.
var ExclusionReasons = []string{"late", "above_maximum", "incomplete", "exclusion_ground"}

// PricePoints is the price criterion's points for a bid: the lowest
// admissible price gets the full weight, another max × lowest / offered,
// rounded half away from zero to two decimals.
func PricePoints(weight, lowest, offered decimal.Decimal) decimal.Decimal {
	return weight.Mul(lowest).Div(offered).Round(2)
}

// QualityPoints is a quality criterion's points for a consensus score out
// of ten: weight × score / 10, rounded to two decimals.
func QualityPoints(weight, score decimal.Decimal) decimal.Decimal {
	return weight.Mul(score).Div(ten).Round(2)
}

// Scored is an admissible bid with what ranking needs.
type Scored struct {
	BidID       uuid.UUID
	Price       decimal.Decimal
	SubmittedAt time.Time
	Consensus   map[uuid.UUID]decimal.Decimal // per quality criterion
}

// Ranked is a bid's place in its lot.
type Ranked struct {
	BidID         uuid.UUID       `json:"bid_id"`
	Rank          int             `json:"rank"`
	PricePoints   decimal.Decimal `json:"price_points"`
	QualityPoints decimal.Decimal `json:"quality_points"`
	TotalPoints   decimal.Decimal `json:"total_points"`
	Winner        bool            `json:"winner"`
	AwardedVolume int             `json:"awarded_volume,omitempty"`
}

// Rank orders a lot's admissible bids by total points; a tie goes to the
// higher quality points, then to the earlier submission (then the bid's
// id, which only a tie to the microsecond reaches).
func Rank(criteria []Criterion, bids []Scored) []Ranked {
	if len(bids) == 0 {
		return []Ranked{}
	}
	lowest := bids[0].Price
	for _, b := range bids {
		lowest = decimal.Min(lowest, b.Price)
	}
	type row struct {
		Ranked
		at time.Time
	}
	rows := make([]row, len(bids))
	for i, b := range bids {
		r := row{Ranked: Ranked{BidID: b.BidID, PricePoints: decimal.Zero, QualityPoints: decimal.Zero}, at: b.SubmittedAt}
		for _, c := range criteria {
			switch c.Kind {
			case PriceCriterion:
				r.PricePoints = PricePoints(c.Weight, lowest, b.Price)
			case QualityCriterion:
				r.QualityPoints = r.QualityPoints.Add(QualityPoints(c.Weight, b.Consensus[c.ID]))
			}
		}
		r.TotalPoints = r.PricePoints.Add(r.QualityPoints)
		rows[i] = r
	}
	slices.SortFunc(rows, func(a, b row) int {
		if c := b.TotalPoints.Cmp(a.TotalPoints); c != 0 {
			return c
		}
		if c := b.QualityPoints.Cmp(a.QualityPoints); c != 0 {
			return c
		}
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.BidID.String(), b.BidID.String())
	})
	out := make([]Ranked, len(rows))
	for i, r := range rows {
		r.Rank = i + 1
		out[i] = r.Ranked
	}
	return out
}

// AwardVolumes marks the lot's winners (the best awardees) and divides the
// lot's volume between them, the remainder going to the better ranked
// first, each capped at the capacity its bid offered.
func AwardVolumes(ranked []Ranked, awardees, volume int, capacity map[uuid.UUID]int) []Ranked {
	out := slices.Clone(ranked)
	k := min(awardees, len(out))
	for i := range k {
		share := volume / k
		if i < volume%k {
			share++
		}
		out[i].Winner = true
		out[i].AwardedVolume = max(1, min(share, capacity[out[i].BidID]))
	}
	return out
}

// standstillEnd is the last day of the standstill that starts on an
// award's approval.
func standstillEnd(approved time.Time, days int) time.Time {
	return dateOnly(approved).AddDate(0, 0, days)
}

// concludable says whether a lot's award may become contracts at now:
// after the standstill's last day, with no objection open.
func concludable(standstill time.Time, openObjections int, now time.Time) bool {
	return openObjections == 0 && dateOnly(now).After(standstill)
}

func fieldIndex(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }

func itoa(n int) string { return fmt.Sprint(n) }

func nonEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
