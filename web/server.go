package web

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/idempotency"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/gin-gonic/gin"
	"github.com/go-chi/httprate"
)

//go:embed templates/*.html locales/*.toml static
var assets embed.FS

// Config is what the web layer needs to know of its surroundings.
type Config struct {
	// SecureCookies marks the session cookie Secure; on whenever Tranche is
	// reached over TLS (directly or behind a proxy).
	SecureCookies bool
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes int64
	// Municipality is shown in the header and on statements.
	Municipality string
	// TrustedProxies are the addresses (IPs or CIDRs) of the reverse proxies
	// whose X-Forwarded-For and X-Real-IP headers name the client. Empty:
	// no forwarded header is believed and the client is the peer address,
	// so nobody can pick the address the login limit counts.
	TrustedProxies []string
}

// ParseTrustedProxies reads TRANCHE_TRUSTED_PROXIES: IPs or CIDRs separated
// by commas; blank entries are ignored.
func ParseTrustedProxies(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, err := netip.ParsePrefix(part); err != nil {
			if _, err := netip.ParseAddr(part); err != nil {
				return nil, fmt.Errorf("trusted proxy %q is neither an IP address nor a CIDR", part)
			}
		}
		out = append(out, part)
	}
	return out, nil
}

// Server holds the router and everything its handlers use.
type Server struct {
	cfg       Config
	db        *database.DB
	log       *slog.Logger
	access    *access.Service
	pooling   *pooling.Service
	contracts *contracts.Service
	// procurement buys what contracts hold: tenders, bids, award.
	procurement *procurement.Service
	outcomes    *outcomes.Service
	billing     *billing.Service
	sessions    *scs.SessionManager
	idem        *idempotency.Store
	pages       *renderer
	engine      *gin.Engine
	api         huma.API
	metrics     *metrics
	loginIP     *httprate.RateLimiter
	loginID     *httprate.RateLimiter
	badTokens   *failureLimit

	jobsMu sync.Mutex
	jobs   *pdfJobs // background statement PDFs; see api_billing.go
}

// New builds the server on db.
func New(cfg Config, db *database.DB, log *slog.Logger) (*Server, error) {
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.Municipality == "" {
		cfg.Municipality = "Gemeente Enschede"
	}
	gin.SetMode(gin.ReleaseMode)
	// Errors from the database are logged without the data they quote.
	log = slog.New(database.RedactErrors(log.Handler()))
	pool := pooling.NewService(db.Gorm)
	s := &Server{
		cfg:       cfg,
		db:        db,
		log:       log,
		access:    access.NewService(db.Gorm),
		pooling:   pool,
		contracts: contracts.NewService(db.Gorm).UseFunds(pool),
		idem:      idempotency.NewStore(db.Gorm),
		metrics:   newMetrics(),
		// Ten tries a minute per address, five per account: enough for a
		// person who mistypes, too few for guessing.
		loginIP:   httprate.NewRateLimiter(10, time.Minute),
		loginID:   httprate.NewRateLimiter(5, time.Minute),
		badTokens: newFailureLimit(badTokenLimit, time.Minute),
	}
	s.procurement = procurement.NewService(db.Gorm, pool)
	s.outcomes = outcomes.NewService(db.Gorm, s.pooling)
	s.billing = billing.NewService(db.Gorm, s.pooling)
	s.sessions = scs.New()
	s.sessions.Store = pgxstore.NewWithCleanupInterval(db.Pool, 30*time.Minute)
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = 2 * time.Hour
	s.sessions.Cookie.Name = "tranche_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = cfg.SecureCookies
	s.sessions.Cookie.Persist = false
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		log.ErrorContext(r.Context(), "session store", "err", err)
		writeProblem(w, internalProblem(""))
	}

	r, err := newRenderer(cfg.Municipality)
	if err != nil {
		return nil, err
	}
	s.pages = r
	if err := s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the whole application: cross-origin protection (the CSRF
// defence for every unsafe method), sessions, and the router.
func (s *Server) Handler() http.Handler {
	inner := s.sessions.LoadAndSave(s.engine)
	// A refused cross-origin request still goes through the engine, marked,
	// so that refuseCrossOrigin answers it like every other refusal: a page
	// in the user's language for a form, problem+json for the API, logged
	// and counted.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), crossOriginKey{}, true)))
	}))
	return headAsGet(cop.Handler(inner))
}

type crossOriginKey struct{}

// refuseCrossOrigin answers a request the cross-origin protection refused.
func (s *Server) refuseCrossOrigin(c *gin.Context) {
	if c.Request.Context().Value(crossOriginKey{}) != nil {
		s.refuse(c, problemFor(crossOrigin, "cross-origin requests that change state are refused", nil))
		return
	}
	c.Next()
}

// headAsGet answers HEAD as the same GET would, without the body: gin
// routes HEAD only where a HEAD route is registered.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		h.ServeHTTP(headWriter{w}, get)
	})
}

// headWriter keeps the status and headers of a response and drops its body.
type headWriter struct{ http.ResponseWriter }

func (w headWriter) Write(p []byte) (int, error) { return len(p), nil }

func (w headWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var crossOrigin = fault.Define("cross_origin_refused", fault.KindForbidden, "Cross-origin request refused")

func (s *Server) routes() error {
	e := gin.New()
	// gin believes every X-Forwarded-For unless told whom to trust.
	if _, err := ParseTrustedProxies(strings.Join(s.cfg.TrustedProxies, ",")); err != nil {
		return err
	}
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	e.ContextWithFallback = true
	e.HandleMethodNotAllowed = false
	e.Use(s.requestContext, s.logRequests, s.recoverPanic, s.securityHeaders, s.refuseCrossOrigin, s.limitBody, s.validateText, s.readMultipart(false))

	e.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", gin.WrapH(s.metrics.handler()))
	e.GET("/problems/:code", s.problemDoc)
	e.StaticFS("/static", staticFS())

	api := e.Group("/api")
	api.Use(s.apiAuth, s.idempotent)
	s.api = s.newAPI(e)

	s.registerPages(e)
	e.NoRoute(s.notFound)
	s.engine = e
	return nil
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if err := s.db.Ping(ctx); err != nil {
		c.String(http.StatusServiceUnavailable, "database unreachable\n")
		return
	}
	sqlDB, err := s.db.Gorm.DB()
	if err != nil {
		c.String(http.StatusServiceUnavailable, "database unreachable\n")
		return
	}
	pending, err := pendingMigrations(ctx, sqlDB)
	if err != nil || pending > 0 {
		c.String(http.StatusServiceUnavailable, "migrations pending\n")
		return
	}
	c.String(http.StatusOK, "ready\n")
}

var pendingMigrations = func(ctx context.Context, db *sql.DB) (int, error) { return database.Pending(ctx, db) }

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeProblem(c.Writer, problemFor(fault.NotFound, "no such API resource: "+c.Request.Method+" "+c.Request.URL.Path, nil))
		return
	}
	s.renderError(c, http.StatusNotFound, "error.not_found")
}

func (s *Server) problemDoc(c *gin.Context) {
	code := c.Param("code")
	for _, fc := range fault.Codes() {
		if fc.Code == code {
			c.String(http.StatusOK, "%s (%s)\n", fc.Title, fc.Code)
			return
		}
	}
	c.String(http.StatusNotFound, "unknown problem type\n")
}
