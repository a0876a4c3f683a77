package web

import (
	"fmt"
	"github.com/euregio/tranche/pooling"
	"net/http"
	"testing"

	"github.com/euregio/tranche/internal/access"
)

func providerJSON(kvk, name string) map[string]any {
	return map[string]any{"kvk": kvk, "legal_name": name, "iban": "NL91 ABNA 0417 1643 00", "bic": "ABNANL2A",
		"vat_number": "NL001234567B01", "city": "Enschede", "contact_email": "info@example.nl"}
}

func contractJSON(providerID, ref string) map[string]any {
	return map[string]any{
		"provider_id": providerID, "reference": ref, "title": "Taal 2005",
		"period_start": "2005-01-01", "period_end": "2005-12-31", "ceiling": "100000.00", "capacity": 40, "vat_exempt": true,
		"products": []map[string]any{{
			"code": "NT2-A2", "name": "Taaltraject NT2 tot A2", "category_code": "language", "price": "2450.55",
			"milestones": []map[string]any{
				{"code": "intake", "name": "Intake", "outcome_domain": "intake", "share": "10", "deadline_months": 2},
				{"code": "a2", "name": "A2 behaald", "outcome_domain": "language", "share": "40", "deadline_months": 12, "prerequisites": []string{"intake"}, "evidence_required": true, "evidence_kinds": []string{"exam_result"}},
				{"code": "knm", "name": "Examen KNM", "outcome_domain": "language", "share": "20", "deadline_months": 15},
				{"code": "work", "name": "Startkwalificatie of werk", "outcome_domain": "participation", "share": "30", "deadline_months": 24, "prerequisites": []string{"a2"}},
			},
		}},
	}
}

func TestContractsAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	aud := e.user("audit@enschede.example", access.Auditor)
	cm := e.user("cm@enschede.example", access.CaseManager)

	var pa, pb ProviderBody
	r := e.postJSON("/api/v1/providers", proc, providerJSON("12345678", "Taalhuis Twente"))
	if r.Code != http.StatusCreated {
		t.Fatalf("create provider: %d %s", r.Code, r.Body)
	}
	r.json(t, &pa)
	if pa.IBAN != "NL91ABNA0417164300" {
		t.Errorf("IBAN = %q, want it stored without spaces", pa.IBAN)
	}
	e.postJSON("/api/v1/providers", proc, providerJSON("23456789", "Werkbedrijf Oost")).json(t, &pb)

	bad := providerJSON("1234", "X")
	bad["iban"] = "NL91ABNA0417164301"
	p := e.postJSON("/api/v1/providers", proc, bad).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 2 || p.Errors[0].Field != "kvk" || p.Errors[0].Code != "kvk_invalid" || p.Errors[1].Code != "iban_invalid" {
		t.Errorf("invalid provider errors = %+v", p.Errors)
	}
	e.postJSON("/api/v1/providers", proc, providerJSON("12345678", "Again")).problem(t, http.StatusConflict, "kvk_taken")
	e.postJSON("/api/v1/providers", cm, providerJSON("34567890", "X")).problem(t, http.StatusForbidden, "forbidden")

	var ca, cb ContractBody
	funded := contractJSON(pa.ID.String(), "ENS-2005-001")
	funded["budget_id"] = e.fundedBudget().String()
	r = e.postJSON("/api/v1/contracts", proc, funded)
	if r.Code != http.StatusCreated {
		t.Fatalf("create contract: %d %s", r.Code, r.Body)
	}
	r.json(t, &ca)
	if ca.Status != "draft" || len(ca.CurrentVersion.Products) == 0 || ca.CurrentVersion.Products[0].Milestones[3].Tranche != "735.16" {
		t.Errorf("created contract %+v", ca)
	}
	e.postJSON("/api/v1/contracts", proc, contractJSON(pb.ID.String(), "WO-2005-001")).json(t, &cb)

	badContract := contractJSON(pa.ID.String(), "ENS-2005-002")
	badContract["products"].([]map[string]any)[0]["milestones"].([]map[string]any)[0]["share"] = "11"
	p = e.postJSON("/api/v1/contracts", proc, badContract).problem(t, http.StatusUnprocessableEntity, "invalid_input")
	if len(p.Errors) != 1 || p.Errors[0].Field != "products[0].milestones" || p.Errors[0].Code != "schedule_shares_not_100" {
		t.Errorf("shares of 101: %+v", p.Errors)
	}
	e.postJSON("/api/v1/contracts", cm, contractJSON(pa.ID.String(), "X-1")).problem(t, http.StatusForbidden, "forbidden")

	r = e.postJSON("/api/v1/contracts/"+ca.ID.String()+"/activate", proc, nil)
	if r.Code != http.StatusOK {
		t.Fatalf("activate: %d %s", r.Code, r.Body)
	}
	e.postJSON("/api/v1/contracts/"+ca.ID.String()+"/activate", proc, nil).problem(t, http.StatusConflict, "contract_transition_invalid")
	e.postJSON("/api/v1/contracts/"+cb.ID.String()+"/activate", cm, nil).problem(t, http.StatusForbidden, "forbidden")

	amend := map[string]any{"note": "Indexering", "products": contractJSON("", "")["products"]}
	amend["products"].([]map[string]any)[0]["price"] = "2600.00"
	r = e.postJSON("/api/v1/contracts/"+ca.ID.String()+"/amend", proc, amend)
	if r.Code != http.StatusOK {
		t.Fatalf("amend: %d %s", r.Code, r.Body)
	}
	var amended ContractBody
	r.json(t, &amended)
	if amended.CurrentVersion.Number != 2 || len(amended.Versions) != 2 || amended.CurrentVersion.Products[0].Price != "2600.00" {
		t.Errorf("amended %+v", amended.CurrentVersion)
	}

	// A provider reads its own provider record and contracts, and gets 404
	// for another provider's.
	prov := e.providerUser("staf@taalhuis.example", "12345678", access.Provider)
	if r := e.get("/api/v1/contracts/"+ca.ID.String(), prov); r.Code != http.StatusOK {
		t.Errorf("provider reads own contract: %d %s", r.Code, r.Body)
	}
	e.get("/api/v1/contracts/"+cb.ID.String(), prov).problem(t, http.StatusNotFound, "contract_not_found")
	e.get("/api/v1/providers/"+pb.ID.String(), prov).problem(t, http.StatusNotFound, "provider_not_found")
	var list struct{ Items []ContractItem }
	e.get("/api/v1/contracts", prov).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != ca.ID {
		t.Errorf("provider's contract list = %+v, want only its own", list.Items)
	}
	e.get("/api/v1/contracts?provider_id="+pb.ID.String(), prov).json(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("provider filtering on another provider sees %d contracts", len(list.Items))
	}
	var provs struct{ Items []ProviderBody }
	e.get("/api/v1/providers", prov).json(t, &provs)
	if len(provs.Items) != 1 || provs.Items[0].ID != pa.ID {
		t.Errorf("provider's provider list = %+v", provs.Items)
	}
	e.postJSON("/api/v1/contracts/"+ca.ID.String()+"/amend", prov, amend).problem(t, http.StatusForbidden, "forbidden")

	// The auditor reads everything and writes nothing.
	e.get("/api/v1/contracts", aud).json(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("auditor's contract list has %d, want 2", len(list.Items))
	}
	if r := e.get("/api/v1/contracts/"+cb.ID.String(), aud); r.Code != http.StatusOK {
		t.Errorf("auditor reads a contract: %d", r.Code)
	}
	e.postJSON("/api/v1/contracts/"+cb.ID.String()+"/activate", aud, nil).problem(t, http.StatusForbidden, "forbidden")
	e.get("/api/v1/contracts?status=active", aud).json(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != ca.ID {
		t.Errorf("active contracts = %+v", list.Items)
	}
}

