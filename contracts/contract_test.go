package contracts

import (
	"github.com/euregio/tranche/pooling"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestCreateAndGetContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	in := contractInput(p.ID, "ENS-2005-001")
	budget := budgetRow(t, e)
	in.BudgetID = &budget
	in.Products = append(in.Products, reintegrationProduct("4000.00"))
	c, err := e.svc.CreateContract(ctx, procurement, in)
	if err != nil {
		t.Fatal(describe(err))
	}
	if c.Status != Draft || c.ProviderName != "Taalhuis Twente" || c.Current.Number != 1 || len(c.Versions) != 1 {
		t.Errorf("created %+v; want a draft with version 1", c.Contract)
	}
	got, err := e.svc.GetContract(ctx, auditor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.BudgetID == nil || *got.BudgetID != budget || !got.PeriodEnd.Equal(day("2005-12-31")) || !got.Ceiling.Equal(dec("100000")) {
		t.Errorf("GetContract terms = %+v", got.Contract)
	}
	if len(got.Current.Products) != 2 {
		t.Fatalf("products = %d, want 2", len(got.Current.Products))
	}
	lang := got.Current.Products[0]
	want := []string{"245.06", "980.22", "490.11", "735.16"}
	for i, m := range lang.Milestones {
		if !m.Tranche.Equal(dec(want[i])) {
			t.Errorf("milestone %s tranche = %s, want %s", m.Code, m.Tranche, want[i])
		}
	}
	a2, _ := lang.Milestone("a2")
	if !a2.EvidenceRequired || len(a2.EvidenceKinds) != 1 || a2.EvidenceKinds[0] != "exam_result" || len(a2.Prerequisites) != 1 || a2.Prerequisites[0] != "intake" {
		t.Errorf("a2 = %+v; want evidence and prerequisites kept", a2)
	}
	if n := auditCount(t, e.db, "contract.create", c.ID.String()); n != 1 {
		t.Errorf("contract.create events = %d, want 1", n)
	}
}

func TestContractValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	createContract(t, e, p.ID, "TAKEN-1")
	ms := func(in *ContractInput) []Milestone { return in.Products[0].Milestones }
	tests := []struct {
		name  string
		edit  func(*ContractInput)
		field string
		code  fault.Code
	}{
		{"shares sum to 99", func(in *ContractInput) { ms(in)[0].Share = decp("9") }, "products[0].milestones", ShareSum},
		{"shares sum to 100.01", func(in *ContractInput) { ms(in)[3].Share = decp("30.01") }, "products[0].milestones", ShareSum},
		{"fixed amounts not the price", func(in *ContractInput) {
			in.Products[0].Price = dec("1000.00")
			for i := range ms(in) {
				ms(in)[i].Share, ms(in)[i].FixedAmount = nil, decp("200.00")
			}
		}, "products[0].milestones", AmountSum},
		{"share and amount mixed", func(in *ContractInput) { ms(in)[0].Share, ms(in)[0].FixedAmount = nil, decp("245.06") }, "products[0].milestones", ScheduleMixed},
		{"share with three decimals", func(in *ContractInput) { ms(in)[0].Share, ms(in)[1].Share = decp("10.005"), decp("39.995") }, "products[0].milestones[0].share", ShareInvalid},
		{"prerequisite cycle", func(in *ContractInput) { ms(in)[0].Prerequisites = Codes{"participation"} }, "products[0].milestones[0].prerequisites", PrerequisiteCycle},
		{"own prerequisite", func(in *ContractInput) { ms(in)[2].Prerequisites = Codes{"knm"} }, "products[0].milestones[2].prerequisites", PrerequisiteCycle},
		{"unknown prerequisite", func(in *ContractInput) { ms(in)[1].Prerequisites = Codes{"b1"} }, "products[0].milestones[1].prerequisites", PrerequisiteUnknown},
		{"deadline zero", func(in *ContractInput) { ms(in)[2].DeadlineMonths = 0 }, "products[0].milestones[2].deadline_months", DeadlineNotPositive},
		{"deadline negative", func(in *ContractInput) { ms(in)[2].DeadlineMonths = -3 }, "products[0].milestones[2].deadline_months", DeadlineNotPositive},
		{"price zero", func(in *ContractInput) { in.Products[0].Price = dec("0") }, "products[0].price", PriceNotPositive},
		{"price negative", func(in *ContractInput) { in.Products[0].Price = dec("-10.00") }, "products[0].price", PriceNotPositive},
		{"price of a tenth cent", func(in *ContractInput) { in.Products[0].Price = dec("100.001") }, "products[0].price", AmountTooPrecise},
		{"period ends before it starts", func(in *ContractInput) { in.PeriodEnd = day("2004-12-31") }, "period_end", PeriodEndBeforeStart},
		{"ceiling below a trajectory", func(in *ContractInput) { in.Ceiling = dec("2450.54") }, "ceiling", CeilingBelowPrice},
		{"ceiling zero", func(in *ContractInput) { in.Ceiling = dec("0") }, "ceiling", CeilingNotPositive},
		{"capacity zero", func(in *ContractInput) { in.Capacity = 0 }, "capacity", CapacityNotPositive},
		{"duplicate milestone code", func(in *ContractInput) { ms(in)[2].Code = "a2" }, "products[0].milestones[2].code", MilestoneCodeDuplicate},
		{"duplicate product code", func(in *ContractInput) {
			in.Products = append(in.Products, reintegrationProduct("3000.00"))
			in.Products[1].Code = "NT2-A2"
		}, "products[1].code", ProductCodeDuplicate},
		{"unknown category", func(in *ContractInput) { in.Products[0].CategoryCode = "astrology" }, "products[0].category_code", CategoryUnknown},
		{"domain not in category", func(in *ContractInput) { ms(in)[3].OutcomeDomain = DomainLabour }, "products[0].milestones[3].outcome_domain", DomainNotInCategory},
		{"unknown domain", func(in *ContractInput) { ms(in)[3].OutcomeDomain = "happiness" }, "products[0].milestones[3].outcome_domain", OutcomeDomainUnknown},
		{"no milestones", func(in *ContractInput) { in.Products[0].Milestones = nil }, "products[0].milestones", ScheduleEmpty},
		{"no products", func(in *ContractInput) { in.Products = nil }, "products", ProductsRequired},
		{"bad milestone code", func(in *ContractInput) { ms(in)[0].Code = "in take" }, "products[0].milestones[0].code", CodeInvalid},
		{"bad evidence kind", func(in *ContractInput) { ms(in)[1].EvidenceKinds = Codes{"Exam Result"} }, "products[0].milestones[1].evidence_kinds[0]", EvidenceKindInvalid},
		{"tranche below a cent", func(in *ContractInput) {
			in.Products[0].Price = dec("0.03")
			for i := range ms(in) {
				ms(in)[i].Share = decp("25")
			}
		}, "products[0].milestones[3].share", TrancheTooSmall},
		{"VAT rate missing", func(in *ContractInput) { in.VATExempt = false }, "vat_rate", VATRateRequired},
		{"VAT rate with exempt", func(in *ContractInput) { in.VATRate = decp("21") }, "vat_rate", VATRateWithExempt},
		{"VAT rate above 100", func(in *ContractInput) { in.VATExempt, in.VATRate = false, decp("121") }, "vat_rate", VATRateInvalid},
		{"reference malformed", func(in *ContractInput) { in.Reference = "ENS 2005" }, "reference", ReferenceInvalid},
		{"reference taken", func(in *ContractInput) { in.Reference = "TAKEN-1" }, "reference", ReferenceTaken},
		{"provider unknown", func(in *ContractInput) { in.ProviderID = uuid.Must(uuid.NewV7()) }, "provider_id", ProviderUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := contractInput(p.ID, "ENS-2005-V")
			tt.edit(&in)
			_, err := e.svc.CreateContract(ctx, procurement, in)
			if !hasField(err, tt.field, tt.code) {
				t.Fatalf("CreateContract error = %s, want %s on %s", describe(err), tt.code.Code, tt.field)
			}
		})
	}
	var row struct{ N int }
	e.db.Raw(`SELECT count(*) AS n FROM contracts`).Scan(&row)
	if row.N != 1 {
		t.Errorf("contracts stored = %d, want only the first", row.N)
	}
}

