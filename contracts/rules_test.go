package contracts

// Table tests of the rules in rules.go. None of them touches the database:
// the rules take values and return values or a domain error. Run them
// alone with go test -run 'TestRule|TestPlan' ./contracts/.

import (
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// wantRule fails t unless err carries code, as its own code or as the code
// of one of its fields (or is nil when code is the zero Code).
func wantRule(t *testing.T, name string, err error, code fault.Code) {
	t.Helper()
	if code.Code == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %s", name, describe(err))
		}
		return
	}
	e, ok := fault.As(err)
	if !ok {
		t.Errorf("%s: error %v, want %s", name, err, code.Code)
		return
	}
	if e.Code.Code == code.Code {
		return
	}
	for _, f := range e.Fields {
		if f.Code == code.Code {
			return
		}
	}
	t.Errorf("%s: error %s, want %s", name, describe(err), code.Code)
}

// ruleCategories are the categories the rules are checked against.
var ruleCategories = map[string]Category{
	"language":      {Code: "language", OutcomeDomains: Codes{DomainIntake, DomainLanguage, DomainParticipation}, Active: true},
	"reintegration": {Code: "reintegration", OutcomeDomains: Codes{DomainIntake, DomainLabour}, Active: true},
	"retired":       {Code: "retired", OutcomeDomains: Codes{DomainIntake, DomainLanguage, DomainParticipation}, Active: false},
}

var (
	ruleProviderID = uuid.MustParse("0190d5e0-0000-7000-8000-0000000000a1")
	ruleBudgetID   = uuid.MustParse("0190d5e0-0000-7000-8000-0000000000b1")
	ruleNow        = time.Date(2005, 3, 1, 9, 30, 0, 0, time.UTC)
)

func TestRuleProviderInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ProviderInput)
		field  string
		code   fault.Code
	}{
		{"valid", func(*ProviderInput) {}, "", fault.Code{}},
		{"no KvK number", func(in *ProviderInput) { in.KVK = "  " }, "kvk", Required},
		{"KvK number of seven digits", func(in *ProviderInput) { in.KVK = "1234567" }, "kvk", KVKInvalid},
		{"no legal name", func(in *ProviderInput) { in.LegalName = "" }, "legal_name", Required},
		{"legal name too long", func(in *ProviderInput) { in.LegalName = strings.Repeat("ş", 201) }, "legal_name", TooLong},
		{"no IBAN", func(in *ProviderInput) { in.IBAN = "" }, "iban", Required},
		{"IBAN with a wrong check digit", func(in *ProviderInput) { in.IBAN = "NL92 ABNA 0417 1643 00" }, "iban", IBANInvalid},
		{"BIC of six letters", func(in *ProviderInput) { in.BIC = "ABNANL" }, "bic", BICInvalid},
		{"VAT number of another form", func(in *ProviderInput) { in.VATNumber = "NL1234" }, "vat_number", VATNumberInvalid},
		{"three-letter country", func(in *ProviderInput) { in.Country = "NLD" }, "country", CountryInvalid},
		{"contact email without a domain", func(in *ProviderInput) { in.ContactEmail = "ayse@" }, "contact_email", EmailInvalid},
		{"city too long", func(in *ProviderInput) { in.City = strings.Repeat("a", 201) }, "city", TooLong},
	}
	for _, tt := range tests {
		in := providerInput("12345678", "Taalhuis Twente")
		tt.change(&in)
		_, err := in.provider()
		wantRule(t, tt.name, err, tt.code)
		if tt.field != "" && !hasField(err, tt.field, tt.code) {
			t.Errorf("%s: %s, want %s on %s", tt.name, describe(err), tt.code.Code, tt.field)
		}
	}

	// Identifiers are stored normalised, the country defaults to NL.
	p, err := providerInput(" 12345678 ", " Taalhuis ").provider()
	if err != nil {
		t.Fatal(err)
	}
	if p.KVK != "12345678" || p.LegalName != "Taalhuis" || p.IBAN != "NL91ABNA0417164300" || p.BIC != "ABNANL2A" ||
		p.Country != "NL" || p.ContactEmail != "contact@taalhuis.example" || p.Postcode != "7534 AA" {
		t.Errorf("normalised provider = %+v", p)
	}
}

