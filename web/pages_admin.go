package web

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/euregio/tranche/internal/civil"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Amsterdam wherever the binary runs

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
)

func (s *Server) registerAdminPages(g *gin.RouterGroup) {
	g.GET("/admin/users", s.usersPage)
	g.POST("/admin/users", s.createUser)
	g.POST("/admin/users/:id/roles", s.setUserRoles)
	g.POST("/admin/users/:id/active", s.setUserActive)
	g.POST("/admin/users/:id/password", s.resetUserPassword)
	g.GET("/audit", s.auditPage)
	g.GET("/audit.csv", s.auditCSV)
}

func (s *Server) adminWaiting(ctx context.Context, a access.Actor) ([]waitingItem, error) {
	var out []waitingItem
	if a.Can(access.ReadAudit) {
		// Counted, not listed: a list stops at its limit and undercounts a busy day.
		n, err := audit.Count(ctx, s.db.Gorm, audit.Query{From: time.Now().Add(-24 * time.Hour)})
		if err != nil {
			return nil, err
		}
		out = append(out, waitingItem{Key: "home.audit_today", Count: n, Href: "/audit"})
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
	Users []userRow
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
	for _, u := range users {
		row := userRow{User: u, Has: map[string]bool{}}
		for _, r := range u.Roles {
			row.Has[string(r)] = true
		}
		p.Users = append(p.Users, row)
	}
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
	if _, ok := s.formFailure(c, err); !ok {
		return
	}
	s.showUsers(c, usersFormStatus, func(p *usersPage) {
		p.Form.Email, p.Form.Name, p.Form.Provider, p.Form.Locale = in.Email, in.Name, in.ProviderKVK, in.Locale
		for _, r := range roles {
			p.Form.Roles[r] = true
		}
		p.Errors = fieldErrors(p.basePage, err, usersPlace(""))
	})
}

// userRow is a user on the users page, with its roles as a set for the
// checkboxes of its roles form.
type userRow struct {
	access.User
	Has map[string]bool
}

// userOf reads the user id of an admin form's path; a bad id is not found.
func userOf(c *gin.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, fault.New(access.UserNotFound, "no user %s", c.Param("id"))
	}
	return id, nil
}

// userChanged ends a user administration form: a flash and back to the
// page, or the page with the errors beside the fields of that user's form
// (their ids end in the user's id, so that each form has its own).
func (s *Server) userChanged(c *gin.Context, id uuid.UUID, err error, flash string) {
	if err == nil {
		s.sessions.Put(c.Request.Context(), "flash", flash)
		c.Redirect(http.StatusSeeOther, "/admin/users")
		return
	}
	if _, ok := s.formFailure(c, err); !ok {
		return
	}
	s.showUsers(c, usersFormStatus, func(p *usersPage) {
		p.Errors = fieldErrors(p.basePage, err, usersPlace("-"+id.String()))
	})
}

func (s *Server) setUserRoles(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := userOf(c)
	if err == nil {
		var roles []access.Role
		for _, r := range c.PostFormArray("roles") {
			roles = append(roles, access.Role(r))
		}
		_, err = s.access.SetRoles(c.Request.Context(), a, id, roles)
	}
	s.userChanged(c, id, err, "users.roles_saved")
}

func (s *Server) setUserActive(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := userOf(c)
	active := c.PostForm("active") == "true"
	if err == nil {
		_, err = s.access.SetActive(c.Request.Context(), a, id, active)
	}
	flash := "users.deactivated"
	if active {
		flash = "users.reactivated"
	}
	s.userChanged(c, id, err, flash)
}

func (s *Server) resetUserPassword(c *gin.Context) {
	a, _ := actorOf(c)
	id, err := userOf(c)
	if err == nil {
		err = s.access.ResetPassword(c.Request.Context(), a, id, c.PostForm("password"))
	}
	s.userChanged(c, id, err, "users.password_was_reset")
}

type auditPage struct {
	basePage
	Trail               audit.Trail
	Actions             []string
	Entity, Who, Action string
	From, To            string
	query               url.Values
}

// amsterdam is the zone the audit trail shows its times in.
var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		panic(err) // time/tzdata is linked in, so this cannot happen
	}
	return loc
}()

// When is an event's time in Europe/Amsterdam with the zone's abbreviation
// (CET or CEST).
func (p auditPage) When(t time.Time) string { return t.In(amsterdam).Format("02-01-2006 15:04:05 MST") }

// ActionName is an action's name in the page's language, the action itself
// when it has no message.
func (p auditPage) ActionName(action string) string {
	key := "audit.act." + action
	if msg := p.T(key); msg != key {
		return msg
	}
	return action
}

