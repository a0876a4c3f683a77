package contracts

import (
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestRegisterProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	if p.IBAN != "NL91ABNA0417164300" || p.BIC != "ABNANL2A" || p.ContactEmail != "contact@taalhuis.example" || p.Country != "NL" {
		t.Errorf("stored %+v; want normalised IBAN, BIC, email and country NL", p)
	}
	got, err := e.svc.GetProvider(ctx, auditor, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.LegalName != "Taalhuis Twente" || got.IBAN != p.IBAN || got.Postcode != "7534 AA" || got.ContactName != "Ayşe Yılmaz" {
		t.Errorf("GetProvider = %+v, want what was registered", got)
	}
	if n := auditCount(t, e.db, "provider.register", p.ID.String()); n != 1 {
		t.Errorf("provider.register events = %d, want 1", n)
	}
}

func TestProviderValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	registerProvider(t, e, "12345678", "Taalhuis Twente")
	tests := []struct {
		name  string
		edit  func(*ProviderInput)
		field string
		code  fault.Code
	}{
		{"KvK too short", func(in *ProviderInput) { in.KVK = "1234567" }, "kvk", KVKInvalid},
		{"KvK with letters", func(in *ProviderInput) { in.KVK = "1234567X" }, "kvk", KVKInvalid},
		{"KvK missing", func(in *ProviderInput) { in.KVK = "" }, "kvk", Required},
		{"KvK taken", func(in *ProviderInput) { in.KVK = "12345678" }, "kvk", KVKTaken},
		{"IBAN check digits", func(in *ProviderInput) { in.IBAN = "NL91ABNA0417164301" }, "iban", IBANInvalid},
		{"IBAN length", func(in *ProviderInput) { in.IBAN = "DE8937040044053201300" }, "iban", IBANInvalid},
		{"IBAN missing", func(in *ProviderInput) { in.IBAN = "" }, "iban", Required},
		{"BIC", func(in *ProviderInput) { in.BIC = "ABNA-NL2A" }, "bic", BICInvalid},
		{"VAT number", func(in *ProviderInput) { in.VATNumber = "NL12345678B01" }, "vat_number", VATNumberInvalid},
		{"legal name missing", func(in *ProviderInput) { in.LegalName = " " }, "legal_name", Required},
		{"contact email", func(in *ProviderInput) { in.ContactEmail = "not an address" }, "contact_email", EmailInvalid},
		{"country", func(in *ProviderInput) { in.Country = "Nederland" }, "country", CountryInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := providerInput("87654321", "ROC van Twente")
			tt.edit(&in)
			_, err := e.svc.RegisterProvider(ctx, procurement, in)
			if !hasField(err, tt.field, tt.code) {
				t.Fatalf("RegisterProvider error = %s, want %s on %s", describe(err), tt.code.Code, tt.field)
			}
		})
	}
	var row struct{ N int }
	e.db.Raw(`SELECT count(*) AS n FROM providers`).Scan(&row)
	if row.N != 1 {
		t.Errorf("providers stored = %d, want only the first", row.N)
	}
}

func TestUpdateProvider(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := registerProvider(t, e, "12345678", "Taalhuis Twente")
	in := providerInput("12345678", "Stichting Taalhuis Twente")
	in.IBAN, in.BIC = "NL44RABO0123456789", ""
	got, err := e.svc.UpdateProvider(ctx, procurement, p.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	again := must(e.svc.GetProvider(ctx, procurement, p.ID))
	if got.LegalName != "Stichting Taalhuis Twente" || again.IBAN != "NL44RABO0123456789" || again.BIC != "" || !again.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("after update %+v", again)
	}
	if n := auditCount(t, e.db, "provider.update", p.ID.String()); n != 1 {
		t.Errorf("provider.update events = %d, want 1", n)
	}
	_, err = e.svc.UpdateProvider(ctx, procurement, uuid.Must(uuid.NewV7()), in)
	if !fault.HasCode(err, ProviderNotFound) {
		t.Errorf("update of unknown provider: %v, want provider_not_found", err)
	}
}

func TestProviderPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := registerProvider(t, e, "12345678", "Taalhuis Twente")
	b := registerProvider(t, e, "23456789", "Werkbedrijf Oost")
	for _, who := range []access.Actor{casemanager, auditor, providerUser(a.ID), user(access.Finance)} {
		if _, err := e.svc.RegisterProvider(ctx, who, providerInput("34567890", "X")); !fault.HasCode(err, fault.Forbidden) {
			t.Errorf("RegisterProvider as %v: %v, want forbidden", who.Roles, err)
		}
		if _, err := e.svc.UpdateProvider(ctx, who, a.ID, providerInput("12345678", "X")); !fault.HasCode(err, fault.Forbidden) {
			t.Errorf("UpdateProvider as %v: %v, want forbidden", who.Roles, err)
		}
	}
	own := providerUser(a.ID)
	if _, err := e.svc.GetProvider(ctx, own, a.ID); err != nil {
		t.Errorf("provider reads itself: %v", err)
	}
	if _, err := e.svc.GetProvider(ctx, own, b.ID); !fault.HasCode(err, ProviderNotFound) {
		t.Errorf("provider reads another provider: %v, want provider_not_found", err)
	}
	list, _, err := e.svc.ListProviders(ctx, own, ProviderFilter{})
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Errorf("provider's ListProviders = %v, %v; want only itself", list, err)
	}
	list, _, err = e.svc.ListProviders(ctx, auditor, ProviderFilter{})
	if err != nil || len(list) != 2 {
		t.Errorf("auditor's ListProviders = %d, %v; want 2", len(list), err)
	}
	list, _, err = e.svc.ListProviders(ctx, procurement, ProviderFilter{Query: "werk"})
	if err != nil || len(list) != 1 || list[0].ID != b.ID {
		t.Errorf("search 'werk' = %v, %v; want Werkbedrijf Oost", list, err)
	}
	page1, next, err := e.svc.ListProviders(ctx, procurement, ProviderFilter{Page: database.Page{Limit: 1}})
	if err != nil || len(page1) != 1 || next == "" {
		t.Fatalf("first page = %d items, next %q, %v", len(page1), next, err)
	}
	after, _ := database.ParsePage(1, next)
	page2, next2, err := e.svc.ListProviders(ctx, procurement, ProviderFilter{Page: after})
	if err != nil || len(page2) != 1 || page2[0].ID == page1[0].ID || next2 != "" {
		t.Errorf("second page = %v, next %q, %v", page2, next2, err)
	}
}