func TestRuleCategoryInput(t *testing.T) {
	valid := CategoryInput{Code: "budget_coaching", NameNL: "Budgetcoaching", NameEN: "Budget coaching", NameDE: "Budgetberatung",
		OutcomeDomains: []string{DomainSocial, DomainIntake, DomainSocial}, Active: true}
	tests := []struct {
		name      string
		change    func(*CategoryInput)
		checkCode bool
		code      fault.Code
	}{
		{"valid", func(*CategoryInput) {}, true, fault.Code{}},
		{"code with a capital", func(in *CategoryInput) { in.Code = "Budget" }, true, CategoryCodeInvalid},
		{"code of one letter", func(in *CategoryInput) { in.Code = "b" }, true, CategoryCodeInvalid},
		{"the code is not checked on update", func(in *CategoryInput) { in.Code = "" }, false, fault.Code{}},
		{"no German name", func(in *CategoryInput) { in.NameDE = " " }, true, Required},
		{"unknown outcome domain", func(in *CategoryInput) { in.OutcomeDomains = []string{"astrology"} }, true, OutcomeDomainUnknown},
		{"no outcome domain", func(in *CategoryInput) { in.OutcomeDomains = nil }, true, Required},
	}
	for _, tt := range tests {
		in := valid
		tt.change(&in)
		_, err := in.category(tt.checkCode)
		wantRule(t, tt.name, err, tt.code)
	}
	c, err := valid.category(true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.OutcomeDomains, ",") != "intake,social" {
		t.Errorf("domains = %v, want intake,social (display order, no repeats)", c.OutcomeDomains)
	}
}

func TestRuleContractInput(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ContractInput)
		field  string
		code   fault.Code
	}{
		{"valid", func(*ContractInput) {}, "", fault.Code{}},
		{"no provider", func(in *ContractInput) { in.ProviderID = uuid.Nil }, "provider_id", Required},
		{"no reference", func(in *ContractInput) { in.Reference = " " }, "reference", Required},
		{"reference with a space", func(in *ContractInput) { in.Reference = "ENS 2005" }, "reference", ReferenceInvalid},
		{"title too long", func(in *ContractInput) { in.Title = strings.Repeat("t", 201) }, "title", TooLong},
		{"no start date", func(in *ContractInput) { in.PeriodStart = time.Time{} }, "period_start", Required},
		{"period ends before it starts", func(in *ContractInput) { in.PeriodEnd = day("2004-12-31") }, "period_end", PeriodEndBeforeStart},
		{"zero ceiling", func(in *ContractInput) { in.Ceiling = decimal.Zero }, "ceiling", CeilingNotPositive},
		{"ceiling of three decimals", func(in *ContractInput) { in.Ceiling = dec("100000.005") }, "ceiling", AmountTooPrecise},
		{"ceiling below one trajectory", func(in *ContractInput) { in.Ceiling = dec("2450.54") }, "ceiling", CeilingBelowPrice},
		{"ceiling of exactly one trajectory", func(in *ContractInput) { in.Ceiling = dec("2450.55") }, "", fault.Code{}},
		{"no capacity", func(in *ContractInput) { in.Capacity = 0 }, "capacity", CapacityNotPositive},
		{"capacity beyond the limit", func(in *ContractInput) { in.Capacity = MaxCapacity + 1 }, "capacity", OutOfRange},
		{"VAT exempt with a rate", func(in *ContractInput) { in.VATRate = decp("21") }, "vat_rate", VATRateWithExempt},
		{"neither exempt nor a rate", func(in *ContractInput) { in.VATExempt = false }, "vat_rate", VATRateRequired},
		{"rate above 100", func(in *ContractInput) { in.VATExempt, in.VATRate = false, decp("100.01") }, "vat_rate", VATRateInvalid},
		{"rate of three decimals", func(in *ContractInput) { in.VATExempt, in.VATRate = false, decp("21.005") }, "vat_rate", VATRateInvalid},
		{"rate of 21", func(in *ContractInput) { in.VATExempt, in.VATRate = false, decp("21") }, "", fault.Code{}},
		{"no products", func(in *ContractInput) { in.Products = nil }, "products", ProductsRequired},
		{"too many products", func(in *ContractInput) {
			in.Products = make([]Product, MaxProducts+1)
		}, "products", TooMany},
	}
	for _, tt := range tests {
		in := contractInput(ruleProviderID, "ENS-2005-01")
		tt.change(&in)
		_, _, err := in.check(ruleCategories)
		wantRule(t, tt.name, err, tt.code)
		if tt.field != "" && !hasField(err, tt.field, tt.code) {
			t.Errorf("%s: %s, want %s on %s", tt.name, describe(err), tt.code.Code, tt.field)
		}
	}
}