func TestVATRateAndInactiveCategory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	in := contractInput(p.ID, "VAT-21")
	in.VATExempt, in.VATRate = false, decp("21.00")
	c, err := e.svc.CreateContract(ctx, procurement, in)
	if err != nil || c.VATRate == nil || !c.VATRate.Equal(dec("21")) {
		t.Fatalf("contract with 21 %% VAT: %+v, %v", c.Contract, err)
	}
	cat := must(e.svc.UpdateCategory(ctx, procurement, "care", CategoryInput{NameNL: "Zorg", NameEN: "Care", NameDE: "Betreuung", OutcomeDomains: []string{"intake", "social"}, Active: false}))
	if cat.Active {
		t.Fatal("category still active")
	}
	in = contractInput(p.ID, "CARE-1")
	in.Products[0].CategoryCode = "care"
	in.Products[0].Milestones[1].OutcomeDomain = DomainSocial
	in.Products[0].Milestones[2].OutcomeDomain = DomainSocial
	in.Products[0].Milestones[3].OutcomeDomain = DomainSocial
	if _, err := e.svc.CreateContract(ctx, procurement, in); !hasField(err, "products[0].category_code", CategoryInactive) {
		t.Errorf("product of an inactive category: %s, want category_inactive", describe(err))
	}
}

func TestContractLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	c := createContract(t, e, p.ID, "ENS-2005-001")

	in := contractInput(p.ID, "ENS-2005-001")
	in.BudgetID = &e.budget
	in.Capacity = 55
	in.Products[0].Price = dec("2600.00")
	upd, err := e.svc.UpdateDraft(ctx, procurement, c.ID, in)
	if err != nil {
		t.Fatal(describe(err))
	}
	if upd.Capacity != 55 || !upd.Current.Products[0].Price.Equal(dec("2600")) || upd.Current.ID != c.Current.ID {
		t.Errorf("after UpdateDraft: capacity %d, price %s, version %s; want 55, 2600, same version", upd.Capacity, upd.Current.Products[0].Price, upd.Current.ID)
	}

	steps := []struct {
		name   string
		do     func() (Contract, error)
		status Status
		code   *fault.Code
		action string
	}{
		{"suspend a draft", func() (Contract, error) { return e.svc.SuspendContract(ctx, procurement, c.ID, "") }, Draft, &ContractTransition, ""},
		{"activate", func() (Contract, error) { return e.svc.ActivateContract(ctx, procurement, c.ID) }, Active, nil, "contract.activate"},
		{"activate again", func() (Contract, error) { return e.svc.ActivateContract(ctx, procurement, c.ID) }, Active, &ContractTransition, ""},
		{"suspend", func() (Contract, error) { return e.svc.SuspendContract(ctx, procurement, c.ID, "capacity review") }, Suspended, nil, "contract.suspend"},
		{"resume", func() (Contract, error) { return e.svc.ActivateContract(ctx, procurement, c.ID) }, Active, nil, "contract.resume"},
		{"end", func() (Contract, error) { return e.svc.EndContract(ctx, procurement, c.ID, "period over") }, Ended, nil, "contract.end"},
		{"resume an ended contract", func() (Contract, error) { return e.svc.ActivateContract(ctx, procurement, c.ID) }, Ended, &ContractTransition, ""},
	}
	for _, st := range steps {
		_, err := st.do()
		if st.code != nil {
			if !fault.HasCode(err, *st.code) {
				t.Fatalf("%s: %v, want %s", st.name, err, st.code.Code)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", st.name, describe(err))
		}
		got := must(e.svc.GetContract(ctx, procurement, c.ID))
		if got.Status != st.status {
			t.Fatalf("after %s: status %s, want %s", st.name, got.Status, st.status)
		}
		if st.action != "" && auditCount(t, e.db, st.action, c.ID.String()) != 1 {
			t.Errorf("after %s: %s events = %d, want 1", st.name, st.action, auditCount(t, e.db, st.action, c.ID.String()))
		}
	}
	if n := auditCount(t, e.db, "contract.update_draft", c.ID.String()); n != 1 {
		t.Errorf("contract.update_draft events = %d, want 1", n)
	}
	if _, err := e.svc.UpdateDraft(ctx, procurement, c.ID, in); !fault.HasCode(err, ContractNotDraft) {
		t.Errorf("UpdateDraft of an ended contract: %v, want contract_not_draft", err)
	}
	got := must(e.svc.GetContract(ctx, procurement, c.ID))
	if got.ActivatedAt == nil || got.EndedAt == nil || got.Current.FrozenAt == nil {
		t.Errorf("activated_at %v, ended_at %v, frozen_at %v; want all set", got.ActivatedAt, got.EndedAt, got.Current.FrozenAt)
	}
}

