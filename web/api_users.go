package web

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
)

// UserBody is a user as the API shows it.
type UserBody struct {
	ID         uuid.UUID  `json:"id"`
	Email      string     `json:"email"`
	Name       string     `json:"name"`
	Roles      []string   `json:"roles" enum:"admin,procurement,casemanager,verifier,finance,provider,auditor,evaluator"`
	ProviderID *uuid.UUID `json:"provider_id,omitempty"`
	Locale     string     `json:"locale"`
}

func userBody(u access.User) UserBody {
	b := UserBody{ID: u.ID, Email: u.Email, Name: u.Name, ProviderID: u.ProviderID, Locale: u.Locale, Roles: []string{}}
	for _, r := range u.Roles {
		b.Roles = append(b.Roles, string(r))
	}
	return b
}

type createUserInput struct {
	Body struct {
		Email       string   `json:"email" doc:"Login email address."`
		Name        string   `json:"name,omitempty"`
		Roles       []string `json:"roles" doc:"admin, procurement, casemanager, verifier, finance, provider, auditor, evaluator."`
		ProviderKVK string   `json:"provider_kvk,omitempty" doc:"KvK number of the provider; required with the provider role."`
		Password    string   `json:"password,omitempty" doc:"At least 12 characters; leave out for a user that only uses API tokens."`
		Locale      string   `json:"locale,omitempty" enum:"nl,en,de" doc:"Page language (default nl)."`
	}
}

type userOutput struct {
	Body UserBody
}

type usersOutput struct {
	Body ListBody[UserBody]
}

func (s *Server) registerUsersAPI(api huma.API) {
	registerRoutes(api,
		route(created(op(http.MethodPost, "/api/v1/users", "create-user", "Add a user", "Access")), s.handleCreateUser),
		route(op(http.MethodGet, "/api/v1/users", "list-users", "List users", "Access"), s.handleListUsers),
	)
}

func (s *Server) handleCreateUser(ctx context.Context, in *createUserInput) (*userOutput, error) {
	var roles []access.Role
	for _, r := range in.Body.Roles {
		roles = append(roles, access.Role(r))
	}
	if len(roles) > 0 {
		joined := ""
		for i, r := range in.Body.Roles {
			if i > 0 {
				joined += ","
			}
			joined += r
		}
		parsed, err := access.ParseRoles(joined)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		roles = parsed
	}
	u, err := s.access.CreateUser(ctx, actorFrom(ctx), access.NewUser{Email: in.Body.Email, Name: in.Body.Name,
		Password: in.Body.Password, Roles: roles, ProviderKVK: in.Body.ProviderKVK, Locale: in.Body.Locale})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &userOutput{Body: userBody(u)}, nil
}

func (s *Server) handleListUsers(ctx context.Context, _ *struct{}) (*usersOutput, error) {
	users, err := s.access.ListUsers(ctx, actorFrom(ctx))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &usersOutput{Body: listOf(users, "", userBody)}, nil
}
