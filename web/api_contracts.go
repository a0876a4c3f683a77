package web

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// ProviderBody is a provider as the API shows it and takes it.
type ProviderBody struct {
	ID           uuid.UUID `json:"id,omitempty" readOnly:"true"`
	KVK          string    `json:"kvk" doc:"Chamber of Commerce number, 8 digits."`
	LegalName    string    `json:"legal_name"`
	IBAN         string    `json:"iban" doc:"Checked by country length and mod-97."`
	BIC          string    `json:"bic,omitempty"`
	VATNumber    string    `json:"vat_number,omitempty" doc:"NL123456789B01, DE123456789 or BE0123456789."`
	AddressLine1 string    `json:"address_line1,omitempty"`
	AddressLine2 string    `json:"address_line2,omitempty"`
	Postcode     string    `json:"postcode,omitempty"`
	City         string    `json:"city,omitempty"`
	Country      string    `json:"country,omitempty" doc:"ISO 3166 alpha-2; NL when left out."`
	ContactName  string    `json:"contact_name,omitempty"`
	ContactEmail string    `json:"contact_email,omitempty"`
	ContactPhone string    `json:"contact_phone,omitempty"`
}

func providerBody(p contracts.Provider) ProviderBody {
	return ProviderBody{ID: p.ID, KVK: p.KVK, LegalName: p.LegalName, IBAN: p.IBAN, BIC: p.BIC, VATNumber: p.VATNumber,
		AddressLine1: p.AddressLine1, AddressLine2: p.AddressLine2, Postcode: p.Postcode, City: p.City, Country: p.Country,
		ContactName: p.ContactName, ContactEmail: p.ContactEmail, ContactPhone: p.ContactPhone}
}

func (b ProviderBody) input() contracts.ProviderInput {
	return contracts.ProviderInput{KVK: b.KVK, LegalName: b.LegalName, IBAN: b.IBAN, BIC: b.BIC, VATNumber: b.VATNumber,
		AddressLine1: b.AddressLine1, AddressLine2: b.AddressLine2, Postcode: b.Postcode, City: b.City, Country: b.Country,
		ContactName: b.ContactName, ContactEmail: b.ContactEmail, ContactPhone: b.ContactPhone}
}

// MilestoneBody is one milestone of a schedule.
type MilestoneBody struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	OutcomeDomain    string   `json:"outcome_domain" enum:"intake,language,social,labour,participation"`
	Share            string   `json:"share,omitempty" doc:"Percent of the price, at most two decimals (\"40\", \"12.5\"); or give fixed_amount."`
	FixedAmount      string   `json:"fixed_amount,omitempty" doc:"Euro amount (\"250.00\"); or give share."`
	DeadlineMonths   int      `json:"deadline_months" doc:"Months after the trajectory's start."`
	Prerequisites    []string `json:"prerequisites,omitempty" doc:"Codes of milestones that must be verified first."`
	EvidenceRequired bool     `json:"evidence_required,omitempty"`
	EvidenceKinds    []string `json:"evidence_kinds,omitempty"`
	Tranche          string   `json:"tranche,omitempty" readOnly:"true" doc:"What the milestone pays; computed."`
}

// ProductBody is one product of a contract version.
type ProductBody struct {
	Code         string          `json:"code"`
	Name         string          `json:"name"`
	CategoryCode string          `json:"category_code"`
	Price        string          `json:"price" doc:"Price per trajectory (\"2450.55\")."`
	Milestones   []MilestoneBody `json:"milestones"`
}