// The database refuses changes to a frozen version even when the package
// is bypassed.
func TestFrozenVersionIsImmutable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	c := activeContract(t, e, p.ID, "ENS-2005-001")
	for _, stmt := range []string{
		`UPDATE contract_products SET price = price + 1`,
		`UPDATE contract_milestones SET tranche = tranche + 1`,
		`DELETE FROM contract_milestones`,
		`DELETE FROM contract_products`,
		`UPDATE contract_versions SET note = 'changed'`,
		`UPDATE contract_versions SET frozen_at = NULL`,
	} {
		if err := e.db.Exec(stmt).Error; err == nil {
			t.Errorf("%s succeeded on a frozen version, want it refused", stmt)
		}
	}
	got := must(e.svc.GetContract(ctx, procurement, c.ID))
	if !got.Current.Products[0].Price.Equal(dec("2450.55")) {
		t.Errorf("price after refused changes = %s", got.Current.Products[0].Price)
	}
	// A version whose shares do not add up cannot be frozen.
	draft := createContract(t, e, p.ID, "ENS-2005-002")
	if err := e.db.Exec(`UPDATE contract_milestones SET share = 11 WHERE code = 'intake' AND product_id IN (SELECT id FROM contract_products WHERE version_id = ?)`, draft.Current.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ActivateContract(ctx, procurement, draft.ID); err == nil {
		t.Error("activating a version whose shares sum to 101 succeeded")
	}
}

func TestContractPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pa := registerProvider(t, e, "12345678", "Taalhuis Twente")
	pb := registerProvider(t, e, "23456789", "Werkbedrijf Oost")
	ca := activeContract(t, e, pa.ID, "A-1")
	cb := activeContract(t, e, pb.ID, "B-1")
	draftA := createContract(t, e, pa.ID, "A-2")

	for _, who := range []access.Actor{casemanager, auditor, providerUser(pa.ID), user(access.Verifier), user(access.Finance), user(access.Admin)} {
		if _, err := e.svc.CreateContract(ctx, who, contractInput(pa.ID, "X-1")); !fault.HasCode(err, fault.Forbidden) {
			t.Errorf("CreateContract as %v: %v, want forbidden", who.Roles, err)
		}
		if _, err := e.svc.ActivateContract(ctx, who, draftA.ID); !fault.HasCode(err, fault.Forbidden) {
			t.Errorf("ActivateContract as %v: %v, want forbidden", who.Roles, err)
		}
		if _, err := e.svc.AmendContract(ctx, who, ca.ID, Amendment{Products: []Product{languageProduct("2500.00")}}); !fault.HasCode(err, fault.Forbidden) {
			t.Errorf("AmendContract as %v: %v, want forbidden", who.Roles, err)
		}
	}

	prov := providerUser(pa.ID)
	if _, err := e.svc.GetContract(ctx, prov, ca.ID); err != nil {
		t.Errorf("provider reads its own contract: %v", err)
	}
	if _, err := e.svc.GetContract(ctx, prov, cb.ID); !fault.HasCode(err, ContractNotFound) {
		t.Errorf("provider reads another provider's contract: %v, want contract_not_found", err)
	}
	if _, err := e.svc.GetVersion(ctx, prov, cb.Current.ID); !fault.HasCode(err, VersionNotFound) {
		t.Errorf("provider reads another provider's version: %v, want contract_version_not_found", err)
	}
	list, _, err := e.svc.ListContracts(ctx, prov, ContractFilter{})
	if err != nil || len(list) != 2 {
		t.Fatalf("provider's ListContracts = %d, %v; want its 2", len(list), err)
	}
	for _, c := range list {
		if c.ProviderID != pa.ID {
			t.Errorf("provider sees contract %s of %s", c.Reference, c.ProviderName)
		}
	}
	list, _, err = e.svc.ListContracts(ctx, prov, ContractFilter{ProviderID: &pb.ID})
	if err != nil || len(list) != 0 {
		t.Errorf("provider filtering on another provider = %d, %v; want none", len(list), err)
	}
	list, _, err = e.svc.ListContracts(ctx, auditor, ContractFilter{})
	if err != nil || len(list) != 3 {
		t.Errorf("auditor's ListContracts = %d, %v; want 3", len(list), err)
	}
	list, _, err = e.svc.ListContracts(ctx, casemanager, ContractFilter{Status: Active})
	if err != nil || len(list) != 2 {
		t.Errorf("active contracts = %d, %v; want 2", len(list), err)
	}
	list, _, err = e.svc.ListContracts(ctx, procurement, ContractFilter{ProviderID: &pb.ID})
	if err != nil || len(list) != 1 || list[0].ID != cb.ID {
		t.Errorf("contracts of provider B = %v, %v", list, err)
	}
	if _, err := e.svc.GetContract(ctx, auditor, cb.ID); err != nil {
		t.Errorf("auditor reads any contract: %v", err)
	}
	if _, _, err := e.svc.ListContracts(ctx, user(access.Admin), ContractFilter{}); !fault.HasCode(err, fault.Forbidden) {
		t.Errorf("admin lists contracts: %v, want forbidden", err)
	}
}

