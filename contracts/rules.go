package contracts

// The rules of contracts, as pure functions and plans: each takes the
// values a use case loaded under its locks (or the input as typed) and
// returns what to write, or the domain error that refuses it. They touch
// no database, so they are table-tested without one (rules_test.go); the
// service methods lock, load, plan, write and audit (store.go holds the
// queries).

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

var (
	hundred = decimal.NewFromInt(100)
	cent    = decimal.New(1, -2)
)

// visible reports whether the actor may see objects of the given provider:
// municipal users see every provider's, a provider user only its own.
func visible(actor access.Actor, providerID uuid.UUID) bool {
	return !actor.IsProvider() || actor.OwnsProvider(providerID)
}

// dateOnly is the calendar date of t, as midnight UTC.
func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// addField records a field error with one of this package's codes.
func addField(errs *fault.Fields, field string, code fault.Code, message string) {
	errs.Add(field, code.Code, message)
}

// requireText checks a required, trimmed text of at most max characters.
func requireText(errs *fault.Fields, field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		addField(errs, field, Required, "required")
	case utf8.RuneCountInString(v) > max:
		addField(errs, field, TooLong, "too long")
	}
}

func fieldIndex(name string, i int) string { return name + "[" + strconv.Itoa(i) + "]" }

// ---- providers

var countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)

// provider checks the input and returns it as a Provider with normalised
// identifiers, or the field errors.
func (in ProviderInput) provider() (Provider, error) {
	p := Provider{
		KVK:          NormalizeKVK(in.KVK),
		LegalName:    strings.TrimSpace(in.LegalName),
		IBAN:         NormalizeIBAN(in.IBAN),
		BIC:          NormalizeBIC(in.BIC),
		VATNumber:    NormalizeVATNumber(in.VATNumber),
		AddressLine1: strings.TrimSpace(in.AddressLine1),
		AddressLine2: strings.TrimSpace(in.AddressLine2),
		Postcode:     strings.ToUpper(strings.TrimSpace(in.Postcode)),
		City:         strings.TrimSpace(in.City),
		Country:      strings.ToUpper(strings.TrimSpace(in.Country)),
		ContactName:  strings.TrimSpace(in.ContactName),
		ContactEmail: strings.ToLower(strings.TrimSpace(in.ContactEmail)),
		ContactPhone: strings.TrimSpace(in.ContactPhone),
	}
	if p.Country == "" {
		p.Country = "NL"
	}
	var errs fault.Fields
	switch {
	case p.KVK == "":
		addField(&errs, "kvk", Required, "the KvK number is required")
	case !ValidKVK(p.KVK):
		addField(&errs, "kvk", KVKInvalid, "a KvK number is 8 digits")
	}
	requireText(&errs, "legal_name", p.LegalName, 200)
	switch {
	case p.IBAN == "":
		addField(&errs, "iban", Required, "the IBAN is required to pay the provider")
	case !ValidIBAN(p.IBAN):
		addField(&errs, "iban", IBANInvalid, "not a valid IBAN; check the country, length and check digits")
	}
	if p.BIC != "" && !ValidBIC(p.BIC) {
		addField(&errs, "bic", BICInvalid, "a BIC is 8 or 11 letters and digits, like RABONL2U")
	}
	if p.VATNumber != "" && !ValidVATNumber(p.VATNumber) {
		addField(&errs, "vat_number", VATNumberInvalid, "a Dutch VAT number looks like NL123456789B01")
	}
	if !countryPattern.MatchString(p.Country) {
		addField(&errs, "country", CountryInvalid, "a two-letter country code such as NL, DE or BE")
	}
	if p.ContactEmail != "" {
		if a, err := mail.ParseAddress(p.ContactEmail); err != nil || a.Address != p.ContactEmail {
			addField(&errs, "contact_email", EmailInvalid, "not an email address")
		}
	}
	for _, f := range []struct{ field, v string }{{"address_line1", p.AddressLine1}, {"address_line2", p.AddressLine2},
		{"postcode", p.Postcode}, {"city", p.City}, {"contact_name", p.ContactName}, {"contact_phone", p.ContactPhone}} {
		if utf8.RuneCountInString(f.v) > 200 {
			addField(&errs, f.field, TooLong, "at most 200 characters")
		}
	}
	return p, errs.Err()
}