func TestRuleSchedule(t *testing.T) {
	const ms = "products[0].milestones"
	tests := []struct {
		name   string
		change func(*Product)
		field  string
		code   fault.Code
	}{
		{"valid", func(*Product) {}, "", fault.Code{}},
		{"shares sum to 99", func(p *Product) { p.Milestones[0].Share = decp("9") }, ms, ShareSum},
		{"a share and a fixed amount", func(p *Product) { p.Milestones[1].FixedAmount = decp("10.00") }, ms + "[1].share", ScheduleMixed},
		{"shares and fixed amounts mixed", func(p *Product) {
			p.Milestones[0].Share, p.Milestones[0].FixedAmount = nil, decp("245.06")
		}, ms, ScheduleMixed},
		{"share above 100", func(p *Product) { p.Milestones[0].Share = decp("100.5") }, ms + "[0].share", ShareInvalid},
		{"share of three decimals", func(p *Product) { p.Milestones[0].Share = decp("10.001") }, ms + "[0].share", ShareInvalid},
		{"two milestones with one code", func(p *Product) { p.Milestones[2].Code = "a2" }, ms + "[2].code", MilestoneCodeDuplicate},
		{"milestone code with a space", func(p *Product) { p.Milestones[0].Code = "in take" }, ms + "[0].code", CodeInvalid},
		{"unknown outcome domain", func(p *Product) { p.Milestones[0].OutcomeDomain = "astrology" }, ms + "[0].outcome_domain", OutcomeDomainUnknown},
		{"domain not of the category", func(p *Product) { p.Milestones[0].OutcomeDomain = DomainLabour }, ms + "[0].outcome_domain", DomainNotInCategory},
		{"unknown category", func(p *Product) { p.CategoryCode = "astrology" }, "products[0].category_code", CategoryUnknown},
		{"retired category", func(p *Product) { p.CategoryCode = "retired" }, "products[0].category_code", CategoryInactive},
		{"zero price", func(p *Product) { p.Price = decimal.Zero }, "products[0].price", PriceNotPositive},
		{"no milestones", func(p *Product) { p.Milestones = nil }, "products[0].milestones", ScheduleEmpty},
		{"deadline of zero months", func(p *Product) { p.Milestones[1].DeadlineMonths = 0 }, ms + "[1].deadline_months", DeadlineNotPositive},
		{"deadline beyond the limit", func(p *Product) { p.Milestones[1].DeadlineMonths = MaxDeadlineMonths + 1 }, ms + "[1].deadline_months", OutOfRange},
		{"evidence kind with a capital", func(p *Product) { p.Milestones[1].EvidenceKinds = Codes{"Exam"} }, ms + "[1].evidence_kinds[0]", EvidenceKindInvalid},
		{"unknown prerequisite", func(p *Product) { p.Milestones[3].Prerequisites = Codes{"b1"} }, ms + "[3].prerequisites", PrerequisiteUnknown},
		{"prerequisites in a cycle", func(p *Product) { p.Milestones[0].Prerequisites = Codes{"participation"} }, ms + "[0].prerequisites", PrerequisiteCycle},
		{"a milestone that needs itself", func(p *Product) { p.Milestones[2].Prerequisites = Codes{"knm"} }, ms + "[2].prerequisites", PrerequisiteCycle},
		{"a share that pays less than a cent", func(p *Product) {
			p.Price = dec("0.10")
			p.Milestones[0].Share, p.Milestones[1].Share = decp("1"), decp("49")
		}, ms + "[0].share", TrancheTooSmall},
	}
	for _, tt := range tests {
		p := languageProduct("2450.55")
		tt.change(&p)
		var errs fault.Fields
		validateProducts(&errs, normalizeProducts([]Product{p}), ruleCategories)
		err := errs.Err()
		wantRule(t, tt.name, err, tt.code)
		if tt.field != "" && !hasField(err, tt.field, tt.code) {
			t.Errorf("%s: %s, want %s on %s", tt.name, describe(err), tt.code.Code, tt.field)
		}
	}
}

