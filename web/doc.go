// Package web is Tranche's only HTTP layer: the gin router and middleware,
// the JSON API under /api/v1 (huma, documented at /api/openapi.json), and the
// server-rendered pages (html/template, htmx, embedded).
//
// How to add a capability's endpoints and pages:
//   - API: in api_<capability>.go, a method (s *Server) register<Capability>API(api huma.API)
//     that is one table: registerRoutes(api, route(op(...), s.handleX), ...), with
//     operations whose paths start with /api/v1 (op(...) fills the common settings,
//     created(...) answers 201). Every handler is a named method,
//     func (s *Server) handleX(ctx context.Context, in *xInput) (*xOutput, error).
//     Handlers take the actor with actorFrom(ctx), call ONE service method, and
//     return its result or s.fail(ctx, err) — domain errors become problem+json
//     by fault kind. Input a page reads too is parsed by one function both call
//     (parseDate, parseRunPeriod, parseRunStates, parseFundingStreamID).
//     Money is a string ("1234.50", money.String), dates "2006-01-02".
//     Lists take limit/cursor (database.ParsePage) and answer {items, next_cursor}.
//   - Pages: in pages_<capability>.go, a method (s *Server) register<Capability>Pages(g *gin.RouterGroup);
//     g requires a logged-in user. One typed data struct per page embedding
//     basePage (fill it with s.base(c, "title.key")); templates in
//     templates/<capability>_<page>.html define "content"; translations in
//     locales/<capability>.<lang>.toml (nl is the default; every key in nl, en and de).
//     Forms post back to the page; errors show beside their fields
//     (formErrors) and the input is kept.
//   - Tests: newTestEnv(t) in testenv_test.go gives a server on a fresh
//     database with helpers to create users, tokens and requests.
//
// Web handlers never import gorm and hold no business rules.
package web