// ---- service categories

var categoryCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// category checks the input and returns it as a Category, or the field
// errors. The code is checked only when checkCode: an update keeps the code.
func (in CategoryInput) category(checkCode bool) (Category, error) {
	c := Category{
		Code:   strings.TrimSpace(in.Code),
		NameNL: strings.TrimSpace(in.NameNL),
		NameEN: strings.TrimSpace(in.NameEN),
		NameDE: strings.TrimSpace(in.NameDE),
		Active: in.Active,
	}
	var errs fault.Fields
	if checkCode && !categoryCodePattern.MatchString(c.Code) {
		addField(&errs, "code", CategoryCodeInvalid, "lower-case letters, digits and underscores, 2 to 40, starting with a letter")
	}
	requireText(&errs, "name_nl", c.NameNL, 100)
	requireText(&errs, "name_en", c.NameEN, 100)
	requireText(&errs, "name_de", c.NameDE, 100)
	c.OutcomeDomains = Codes{}
	for _, d := range OutcomeDomains { // stored in the fixed display order, without repeats
		if slices.Contains(in.OutcomeDomains, d) {
			c.OutcomeDomains = append(c.OutcomeDomains, d)
		}
	}
	for i, d := range in.OutcomeDomains {
		if !slices.Contains(OutcomeDomains, d) {
			addField(&errs, fieldIndex("outcome_domains", i), OutcomeDomainUnknown, "choose from intake, language, social, labour, participation")
		}
	}
	if len(c.OutcomeDomains) == 0 && len(in.OutcomeDomains) == 0 {
		addField(&errs, "outcome_domains", Required, "choose at least one outcome domain")
	}
	return c, errs.Err()
}

// ---- contracts: terms

var referencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

// check validates the input against the known categories and returns the
// contract's terms and products, normalised, or the field errors.
func (in ContractInput) check(categories map[string]Category) (Contract, []Product, error) {
	c := Contract{
		ProviderID:  in.ProviderID,
		Reference:   strings.TrimSpace(in.Reference),
		Title:       strings.TrimSpace(in.Title),
		PeriodStart: dateOnly(in.PeriodStart),
		PeriodEnd:   dateOnly(in.PeriodEnd),
		Ceiling:     in.Ceiling,
		Capacity:    in.Capacity,
		VATExempt:   in.VATExempt,
		VATRate:     in.VATRate,
		BudgetID:    in.BudgetID,
	}
	products := normalizeProducts(in.Products)
	var errs fault.Fields
	if c.ProviderID == uuid.Nil {
		addField(&errs, "provider_id", Required, "choose a provider")
	}
	switch {
	case c.Reference == "":
		addField(&errs, "reference", Required, "the contract needs a reference")
	case !referencePattern.MatchString(c.Reference):
		addField(&errs, "reference", ReferenceInvalid, "letters, digits and . _ / - (at most 40)")
	}
	if utf8.RuneCountInString(c.Title) > 200 {
		addField(&errs, "title", TooLong, "at most 200 characters")
	}
	checkPeriod(&errs, c.PeriodStart, c.PeriodEnd, in.PeriodStart.IsZero(), in.PeriodEnd.IsZero())
	checkCeiling(&errs, c.Ceiling, products)
	checkCapacity(&errs, c.Capacity)
	switch {
	case c.VATExempt && c.VATRate != nil:
		addField(&errs, "vat_rate", VATRateWithExempt, "leave the rate empty for a VAT exempt contract")
	case !c.VATExempt && c.VATRate == nil:
		addField(&errs, "vat_rate", VATRateRequired, "give the VAT rate, or mark the contract VAT exempt")
	case c.VATRate != nil && (c.VATRate.IsNegative() || c.VATRate.GreaterThan(hundred) || !c.VATRate.Equal(c.VATRate.Round(2))):
		addField(&errs, "vat_rate", VATRateInvalid, "between 0 and 100, at most two decimals")
	}
	validateProducts(&errs, products, categories)
	return c, products, errs.Err()
}

