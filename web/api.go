package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

func init() {
	huma.NewError = humaProblem
	huma.NewErrorWithContext = humaProblemWithContext
}

// APIVersion is the version of the API document.
const APIVersion = "1.0.0"

func (s *Server) newAPI(e *gin.Engine) huma.API {
	cfg := huma.DefaultConfig("Tranche API", APIVersion)
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.OpenAPIPath = "/api/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.Info.Description = "Outcome-based contracting of integration services: funding, contracts, outcomes and payments. " +
		"Authenticate with `Authorization: Bearer <token>` (create one with `tranche token create`). " +
		"Money is a string with two decimals (\"4500.00\"), dates are YYYY-MM-DD, ids are UUIDs. " +
		"Errors are RFC 9457 application/problem+json with a stable `code`. " +
		"Unsafe POSTs accept an `Idempotency-Key` header."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token from `tranche token create`."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	group := e.Group("")
	group.Use(s.apiAuth, s.idempotent, s.readMultipart(true))
	api := humagin.NewWithGroup(e, group, cfg)
	configureSchemas(api.OpenAPI())
	s.registerCoreAPI(api)
	s.registerUsersAPI(api)
	s.registerPoolingAPI(api)
	s.registerContractsAPI(api)
	s.registerProcurementAPI(api)
	s.registerProcurementPDFs(api)
	s.registerOutcomesAPI(api)
	s.registerBillingAPI(api)
	completeDocument(api.OpenAPI())
	return api
}

// apiAuth resolves the bearer token of every /api/v1 request.
func (s *Server) apiAuth(c *gin.Context) {
	if !strings.HasPrefix(c.Request.URL.Path, "/api/v1/") {
		c.Next()
		return
	}
	h := c.GetHeader("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		c.Header("WWW-Authenticate", `Bearer realm="tranche"`)
		writeProblem(c.Writer, problemFor(fault.Unauthenticated, "send an API token as Authorization: Bearer <token>", nil))
		c.Abort()
		return
	}
	if blocked, left := s.badTokens.blocked(c.ClientIP()); blocked {
		wait := int((left + time.Second - 1) / time.Second)
		c.Header("Retry-After", strconv.Itoa(wait))
		writeProblem(c.Writer, problemFor(fault.TooManyRequests,
			fmt.Sprintf("%d wrong API tokens came from this address within a minute; try again in %d seconds", badTokenLimit, wait), nil))
		c.Abort()
		return
	}
	a, err := s.access.ActorByToken(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		if fault.IsKind(err, fault.KindUnauthenticated) {
			s.badTokens.fail(c.ClientIP())
		}
		c.Header("WWW-Authenticate", `Bearer realm="tranche", error="invalid_token"`)
		writeProblem(c.Writer, problemFromError(c.Request.Context(), s.log, err))
		c.Abort()
		return
	}
	setActor(c, a)
	c.Next()
}

func setActor(c *gin.Context, a access.Actor) {
	c.Request = c.Request.WithContext(access.WithActor(c.Request.Context(), a))
}

func actorOf(c *gin.Context) (access.Actor, bool) { return access.FromContext(c.Request.Context()) }

// actorFrom returns the authenticated actor of an API request; apiAuth
// guarantees there is one for every /api/v1 operation.
func actorFrom(ctx context.Context) access.Actor {
	a, _ := access.FromContext(ctx)
	return a
}

// fail turns a service error into the problem huma sends.
func (s *Server) fail(ctx context.Context, err error) error {
	return problemFromError(ctx, s.log, err)
}

// op fills the settings every operation shares.
func op(method, path, id, summary string, tags ...string) huma.Operation {
	o := huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity}}
	if method == http.MethodPost {
		o.Errors = append(o.Errors, http.StatusConflict)
	}
	return o
}

// apiRoute registers one operation; every register*API function is a table
// of them, in the order the operations are registered.
type apiRoute func(huma.API)

// route pairs an operation with its handler, a method of *Server.
func route[I, O any](o huma.Operation, h func(context.Context, *I) (*O, error)) apiRoute {
	return func(api huma.API) { huma.Register(api, o, h) }
}

