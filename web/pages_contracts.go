package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/pooling"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// registerContractsPages adds the provider and contract pages.
func (s *Server) registerContractsPages(g *gin.RouterGroup) {
	g.GET("/providers", s.providersPage)
	g.POST("/providers", s.registerProvider)
	g.GET("/providers/:id/edit", s.editProviderPage)
	g.POST("/providers/:id", s.updateProvider)
	g.GET("/contracts", s.contractsPage)
	g.GET("/contracts.csv", s.contractsCSV)
	g.GET("/contracts/new", s.newContractPage)
	g.POST("/contracts/new", s.createContract)
	g.GET("/contracts/:id", s.contractPage)
	g.POST("/contracts/:id/:change", s.changeContract)
	g.POST("/contracts/alerts/:id/acknowledge", s.acknowledgeAlert)
}

// The longest lists the pages show at once; the contracts list pages on.
const (
	contractsPickLimit = database.MaxLimit
	// maxMilestoneRows bounds the schedule editor, so that a posted form
	// cannot make the server build an endless page.
	maxMilestoneRows     = 30
	defaultMilestoneRows = 4
)

// contractsPlace is where a contracts form shows its errors: beside the
// fields they name (a schedule row's by its index), an evidence kind's
// beside the one input that holds them all.
var contractsPlace = errorPlace{area: "contracts", input: func(f string) string {
	if strings.HasSuffix(withoutIndex(f), ".evidence_kinds") {
		return withoutIndex(f)
	}
	return f
}}

// contractsBase is what every contracts page embeds: the base page and the
// ways these pages print statuses and percentages.
type contractsBase struct{ basePage }

func (s *Server) contractsBase(c *gin.Context, titleKey string) contractsBase {
	return contractsBase{s.base(c, titleKey)}
}

// Percent prints a percentage the way the page's language writes it.
func (p contractsBase) Percent(d decimal.Decimal) string {
	out := d.String()
	if p.Lang != "en" {
		out = strings.Replace(out, ".", ",", 1)
	}
	return out + " %"
}

// StatusClass is the badge style of a contract status.
func (p contractsBase) StatusClass(st contracts.Status) string {
	switch st {
	case contracts.Active:
		return "ok"
	case contracts.Suspended:
		return "warn"
	}
	return ""
}

// ---- providers

// providerForm is the provider form as typed.
type providerForm struct {
	KVK, LegalName, IBAN, BIC, VATNumber                string
	AddressLine1, AddressLine2, Postcode, City, Country string
	ContactName, ContactEmail, ContactPhone             string
}

func providerFormOf(c *gin.Context) providerForm {
	return providerForm{KVK: c.PostForm("kvk"), LegalName: c.PostForm("legal_name"), IBAN: c.PostForm("iban"),
		BIC: c.PostForm("bic"), VATNumber: c.PostForm("vat_number"), AddressLine1: c.PostForm("address_line1"),
		AddressLine2: c.PostForm("address_line2"), Postcode: c.PostForm("postcode"), City: c.PostForm("city"),
		Country: c.PostForm("country"), ContactName: c.PostForm("contact_name"), ContactEmail: c.PostForm("contact_email"),
		ContactPhone: c.PostForm("contact_phone")}
}

func (f providerForm) input() contracts.ProviderInput {
	return contracts.ProviderInput{KVK: f.KVK, LegalName: f.LegalName, IBAN: f.IBAN, BIC: f.BIC, VATNumber: f.VATNumber,
		AddressLine1: f.AddressLine1, AddressLine2: f.AddressLine2, Postcode: f.Postcode, City: f.City, Country: f.Country,
		ContactName: f.ContactName, ContactEmail: f.ContactEmail, ContactPhone: f.ContactPhone}
}

type providersPage struct {
	contractsBase
	Providers []contracts.Provider
	Form      providerForm
	// Editing is the provider whose details the form changes; nil: the
	// form registers a new one.
	Editing *contracts.Provider
}

// providerFormFrom fills the form with a provider's details.
func providerFormFrom(p contracts.Provider) providerForm {
	return providerForm{KVK: p.KVK, LegalName: p.LegalName, IBAN: p.IBAN, BIC: p.BIC, VATNumber: p.VATNumber,
		AddressLine1: p.AddressLine1, AddressLine2: p.AddressLine2, Postcode: p.Postcode, City: p.City, Country: p.Country,
		ContactName: p.ContactName, ContactEmail: p.ContactEmail, ContactPhone: p.ContactPhone}
}