// JSON prints a before or after value readably, "" when there is none.
func (p auditPage) JSON(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

func (p auditPage) link(path string, set func(url.Values)) string {
	v := url.Values{}
	for k, vs := range p.query {
		v[k] = vs
	}
	if set != nil {
		set(v)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// OlderHref and NewerHref page the trail; "" at its ends.
func (p auditPage) OlderHref() string {
	if !p.Trail.Older {
		return ""
	}
	seq := int64(0)
	if n := len(p.Trail.Entries); n > 0 {
		seq = p.Trail.Entries[n-1].Seq
	}
	return p.link("/audit", func(v url.Values) { v.Set("before", strconv.FormatInt(seq, 10)) })
}

// NewerHref is the page of newer events.
func (p auditPage) NewerHref() string {
	if !p.Trail.Newer {
		return ""
	}
	if len(p.Trail.Entries) == 0 {
		return p.link("/audit", nil)
	}
	return p.link("/audit", func(v url.Values) { v.Set("after", strconv.FormatInt(p.Trail.Entries[0].Seq, 10)) })
}

// CSVHref exports every event the filters select.
func (p auditPage) CSVHref() string { return p.link("/audit.csv", nil) }

const auditPerPage = 50

// auditQuery reads the trail's filters and page from the request; the
// period's dates are days in Europe/Amsterdam, the end day included.
func auditQuery(c *gin.Context) (audit.Query, url.Values, error) {
	var f audit.Query
	var errs fault.Fields
	kept := url.Values{}
	for _, name := range []string{"actor", "action", "entity", "from", "to"} {
		if v := strings.TrimSpace(c.Query(name)); v != "" {
			kept.Set(name, v)
		}
	}
	f.Actor, f.Action = kept.Get("actor"), kept.Get("action")
	if e := kept.Get("entity"); e != "" {
		f.EntityType, f.EntityID, _ = strings.Cut(e, "/")
	}
	day := func(name string) time.Time {
		v := kept.Get(name)
		if v == "" {
			return time.Time{}
		}
		d := civil.Field(&errs, name, v)
		if d.IsZero() {
			return d
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, amsterdam)
	}
	f.From = day("from")
	if to := day("to"); !to.IsZero() {
		f.Until = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.Until.IsZero() && !f.From.Before(f.Until) {
		errs.Add("to", "before_start", "the end lies before the start")
	}
	seq := func(name string) int64 {
		v := c.Query(name)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs.Add(name, "invalid_cursor", "not a position in the audit trail")
		}
		return n
	}
	f.Before, f.After = seq("before"), seq("after")
	if f.Before > 0 && f.After > 0 {
		errs.Add("after", "invalid_cursor", "page either before or after an event")
	}
	f.Limit = auditPerPage
	if v := c.Query("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			errs.Add("per_page", "out_of_range", "between 1 and 500")
		}
		f.Limit = n
		kept.Set("per_page", v)
	}
	return f, kept, errs.Err()
}

func (s *Server) auditPage(c *gin.Context) {
	p := &auditPage{basePage: s.base(c, "audit.title"), Actions: auditActions}
	if err := p.Actor.Require(access.ReadAudit); err != nil {
		s.pageError(c, err)
		return
	}
	f, kept, err := auditQuery(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.query = kept
	p.Entity, p.Who, p.Action, p.From, p.To = kept.Get("entity"), kept.Get("actor"), kept.Get("action"), kept.Get("from"), kept.Get("to")
	if p.Trail, err = audit.Browse(c.Request.Context(), s.db.Gorm, f); err != nil {
		s.pageError(c, err)
		return
	}
	s.render(c, http.StatusOK, "audit", p)
}

// auditCSV exports every event the trail's filters select, newest first,
// streamed; times in UTC (RFC 3339), before and after as JSON.
func (s *Server) auditCSV(c *gin.Context) {
	a, _ := actorOf(c)
	if err := a.Require(access.ReadAudit); err != nil {
		s.pageError(c, err)
		return
	}
	f, _, err := auditQuery(c)
	if err != nil {
		s.pageError(c, err)
		return
	}
	header := []string{"seq", "occurred_at", "actor", "action", "entity_type", "entity_id", "before", "after", "request_id"}
	s.streamCSV(c, "audit-trail.csv", header, func(write func([]string) error) error {
		return audit.Each(c.Request.Context(), s.db.Gorm, f, func(e audit.Entry) error {
			return write([]string{strconv.FormatInt(e.Seq, 10), e.OccurredAt.UTC().Format(time.RFC3339Nano), e.Actor, e.Action,
				e.EntityType, e.EntityID, string(e.Before), string(e.After), e.RequestID})
		})
	})
}

// usersFormStatus is the status of the users page shown again with a
// refused change: 422 whatever the refusal (the other forms answer the
// error's own status, 409 for a conflict).
const usersFormStatus = http.StatusUnprocessableEntity

// usersPlace is where a user form shows its errors: beside its inputs,
// whose ids end in suffix (each user's forms have the user's id); an error
// without fields beside the input it is about, else at the top.
func usersPlace(suffix string) errorPlace {
	return errorPlace{area: "users", input: suffixed(suffix),
		orphan: func(code string) string {
			input := map[string]string{access.EmailTaken.Code: "email", access.ProviderUnknown.Code: "provider", access.OwnAdminRole.Code: "roles"}[code]
			if input == "" {
				return ""
			}
			return input + suffix
		},
		args: []any{"Min", access.MinPasswordLength, "Max", access.MaxPasswordLength}}
}

// pageError shows a domain error as a page with the fitting status.
func (s *Server) pageError(c *gin.Context, err error) {
	p := problemFromError(c.Request.Context(), s.log, err)
	key := map[int]string{http.StatusNotFound: "error.not_found", http.StatusForbidden: "error.forbidden"}[p.Status]
	if key == "" {
		key = "error.internal"
		if p.Status < 500 {
			base := s.base(c, "error.title")
			page := &errorPage{basePage: base, Message: localMessage(base, p.Code, false)}
			s.render(c, p.Status, "error", page)
			return
		}
	}
	s.renderError(c, p.Status, key)
}