func TestRuleFixedAmounts(t *testing.T) {
	fixed := func(amounts ...string) Product {
		p := reintegrationProduct("3000.00")
		for i := range p.Milestones {
			p.Milestones[i].Share, p.Milestones[i].FixedAmount = nil, decp(amounts[i])
		}
		return p
	}
	tests := []struct {
		name string
		p    Product
		code fault.Code
	}{
		{"amounts sum to the price", fixed("450.00", "1050.00", "1500.00"), fault.Code{}},
		{"amounts sum below the price", fixed("450.00", "1050.00", "1499.99"), AmountSum},
		{"an amount of three decimals", fixed("450.005", "1050.00", "1499.995"), AmountTooPrecise},
		{"a negative amount", fixed("-50.00", "1550.00", "1500.00"), PriceNotPositive},
	}
	for _, tt := range tests {
		var errs fault.Fields
		validateProducts(&errs, []Product{tt.p}, ruleCategories)
		wantRule(t, tt.name, errs.Err(), tt.code)
	}
}

func TestPlanCreate(t *testing.T) {
	in := contractInput(ruleProviderID, " ENS-2005-01 ")
	in.BudgetID = &ruleBudgetID
	in.PeriodStart = time.Date(2005, 1, 1, 15, 4, 0, 0, time.UTC)
	c, v, err := planCreate(in, ruleCategories, ruleNow)
	if err != nil {
		t.Fatal(describe(err))
	}
	if c.Status != Draft || c.Reference != "ENS-2005-01" || c.ID == uuid.Nil || !c.CreatedAt.Equal(ruleNow) ||
		!c.PeriodStart.Equal(day("2005-01-01")) || c.CurrentVersionID != nil {
		t.Errorf("contract = %+v", c)
	}
	if v.ContractID != c.ID || v.Number != 1 || v.FrozenAt != nil || len(v.Products) != 1 {
		t.Fatalf("version = %+v", v)
	}
	p := v.Products[0]
	if p.VersionID != v.ID || p.Position != 0 || p.ID == uuid.Nil {
		t.Errorf("product = %+v", p)
	}
	sum := decimal.Zero
	for j, m := range p.Milestones {
		if m.ProductID != p.ID || m.Position != j || m.ID == uuid.Nil || m.Prerequisites == nil || m.EvidenceKinds == nil {
			t.Errorf("milestone %d = %+v", j, m)
		}
		sum = sum.Add(m.Tranche)
	}
	if want := []string{"245.06", "980.22", "490.11", "735.16"}; p.Milestones[0].Tranche.StringFixed(2) != want[0] ||
		p.Milestones[3].Tranche.StringFixed(2) != want[3] || !sum.Equal(dec("2450.55")) {
		t.Errorf("tranches %v sum to %s, want %v summing to the price", p.Milestones, sum, want)
	}

	in.Products = nil
	_, _, err = planCreate(in, ruleCategories, ruleNow)
	wantRule(t, "create without products", err, ProductsRequired)
}