// editProviderPage shows the providers with the form holding one
// provider's details to change (IBAN, address, contact …).
func (s *Server) editProviderPage(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	if err := a.Require(access.WriteProviders); err != nil {
		s.pageError(c, err)
		return
	}
	pr, err := s.contracts.GetProvider(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.showProviders(c, http.StatusOK, func(p *providersPage) {
		p.Editing, p.Form = &pr, providerFormFrom(pr)
	})
}

// updateProvider changes a provider's details; the domain audits them
// with before and after. A payment run keeps the details it was created
// with, so a new IBAN is paid from the next run on.
func (s *Server) updateProvider(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	pr, err := s.contracts.GetProvider(c.Request.Context(), a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	s.saveProvider(c, &pr)
}

func (s *Server) providersPage(c *gin.Context) {
	s.showProviders(c, http.StatusOK, nil)
}

func (s *Server) showProviders(c *gin.Context, status int, fill func(*providersPage)) {
	p := &providersPage{contractsBase: s.contractsBase(c, "contracts.providers.title"), Form: providerForm{Country: "NL"}}
	items, _, err := s.contracts.ListProviders(c.Request.Context(), *p.Actor, contracts.ProviderFilter{Page: database.Page{Limit: contractsPickLimit}})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Providers = items
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "contracts_providers", p)
}

func (s *Server) registerProvider(c *gin.Context) { s.saveProvider(c, nil) }

// saveProvider registers a provider (editing nil) or changes one's
// details; a refused form comes back with what was typed and its errors.
func (s *Server) saveProvider(c *gin.Context, editing *contracts.Provider) {
	a, _ := actorOf(c)
	form := providerFormOf(c)
	var err error
	flash := "contracts.providers.registered"
	if editing == nil {
		_, err = s.contracts.RegisterProvider(c.Request.Context(), a, form.input())
	} else {
		_, err = s.contracts.UpdateProvider(c.Request.Context(), a, editing.ID, form.input())
		flash = "contracts.providers.updated"
	}
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", flash)
		c.Redirect(http.StatusSeeOther, "/providers")
		return
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	s.showProviders(c, status, func(p *providersPage) {
		p.Editing, p.Form = editing, form
		p.Errors = fieldErrors(p.basePage, err, contractsPlace)
	})
}

// ---- the list of contracts

// contractRow is a contract in the list with its spending.
type contractRow struct {
	contracts.Contract
	Spending contracts.Spending
}

type contractsPage struct {
	contractsBase
	Contracts []contractRow
	Alerts    []contracts.Alert
	Statuses  []contracts.Status
	Status    string
	List      *listView
}

// contractsList reads the contracts list's filter, sort and page.
func contractsList(c *gin.Context) (contracts.ContractFilter, *listView, error) {
	f := contracts.ContractFilter{Status: contracts.Status(c.Query("status"))}
	l, err := parseList(c, "/contracts", contracts.ContractSorts, "status")
	return f, l, err
}

func (s *Server) contractsPage(c *gin.Context) {
	ctx := c.Request.Context()
	p := &contractsPage{contractsBase: s.contractsBase(c, "contracts.list.title"), Statuses: contracts.Statuses, Status: c.Query("status")}
	f, l, err := contractsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.List = l
	var items []contracts.Contract
	l.Total, err = s.contracts.SortedContracts(ctx, *p.Actor, f, l.Sort, func(ct contracts.Contract) error {
		items = append(items, ct)
		return nil
	})
	if err != nil {
		s.pageError(c, err)
		return
	}
	for _, ct := range items {
		sp, err := s.contractSpending(c, ct)
		if err != nil {
			s.pageError(c, err)
			return
		}
		p.Contracts = append(p.Contracts, contractRow{Contract: ct, Spending: sp})
	}
	if p.Alerts, err = s.contracts.Alerts(ctx, *p.Actor); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "contracts_list", p)
}

// contractsCSV exports the contracts list as filtered and sorted.
func (s *Server) contractsCSV(c *gin.Context) {
	a, _ := actorOf(c)
	f, l, err := contractsList(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"id", "reference", "title", "provider", "period_start", "period_end", "status", "ceiling", "capacity"}
	s.streamCSV(c, "contracts.csv", header, func(write func([]string) error) error {
		_, err := s.contracts.SortedContracts(c.Request.Context(), a, f, l.exportSort(), func(ct contracts.Contract) error {
			return write([]string{ct.ID.String(), ct.Reference, ct.Title, ct.ProviderName, csvDate(ct.PeriodStart), csvDate(ct.PeriodEnd),
				string(ct.Status), money.String(ct.Ceiling), strconv.Itoa(ct.Capacity)})
		})
		return err
	})
}

