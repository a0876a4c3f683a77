package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
)

func (s *Server) registerAdminPages(g *gin.RouterGroup) {
	g.GET("/admin/users", s.usersPage)
	g.POST("/admin/users", s.createUser)
	g.GET("/audit", s.auditPage)
}

func (s *Server) adminWaiting(ctx context.Context, a access.Actor) ([]waitingItem, error) {
	var out []waitingItem
	if a.Can(access.ReadAudit) {
		entries, err := audit.List(ctx, s.db.Gorm, audit.Filter{Since: time.Now().Add(-24 * time.Hour), Limit: 1000})
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "home.audit_today", Count: int64(len(entries)), Href: "/audit"})
	}
	if a.Can(access.ManageUsers) {
		users, err := s.access.ListUsers(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "home.users", Count: int64(len(users)), Href: "/admin/users"})
	}
	return out, nil
}

type usersPage struct {
	basePage
	Users []access.User
	Roles []access.Role
	Form  struct {
		Email, Name, Provider, Locale string
		Roles                         map[string]bool
	}
}

func (s *Server) usersPage(c *gin.Context) {
	s.showUsers(c, http.StatusOK, nil)
}

func (s *Server) showUsers(c *gin.Context, status int, fill func(*usersPage)) {
	p := &usersPage{basePage: s.base(c, "users.title"), Roles: access.Roles}
	users, err := s.access.ListUsers(c.Request.Context(), *p.Actor)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Users = users
	p.Form.Roles = map[string]bool{}
	if fill != nil {
		fill(p)
	}
	s.render(c, status, "users", p)
}

func (s *Server) createUser(c *gin.Context) {
	a, _ := actorOf(c)
	roles := c.PostFormArray("roles")
	var parsed []access.Role
	for _, r := range roles {
		parsed = append(parsed, access.Role(r))
	}
	in := access.NewUser{Email: c.PostForm("email"), Name: c.PostForm("name"), Password: c.PostForm("password"),
		Roles: parsed, ProviderKVK: strings.TrimSpace(c.PostForm("provider")), Locale: c.PostForm("locale")}
	_, err := s.access.CreateUser(c.Request.Context(), a, in)
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", "users.created")
		c.Redirect(http.StatusSeeOther, "/admin/users")
		return
	}
	if _, ok := fault.As(err); !ok {
		s.pageError(c, err)
		return
	}
	s.showUsers(c, http.StatusUnprocessableEntity, func(p *usersPage) {
		p.Form.Email, p.Form.Name, p.Form.Provider, p.Form.Locale = in.Email, in.Name, in.ProviderKVK, in.Locale
		for _, r := range roles {
			p.Form.Roles[r] = true
		}
		p.Errors = s.formErrorsOf(p.basePage, err)
	})
}

type auditPage struct {
	basePage
	Entries []audit.Entry
	Entity  string
	Next    int64
}

func (s *Server) auditPage(c *gin.Context) {
	p := &auditPage{basePage: s.base(c, "audit.title"), Entity: c.Query("entity")}
	if err := p.Actor.Require(access.ReadAudit); err != nil {
		s.pageError(c, err)
		return
	}
	f := audit.Filter{Limit: 100}
	if p.Entity != "" {
		f.EntityType, f.EntityID, _ = strings.Cut(p.Entity, "/")
	}
	entries, err := audit.List(c.Request.Context(), s.db.Gorm, f)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Entries = entries
	s.render(c, http.StatusOK, "audit", p)
}

// formErrorsOf turns a domain error into messages beside the fields; an
// error without fields is shown at the top of the form.
func (s *Server) formErrorsOf(p basePage, err error) formErrors {
	out := formErrors{}
	e, ok := fault.As(err)
	if !ok {
		out[""] = p.T("error.internal")
		return out
	}
	if len(e.Fields) == 0 {
		out[""] = e.Detail
		return out
	}
	for _, f := range e.Fields {
		if _, dup := out[f.Field]; !dup {
			out[f.Field] = f.Message
		}
	}
	return out
}

// pageError shows a domain error as a page with the fitting status.
func (s *Server) pageError(c *gin.Context, err error) {
	p := problemFromError(c.Request.Context(), s.log, err)
	key := map[int]string{http.StatusNotFound: "error.not_found", http.StatusForbidden: "error.forbidden"}[p.Status]
	if key == "" {
		key = "error.internal"
		if p.Status < 500 {
			page := &errorPage{basePage: s.base(c, "error.title"), Message: p.Detail}
			s.render(c, p.Status, "error", page)
			return
		}
	}
	s.renderError(c, p.Status, key)
}
