package contracts

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Provider is an organisation Tranche buys from: a college, a welfare
// organisation, a reintegration company. Users with the provider role
// belong to exactly one provider.
type Provider struct {
	ID           uuid.UUID `json:"id"`
	KVK          string    `json:"kvk" gorm:"column:kvk"`
	LegalName    string    `json:"legal_name"`
	IBAN         string    `json:"iban" gorm:"column:iban"`
	BIC          string    `json:"bic" gorm:"column:bic"`
	VATNumber    string    `json:"vat_number" gorm:"column:vat_number"`
	AddressLine1 string    `json:"address_line1" gorm:"column:address_line1"`
	AddressLine2 string    `json:"address_line2" gorm:"column:address_line2"`
	Postcode     string    `json:"postcode"`
	City         string    `json:"city"`
	Country      string    `json:"country"`
	ContactName  string    `json:"contact_name"`
	ContactEmail string    `json:"contact_email"`
	ContactPhone string    `json:"contact_phone"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ProviderInput is what procurement types to register or update a provider.
// Identifiers may be typed with spaces; they are stored normalised.
type ProviderInput struct {
	KVK          string
	LegalName    string
	IBAN         string
	BIC          string // optional: SEPA transfers in the euro area do not need it
	VATNumber    string // optional: foundations exempt from VAT have none
	AddressLine1 string
	AddressLine2 string
	Postcode     string
	City         string
	Country      string // ISO 3166 alpha-2; empty means NL
	ContactName  string
	ContactEmail string
	ContactPhone string
}

// ProviderFilter narrows ListProviders.
type ProviderFilter struct {
	Query string // part of the legal name, or the exact KvK number
	Page  database.Page
}

// RegisterProvider registers a provider organisation.
func (s *Service) RegisterProvider(ctx context.Context, actor access.Actor, in ProviderInput) (Provider, error) {
	if err := actor.Require(access.WriteProviders); err != nil {
		return Provider{}, err
	}
	p, err := in.provider()
	if err != nil {
		return Provider{}, err
	}
	p.ID = uuid.Must(uuid.NewV7())
	p.CreatedAt = s.now()
	p.UpdatedAt = p.CreatedAt
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := insertProvider(ctx, tx, &p); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "provider.register", EntityType: "provider", EntityID: p.ID.String(), After: p})
	})
	if err != nil {
		return Provider{}, err
	}
	return p, nil
}

// UpdateProvider replaces a provider's details.
func (s *Service) UpdateProvider(ctx context.Context, actor access.Actor, id uuid.UUID, in ProviderInput) (Provider, error) {
	if err := actor.Require(access.WriteProviders); err != nil {
		return Provider{}, err
	}
	next, err := in.provider()
	if err != nil {
		return Provider{}, err
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		before, err := findProvider(ctx, tx, id, true)
		if err != nil {
			return err
		}
		next.ID, next.CreatedAt, next.UpdatedAt = before.ID, before.CreatedAt, s.now()
		if err := updateProvider(ctx, tx, next); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "provider.update", EntityType: "provider", EntityID: id.String(), Before: before, After: next})
	})
	if err != nil {
		return Provider{}, err
	}
	return next, nil
}

// GetProvider returns one provider. A provider user sees only its own
// organisation; any other gives not_found.
func (s *Service) GetProvider(ctx context.Context, actor access.Actor, id uuid.UUID) (Provider, error) {
	if err := actor.Require(access.ReadProviders); err != nil {
		return Provider{}, err
	}
	if !visible(actor, id) {
		return Provider{}, providerNotFound(id)
	}
	return findProvider(ctx, s.db, id, false)
}

// ListProviders lists providers in registration order, one page at a time;
// it returns the cursor of the next page ("" at the end). A provider user
// sees only its own organisation.
func (s *Service) ListProviders(ctx context.Context, actor access.Actor, f ProviderFilter) ([]Provider, string, error) {
	if err := actor.Require(access.ReadProviders); err != nil {
		return nil, "", err
	}
	items, err := listProviders(ctx, s.db, f, actor.ProviderID)
	if err != nil {
		return nil, "", err
	}
	items, next := database.Trim(f.Page, items, func(p Provider) uuid.UUID { return p.ID })
	return items, next, nil
}