// contractSpending is a contract's money against its ceiling, from pooling's figures.
func (s *Server) contractSpending(c *gin.Context, ct contracts.Contract) (contracts.Spending, error) {
	committed, payable, paid, err := s.pooling.Exposure(c.Request.Context(), s.db.Gorm, ct.ID)
	if err != nil {
		return contracts.Spending{}, fmt.Errorf("spending of contract %s: %w", ct.ID, err)
	}
	return contracts.SpendingOf(ct.Ceiling, committed, payable, paid), nil
}

func (s *Server) acknowledgeAlert(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	if _, err := s.contracts.AcknowledgeAlert(c.Request.Context(), a, id); err != nil {
		s.pageError(c, err)
		return
	}
	s.sessions.Put(c.Request.Context(), "flash", "contracts.alerts.acknowledged")
	c.Redirect(http.StatusSeeOther, "/contracts")
}

// ---- one contract

type contractPage struct {
	contractsBase
	Contract contracts.ContractDetail
	Spending contracts.Spending
	Budget   *pooling.Budget // nil when none is assigned or the user may not read budgets
	// Categories names the service categories by code, retired ones too.
	Categories map[string]string
	// Amend is the amendment form as typed (the current terms at first).
	Amend amendForm
	// Origin is the tender, lot and bid the contract was concluded from;
	// nil for a contract typed in by hand.
	Origin *procurement.Origin
}

// amendForm is the amendment form: the contract's terms that change
// without touching its products.
type amendForm struct{ Ceiling, Capacity, PeriodEnd, Note string }

func (s *Server) contractPage(c *gin.Context) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	s.renderContractPage(c, id, http.StatusOK, nil, nil)
}

// renderContractPage shows a contract; after a refused amendment with the
// form as typed and its errors.
func (s *Server) renderContractPage(c *gin.Context, id uuid.UUID, status int, amend *amendForm, errs formErrors) {
	ctx := c.Request.Context()
	p := &contractPage{contractsBase: s.contractsBase(c, "contracts.detail.title")}
	var err error
	if p.Contract, err = s.contracts.GetContract(ctx, *p.Actor, id); err != nil {
		s.pageError(c, err)
		return
	}
	p.Errors = errs
	if amend != nil {
		p.Amend = *amend
	} else {
		p.Amend = amendForm{Ceiling: money.String(p.Contract.Ceiling), Capacity: strconv.Itoa(p.Contract.Capacity),
			PeriodEnd: p.Contract.PeriodEnd.Format(time.DateOnly)}
	}
	if p.Spending, err = s.contractSpending(c, p.Contract.Contract); err != nil {
		s.pageError(c, err)
		return
	}
	if p.Contract.BudgetID != nil && p.Actor.Can(access.ReadFunding) {
		b, err := s.pooling.GetBudget(ctx, *p.Actor, *p.Contract.BudgetID)
		if err != nil && !fault.HasCode(err, pooling.BudgetNotFound) {
			s.pageError(c, err)
			return
		}
		if err == nil {
			p.Budget = &b
		}
	}
	cats, err := s.contracts.ListCategories(ctx, *p.Actor, true)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Categories = map[string]string{}
	for _, cat := range cats {
		p.Categories[cat.Code] = cat.Name(p.Lang)
	}
	if o, ok, err := s.procurement.ContractOrigin(ctx, id); err != nil {
		s.pageError(c, err)
		return
	} else if ok {
		p.Origin = &o
	}
	p.Title = p.T("contracts.detail.title", "Reference", p.Contract.Reference)
	s.render(c, status, "contracts_detail", p)
}