func checkPeriod(errs *fault.Fields, start, end time.Time, startMissing, endMissing bool) {
	if startMissing {
		addField(errs, "period_start", Required, "the start date is required")
	}
	if endMissing {
		addField(errs, "period_end", Required, "the end date is required")
	}
	if !startMissing && !endMissing && end.Before(start) {
		addField(errs, "period_end", PeriodEndBeforeStart, "the period ends before it starts")
	}
}

func checkCeiling(errs *fault.Fields, ceiling decimal.Decimal, products []Product) {
	switch {
	case !ceiling.IsPositive():
		addField(errs, "ceiling", CeilingNotPositive, "the ceiling must be more than zero")
	case !ceiling.Equal(ceiling.Round(2)):
		addField(errs, "ceiling", AmountTooPrecise, "at most two decimals")
	case ceiling.LessThan(maxPrice(products)):
		addField(errs, "ceiling", CeilingBelowPrice,
			fmt.Sprintf("the ceiling %s does not cover one trajectory of %s", ceiling.StringFixed(2), maxPrice(products).StringFixed(2)))
	}
}

// checkCapacity checks the number of trajectories a contract takes.
func checkCapacity(errs *fault.Fields, capacity int) {
	if capacity <= 0 {
		addField(errs, "capacity", CapacityNotPositive, "at least one trajectory")
	}
	if capacity > MaxCapacity {
		addField(errs, "capacity", OutOfRange, fmt.Sprintf("at most %d trajectories", MaxCapacity))
	}
}

// planCreate checks a new draft contract and returns it with its first
// version and that version's products, ready to store. The contract's
// current version is set once the version is stored (the two rows refer to
// each other).
func planCreate(in ContractInput, categories map[string]Category, now time.Time) (Contract, Version, error) {
	c, products, err := in.check(categories)
	if err != nil {
		return Contract{}, Version{}, err
	}
	c.ID = uuid.Must(uuid.NewV7())
	c.Status = Draft
	c.CreatedAt, c.UpdatedAt = now, now
	v := Version{ID: uuid.Must(uuid.NewV7()), ContractID: c.ID, Number: 1, CreatedAt: now}
	v.Products = planProducts(v.ID, products)
	return c, v, nil
}

// planDraftUpdate checks new terms for the draft current and returns the
// contract's new terms and its first version's new products.
func planDraftUpdate(current Contract, in ContractInput, categories map[string]Category, now time.Time) (Contract, []Product, error) {
	if current.Status != Draft {
		return Contract{}, nil, fault.New(ContractNotDraft, "contract %s is %s; amend it instead", current.Reference, current.Status)
	}
	c, products, err := in.check(categories)
	if err != nil {
		return Contract{}, nil, err
	}
	c.ID, c.Status, c.CreatedAt, c.UpdatedAt = current.ID, Draft, current.CreatedAt, now
	return c, planProducts(*current.CurrentVersionID, products), nil
}

func validStatus(st Status) bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// checkStatusFilter refuses a list filter on a status that does not exist.
func checkStatusFilter(st Status) error {
	if st != "" && !validStatus(st) {
		return fault.Invalid(fault.Field("status", "status_unknown", "choose from draft, active, suspended, ended"))
	}
	return nil
}

// scopeContracts narrows a list filter to what actor may see: a provider
// user sees only its own contracts, whatever the filter says. It reports
// false when the filter asks for another provider's contracts (the list
// is then empty).
func scopeContracts(actor access.Actor, f ContractFilter) (ContractFilter, bool) {
	if actor.IsProvider() {
		if f.ProviderID != nil && !actor.OwnsProvider(*f.ProviderID) {
			return f, false
		}
		f.ProviderID = actor.ProviderID
	}
	return f, true
}

// ---- contracts: states

// allowed lists the statuses a contract may move to from each status.
var allowed = map[Status][]Status{
	Draft:     {Active},
	Active:    {Suspended, Ended},
	Suspended: {Active, Ended},
}

// transitionPlan is what moving a contract to another status writes.
type transitionPlan struct {
	Columns map[string]any // the contract's columns to update
	Action  string         // the audit action
	// Activate: a draft goes into force. Its budget must have money
	// available (checkBudgetAvailable) and its first version is frozen.
	Activate bool
}