// VersionBody is one version of a contract.
type VersionBody struct {
	ID        uuid.UUID     `json:"id"`
	Number    int           `json:"number"`
	Note      string        `json:"note,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	Products  []ProductBody `json:"products,omitempty"`
}

// ContractItem is a contract as a list shows it: without its versions.
type ContractItem struct {
	ID           uuid.UUID  `json:"id"`
	ProviderID   uuid.UUID  `json:"provider_id"`
	ProviderName string     `json:"provider_name"`
	Reference    string     `json:"reference"`
	Title        string     `json:"title,omitempty"`
	PeriodStart  string     `json:"period_start" format:"date"`
	PeriodEnd    string     `json:"period_end" format:"date"`
	Ceiling      string     `json:"ceiling"`
	Capacity     int        `json:"capacity"`
	VATExempt    bool       `json:"vat_exempt"`
	VATRate      string     `json:"vat_rate,omitempty"`
	Status       string     `json:"status" enum:"draft,active,suspended,ended"`
	BudgetID     *uuid.UUID `json:"budget_id,omitempty"`
}

// ContractBody is one contract with its current version (products and
// schedules) and all its versions by number (without products).
type ContractBody struct {
	ContractItem
	CurrentVersion VersionBody   `json:"current_version"`
	Versions       []VersionBody `json:"versions"`
}

func milestoneBodies(ms []contracts.Milestone) []MilestoneBody {
	out := make([]MilestoneBody, len(ms))
	for i, m := range ms {
		b := MilestoneBody{Code: m.Code, Name: m.Name, OutcomeDomain: m.OutcomeDomain, DeadlineMonths: m.DeadlineMonths,
			Prerequisites: m.Prerequisites, EvidenceRequired: m.EvidenceRequired, EvidenceKinds: m.EvidenceKinds, Tranche: money.String(m.Tranche)}
		if m.Share != nil {
			b.Share = m.Share.String()
		}
		if m.FixedAmount != nil {
			b.FixedAmount = money.String(*m.FixedAmount)
		}
		out[i] = b
	}
	return out
}

func versionBody(v contracts.Version) VersionBody {
	b := VersionBody{ID: v.ID, Number: v.Number, Note: v.Note, CreatedAt: v.CreatedAt}
	for _, p := range v.Products {
		b.Products = append(b.Products, ProductBody{Code: p.Code, Name: p.Name, CategoryCode: p.CategoryCode,
			Price: money.String(p.Price), Milestones: milestoneBodies(p.Milestones)})
	}
	return b
}

func contractItem(c contracts.Contract) ContractItem {
	b := ContractItem{ID: c.ID, ProviderID: c.ProviderID, ProviderName: c.ProviderName, Reference: c.Reference, Title: c.Title,
		PeriodStart: c.PeriodStart.Format(time.DateOnly), PeriodEnd: c.PeriodEnd.Format(time.DateOnly),
		Ceiling: money.String(c.Ceiling), Capacity: c.Capacity, VATExempt: c.VATExempt, Status: string(c.Status), BudgetID: c.BudgetID}
	if c.VATRate != nil {
		b.VATRate = c.VATRate.StringFixed(2)
	}
	return b
}

func contractDetailBody(d contracts.ContractDetail) ContractBody {
	b := ContractBody{ContractItem: contractItem(d.Contract), CurrentVersion: versionBody(d.Current), Versions: make([]VersionBody, 0, len(d.Versions))}
	for _, v := range d.Versions {
		b.Versions = append(b.Versions, versionBody(v))
	}
	return b
}

// parseProducts reads the products as typed, collecting every field error.
func parseProducts(errs *fault.Fields, in []ProductBody) []contracts.Product {
	out := make([]contracts.Product, len(in))
	for i, p := range in {
		f := fmt.Sprintf("products[%d]", i)
		prod := contracts.Product{Code: p.Code, Name: p.Name, CategoryCode: p.CategoryCode}
		prod.Price = money.ParseField(errs, f+".price", p.Price, false)
		prod.Milestones = parseMilestones(errs, f, p.Milestones)
		out[i] = prod
	}
	return out
}

// parseMilestones reads a schedule as typed; f prefixes the field paths.
func parseMilestones(errs *fault.Fields, f string, in []MilestoneBody) []contracts.Milestone {
	var out []contracts.Milestone
	for j, m := range in {
		mf := fmt.Sprintf("%s.milestones[%d]", f, j)
		ms := contracts.Milestone{Code: m.Code, Name: m.Name, OutcomeDomain: m.OutcomeDomain, DeadlineMonths: m.DeadlineMonths,
			Prerequisites: m.Prerequisites, EvidenceRequired: m.EvidenceRequired, EvidenceKinds: m.EvidenceKinds}
		if m.Share != "" {
			ms.Share = parsePercent(errs, mf+".share", m.Share)
		}
		if m.FixedAmount != "" {
			d := money.ParseField(errs, mf+".fixed_amount", m.FixedAmount, false)
			ms.FixedAmount = &d
		}
		out = append(out, ms)
	}
	return out
}

// parsePercent reads a percentage or a score ("40", "12.5").
func parsePercent(errs *fault.Fields, field, s string) *decimal.Decimal {
	d, err := decimal.NewFromString(s)
	if err != nil {
		errs.Add(field, "not_a_percentage", "a number such as 40 or 12.5")
		return nil
	}
	return &d
}

// parseDate is dateParam for forms that collect every field's error.
func parseDate(errs *fault.Fields, field, s string, required bool) time.Time {
	d, err := dateParam(field, s, required)
	if e, ok := fault.As(err); ok {
		*errs = append(*errs, e.Fields...)
	}
	return d
}

type contractInputBody struct {
	ProviderID  uuid.UUID     `json:"provider_id"`
	Reference   string        `json:"reference"`
	Title       string        `json:"title,omitempty"`
	PeriodStart string        `json:"period_start" doc:"YYYY-MM-DD"`
	PeriodEnd   string        `json:"period_end" doc:"YYYY-MM-DD"`
	Ceiling     string        `json:"ceiling" doc:"Spending ceiling (\"100000.00\")."`
	Capacity    int           `json:"capacity" doc:"Number of trajectories."`
	VATExempt   bool          `json:"vat_exempt,omitempty"`
	VATRate     string        `json:"vat_rate,omitempty" doc:"Percent, required unless vat_exempt."`
	BudgetID    *uuid.UUID    `json:"budget_id,omitempty"`
	Products    []ProductBody `json:"products"`
}

func (b contractInputBody) input() (contracts.ContractInput, error) {
	var errs fault.Fields
	in := contracts.ContractInput{ProviderID: b.ProviderID, Reference: b.Reference, Title: b.Title, Capacity: b.Capacity,
		VATExempt: b.VATExempt, BudgetID: b.BudgetID}
	in.PeriodStart = parseDate(&errs, "period_start", b.PeriodStart, false)
	in.PeriodEnd = parseDate(&errs, "period_end", b.PeriodEnd, false)
	in.Ceiling = money.ParseField(&errs, "ceiling", b.Ceiling, false)
	if b.VATRate != "" {
		in.VATRate = parsePercent(&errs, "vat_rate", b.VATRate)
	}
	in.Products = parseProducts(&errs, b.Products)
	return in, errs.Err()
}

type amendmentBody struct {
	Note      string        `json:"note,omitempty"`
	Products  []ProductBody `json:"products"`
	Ceiling   string        `json:"ceiling,omitempty"`
	Capacity  *int          `json:"capacity,omitempty"`
	PeriodEnd string        `json:"period_end,omitempty"`
}

func (b amendmentBody) amendment() (contracts.Amendment, error) {
	var errs fault.Fields
	a := contracts.Amendment{Note: b.Note, Capacity: b.Capacity}
	if b.Ceiling != "" {
		d := money.ParseField(&errs, "ceiling", b.Ceiling, false)
		a.Ceiling = &d
	}
	if b.PeriodEnd != "" {
		t := parseDate(&errs, "period_end", b.PeriodEnd, false)
		a.PeriodEnd = &t
	}
	a.Products = parseProducts(&errs, b.Products)
	return a, errs.Err()
}

type providerInput struct {
	Body ProviderBody
}
type providerOutput struct {
	Body ProviderBody
}
type providersOutput struct {
	Body ListBody[ProviderBody]
}
type idPath struct {
	ID uuid.UUID `path:"id"`
}
type providerListInput struct {
	ListParams
	Q string `query:"q" doc:"Part of the legal name, or the exact KvK number."`
}
type contractCreateInput struct {
	Body contractInputBody
}
type contractOutput struct {
	Body ContractBody
}
type contractsOutput struct {
	Body ListBody[ContractItem]
}
type contractListInput struct {
	ListParams
	ProviderID string `query:"provider_id" doc:"Only this provider's contracts."`
	Status     string `query:"status" enum:"draft,active,suspended,ended," doc:"One status; empty or absent for every status."`
}
type contractAmendInput struct {
	ID   uuid.UUID `path:"id"`
	Body amendmentBody
}
type contractReasonInput struct {
	ID   uuid.UUID `path:"id"`
	Body *struct {
		Reason string `json:"reason,omitempty"`
	}
}

// registerContractsAPI adds the provider and contract endpoints.
func (s *Server) registerContractsAPI(api huma.API) {
	registerRoutes(api,
		route(created(op(http.MethodPost, "/api/v1/providers", "create-provider", "Register a provider", "Contracts")),
			s.handleCreateProvider),
		route(op(http.MethodGet, "/api/v1/providers", "list-providers", "List providers (a provider sees itself)", "Contracts"),
			s.handleListProviders),
		route(op(http.MethodGet, "/api/v1/providers/{id}", "get-provider", "Get a provider", "Contracts"),
			s.handleGetProvider),
		route(created(op(http.MethodPost, "/api/v1/contracts", "create-contract", "Create a draft contract with its products and schedules", "Contracts")),
			s.handleCreateContract),
		route(op(http.MethodGet, "/api/v1/contracts", "list-contracts", "List contracts (a provider sees its own)", "Contracts"),
			s.handleListContracts),
		route(op(http.MethodGet, "/api/v1/contracts/{id}", "get-contract", "Get a contract with its current version", "Contracts"),
			s.handleGetContract),
		route(op(http.MethodPost, "/api/v1/contracts/{id}/activate", "activate-contract", "Activate a draft or resume a suspended contract", "Contracts"),
			s.handleActivateContract),
		route(op(http.MethodPost, "/api/v1/contracts/{id}/suspend", "suspend-contract", "Suspend an active contract", "Contracts"),
			s.handleSuspendContract),
		route(op(http.MethodPost, "/api/v1/contracts/{id}/end", "end-contract", "End an active or suspended contract", "Contracts"),
			s.handleEndContract),
		route(op(http.MethodPost, "/api/v1/contracts/{id}/amend", "amend-contract", "Amend a contract: a new version with new products", "Contracts"),
			s.handleAmendContract),
	)
}

func (s *Server) handleCreateProvider(ctx context.Context, in *providerInput) (*providerOutput, error) {
	p, err := s.contracts.RegisterProvider(ctx, actorFrom(ctx), in.Body.input())
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &providerOutput{Body: providerBody(p)}, nil
}

func (s *Server) handleListProviders(ctx context.Context, in *providerListInput) (*providersOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	items, next, err := s.contracts.ListProviders(ctx, actorFrom(ctx), contracts.ProviderFilter{Query: in.Q, Page: page})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &providersOutput{Body: listOf(items, next, providerBody)}, nil
}

func (s *Server) handleGetProvider(ctx context.Context, in *idPath) (*providerOutput, error) {
	p, err := s.contracts.GetProvider(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &providerOutput{Body: providerBody(p)}, nil
}

func (s *Server) handleCreateContract(ctx context.Context, in *contractCreateInput) (*contractOutput, error) {
	ci, err := in.Body.input()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.contracts.CreateContract(ctx, actorFrom(ctx), ci)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &contractOutput{Body: contractDetailBody(c)}, nil
}

func (s *Server) handleListContracts(ctx context.Context, in *contractListInput) (*contractsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	f := contracts.ContractFilter{Status: contracts.Status(in.Status), Page: page}
	if in.ProviderID != "" {
		id, err := uuid.Parse(in.ProviderID)
		if err != nil {
			return nil, s.fail(ctx, fault.Invalid(fault.Field("provider_id", "not_an_id", "not a UUID")))
		}
		f.ProviderID = &id
	}
	items, next, err := s.contracts.ListContracts(ctx, actorFrom(ctx), f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &contractsOutput{Body: listOf(items, next, contractItem)}, nil
}

func (s *Server) handleGetContract(ctx context.Context, in *idPath) (*contractOutput, error) {
	c, err := s.contracts.GetContract(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &contractOutput{Body: contractDetailBody(c)}, nil
}

func (s *Server) handleActivateContract(ctx context.Context, in *idPath) (*contractOutput, error) {
	return s.contractAfter(ctx, in.ID, func() error {
		_, err := s.contracts.ActivateContract(ctx, actorFrom(ctx), in.ID)
		return err
	})
}

func (s *Server) handleSuspendContract(ctx context.Context, in *contractReasonInput) (*contractOutput, error) {
	return s.contractAfter(ctx, in.ID, func() error {
		_, err := s.contracts.SuspendContract(ctx, actorFrom(ctx), in.ID, reasonOf(in))
		return err
	})
}

func (s *Server) handleEndContract(ctx context.Context, in *contractReasonInput) (*contractOutput, error) {
	return s.contractAfter(ctx, in.ID, func() error {
		_, err := s.contracts.EndContract(ctx, actorFrom(ctx), in.ID, reasonOf(in))
		return err
	})
}

func (s *Server) handleAmendContract(ctx context.Context, in *contractAmendInput) (*contractOutput, error) {
	a, err := in.Body.amendment()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.contracts.AmendContract(ctx, actorFrom(ctx), in.ID, a)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &contractOutput{Body: contractDetailBody(c)}, nil
}

func reasonOf(in *contractReasonInput) string {
	if in.Body == nil {
		return ""
	}
	return in.Body.Reason
}

// contractAfter runs a state change and answers with the contract as it now is.
func (s *Server) contractAfter(ctx context.Context, id uuid.UUID, change func() error) (*contractOutput, error) {
	if err := change(); err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.contracts.GetContract(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &contractOutput{Body: contractDetailBody(c)}, nil
}