// amendContract changes an active or suspended contract's ceiling,
// capacity or end (the products stay as they are; the domain records the
// amendment as a new version, audited with before and after).
func (s *Server) amendContract(c *gin.Context, a access.Actor, id uuid.UUID) {
	ctx := c.Request.Context()
	form := amendForm{Ceiling: c.PostForm("ceiling"), Capacity: c.PostForm("capacity"), PeriodEnd: c.PostForm("period_end"), Note: c.PostForm("note")}
	current, err := s.contracts.GetContract(ctx, a, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	var errs fault.Fields
	am := contracts.Amendment{Note: form.Note, Products: current.Current.Products}
	if strings.TrimSpace(form.Ceiling) != "" {
		d := money.ParseLocalField(&errs, "ceiling", form.Ceiling, false)
		am.Ceiling = &d
	}
	if strings.TrimSpace(form.Capacity) != "" {
		n := parseContractCount(&errs, "capacity", form.Capacity)
		am.Capacity = &n
	}
	if strings.TrimSpace(form.PeriodEnd) != "" {
		d := parseDate(&errs, "period_end", form.PeriodEnd, false)
		am.PeriodEnd = &d
	}
	if err = errs.Err(); err == nil {
		_, err = s.contracts.AmendContract(ctx, a, id, am)
	}
	if err != nil {
		if status, ok := s.formFailure(c, err); ok {
			s.renderContractPage(c, id, status, &form, fieldErrors(s.contractsBase(c, "contracts.detail.title").basePage, err, contractsPlace))
		}
		return
	}
	s.sessions.Put(ctx, "flash", "contracts.detail.amended")
	c.Redirect(http.StatusSeeOther, "/contracts/"+id.String())
}

// changeContract activates (or resumes), suspends or ends a contract.
func (s *Server) changeContract(c *gin.Context) {
	ctx := c.Request.Context()
	a, _ := actorOf(c)
	id, err := uuid.Parse(c.Param("id"))
	change := c.Param("change")
	if err != nil || !slices.Contains([]string{"activate", "suspend", "end", "amend"}, change) {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return
	}
	if change == "amend" {
		s.amendContract(c, a, id)
		return
	}
	reason := c.PostForm("reason")
	switch change {
	case "activate":
		_, err = s.contracts.ActivateContract(ctx, a, id)
	case "suspend":
		_, err = s.contracts.SuspendContract(ctx, a, id, reason)
	case "end":
		_, err = s.contracts.EndContract(ctx, a, id, reason)
	}
	if err != nil {
		s.pageError(c, err)
		return
	}
	flash := map[string]string{"activate": "contracts.detail.activated", "suspend": "contracts.detail.suspended", "end": "contracts.detail.ended"}
	s.sessions.Put(ctx, "flash", flash[change])
	c.Redirect(http.StatusSeeOther, "/contracts/"+id.String())
}

// ---- a new draft contract

// milestoneForm is one row of the schedule editor as typed.
type milestoneForm struct {
	Code, Name, OutcomeDomain, Share, DeadlineMonths, Prerequisites, EvidenceKinds string
	EvidenceRequired                                                               bool
}

func (m milestoneForm) blank() bool {
	return !m.EvidenceRequired && strings.TrimSpace(m.Code+m.Name+m.OutcomeDomain+m.Share+m.DeadlineMonths+m.Prerequisites+m.EvidenceKinds) == ""
}

// contractForm is the new-contract form as typed: one product and its schedule.
type contractForm struct {
	ProviderID, Reference, Title, PeriodStart, PeriodEnd, Ceiling, Capacity string
	VATTreatment, VATRate, BudgetID                                         string // VATTreatment: "exempt" or "rate"
	ProductCode, ProductName, CategoryCode, Price                           string
	Milestones                                                              []milestoneForm
}

// The form's field names are the domain's field paths, so that an error
// finds its input without a translation table.
const productField = "products[0]"

func milestoneField(i int) string { return fmt.Sprintf("%s.milestones[%d]", productField, i) }

func contractFormOf(c *gin.Context) contractForm {
	f := contractForm{ProviderID: c.PostForm("provider_id"), Reference: c.PostForm("reference"), Title: c.PostForm("title"),
		PeriodStart: c.PostForm("period_start"), PeriodEnd: c.PostForm("period_end"), Ceiling: c.PostForm("ceiling"),
		Capacity: c.PostForm("capacity"), VATTreatment: c.PostForm("vat_treatment"), VATRate: c.PostForm("vat_rate"),
		BudgetID: c.PostForm("budget_id"), ProductCode: c.PostForm(productField + ".code"), ProductName: c.PostForm(productField + ".name"),
		CategoryCode: c.PostForm(productField + ".category_code"), Price: c.PostForm(productField + ".price")}
	rows, _ := strconv.Atoi(c.PostForm("rows"))
	rows = max(0, min(rows, maxMilestoneRows))
	for i := range rows {
		mf := milestoneField(i)
		f.Milestones = append(f.Milestones, milestoneForm{Code: c.PostForm(mf + ".code"), Name: c.PostForm(mf + ".name"),
			OutcomeDomain: c.PostForm(mf + ".outcome_domain"), Share: c.PostForm(mf + ".share"),
			DeadlineMonths: c.PostForm(mf + ".deadline_months"), Prerequisites: c.PostForm(mf + ".prerequisites"),
			EvidenceRequired: c.PostForm(mf+".evidence_required") != "", EvidenceKinds: c.PostForm(mf + ".evidence_kinds")})
	}
	return f
}

// withoutBlankRows drops the schedule rows nobody typed in, so that the
// rows of the default four that a schedule does not need are not errors.
func (f contractForm) withoutBlankRows() contractForm {
	f.Milestones = slices.DeleteFunc(slices.Clone(f.Milestones), milestoneForm.blank)
	return f
}

// input parses what was typed; the domain checks the rules. Only text
// that cannot be read stops here: an empty field goes on as zero or nil,
// so that the domain reports it together with every other rule broken.
func (f contractForm) input() (contracts.ContractInput, error) {
	var errs fault.Fields
	in := contracts.ContractInput{Reference: f.Reference, Title: f.Title, VATExempt: f.VATTreatment != "rate"}
	if f.ProviderID != "" {
		id, err := uuid.Parse(f.ProviderID)
		if err != nil {
			errs.Add("provider_id", contracts.ProviderUnknown.Code, "no such provider")
		}
		in.ProviderID = id
	}
	in.PeriodStart = parseDate(&errs, "period_start", strings.TrimSpace(f.PeriodStart), false)
	in.PeriodEnd = parseDate(&errs, "period_end", strings.TrimSpace(f.PeriodEnd), false)
	in.Ceiling = parseContractAmount(&errs, "ceiling", f.Ceiling)
	in.Capacity = parseContractCount(&errs, "capacity", f.Capacity)
	if !in.VATExempt {
		in.VATRate = parseContractPercent(&errs, "vat_rate", f.VATRate)
	}
	if f.BudgetID != "" {
		id, err := uuid.Parse(f.BudgetID)
		if err != nil {
			errs.Add("budget_id", "budget_unknown", "no such budget")
		}
		in.BudgetID = &id
	}
	prod := contracts.Product{Code: f.ProductCode, Name: f.ProductName, CategoryCode: f.CategoryCode}
	prod.Price = parseContractAmount(&errs, productField+".price", f.Price)
	for i, m := range f.Milestones {
		mf := milestoneField(i)
		ms := contracts.Milestone{Code: m.Code, Name: m.Name, OutcomeDomain: m.OutcomeDomain, EvidenceRequired: m.EvidenceRequired,
			Prerequisites: splitContractCodes(m.Prerequisites), EvidenceKinds: splitContractCodes(m.EvidenceKinds)}
		ms.Share = parseContractPercent(&errs, mf+".share", m.Share)
		ms.DeadlineMonths = parseContractCount(&errs, mf+".deadline_months", m.DeadlineMonths)
		prod.Milestones = append(prod.Milestones, ms)
	}
	in.Products = []contracts.Product{prod}
	return in, errs.Err()
}

// parseContractAmount reads an amount in euro; empty is zero, which the
// domain refuses with its own code.
func parseContractAmount(errs *fault.Fields, field, s string) decimal.Decimal {
	if strings.TrimSpace(s) == "" {
		return decimal.Zero
	}
	return money.ParseLocalField(errs, field, s, false)
}

// parseContractCount reads a whole number; empty is zero, which the domain refuses
// with its own code.
func parseContractCount(errs *fault.Fields, field, s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		errs.Add(field, "not_a_number", "a whole number such as 12")
	}
	return n
}