// planTransition checks that contract c may move to status to, at now,
// and returns what to write. A draft is activated only when it names the
// budget that pays for it.
func planTransition(c Contract, to Status, now time.Time) (transitionPlan, error) {
	if !slices.Contains(allowed[c.Status], to) {
		return transitionPlan{}, fault.New(ContractTransition, "contract %s is %s and cannot become %s", c.Reference, c.Status, to)
	}
	p := transitionPlan{Columns: map[string]any{"status": to, "updated_at": now},
		Action: map[Status]string{Active: "contract.activate", Suspended: "contract.suspend", Ended: "contract.end"}[to]}
	switch {
	case c.Status == Draft:
		if err := checkBudgetNamed(c); err != nil {
			return transitionPlan{}, err
		}
		p.Activate = true
		p.Columns["activated_at"] = now
	case c.Status == Suspended && to == Active:
		p.Action = "contract.resume"
	case to == Ended:
		p.Columns["ended_at"] = now
	}
	return p, nil
}

// checkBudgetNamed refuses to activate a contract that names no budget:
// its trajectories could never be committed, so the first start would fail
// instead of the activation.
func checkBudgetNamed(c Contract) error {
	if c.BudgetID == nil {
		return fault.New(ContractBudgetMissing, "contract %s names no budget; choose the budget that pays for it before activating", c.Reference)
	}
	return nil
}

// checkBudgetAvailable refuses to activate a contract whose budget has no
// money available, for the same reason.
func checkBudgetAvailable(c Contract, available decimal.Decimal) error {
	if !available.IsPositive() {
		return fault.New(ContractBudgetEmpty, "the budget of contract %s has no money available; allocate funding to it before activating", c.Reference)
	}
	return nil
}

// ---- amendments

// amendPlan is what an amendment writes: a new, frozen version with
// products, and the contract's new terms.
type amendPlan struct {
	Version   Version // numbered after the last one, with its products
	Ceiling   decimal.Decimal
	Capacity  int
	PeriodEnd time.Time
}

// planAmendment checks amendment a of contract c, whose last version has
// number last, against the known categories, and returns what to write.
// Only an active or suspended contract is amended; a draft is edited.
func planAmendment(c Contract, last int, a Amendment, categories map[string]Category, now time.Time) (amendPlan, error) {
	if c.Status != Active && c.Status != Suspended {
		return amendPlan{}, fault.New(ContractTransition, "contract %s is %s; only an active or suspended contract is amended (edit a draft directly)", c.Reference, c.Status)
	}
	products := normalizeProducts(a.Products)
	p := amendPlan{Ceiling: c.Ceiling, Capacity: c.Capacity, PeriodEnd: c.PeriodEnd}
	if a.Ceiling != nil {
		p.Ceiling = *a.Ceiling
	}
	if a.Capacity != nil {
		p.Capacity = *a.Capacity
	}
	if a.PeriodEnd != nil {
		p.PeriodEnd = dateOnly(*a.PeriodEnd)
	}
	note := strings.TrimSpace(a.Note)
	var errs fault.Fields
	if utf8.RuneCountInString(note) > 1000 {
		addField(&errs, "note", TooLong, "at most 1000 characters")
	}
	checkPeriod(&errs, c.PeriodStart, p.PeriodEnd, false, false)
	checkCeiling(&errs, p.Ceiling, products)
	checkCapacity(&errs, p.Capacity)
	validateProducts(&errs, products, categories)
	if err := errs.Err(); err != nil {
		return amendPlan{}, err
	}
	p.Version = Version{ID: uuid.Must(uuid.NewV7()), ContractID: c.ID, Number: last + 1, Note: note, CreatedAt: now}
	p.Version.Products = planProducts(p.Version.ID, products)
	return p, nil
}

// ---- products and schedules

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
		validateProduct(errs, fmt.Sprintf("products[%d]", i), p, categories, seen)
	}
}

