package contracts

import (
	"context"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
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

// CreateContract stores a draft contract with its first version's products.
func (s *Service) CreateContract(ctx context.Context, actor access.Actor, in ContractInput) (ContractDetail, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return ContractDetail{}, err
	}
	var out ContractDetail
	err := s.tx(ctx, func(tx *gorm.DB) (err error) {
		out, err = CreateDraft(ctx, tx, actor, in, s.now())
		return err
	})
	return out, err
}

// CreateDraft stores a draft contract in the caller's transaction tx, by
// the same rules as CreateContract, with its audit event: procurement's
// conclusion of a tender makes its contracts with it. The caller has
// checked the actor's rights.
func CreateDraft(ctx context.Context, tx *gorm.DB, actor access.Actor, in ContractInput, now time.Time) (ContractDetail, error) {
	cats, err := categoryMap(ctx, tx)
	if err != nil {
		return ContractDetail{}, err
	}
	c, v, err := planCreate(in, cats, now)
	if err != nil {
		return ContractDetail{}, err
	}
	if err := insertContract(ctx, tx, &c); err != nil {
		return ContractDetail{}, err
	}
	if err := insertVersion(ctx, tx, &v); err != nil {
		return ContractDetail{}, err
	}
	if err := insertProducts(ctx, tx, v.Products); err != nil {
		return ContractDetail{}, err
	}
	if err := updateContractColumns(ctx, tx, c.ID, map[string]any{"current_version_id": v.ID}); err != nil {
		return ContractDetail{}, err
	}
	out, err := loadDetail(ctx, tx, c.ID)
	if err != nil {
		return ContractDetail{}, err
	}
	return out, audit.Record(ctx, tx, actor, audit.Event{Action: "contract.create", EntityType: "contract", EntityID: c.ID.String(), After: out})
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
		before, err := loadDetail(ctx, tx, id)
		if err != nil {
			return err
		}
		cats, err := categoryMap(ctx, tx)
		if err != nil {
			return err
		}
		c, products, err := planDraftUpdate(current, in, cats, s.now())
		if err != nil {
			return err
		}
		if err := updateContractTerms(ctx, tx, c); err != nil {
			return err
		}
		if err := deleteProducts(ctx, tx, *current.CurrentVersionID); err != nil {
			return err
		}
		if err := insertProducts(ctx, tx, products); err != nil {
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
		now := s.now()
		p, err := planTransition(before, to, now)
		if err != nil {
			return err
		}
		if p.Activate {
			if s.funds != nil {
				available, err := s.funds.BudgetAvailable(ctx, tx, *before.BudgetID)
				if err != nil {
					return err
				}
				if err := checkBudgetAvailable(before, available); err != nil {
					return err
				}
			}
			if err := freezeVersion(ctx, tx, *before.CurrentVersionID, now); err != nil {
				return err
			}
		}
		if err := updateContractColumns(ctx, tx, id, p.Columns); err != nil {
			return err
		}
		if out, err = findContract(ctx, tx, id, false); err != nil {
			return err
		}
		after := struct {
			Contract
			Reason string `json:"reason,omitempty"`
		}{out, strings.TrimSpace(reason)}
		return audit.Record(ctx, tx, actor, audit.Event{Action: p.Action, EntityType: "contract", EntityID: id.String(), Before: before, After: after})
	})
	return out, err
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
			return contractNotFound(id)
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
			return versionNotFound(versionID)
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
	f, ok := scopeContracts(actor, f)
	if !ok {
		return []Contract{}, "", nil
	}
	if err := checkStatusFilter(f.Status); err != nil {
		return nil, "", err
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
	f, ok := scopeContracts(actor, f)
	if !ok {
		return 0, nil
	}
	if err := checkStatusFilter(f.Status); err != nil {
		return 0, err
	}
	return database.Sorted(contractQuery(ctx, s.db, f), ContractSorts, srt, fn)
}