func TestCategories(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cats, err := e.svc.ListCategories(ctx, casemanager, false)
	if err != nil || len(cats) != 6 {
		t.Fatalf("ListCategories = %d, %v; want the 6 seeded", len(cats), err)
	}
	in := CategoryInput{Code: "women_support", NameNL: "Vrouwenondersteuning", NameEN: "Women's support", NameDE: "Frauenförderung",
		OutcomeDomains: []string{"social", "intake", "participation"}, Active: true}
	c, err := e.svc.CreateCategory(ctx, procurement, in)
	if err != nil {
		t.Fatal(describe(err))
	}
	if len(c.OutcomeDomains) != 3 || c.OutcomeDomains[0] != "intake" || c.Name("de") != "Frauenförderung" {
		t.Errorf("created %+v", c)
	}
	if _, err := e.svc.CreateCategory(ctx, procurement, in); !hasField(err, "code", CategoryExists) {
		t.Errorf("second create: %s, want category_exists", describe(err))
	}
	bad := in
	bad.Code, bad.OutcomeDomains = "Women Support", []string{"joy"}
	_, err = e.svc.CreateCategory(ctx, procurement, bad)
	if !hasField(err, "code", CategoryCodeInvalid) || !hasField(err, "outcome_domains[0]", OutcomeDomainUnknown) {
		t.Errorf("bad category: %s", describe(err))
	}
	if _, err := e.svc.CreateCategory(ctx, casemanager, in); !fault.HasCode(err, fault.Forbidden) {
		t.Errorf("casemanager creates a category: %v, want forbidden", err)
	}
	in.Active = false
	if _, err := e.svc.UpdateCategory(ctx, procurement, "women_support", in); err != nil {
		t.Fatal(err)
	}
	all := must(e.svc.ListCategories(ctx, procurement, true))
	active := must(e.svc.ListCategories(ctx, procurement, false))
	if len(all) != 7 || len(active) != 6 {
		t.Errorf("categories: %d in all, %d active; want 7 and 6", len(all), len(active))
	}
	if auditCount(t, e.db, "category.create", "women_support") != 1 || auditCount(t, e.db, "category.update", "women_support") != 1 {
		t.Error("category events missing")
	}
}

func TestContractBudgetMustExist(t *testing.T) {
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	in := contractInput(p.ID, "ENS-BUDGET")
	nowhere := uuid.Must(uuid.NewV7())
	in.BudgetID = &nowhere
	_, err := e.svc.CreateContract(ctx, procurement, in)
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) != 1 || fe.Fields[0].Field != "budget_id" || fe.Fields[0].Code != "budget_unknown" {
		t.Fatalf("contract with an unknown budget: %v", err)
	}
}

// A contract is activated only with a budget that has money available:
// without one its first trajectory could never be committed.
func TestActivationNeedsAFundedBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	draft, err := e.svc.CreateContract(ctx, procurement, contractInput(p.ID, "NO-BUDGET"))
	check(t, err)
	_, err = e.svc.ActivateContract(ctx, procurement, draft.ID)
	if !fault.HasCode(err, ContractBudgetMissing) {
		t.Fatalf("activating without a budget: %v, want %s", err, ContractBudgetMissing.Code)
	}

	empty := budgetRow(t, e)
	in := contractInput(p.ID, "NO-BUDGET")
	in.BudgetID = &empty
	_, err = e.svc.UpdateDraft(ctx, procurement, draft.ID, in)
	check(t, err)
	_, err = e.svc.ActivateContract(ctx, procurement, draft.ID)
	if !fault.HasCode(err, ContractBudgetEmpty) {
		t.Fatalf("activating on an empty budget: %v, want %s", err, ContractBudgetEmpty.Code)
	}
	if got := must(e.svc.GetContract(ctx, procurement, draft.ID)); got.Status != Draft || auditCount(t, e.db, "contract.activate", draft.ID.String()) != 0 {
		t.Fatalf("after refused activations: status %s", got.Status)
	}

	sys := access.System("test")
	stream, err := e.pool.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Taal",
		ReportingCode: "TAAL-2005", Amount: "5000.00", ValidFrom: "2005-01-01", ValidTo: "2005-12-31", Unrestricted: true})
	check(t, err)
	_, err = e.pool.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: empty, FundingStreamID: stream.ID, Amount: "5000.00"})
	check(t, err)
	got, err := e.svc.ActivateContract(ctx, procurement, draft.ID)
	check(t, err)
	if got.Status != Active {
		t.Fatalf("after funding: status %s", got.Status)
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(describe(err))
	}
}