func TestPlanDraftUpdate(t *testing.T) {
	version := uuid.Must(uuid.NewV7())
	draft := Contract{ID: uuid.Must(uuid.NewV7()), Reference: "ENS-2005-01", Status: Draft, CreatedAt: ruleNow.Add(-time.Hour), CurrentVersionID: &version}
	in := contractInput(ruleProviderID, "ENS-2005-02")
	c, products, err := planDraftUpdate(draft, in, ruleCategories, ruleNow)
	if err != nil {
		t.Fatal(describe(err))
	}
	if c.ID != draft.ID || c.Status != Draft || !c.CreatedAt.Equal(draft.CreatedAt) || !c.UpdatedAt.Equal(ruleNow) || c.Reference != "ENS-2005-02" {
		t.Errorf("updated = %+v", c)
	}
	if len(products) != 1 || products[0].VersionID != version {
		t.Errorf("products = %+v, want one under the draft's version", products)
	}
	for _, st := range []Status{Active, Suspended, Ended} {
		active := draft
		active.Status = st
		_, _, err := planDraftUpdate(active, in, ruleCategories, ruleNow)
		wantRule(t, "update a "+string(st)+" contract", err, ContractNotDraft)
	}
}

func TestPlanTransition(t *testing.T) {
	contract := func(st Status, budget *uuid.UUID) Contract {
		return Contract{ID: uuid.Must(uuid.NewV7()), Reference: "ENS-2005-01", Status: st, BudgetID: budget}
	}
	tests := []struct {
		name     string
		c        Contract
		to       Status
		code     fault.Code
		action   string
		activate bool
		stamp    string // the column stamped with now, besides updated_at
	}{
		{"activate a draft", contract(Draft, &ruleBudgetID), Active, fault.Code{}, "contract.activate", true, "activated_at"},
		{"activate a draft without a budget", contract(Draft, nil), Active, ContractBudgetMissing, "", false, ""},
		{"suspend a draft", contract(Draft, &ruleBudgetID), Suspended, ContractTransition, "", false, ""},
		{"end a draft", contract(Draft, &ruleBudgetID), Ended, ContractTransition, "", false, ""},
		{"suspend an active contract", contract(Active, &ruleBudgetID), Suspended, fault.Code{}, "contract.suspend", false, ""},
		{"activate an active contract", contract(Active, &ruleBudgetID), Active, ContractTransition, "", false, ""},
		{"resume a suspended contract", contract(Suspended, &ruleBudgetID), Active, fault.Code{}, "contract.resume", false, ""},
		{"resume a suspended contract that lost its budget", contract(Suspended, nil), Active, fault.Code{}, "contract.resume", false, ""},
		{"end an active contract", contract(Active, &ruleBudgetID), Ended, fault.Code{}, "contract.end", false, "ended_at"},
		{"end a suspended contract", contract(Suspended, &ruleBudgetID), Ended, fault.Code{}, "contract.end", false, "ended_at"},
		{"reopen an ended contract", contract(Ended, &ruleBudgetID), Active, ContractTransition, "", false, ""},
		{"suspend an ended contract", contract(Ended, &ruleBudgetID), Suspended, ContractTransition, "", false, ""},
	}
	for _, tt := range tests {
		p, err := planTransition(tt.c, tt.to, ruleNow)
		wantRule(t, tt.name, err, tt.code)
		if err != nil {
			continue
		}
		if p.Action != tt.action || p.Activate != tt.activate || p.Columns["status"] != tt.to || p.Columns["updated_at"] != ruleNow {
			t.Errorf("%s: plan = %+v", tt.name, p)
		}
		want := 2
		if tt.stamp != "" {
			want = 3
			if p.Columns[tt.stamp] != ruleNow {
				t.Errorf("%s: %s = %v, want now", tt.name, tt.stamp, p.Columns[tt.stamp])
			}
		}
		if len(p.Columns) != want {
			t.Errorf("%s: columns %v, want %d", tt.name, p.Columns, want)
		}
	}
}

func TestRuleBudgetAvailable(t *testing.T) {
	c := Contract{Reference: "ENS-2005-01", BudgetID: &ruleBudgetID}
	for _, tt := range []struct {
		available string
		code      fault.Code
	}{{"0.00", ContractBudgetEmpty}, {"-0.01", ContractBudgetEmpty}, {"0.01", fault.Code{}}, {"1000000.00", fault.Code{}}} {
		wantRule(t, "available "+tt.available, checkBudgetAvailable(c, dec(tt.available)), tt.code)
	}
}

