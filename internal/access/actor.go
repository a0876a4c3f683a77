package access

import (
	"context"
	"slices"
	"strings"

	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// Role is one of the fixed roles of DOMAIN.md.
type Role string

const (
	Admin       Role = "admin"
	Procurement Role = "procurement"
	CaseManager Role = "casemanager"
	Verifier    Role = "verifier"
	Finance     Role = "finance"
	Provider    Role = "provider"
	Auditor     Role = "auditor"
	Evaluator   Role = "evaluator"
)

// Roles lists every role in display order.
var Roles = []Role{Admin, Procurement, CaseManager, Verifier, Finance, Provider, Auditor, Evaluator}

// ParseRoles reads a comma-separated list such as "finance,auditor".
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, part := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(strings.ToLower(part)))
		if r == "" {
			continue
		}
		if !slices.Contains(Roles, r) {
			return nil, fault.Invalid(fault.Field("role", "unknown_role", "unknown role "+string(r)+"; choose from admin, procurement, casemanager, verifier, finance, provider, auditor, evaluator"))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fault.Invalid(fault.Field("role", "required", "at least one role is required"))
	}
	return out, nil
}

// Actor is who a request or command acts as.
type Actor struct {
	UserID     uuid.UUID
	Email      string
	Name       string
	Roles      []Role
	ProviderID *uuid.UUID // set exactly for provider users
	Locale     string
	system     string
}

// System returns the actor for work that no user started (commands, jobs).
func System(label string) Actor {
	return Actor{system: label, Roles: []Role{Admin, Procurement, CaseManager, Verifier, Finance, Auditor}}
}

// IsSystem reports whether the actor is a command or job rather than a user.
func (a Actor) IsSystem() bool { return a.system != "" }

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// IsProvider reports whether the actor acts for a provider organisation.
func (a Actor) IsProvider() bool { return a.ProviderID != nil }

// OwnsProvider reports whether the actor acts for the given provider.
func (a Actor) OwnsProvider(id uuid.UUID) bool { return a.ProviderID != nil && *a.ProviderID == id }

// AuditIdentity implements audit.Actor.
func (a Actor) AuditIdentity() (*uuid.UUID, string) {
	if a.system != "" {
		return nil, "system:" + a.system
	}
	id := a.UserID
	return &id, a.Email
}

// Can reports whether any of the actor's roles allows action.
func (a Actor) Can(action Action) bool {
	if a.system != "" {
		return true
	}
	for _, r := range a.Roles {
		if slices.Contains(matrix[action], r) {
			return true
		}
	}
	return false
}

// Require returns a forbidden error unless the actor may perform action.
func (a Actor) Require(action Action) error {
	if a.Can(action) {
		return nil
	}
	return fault.New(fault.Forbidden, "your roles do not allow %s", action)
}

type actorKey struct{}

// WithActor returns a context carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor carried by ctx.
func FromContext(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