// Numbers beyond a column's range and lists beyond what one statement
// carries are field errors, never a 500.
func TestContractLimitsAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	var pa ProviderBody
	e.postJSON("/api/v1/providers", proc, providerJSON("12345678", "Taalhuis Twente")).json(t, &pa)
	milestones := func(c map[string]any) []map[string]any {
		return c["products"].([]map[string]any)[0]["milestones"].([]map[string]any)
	}
	many := make([]map[string]any, 10_000)
	for i := range many {
		many[i] = map[string]any{"code": fmt.Sprintf("m%d", i), "name": "M", "outcome_domain": "language", "share": "0.01", "deadline_months": 2}
	}
	for _, tc := range []struct {
		name, field, code string
		edit              func(map[string]any)
	}{
		{"capacity 2^62", "capacity", "out_of_range", func(c map[string]any) { c["capacity"] = int64(1) << 62 }},
		{"deadline 2^31 months", "products[0].milestones[0].deadline_months", "out_of_range", func(c map[string]any) { milestones(c)[0]["deadline_months"] = int64(1) << 31 }},
		{"10 000 milestones", "products[0].milestones", "too_many", func(c map[string]any) { c["products"].([]map[string]any)[0]["milestones"] = many }},
	} {
		body := contractJSON(pa.ID.String(), "LIM-1")
		tc.edit(body)
		p := e.postJSON("/api/v1/contracts", proc, body).problem(t, http.StatusUnprocessableEntity, "invalid_input")
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code {
			t.Errorf("%s: errors %+v, want %s on %s", tc.name, p.Errors, tc.code, tc.field)
		}
	}
}

// A contract is activated only on a budget with money available.
func TestActivationNeedsAFundedBudgetAPI(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	proc := e.user("inkoop@enschede.example", access.Procurement)
	var pa ProviderBody
	e.postJSON("/api/v1/providers", proc, providerJSON("12345678", "Taalhuis Twente")).json(t, &pa)
	var c ContractBody
	e.postJSON("/api/v1/contracts", proc, contractJSON(pa.ID.String(), "NO-BUDGET")).json(t, &c)
	e.postJSON("/api/v1/contracts/"+c.ID.String()+"/activate", proc, nil).problem(t, http.StatusConflict, "contract_budget_missing")

	b, err := e.srv.pooling.CreateBudget(t.Context(), access.System("test"), pooling.CreateBudgetInput{Name: "Leeg", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	empty := contractJSON(pa.ID.String(), "EMPTY-BUDGET")
	empty["budget_id"] = b.ID.String()
	e.postJSON("/api/v1/contracts", proc, empty).json(t, &c)
	e.postJSON("/api/v1/contracts/"+c.ID.String()+"/activate", proc, nil).problem(t, http.StatusConflict, "contract_budget_empty")
}
