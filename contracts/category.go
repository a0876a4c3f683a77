package contracts

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
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

var categoryCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

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
