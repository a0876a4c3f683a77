package contracts

import (
	"context"
	"slices"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"gorm.io/gorm"
)

// The outcome domains a milestone can belong to.
const (
	DomainIntake        = "intake"
	DomainLanguage      = "language"
	DomainSocial        = "social"
	DomainLabour        = "labour"
	DomainParticipation = "participation"
)

// OutcomeDomains lists every outcome domain in display order.
var OutcomeDomains = []string{DomainIntake, DomainLanguage, DomainSocial, DomainLabour, DomainParticipation}

// Category is a kind of service that is bought (language, civic integration,
// reintegration …). Funding streams are earmarked for categories, and each
// contract product belongs to one; its outcome domains are the ones its
// milestones may use.
type Category struct {
	Code           string    `json:"code"`
	NameNL         string    `json:"name_nl" gorm:"column:name_nl"`
	NameEN         string    `json:"name_en" gorm:"column:name_en"`
	NameDE         string    `json:"name_de" gorm:"column:name_de"`
	OutcomeDomains Codes     `json:"outcome_domains"`
	Active         bool      `json:"active"`
	CreatedAt      time.Time `json:"created_at"`
}

// Name returns the category's name in the given locale (nl, en or de).
func (c Category) Name(locale string) string {
	switch locale {
	case "en":
		return c.NameEN
	case "de":
		return c.NameDE
	}
	return c.NameNL
}

// HasDomain reports whether milestones of this category may use domain.
func (c Category) HasDomain(domain string) bool { return slices.Contains(c.OutcomeDomains, domain) }

// CategoryInput creates or updates a category. Code is ignored on update.
type CategoryInput struct {
	Code           string
	NameNL         string
	NameEN         string
	NameDE         string
	OutcomeDomains []string
	Active         bool
}

// ListCategories returns the service categories by code; inactive ones only
// when asked (an old contract may still use them).
func (s *Service) ListCategories(ctx context.Context, actor access.Actor, includeInactive bool) ([]Category, error) {
	if !actor.Can(access.ReadContracts) && !actor.Can(access.ReadFunding) && !actor.Can(access.ReadTenders) {
		return nil, actor.Require(access.ReadContracts)
	}
	return listCategories(ctx, s.db, !includeInactive)
}

// CreateCategory adds a service category.
func (s *Service) CreateCategory(ctx context.Context, actor access.Actor, in CategoryInput) (Category, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return Category{}, err
	}
	c, err := in.category(true)
	if err != nil {
		return Category{}, err
	}
	c.CreatedAt = s.now()
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := insertCategory(ctx, tx, &c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "category.create", EntityType: "service_category", EntityID: c.Code, After: c})
	})
	if err != nil {
		return Category{}, err
	}
	return c, nil
}

// UpdateCategory changes a category's names, outcome domains and whether it
// is offered for new contracts. Existing contract versions keep their
// schedules; a domain taken away only limits new products.
func (s *Service) UpdateCategory(ctx context.Context, actor access.Actor, code string, in CategoryInput) (Category, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return Category{}, err
	}
	next, err := in.category(false)
	if err != nil {
		return Category{}, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		before, err := findCategory(ctx, tx, code, true)
		if err != nil {
			return err
		}
		next.Code, next.CreatedAt = before.Code, before.CreatedAt
		if err := updateCategory(ctx, tx, next); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "category.update", EntityType: "service_category", EntityID: code, Before: before, After: next})
	})
	if err != nil {
		return Category{}, err
	}
	return next, nil
}