func TestPlanAmendment(t *testing.T) {
	active := Contract{ID: uuid.Must(uuid.NewV7()), Reference: "ENS-2005-01", Status: Active, PeriodStart: day("2005-01-01"),
		PeriodEnd: day("2005-12-31"), Ceiling: dec("100000.00"), Capacity: 40}
	products := []Product{languageProduct("2600.00")}
	intp := func(n int) *int { return &n }
	datep := func(s string) *time.Time { d := day(s); return &d }
	tests := []struct {
		name   string
		status Status
		a      Amendment
		field  string
		code   fault.Code
	}{
		{"new prices only", Active, Amendment{Note: " prices 2005 ", Products: products}, "", fault.Code{}},
		{"a suspended contract", Suspended, Amendment{Products: products, Capacity: intp(60)}, "", fault.Code{}},
		{"a draft", Draft, Amendment{Products: products}, "", ContractTransition},
		{"an ended contract", Ended, Amendment{Products: products}, "", ContractTransition},
		{"note too long", Active, Amendment{Note: strings.Repeat("n", 1001), Products: products}, "note", TooLong},
		{"ceiling below the new price", Active, Amendment{Products: products, Ceiling: decp("2599.99")}, "ceiling", CeilingBelowPrice},
		{"no capacity", Active, Amendment{Products: products, Capacity: intp(0)}, "capacity", CapacityNotPositive},
		{"capacity beyond the limit", Active, Amendment{Products: products, Capacity: intp(MaxCapacity + 1)}, "capacity", OutOfRange},
		{"end before the start", Active, Amendment{Products: products, PeriodEnd: datep("2004-06-30")}, "period_end", PeriodEndBeforeStart},
		{"no products", Active, Amendment{}, "products", ProductsRequired},
	}
	for _, tt := range tests {
		c := active
		c.Status = tt.status
		_, err := planAmendment(c, 3, tt.a, ruleCategories, ruleNow)
		wantRule(t, tt.name, err, tt.code)
		if tt.field != "" && !hasField(err, tt.field, tt.code) {
			t.Errorf("%s: %s, want %s on %s", tt.name, describe(err), tt.code.Code, tt.field)
		}
	}

	p, err := planAmendment(active, 3, Amendment{Note: " prices 2005 ", Products: products}, ruleCategories, ruleNow)
	if err != nil {
		t.Fatal(describe(err))
	}
	if p.Version.Number != 4 || p.Version.ContractID != active.ID || p.Version.Note != "prices 2005" || len(p.Version.Products) != 1 ||
		p.Version.Products[0].VersionID != p.Version.ID {
		t.Errorf("version = %+v", p.Version)
	}
	if !p.Ceiling.Equal(active.Ceiling) || p.Capacity != active.Capacity || !p.PeriodEnd.Equal(active.PeriodEnd) {
		t.Errorf("unchanged terms = %+v", p)
	}
	p, err = planAmendment(active, 1, Amendment{Products: products, Ceiling: decp("50000.00"), Capacity: intp(20),
		PeriodEnd: &time.Time{}}, ruleCategories, ruleNow)
	wantRule(t, "a zero end date", err, PeriodEndBeforeStart)
	p, err = planAmendment(active, 1, Amendment{Products: products, Ceiling: decp("50000.00"), Capacity: intp(20),
		PeriodEnd: new(time.Date(2006, 6, 30, 18, 0, 0, 0, time.UTC))}, ruleCategories, ruleNow)
	if err != nil {
		t.Fatal(describe(err))
	}
	if !p.Ceiling.Equal(dec("50000.00")) || p.Capacity != 20 || !p.PeriodEnd.Equal(day("2006-06-30")) || p.Version.Number != 2 {
		t.Errorf("changed terms = %+v", p)
	}
}

