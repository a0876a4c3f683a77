package access_test

import (
	"context"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var admin = access.System("test")

func TestCreateUserAndAuthenticate(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, access.NewUser{Email: " Finance@Enschede.example ", Password: "correct horse battery", Roles: []access.Role{access.Finance}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "finance@enschede.example" {
		t.Fatalf("email = %q, want it trimmed and lower-cased", u.Email)
	}
	a, err := s.Authenticate(ctx, "finance@enschede.example", "correct horse battery")
	if err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	if !a.Has(access.Finance) || a.UserID != u.ID {
		t.Fatalf("actor = %+v, want the finance user", a)
	}
	if _, err := s.Authenticate(ctx, "finance@enschede.example", "wrong password!!"); !fault.HasCode(err, access.BadCredentials) {
		t.Fatalf("wrong password: err = %v, want invalid_credentials", err)
	}
	if _, err := s.Authenticate(ctx, "nobody@enschede.example", "correct horse battery"); !fault.HasCode(err, access.BadCredentials) {
		t.Fatalf("unknown user: err = %v, want invalid_credentials", err)
	}
	entries, err := audit.List(ctx, db.Gorm, audit.Filter{EntityType: "user", EntityID: u.ID.String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Action != "user.create" || entries[0].Actor != "system:test" {
		t.Fatalf("audit entries = %+v, want one user.create by system:test", entries)
	}
}

func TestCreateUserRejects(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	if err := db.Gorm.Exec(`INSERT INTO providers (id, kvk, legal_name) VALUES (?, '12345678', 'Taalhuis Twente')`, uuid.New()).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, admin, access.NewUser{Email: "a@x.example", Password: "long enough password", Roles: []access.Role{access.Verifier}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        access.NewUser
		by        access.Actor
		wantCode  fault.Code
		wantField string
	}{
		{"bad email", access.NewUser{Email: "not-an-email", Roles: []access.Role{access.Finance}}, admin, fault.InvalidInput, "email"},
		{"short password", access.NewUser{Email: "b@x.example", Password: "short", Roles: []access.Role{access.Finance}}, admin, fault.InvalidInput, "password"},
		{"twelve spaces", access.NewUser{Email: "b@x.example", Password: "            ", Roles: []access.Role{access.Finance}}, admin, fault.InvalidInput, "password"},
		{"common password", access.NewUser{Email: "b@x.example", Password: "Wachtwoord1234", Roles: []access.Role{access.Finance}}, admin, fault.InvalidInput, "password"},
		{"no roles", access.NewUser{Email: "b@x.example"}, admin, fault.InvalidInput, "roles"},
		{"provider without kvk", access.NewUser{Email: "b@x.example", Roles: []access.Role{access.Provider}}, admin, fault.InvalidInput, "provider"},
		{"provider and verifier", access.NewUser{Email: "b@x.example", Roles: []access.Role{access.Provider, access.Verifier}, ProviderKVK: "12345678"}, admin, fault.InvalidInput, "roles"},
		{"unknown provider", access.NewUser{Email: "b@x.example", Roles: []access.Role{access.Provider}, ProviderKVK: "87654321"}, admin, access.ProviderUnknown, ""},
		{"duplicate email", access.NewUser{Email: "A@x.example", Roles: []access.Role{access.Finance}}, admin, access.EmailTaken, ""},
		{"not an admin", access.NewUser{Email: "c@x.example", Roles: []access.Role{access.Finance}}, access.Actor{Roles: []access.Role{access.Finance}}, fault.Forbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, tt.by, tt.in)
			e, ok := fault.As(err)
			if !ok || e.Code != tt.wantCode {
				t.Fatalf("err = %v, want code %s", err, tt.wantCode.Code)
			}
			if tt.wantField != "" && (len(e.Fields) == 0 || e.Fields[0].Field != tt.wantField) {
				t.Fatalf("fields = %+v, want an error on %s", e.Fields, tt.wantField)
			}
		})
	}
	u, err := s.CreateUser(ctx, admin, access.NewUser{Email: "p@taalhuis.example", Roles: []access.Role{access.Provider}, ProviderKVK: "12345678"})
	if err != nil {
		t.Fatal(err)
	}
	if u.ProviderID == nil {
		t.Fatalf("provider user has no provider")
	}
}

func TestTokens(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, admin, access.NewUser{Email: "v@x.example", Roles: []access.Role{access.Verifier}})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.CreateToken(ctx, admin, "v@x.example", "register import")
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	db.Gorm.Raw(`SELECT count(*) FROM api_tokens WHERE token_hash = convert_to(?, 'UTF8')`, secret).Scan(&stored)
	if stored != 0 {
		t.Fatalf("the token secret is stored in clear")
	}
	a, err := s.ActorByToken(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if a.UserID != u.ID || !a.Has(access.Verifier) {
		t.Fatalf("actor = %+v, want the verifier", a)
	}
	if _, err := s.ActorByToken(ctx, secret+"x"); !fault.HasCode(err, access.TokenUnknown) {
		t.Fatalf("wrong token: err = %v, want token_invalid", err)
	}
	db.Gorm.Exec(`UPDATE api_tokens SET revoked_at = now()`)
	if _, err := s.ActorByToken(ctx, secret); !fault.HasCode(err, access.TokenUnknown) {
		t.Fatalf("revoked token: err = %v, want token_invalid", err)
	}
}
