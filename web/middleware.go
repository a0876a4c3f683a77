package web

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/audit"
	"github.com/gin-gonic/gin"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// requestContext gives every request an id (kept from X-Request-ID when the
// caller sends a sane one) that the logs, the audit trail and problem
// bodies carry.
func (s *Server) requestContext(c *gin.Context) {
	id := c.GetHeader("X-Request-ID")
	if !requestIDPattern.MatchString(id) {
		id = rand.Text()[:20]
	}
	c.Header("X-Request-ID", id)
	c.Request = c.Request.WithContext(audit.WithRequestID(c.Request.Context(), id))
	c.Next()
}

func (s *Server) recoverPanic(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(c.Request.Context(), "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()),
				"request_id", audit.RequestID(c.Request.Context()))
			if !c.Writer.Written() {
				writeProblem(c.Writer, internalProblem(audit.RequestID(c.Request.Context())))
			}
			c.Abort()
		}
	}()
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	elapsed := time.Since(start)
	status := c.Writer.Status()
	s.metrics.observe(c.Request.Method, route, status, elapsed)
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	if route == "/healthz" || route == "/readyz" || route == "/metrics" || strings.HasPrefix(route, "/static") {
		level = slog.LevelDebug
	}
	attrs := []any{"request_id", audit.RequestID(c.Request.Context()), "method", c.Request.Method,
		"path", c.Request.URL.Path, "route", route, "status", status, "duration_ms", elapsed.Milliseconds(), "bytes", c.Writer.Size()}
	if a, ok := actorOf(c); ok {
		_, label := a.AuditIdentity()
		attrs = append(attrs, "actor", label)
	}
	s.log.Log(c.Request.Context(), level, "request", attrs...)
}

// securityHeaders sets the headers every response needs. No HTTPS redirect
// here: TLS is the proxy's business.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	if s.cfg.SecureCookies {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	}
	c.Next()
}
