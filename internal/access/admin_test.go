package access_test

import (
	"context"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// lastEvent is the newest audit entry on a user.
func lastEvent(t *testing.T, db *database.DB, id uuid.UUID) audit.Entry {
	t.Helper()
	entries, err := audit.List(context.Background(), db.Gorm, audit.Filter{EntityType: "user", EntityID: id.String()})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no audit entries")
	}
	last := entries[0]
	for _, e := range entries {
		if e.Seq > last.Seq {
			last = e
		}
	}
	return last
}

func TestSetRoles(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	if err := db.Gorm.Exec(`INSERT INTO providers (id, kvk, legal_name) VALUES (?, '12345678', 'Taalhuis Twente')`, uuid.New()).Error; err != nil {
		t.Fatal(err)
	}
	adm, err := s.CreateUser(ctx, admin, access.NewUser{Email: "admin@x.example", Roles: []access.Role{access.Admin}})
	if err != nil {
		t.Fatal(err)
	}
	me, err := s.ActorByID(ctx, adm.ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.CreateUser(ctx, admin, access.NewUser{Email: "v@x.example", Roles: []access.Role{access.Verifier}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CreateUser(ctx, admin, access.NewUser{Email: "p@x.example", Roles: []access.Role{access.Provider}, ProviderKVK: "12345678"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.SetRoles(ctx, me, v.ID, []access.Role{access.Verifier, access.Finance})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Roles) != 2 {
		t.Fatalf("roles = %v, want finance and verifier", u.Roles)
	}
	a, err := s.ActorByID(ctx, v.ID)
	if err != nil || !a.Has(access.Finance) || !a.Has(access.Verifier) {
		t.Fatalf("actor = %+v, %v; want finance and verifier", a, err)
	}
	ev := lastEvent(t, db, v.ID)
	if ev.Action != "user.roles" || string(ev.Before) != `{"roles": ["verifier"]}` || string(ev.After) != `{"roles": ["finance", "verifier"]}` || ev.ActorID == nil || *ev.ActorID != adm.ID {
		t.Fatalf("audit = %s %s -> %s by %v, want user.roles verifier -> finance,verifier by the admin", ev.Action, ev.Before, ev.After, ev.ActorID)
	}
	tests := []struct {
		name     string
		by       access.Actor
		id       uuid.UUID
		roles    []access.Role
		wantCode fault.Code
	}{
		{"unknown role", me, v.ID, []access.Role{"king"}, fault.InvalidInput},
		{"no roles", me, v.ID, nil, fault.InvalidInput},
		{"municipal user to provider", me, v.ID, []access.Role{access.Provider}, fault.InvalidInput},
		{"provider user to municipal", me, p.ID, []access.Role{access.Finance}, fault.InvalidInput},
		{"provider user with another role", me, p.ID, []access.Role{access.Provider, access.Auditor}, fault.InvalidInput},
		{"own admin role", me, adm.ID, []access.Role{access.Auditor}, access.OwnAdminRole},
		{"unknown user", me, uuid.New(), []access.Role{access.Auditor}, access.UserNotFound},
		{"not an admin", a, v.ID, []access.Role{access.Auditor}, fault.Forbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.SetRoles(ctx, tt.by, tt.id, tt.roles)
			if e, ok := fault.As(err); !ok || e.Code != tt.wantCode {
				t.Fatalf("err = %v, want code %s", err, tt.wantCode.Code)
			}
		})
	}
	if _, err := s.SetRoles(ctx, me, adm.ID, []access.Role{access.Admin, access.Auditor}); err != nil {
		t.Fatalf("an admin may add a role to themselves: %v", err)
	}
	if _, err := s.SetRoles(ctx, me, p.ID, []access.Role{access.Provider}); err != nil {
		t.Fatalf("a provider user keeps the provider role: %v", err)
	}
}

func TestSetActive(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	adm, err := s.CreateUser(ctx, admin, access.NewUser{Email: "admin@x.example", Roles: []access.Role{access.Admin}})
	if err != nil {
		t.Fatal(err)
	}
	me, _ := s.ActorByID(ctx, adm.ID)
	v, err := s.CreateUser(ctx, admin, access.NewUser{Email: "v@x.example", Password: "correct horse battery", Roles: []access.Role{access.Verifier}})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := s.CreateToken(ctx, admin, "v@x.example", "import")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetActive(ctx, me, v.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "v@x.example", "correct horse battery"); !fault.HasCode(err, access.BadCredentials) {
		t.Fatalf("login of a deactivated user: err = %v, want invalid_credentials", err)
	}
	if _, err := s.ActorByToken(ctx, secret); !fault.HasCode(err, access.TokenUnknown) {
		t.Fatalf("token of a deactivated user: err = %v, want token_invalid", err)
	}
	if _, err := s.ActorByID(ctx, v.ID); !fault.HasCode(err, fault.Unauthenticated) {
		t.Fatalf("session of a deactivated user: err = %v, want unauthenticated", err)
	}
	ev := lastEvent(t, db, v.ID)
	if ev.Action != "user.deactivate" || string(ev.Before) != `{"active": true}` || string(ev.After) != `{"active": false}` {
		t.Fatalf("audit = %s %s -> %s, want user.deactivate active true -> false", ev.Action, ev.Before, ev.After)
	}
	if _, err := s.SetActive(ctx, me, v.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "v@x.example", "correct horse battery"); err != nil {
		t.Fatalf("login after reactivation: %v", err)
	}
	if _, err := s.ActorByToken(ctx, secret); err != nil {
		t.Fatalf("token after reactivation: %v", err)
	}
	if ev := lastEvent(t, db, v.ID); ev.Action != "user.reactivate" || string(ev.After) != `{"active": true}` {
		t.Fatalf("audit = %s -> %s, want user.reactivate", ev.Action, ev.After)
	}
	if _, err := s.SetActive(ctx, me, adm.ID, false); !fault.HasCode(err, access.SelfDeactivation) {
		t.Fatalf("self deactivation: err = %v, want self_deactivation", err)
	}
	va, _ := s.ActorByID(ctx, v.ID)
	if _, err := s.SetActive(ctx, va, adm.ID, false); !fault.HasCode(err, fault.Forbidden) {
		t.Fatalf("non-admin: err = %v, want forbidden", err)
	}
	if _, err := s.SetActive(ctx, me, uuid.New(), false); !fault.HasCode(err, access.UserNotFound) {
		t.Fatalf("unknown user: err = %v, want user_not_found", err)
	}
}

func TestResetPassword(t *testing.T) {
	db := dbtest.New(t)
	s := access.NewService(db.Gorm)
	ctx := context.Background()
	adm, err := s.CreateUser(ctx, admin, access.NewUser{Email: "admin@x.example", Roles: []access.Role{access.Admin}})
	if err != nil {
		t.Fatal(err)
	}
	me, _ := s.ActorByID(ctx, adm.ID)
	v, err := s.CreateUser(ctx, admin, access.NewUser{Email: "v@x.example", Password: "correct horse battery", Roles: []access.Role{access.Verifier}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResetPassword(ctx, me, v.ID, "a new long passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "v@x.example", "correct horse battery"); !fault.HasCode(err, access.BadCredentials) {
		t.Fatalf("old password: err = %v, want invalid_credentials", err)
	}
	if _, err := s.Authenticate(ctx, "v@x.example", "a new long passphrase"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	ev := lastEvent(t, db, v.ID)
	var hash string
	db.Gorm.Raw(`SELECT password_hash FROM users WHERE id = ?`, v.ID).Scan(&hash)
	if ev.Action != "user.password_reset" || string(ev.Before) != `{"password_set": true}` || string(ev.After) != `{"password_set": true}` ||
		strings.Contains(string(ev.Before)+string(ev.After), hash) || strings.Contains(string(ev.After), "passphrase") {
		t.Fatalf("audit = %s %s -> %s, want user.password_reset without password or hash", ev.Action, ev.Before, ev.After)
	}
	va, _ := s.ActorByID(ctx, v.ID)
	for name, tt := range map[string]struct {
		by   access.Actor
		pw   string
		want fault.Code
	}{
		"empty":        {me, "", fault.InvalidInput},
		"short":        {me, "short", fault.InvalidInput},
		"common":       {me, "Wachtwoord1234", fault.InvalidInput},
		"unknown user": {me, "a new long passphrase", access.UserNotFound},
		"not an admin": {va, "a new long passphrase", fault.Forbidden},
	} {
		id := v.ID
		if name == "unknown user" {
			id = uuid.New()
		}
		if err := s.ResetPassword(ctx, tt.by, id, tt.pw); !fault.HasCode(err, tt.want) {
			t.Errorf("%s: err = %v, want %s", name, err, tt.want.Code)
		}
	}
}