// registerRoutes registers a table of routes in order.
func registerRoutes(api huma.API, routes ...apiRoute) {
	for _, r := range routes {
		r(api)
	}
}

// created is o answering 201 Created.
func created(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusCreated
	return o
}

// ListParams are the query parameters of every list.
type ListParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" doc:"Items per page (default 50)."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

// Page converts the parameters for a service.
func (p ListParams) Page() (database.Page, error) { return database.ParsePage(p.Limit, p.Cursor) }

// ListBody is the envelope of every list.
type ListBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as ?cursor= for the next page; absent on the last page."`
}

// listOf is a page of rows as the API shows it: each row through body, an
// empty list as [] (never null), and the cursor of the next page ("" on the
// last).
func listOf[T, B any](rows []T, next string, body func(T) B) ListBody[B] {
	items := make([]B, 0, len(rows))
	for _, r := range rows {
		items = append(items, body(r))
	}
	return ListBody[B]{Items: items, NextCursor: next}
}

// --- core endpoints: who am I, the audit trail ---

type meOutput struct {
	Body struct {
		UserID     *uuid.UUID `json:"user_id,omitempty"`
		Email      string     `json:"email"`
		Roles      []string   `json:"roles" enum:"admin,procurement,casemanager,verifier,finance,provider,auditor,evaluator"`
		ProviderID *uuid.UUID `json:"provider_id,omitempty"`
	}
}

type auditListInput struct {
	ListAfter int64     `query:"after" minimum:"0" doc:"Return events after this sequence number (the cursor)."`
	Limit     int       `query:"limit" minimum:"1" maximum:"1000" doc:"Events per page (default 100)."`
	Entity    string    `query:"entity" doc:"Entity type, or type/id (claim/0190…)."`
	Actor     string    `query:"actor" doc:"User id."`
	Action    string    `query:"action"`
	Since     time.Time `query:"since" doc:"RFC 3339 time."`
}

type auditListOutput struct {
	Body struct {
		Items     []audit.Entry `json:"items"`
		NextAfter int64         `json:"next_after,omitempty"`
	}
}

func (s *Server) registerCoreAPI(api huma.API) {
	registerRoutes(api,
		route(op(http.MethodGet, "/api/v1/me", "get-me", "Who the token acts as", "Access"), s.handleGetMe),
		route(op(http.MethodGet, "/api/v1/audit-events", "list-audit-events", "The audit trail", "Audit"), s.handleListAuditEvents),
	)
}

func (s *Server) handleGetMe(ctx context.Context, _ *struct{}) (*meOutput, error) {
	a := actorFrom(ctx)
	out := &meOutput{}
	id := a.UserID
	out.Body.UserID, out.Body.Email, out.Body.ProviderID = &id, a.Email, a.ProviderID
	for _, r := range a.Roles {
		out.Body.Roles = append(out.Body.Roles, string(r))
	}
	return out, nil
}

func (s *Server) handleListAuditEvents(ctx context.Context, in *auditListInput) (*auditListOutput, error) {
	a := actorFrom(ctx)
	if err := a.Require(access.ReadAudit); err != nil {
		return nil, s.fail(ctx, err)
	}
	f := audit.Filter{AfterSeq: in.ListAfter, Limit: in.Limit, Action: in.Action, Since: in.Since}
	if in.Entity != "" {
		f.EntityType, f.EntityID, _ = strings.Cut(in.Entity, "/")
	}
	if in.Actor != "" {
		id, err := uuid.Parse(in.Actor)
		if err != nil {
			return nil, s.fail(ctx, fault.Invalid(fault.Field("actor", "invalid_uuid", "actor must be a user id")))
		}
		f.ActorID = &id
	}
	entries, err := audit.List(ctx, s.db.Gorm, f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &auditListOutput{}
	out.Body.Items = entries
	if out.Body.Items == nil {
		out.Body.Items = []audit.Entry{}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	if len(entries) == limit {
		out.Body.NextAfter = entries[len(entries)-1].Seq
	}
	return out, nil
}