// parseContractPercent reads a percentage such as 40, 12.5 or 12,5 (as typed on
// Dutch pages); empty is nil.
func parseContractPercent(errs *fault.Fields, field, s string) *decimal.Decimal {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return nil
	}
	d, err := decimal.NewFromString(strings.Replace(s, ",", ".", 1))
	if err != nil || strings.ContainsAny(s, "eE") {
		errs.Add(field, "not_a_percentage", "a percentage such as 40 or 12.5")
		return nil
	}
	return &d
}

// splitContractCodes reads a comma-separated list of codes.
func splitContractCodes(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// milestoneRow is one row of the schedule editor with its field path.
type milestoneRow struct {
	milestoneForm
	Index     int
	Field     string // products[0].milestones[i]
	Autofocus bool   // the row just added
}

type contractOption struct {
	Value, Label string
}

type newContractPage struct {
	contractsBase
	Form       contractForm
	Rows       []milestoneRow
	ShareTotal string // the typed shares added up, "" while one is not a number
	Providers  []contractOption
	Budgets    []contractOption
	Categories []contractOption
	Domains    []string
	MaxRows    int
}

func (s *Server) newContractPage(c *gin.Context) {
	form := contractForm{VATTreatment: "exempt", Milestones: make([]milestoneForm, defaultMilestoneRows)}
	s.showContractForm(c, http.StatusOK, form, -1, nil)
}

// showContractForm renders the form with the typed values; focus is the
// row whose code input gets the focus (-1: none).
func (s *Server) showContractForm(c *gin.Context, status int, form contractForm, focus int, err error) {
	ctx := c.Request.Context()
	p := &newContractPage{contractsBase: s.contractsBase(c, "contracts.new.title"), Form: form, Domains: contracts.OutcomeDomains, MaxRows: maxMilestoneRows}
	if e := p.Actor.Require(access.WriteContracts); e != nil {
		s.pageError(c, e)
		return
	}
	providers, _, e := s.contracts.ListProviders(ctx, *p.Actor, contracts.ProviderFilter{Page: database.Page{Limit: contractsPickLimit}})
	if e != nil {
		s.pageError(c, e)
		return
	}
	for _, pr := range providers {
		p.Providers = append(p.Providers, contractOption{pr.ID.String(), pr.LegalName + " (" + pr.KVK + ")"})
	}
	cats, e := s.contracts.ListCategories(ctx, *p.Actor, false)
	if e != nil {
		s.pageError(c, e)
		return
	}
	for _, cat := range cats {
		p.Categories = append(p.Categories, contractOption{cat.Code, cat.Name(p.Lang)})
	}
	if p.Actor.Can(access.ReadFunding) {
		budgets, _, e := s.pooling.ListBudgets(ctx, *p.Actor, database.Page{Limit: contractsPickLimit})
		if e != nil {
			s.pageError(c, e)
			return
		}
		for _, b := range budgets {
			p.Budgets = append(p.Budgets, contractOption{b.ID.String(), b.Name})
		}
	}
	total, typed, sums := decimal.Zero, false, true
	for i, m := range form.Milestones {
		p.Rows = append(p.Rows, milestoneRow{milestoneForm: m, Index: i, Field: milestoneField(i), Autofocus: i == focus})
		if strings.TrimSpace(m.Share) == "" {
			continue
		}
		typed = true
		var ignored fault.Fields
		if d := parseContractPercent(&ignored, "", m.Share); d != nil {
			total = total.Add(*d)
		} else {
			sums = false
		}
	}
	if typed && sums {
		p.ShareTotal = total.String()
	}
	if err != nil {
		p.Errors = fieldErrors(p.basePage, err, contractsPlace)
	}
	s.render(c, status, "contracts_new", p)
}

func (s *Server) createContract(c *gin.Context) {
	a, _ := actorOf(c)
	if err := a.Require(access.WriteContracts); err != nil {
		s.pageError(c, err)
		return
	}
	form := contractFormOf(c)
	// The schedule editor's buttons post the whole form and get it back with
	// a row more or less: nothing typed is lost, with or without JavaScript.
	if c.PostForm("add_row") != "" {
		focus := -1
		if len(form.Milestones) < maxMilestoneRows {
			form.Milestones = append(form.Milestones, milestoneForm{})
			focus = len(form.Milestones) - 1
		}
		s.showContractForm(c, http.StatusOK, form, focus, nil)
		return
	}
	if raw := c.PostForm("remove_row"); raw != "" {
		if i, err := strconv.Atoi(raw); err == nil && i >= 0 && i < len(form.Milestones) {
			form.Milestones = slices.Delete(form.Milestones, i, i+1)
		}
		s.showContractForm(c, http.StatusOK, form, -1, nil)
		return
	}

	form = form.withoutBlankRows()
	in, err := form.input()
	if err == nil {
		var d contracts.ContractDetail
		d, err = s.contracts.CreateContract(c.Request.Context(), a, in)
		if err == nil {
			s.sessions.Put(c.Request.Context(), "flash", "contracts.new.created")
			c.Redirect(http.StatusSeeOther, "/contracts/"+d.ID.String())
			return
		}
	}
	status, ok := s.formFailure(c, err)
	if !ok {
		return
	}
	if len(form.Milestones) == 0 {
		form.Milestones = make([]milestoneForm, defaultMilestoneRows)
	}
	s.showContractForm(c, status, form, -1, err)
}