func TestRuleListScope(t *testing.T) {
	own := ruleProviderID
	other := uuid.Must(uuid.NewV7())
	prov := access.Actor{UserID: uuid.Must(uuid.NewV7()), Roles: []access.Role{access.Provider}, ProviderID: &own}
	tests := []struct {
		name  string
		actor access.Actor
		asked *uuid.UUID
		ok    bool
		want  *uuid.UUID
	}{
		{"procurement, no filter", procurement, nil, true, nil},
		{"procurement, one provider", procurement, &other, true, &other},
		{"provider, no filter", prov, nil, true, &own},
		{"provider asks for its own", prov, &own, true, &own},
		{"provider asks for another's", prov, &other, false, nil},
	}
	for _, tt := range tests {
		f, ok := scopeContracts(tt.actor, ContractFilter{ProviderID: tt.asked})
		if ok != tt.ok {
			t.Errorf("%s: ok = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if ok && ((f.ProviderID == nil) != (tt.want == nil) || (f.ProviderID != nil && *f.ProviderID != *tt.want)) {
			t.Errorf("%s: provider filter %v, want %v", tt.name, f.ProviderID, tt.want)
		}
	}
	for _, st := range []Status{"", Draft, Active, Suspended, Ended} {
		wantRule(t, "status "+string(st), checkStatusFilter(st), fault.Code{})
	}
	wantRule(t, "status archived", checkStatusFilter("archived"), fault.Code{Code: "status_unknown"})
	if !visible(prov, own) || visible(prov, other) || !visible(procurement, other) {
		t.Error("visible: a provider sees its own objects only, procurement every provider's")
	}
}

func TestRuleCheckStart(t *testing.T) {
	terms := StartTerms{Status: Active, PeriodStart: day("2005-01-01"), PeriodEnd: day("2005-12-31")}
	tests := []struct {
		name   string
		status Status
		on     time.Time
		code   fault.Code
	}{
		{"first day", Active, day("2005-01-01"), fault.Code{}},
		{"last day, late in the evening", Active, time.Date(2005, 12, 31, 23, 59, 0, 0, time.UTC), fault.Code{}},
		{"the day before the period", Active, day("2004-12-31"), ContractOutsidePeriod},
		{"the day after the period", Active, day("2006-01-01"), ContractOutsidePeriod},
		{"suspended", Suspended, day("2005-06-01"), ContractNotActive},
		{"draft", Draft, day("2005-06-01"), ContractNotActive},
		{"ended", Ended, day("2005-06-01"), ContractNotActive},
	}
	for _, tt := range tests {
		st := terms
		st.Status = tt.status
		wantRule(t, tt.name, st.CheckStart(tt.on), tt.code)
	}
}

func TestPlanAlert(t *testing.T) {
	contract := uuid.Must(uuid.NewV7())
	tests := []struct {
		exposure, ceiling string
		raise             bool
	}{
		{"69999.99", "100000.00", false},
		{"70000.00", "100000.00", true},
		{"70000.004", "100000.00", true},
		{"100000.00", "100000.00", true},
		{"0.00", "100000.00", false},
		{"700.70", "1001.00", true},
		{"700.69", "1001.00", false},
	}
	for _, tt := range tests {
		a, raise := planAlert(contract, dec(tt.exposure), dec(tt.ceiling), ruleNow)
		if raise != tt.raise {
			t.Errorf("exposure %s of %s: raise = %v, want %v", tt.exposure, tt.ceiling, raise, tt.raise)
			continue
		}
		if raise && (a.ContractID != contract || a.ThresholdPercent != AlertThresholdPercent || !a.Exposure.Equal(dec(tt.exposure).Round(2)) ||
			!a.Ceiling.Equal(dec(tt.ceiling)) || !a.RaisedAt.Equal(ruleNow) || a.ID == uuid.Nil) {
			t.Errorf("exposure %s: alert = %+v", tt.exposure, a)
		}
	}
	wantRule(t, "negative exposure", checkExposure(dec("-0.01")), fault.InvalidInput)
	wantRule(t, "zero exposure", checkExposure(decimal.Zero), fault.Code{})

	wantRule(t, "acknowledge an open alert", checkAcknowledge(Alert{}), fault.Code{})
	wantRule(t, "acknowledge twice", checkAcknowledge(Alert{AcknowledgedAt: &ruleNow}), AlertAlreadyAcknowledged)
}
