package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/euregio/tranche/internal/access"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

const sessionUserKey = "user_id"

// registerPages adds the server-rendered pages.
func (s *Server) registerPages(e *gin.Engine) {
	e.GET("/login", s.loginForm)
	e.POST("/login", s.login)
	e.POST("/logout", s.logout)
	e.GET("/lang/:lang", s.switchLang)

	g := e.Group("/", s.requireLogin)
	g.GET("/", s.home)
	s.registerAdminPages(g)
	s.registerPoolingPages(g)
	s.registerContractsPages(g)
	s.registerProcurementPages(g)
	s.registerOutcomesPages(g)
	s.registerBillingPages(g)
}

// requireLogin loads the session's user or sends the browser to the login page.
func (s *Server) requireLogin(c *gin.Context) {
	ctx := c.Request.Context()
	raw := s.sessions.GetString(ctx, sessionUserKey)
	id, err := uuid.Parse(raw)
	if err == nil {
		a, err := s.access.ActorByID(ctx, id)
		if err == nil {
			setActor(c, a)
			c.Next()
			return
		}
		_ = s.sessions.Destroy(ctx)
	}
	if c.GetHeader("HX-Request") == "true" {
		c.Header("HX-Redirect", "/login")
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	next := c.Request.URL.RequestURI()
	c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
	c.Abort()
}

type loginPage struct {
	basePage
	Email string
	Next  string
}

func (s *Server) loginForm(c *gin.Context) {
	p := &loginPage{basePage: s.base(c, "login.title"), Next: localTarget(c.Query("next"))}
	s.render(c, http.StatusOK, "login", p)
}

func (s *Server) login(c *gin.Context) {
	ctx := c.Request.Context()
	email := strings.ToLower(strings.TrimSpace(c.PostForm("email")))
	p := &loginPage{basePage: s.base(c, "login.title"), Email: email, Next: localTarget(c.PostForm("next"))}
	if s.loginIP.RespondOnLimit(c.Writer, c.Request, c.ClientIP()) {
		return
	}
	if s.loginID.RespondOnLimit(c.Writer, c.Request, email) {
		return
	}
	a, err := s.access.Authenticate(ctx, email, c.PostForm("password"))
	if err != nil {
		p.Errors["password"] = p.T("login.failed")
		s.render(c, http.StatusUnauthorized, "login", p)
		return
	}
	// A new session token at login: a token planted before cannot be ridden.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.renderError(c, http.StatusInternalServerError, "error.internal")
		return
	}
	s.sessions.Put(ctx, sessionUserKey, a.UserID.String())
	if _, err := c.Cookie("lang"); err != nil && a.Locale != "" {
		s.setLangCookie(c, a.Locale)
	}
	c.Redirect(http.StatusSeeOther, p.Next)
}

func (s *Server) logout(c *gin.Context) {
	_ = s.sessions.Destroy(c.Request.Context())
	c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) switchLang(c *gin.Context) {
	lang := c.Param("lang")
	for _, l := range Languages {
		if l == lang {
			s.setLangCookie(c, lang)
		}
	}
	c.Redirect(http.StatusSeeOther, localTarget(c.Query("next")))
}

func (s *Server) setLangCookie(c *gin.Context, lang string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: "lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies})
}

// A waiting item on a start page: something that needs the user.
type waitingItem struct {
	Key   string // translation key of the label
	Count int64
	Href  string
	Alert bool // shown emphasised (overdue, over a threshold …)
}

// waitingSource tells what waits for an actor; each capability adds its own.
type waitingSource func(ctx context.Context, a access.Actor) ([]waitingItem, error)

type homePage struct {
	basePage
	Roles   []string
	Waiting []waitingItem
}

func (s *Server) home(c *gin.Context) {
	p := &homePage{basePage: s.base(c, "home.title")}
	for _, r := range p.Actor.Roles {
		p.Roles = append(p.Roles, string(r))
	}
	for _, src := range s.waitingSources() {
		items, err := src(c.Request.Context(), *p.Actor)
		if err != nil {
			s.log.ErrorContext(c.Request.Context(), "start page", "err", err)
			continue
		}
		p.Waiting = append(p.Waiting, items...)
	}
	s.render(c, http.StatusOK, "home", p)
}
