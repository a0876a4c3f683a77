package contracts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Status is where a contract is in its life: draft → active ⇄ suspended,
// active | suspended → ended.
type Status string

const (
	Draft     Status = "draft"
	Active    Status = "active"
	Suspended Status = "suspended"
	Ended     Status = "ended"
)

// Statuses lists every status in life order.
var Statuses = []Status{Draft, Active, Suspended, Ended}

// Contract is an agreement with one provider: a period, a spending ceiling,
// a capacity in trajectories, a VAT treatment, and the products of its
// current version. BudgetID names the pooling budget that pays for it.
type Contract struct {
	ID               uuid.UUID        `json:"id"`
	ProviderID       uuid.UUID        `json:"provider_id"`
	ProviderName     string           `json:"provider_name" gorm:"->;-:migration"`
	Reference        string           `json:"reference"`
	Title            string           `json:"title"`
	PeriodStart      time.Time        `json:"period_start" gorm:"type:date"`
	PeriodEnd        time.Time        `json:"period_end" gorm:"type:date"`
	Ceiling          decimal.Decimal  `json:"ceiling"`
	Capacity         int              `json:"capacity"`
	VATExempt        bool             `json:"vat_exempt" gorm:"column:vat_exempt"`
	VATRate          *decimal.Decimal `json:"vat_rate,omitempty" gorm:"column:vat_rate"`
	Status           Status           `json:"status"`
	BudgetID         *uuid.UUID       `json:"budget_id,omitempty"`
	CurrentVersionID *uuid.UUID       `json:"current_version_id,omitempty"`
	CreatedAt        time.Time        `json:"created_at"`
	UpdatedAt        time.Time        `json:"updated_at"`
	ActivatedAt      *time.Time       `json:"activated_at,omitempty"`
	EndedAt          *time.Time       `json:"ended_at,omitempty"`
}

// Version is one edition of a contract's products. Version 1 is the draft's
// and is frozen at activation; every amendment adds a new, frozen version.
// A trajectory keeps the version it started under.
type Version struct {
	ID         uuid.UUID  `json:"id"`
	ContractID uuid.UUID  `json:"contract_id"`
	Number     int        `json:"number"`
	Note       string     `json:"note"`
	CreatedAt  time.Time  `json:"created_at"`
	FrozenAt   *time.Time `json:"frozen_at,omitempty"`
	Products   []Product  `json:"products,omitempty" gorm:"-"`
}

// Product returns the version's product with code.
func (v Version) Product(code string) (Product, bool) {
	for _, p := range v.Products {
		if p.Code == code {
			return p, true
		}
	}
	return Product{}, false
}

// ContractDetail is a contract with its current version (products,
// milestones and tranche amounts) and the list of all its versions.
type ContractDetail struct {
	Contract
	Current  Version   `json:"current_version"`
	Versions []Version `json:"versions"` // without products, by number
}

// ContractInput is a draft contract as procurement types it.
type ContractInput struct {
	ProviderID  uuid.UUID
	Reference   string
	Title       string
	PeriodStart time.Time // a date; the time of day is ignored
	PeriodEnd   time.Time
	Ceiling     decimal.Decimal
	Capacity    int
	VATExempt   bool
	VATRate     *decimal.Decimal // percent; required unless VATExempt
	BudgetID    *uuid.UUID
	Products    []Product // IDs and positions are assigned; Tranche is computed
}

// ContractFilter narrows ListContracts; zero fields do not filter.
type ContractFilter struct {
	ProviderID *uuid.UUID
	Status     Status
	Page       database.Page
}

var referencePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$`)

func dateOnly(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

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
	if c.Capacity <= 0 {
		addField(&errs, "capacity", CapacityNotPositive, "at least one trajectory")
	}
	if c.Capacity > MaxCapacity {
		addField(&errs, "capacity", OutOfRange, fmt.Sprintf("at most %d trajectories", MaxCapacity))
	}
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

// CreateContract stores a draft contract with its first version's products.
func (s *Service) CreateContract(ctx context.Context, actor access.Actor, in ContractInput) (ContractDetail, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return ContractDetail{}, err
	}
	var out ContractDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		cats, err := categoryMap(ctx, tx)
		if err != nil {
			return err
		}
		c, products, err := in.check(cats)
		if err != nil {
			return err
		}
		now := s.now()
		c.ID = uuid.Must(uuid.NewV7())
		c.Status = Draft
		c.CreatedAt, c.UpdatedAt = now, now
		if err := insertContract(ctx, tx, &c); err != nil {
			return err
		}
		v := Version{ID: uuid.Must(uuid.NewV7()), ContractID: c.ID, Number: 1, CreatedAt: now}
		if err := insertVersion(ctx, tx, &v); err != nil {
			return err
		}
		if v.Products, err = insertProducts(ctx, tx, v.ID, products); err != nil {
			return err
		}
		c.CurrentVersionID = &v.ID
		if err := updateContractColumns(ctx, tx, c.ID, map[string]any{"current_version_id": v.ID}); err != nil {
			return err
		}
		if out, err = loadDetail(ctx, tx, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "contract.create", EntityType: "contract", EntityID: c.ID.String(), After: out})
	})
	return out, err
}

// UpdateDraft replaces a draft contract's terms and products.
func (s *Service) UpdateDraft(ctx context.Context, actor access.Actor, id uuid.UUID, in ContractInput) (ContractDetail, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return ContractDetail{}, err
	}
	var out ContractDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		current, err := findContract(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if current.Status != Draft {
			return fault.New(ContractNotDraft, "contract %s is %s; amend it instead", current.Reference, current.Status)
		}
		before, err := loadDetail(ctx, tx, id)
		if err != nil {
			return err
		}
		cats, err := categoryMap(ctx, tx)
		if err != nil {
			return err
		}
		c, products, err := in.check(cats)
		if err != nil {
			return err
		}
		c.ID, c.Status, c.CreatedAt, c.UpdatedAt = id, Draft, current.CreatedAt, s.now()
		if err := updateContractTerms(ctx, tx, c); err != nil {
			return err
		}
		if err := deleteProducts(ctx, tx, *current.CurrentVersionID); err != nil {
			return err
		}
		if _, err := insertProducts(ctx, tx, *current.CurrentVersionID, products); err != nil {
			return err
		}
		if out, err = loadDetail(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "contract.update_draft", EntityType: "contract", EntityID: id.String(), Before: before, After: out})
	})
	return out, err
}

// ActivateContract puts a draft into force (freezing its first version), or
// resumes a suspended contract.
func (s *Service) ActivateContract(ctx context.Context, actor access.Actor, id uuid.UUID) (Contract, error) {
	return s.transition(ctx, actor, id, Active, "")
}

// SuspendContract stops new trajectories under an active contract;
// trajectories already running go on.
func (s *Service) SuspendContract(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Contract, error) {
	return s.transition(ctx, actor, id, Suspended, reason)
}

// EndContract ends an active or suspended contract for good.
func (s *Service) EndContract(ctx context.Context, actor access.Actor, id uuid.UUID, reason string) (Contract, error) {
	return s.transition(ctx, actor, id, Ended, reason)
}

// allowed lists the statuses a contract may move to from each status.
var allowed = map[Status][]Status{
	Draft:     {Active},
	Active:    {Suspended, Ended},
	Suspended: {Active, Ended},
}

func (s *Service) transition(ctx context.Context, actor access.Actor, id uuid.UUID, to Status, reason string) (Contract, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return Contract{}, err
	}
	var out Contract
	err := s.tx(ctx, func(tx *gorm.DB) error {
		before, err := findContract(ctx, tx, id, true)
		if err != nil {
			return err
		}
		ok := false
		for _, st := range allowed[before.Status] {
			ok = ok || st == to
		}
		if !ok {
			return fault.New(ContractTransition, "contract %s is %s and cannot become %s", before.Reference, before.Status, to)
		}
		now := s.now()
		cols := map[string]any{"status": to, "updated_at": now}
		action := map[Status]string{Active: "contract.activate", Suspended: "contract.suspend", Ended: "contract.end"}[to]
		switch {
		case before.Status == Draft:
			if err := s.checkFunded(ctx, tx, before); err != nil {
				return err
			}
			if err := freezeVersion(ctx, tx, *before.CurrentVersionID, now); err != nil {
				return err
			}
			cols["activated_at"] = now
		case before.Status == Suspended && to == Active:
			action = "contract.resume"
		case to == Ended:
			cols["ended_at"] = now
		}
		if err := updateContractColumns(ctx, tx, id, cols); err != nil {
			return err
		}
		if out, err = findContract(ctx, tx, id, false); err != nil {
			return err
		}
		after := struct {
			Contract
			Reason string `json:"reason,omitempty"`
		}{out, strings.TrimSpace(reason)}
		return audit.Record(ctx, tx, actor, audit.Event{Action: action, EntityType: "contract", EntityID: id.String(), Before: before, After: after})
	})
	return out, err
}

// checkFunded refuses to activate a contract that names no budget, or
// whose budget has no money available: its trajectories could never be
// committed, so the first start would fail instead of the activation.
func (s *Service) checkFunded(ctx context.Context, tx *gorm.DB, c Contract) error {
	if c.BudgetID == nil {
		return fault.New(ContractBudgetMissing, "contract %s names no budget; choose the budget that pays for it before activating", c.Reference)
	}
	if s.funds == nil {
		return nil
	}
	available, err := s.funds.BudgetAvailable(ctx, tx, *c.BudgetID)
	if err != nil {
		return err
	}
	if !available.IsPositive() {
		return fault.New(ContractBudgetEmpty, "the budget of contract %s has no money available; allocate funding to it before activating", c.Reference)
	}
	return nil
}

// GetContract returns a contract with its current version's products,
// milestones and tranche amounts. A provider user gets not_found for
// another provider's contract.
func (s *Service) GetContract(ctx context.Context, actor access.Actor, id uuid.UUID) (ContractDetail, error) {
	if err := actor.Require(access.ReadContracts); err != nil {
		return ContractDetail{}, err
	}
	var out ContractDetail
	err := database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		c, err := findContract(ctx, tx, id, false)
		if err != nil {
			return err
		}
		if !visible(actor, c.ProviderID) {
			return notFound("contract", id)
		}
		out, err = loadDetail(ctx, tx, id)
		return err
	}, readOnly)
	return out, err
}

// GetVersion returns one version of a contract with its products, also an
// old one: trajectories started under it still run by it.
func (s *Service) GetVersion(ctx context.Context, actor access.Actor, versionID uuid.UUID) (Version, error) {
	if err := actor.Require(access.ReadContracts); err != nil {
		return Version{}, err
	}
	var out Version
	err := database.Transaction(ctx, s.db, func(tx *gorm.DB) error {
		v, err := findVersion(ctx, tx, versionID)
		if err != nil {
			return err
		}
		c, err := findContract(ctx, tx, v.ContractID, false)
		if err != nil {
			return err
		}
		if !visible(actor, c.ProviderID) {
			return notFound("contract version", versionID)
		}
		if v.Products, err = loadProducts(ctx, tx, v.ID, ""); err != nil {
			return err
		}
		out = v
		return nil
	}, readOnly)
	return out, err
}

// ListContracts lists contracts in creation order, one page at a time, with
// the cursor of the next page ("" at the end). A provider user sees only its
// own contracts, whatever the filter says.
func (s *Service) ListContracts(ctx context.Context, actor access.Actor, f ContractFilter) ([]Contract, string, error) {
	if err := actor.Require(access.ReadContracts); err != nil {
		return nil, "", err
	}
	if actor.IsProvider() {
		if f.ProviderID != nil && !actor.OwnsProvider(*f.ProviderID) {
			return []Contract{}, "", nil
		}
		f.ProviderID = actor.ProviderID
	}
	if f.Status != "" && !validStatus(f.Status) {
		return nil, "", fault.Invalid(fault.Field("status", "status_unknown", "choose from draft, active, suspended, ended"))
	}
	items, err := listContracts(ctx, s.db, f)
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(f.Page, items, func(c Contract) uuid.UUID { return c.ID })
	return items, next, nil
}

// ContractSorts are the keys a list of contracts may be sorted by.
var ContractSorts = database.NewSortKeys("contracts.id",
	"created", "contracts.created_at",
	"reference", "contracts.reference",
	"title", "contracts.title",
	"provider", "providers.legal_name",
	"start", "contracts.period_start",
	"end", "contracts.period_end",
	"ceiling", "contracts.ceiling",
	"status", "contracts.status")

// SortedContracts calls fn with the contracts f selects that actor may see,
// sorted and paged as srt asks (all of them, streamed, without a limit), and
// returns how many f selects in all. A provider user sees only its own
// contracts, whatever the filter says.
func (s *Service) SortedContracts(ctx context.Context, actor access.Actor, f ContractFilter, srt database.Sort, fn func(Contract) error) (int64, error) {
	if err := actor.Require(access.ReadContracts); err != nil {
		return 0, err
	}
	if actor.IsProvider() {
		if f.ProviderID != nil && !actor.OwnsProvider(*f.ProviderID) {
			return 0, nil
		}
		f.ProviderID = actor.ProviderID
	}
	if f.Status != "" && !validStatus(f.Status) {
		return 0, fault.Invalid(fault.Field("status", "status_unknown", "choose from draft, active, suspended, ended"))
	}
	return database.Sorted(contractQuery(ctx, s.db, f), ContractSorts, srt, fn)
}

func validStatus(st Status) bool {
	for _, s := range Statuses {
		if s == st {
			return true
		}
	}
	return false
}

// loadDetail reads a contract, its versions, and its current version's products.
func loadDetail(ctx context.Context, tx *gorm.DB, id uuid.UUID) (ContractDetail, error) {
	c, err := findContract(ctx, tx, id, false)
	if err != nil {
		return ContractDetail{}, err
	}
	d := ContractDetail{Contract: c}
	if d.Versions, err = listVersions(ctx, tx, id); err != nil {
		return ContractDetail{}, err
	}
	for _, v := range d.Versions {
		if c.CurrentVersionID != nil && v.ID == *c.CurrentVersionID {
			d.Current = v
		}
	}
	if d.Current.Products, err = loadProducts(ctx, tx, d.Current.ID, ""); err != nil {
		return ContractDetail{}, err
	}
	return d, nil
}