func validateProduct(errs *fault.Fields, f string, p Product, categories map[string]Category, seen map[string]bool) {
	checkCode(errs, f+".code", p.Code, "product", seen, ProductCodeDuplicate)
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

// checkCode checks the code of one product or milestone (what) and notes it
// in seen, so that a second one with the same code gets duplicate.
func checkCode(errs *fault.Fields, field, code, what string, seen map[string]bool, duplicate fault.Code) {
	switch {
	case code == "":
		addField(errs, field, Required, "the "+what+" needs a code")
	case !codePattern.MatchString(code):
		addField(errs, field, CodeInvalid, "letters, digits and . _ - (at most 40)")
	case seen[code]:
		addField(errs, field, duplicate, "another "+what+" has code "+code)
	}
	seen[code] = true
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
		checkCode(errs, mf+".code", m.Code, "milestone", codes, MilestoneCodeDuplicate)
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

// planProducts numbers products (checked and normalised) for a version:
// new IDs, positions in the given order, and each milestone's tranche
// amount (TrancheAmounts).
func planProducts(versionID uuid.UUID, products []Product) []Product {
	out := make([]Product, len(products))
	for i, p := range products {
		p.ID = uuid.Must(uuid.NewV7())
		p.VersionID = versionID
		p.Position = i
		ms := make([]Milestone, len(p.Milestones))
		tranches := TrancheAmounts(p.Price, p.Milestones)
		for j, m := range p.Milestones {
			m.ID = uuid.Must(uuid.NewV7())
			m.ProductID = p.ID
			m.Position = j
			m.Tranche = tranches[j]
			if m.Prerequisites == nil {
				m.Prerequisites = Codes{}
			}
			if m.EvidenceKinds == nil {
				m.EvidenceKinds = Codes{}
			}
			ms[j] = m
		}
		p.Milestones = ms
		out[i] = p
	}
	return out
}

// ---- the ceiling, alerts and starts

// AlertLevel is the exposure at which a contract with this ceiling raises
// its spending alert.
func AlertLevel(ceiling decimal.Decimal) decimal.Decimal {
	return ceiling.Mul(decimal.NewFromInt(AlertThresholdPercent)).Div(hundred)
}

// SpendingOf adds up the pooling figures of one contract against its ceiling.
func SpendingOf(ceiling, committed, payable, paid decimal.Decimal) Spending {
	exp := committed.Add(payable).Add(paid)
	s := Spending{Ceiling: ceiling, Committed: committed, Payable: payable, Paid: paid, Exposure: exp,
		Available: decimal.Max(decimal.Zero, ceiling.Sub(exp))}
	if ceiling.IsPositive() {
		s.Percent = exp.Mul(hundred).Div(ceiling).Round(1)
		s.Alerted = exp.GreaterThanOrEqual(AlertLevel(ceiling))
	}
	return s
}

// CheckStart returns an error unless a trajectory may start under the
// contract on the given date: the contract is active and the date lies in
// its period.
func (t StartTerms) CheckStart(on time.Time) error {
	if t.Status != Active {
		return fault.New(ContractNotActive, "the contract is %s", t.Status)
	}
	d := dateOnly(on)
	if d.Before(t.PeriodStart) || d.After(t.PeriodEnd) {
		return fault.New(ContractOutsidePeriod, "%s is outside the contract period %s – %s",
			d.Format(time.DateOnly), t.PeriodStart.Format(time.DateOnly), t.PeriodEnd.Format(time.DateOnly))
	}
	return nil
}

// checkExposure refuses a negative exposure handed to NoteSpending.
func checkExposure(exposure decimal.Decimal) error {
	if exposure.IsNegative() {
		return fault.New(fault.InvalidInput, "exposure %s is negative", exposure.StringFixed(2))
	}
	return nil
}

// planAlert returns the spending alert a contract with ceiling raises at
// exposure, at now, and whether it raises one: from AlertLevel on.
func planAlert(contractID uuid.UUID, exposure, ceiling decimal.Decimal, now time.Time) (Alert, bool) {
	if exposure.LessThan(AlertLevel(ceiling)) {
		return Alert{}, false
	}
	return Alert{ID: uuid.Must(uuid.NewV7()), ContractID: contractID, ThresholdPercent: AlertThresholdPercent,
		Exposure: exposure.Round(2), Ceiling: ceiling, RaisedAt: now}, true
}

// checkAcknowledge refuses to acknowledge an alert twice.
func checkAcknowledge(a Alert) error {
	if a.AcknowledgedAt != nil {
		return fault.New(AlertAlreadyAcknowledged, "the alert was acknowledged on %s", a.AcknowledgedAt.Format(time.DateOnly))
	}
	return nil
}
