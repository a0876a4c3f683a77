package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/money"
	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/shopspring/decimal"
	"golang.org/x/text/language"
)

// Languages in the order the switch shows them; Dutch is the default.
var Languages = []string{"nl", "en", "de"}

type renderer struct {
	pages        map[string]*template.Template
	bundle       *i18n.Bundle
	municipality string
}

func newRenderer(municipality string) (*renderer, error) {
	bundle := i18n.NewBundle(language.Dutch)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	// One file per area and language: locales/<area>.<lang>.toml.
	files, err := fs.Glob(assets, "locales/*.toml")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if _, err := bundle.LoadMessageFileFS(assets, f); err != nil {
			return nil, fmt.Errorf("load translations %s: %w", f, err)
		}
	}
	funcs := template.FuncMap{
		"fieldError":  func(errs formErrors, field string) string { return errs[field] },
		"hasError":    func(errs formErrors, field string) bool { _, ok := errs[field]; return ok },
		"fieldErrors": fieldErrorList,
		"join":        strings.Join,
		"map": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"add":  func(a, b int) int { return a + b },
		"list": func(v ...string) []string { return v },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err = fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	r := &renderer{pages: map[string]*template.Template{}, bundle: bundle, municipality: municipality}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// formErrors maps a field name to the message shown beside it.
type formErrors map[string]string

// navItem is one entry of the navigation.
type navItem struct {
	Key    string // translation key
	Href   string
	Active bool
}

// basePage is what every page's data embeds.
type basePage struct {
	Lang         string
	Title        string
	Municipality string
	Path         string
	Actor        *access.Actor
	Nav          []navItem
	Flash        string
	Errors       formErrors
	loc          *i18n.Localizer
}

// T translates a message id; args are name/value pairs for the message's template.
func (p basePage) T(id string, args ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	msg, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil || msg == "" {
		return id
	}
	return msg
}

// Money prints an amount the way the page's language writes it.
func (p basePage) Money(d decimal.Decimal) string {
	if p.Lang == "en" {
		return money.English(d)
	}
	return money.Dutch(d)
}

// Date prints a date the way the page's language writes it.
func (p basePage) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if p.Lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02-01-2006")
}

// HasRole reports whether the user holds the role, for templates.
func (p basePage) HasRole(r string) bool { return p.Actor != nil && p.Actor.Has(access.Role(r)) }

// Can reports whether the user may perform the action, for templates.
func (p basePage) Can(action string) bool {
	return p.Actor != nil && p.Actor.Can(access.Action(action))
}

// Languages lists the switchable languages.
func (p basePage) Languages() []string { return Languages }

// base fills the common part of a page's data.
func (s *Server) base(c *gin.Context, titleKey string) basePage {
	lang := requestLang(c)
	p := basePage{Lang: lang, Municipality: s.pages.municipality, Path: c.Request.URL.Path,
		loc: i18n.NewLocalizer(s.pages.bundle, lang, "en"), Errors: formErrors{}}
	if a, ok := actorOf(c); ok {
		p.Actor = &a
		p.Nav = navFor(a, c.Request.URL.Path)
	}
	p.Title = p.T(titleKey)
	if f := s.sessions.PopString(c.Request.Context(), "flash"); f != "" {
		p.Flash = p.T(f)
	}
	return p
}

// requestLang picks the language: the user's choice (cookie), else the
// browser's preference among ours, else Dutch.
func requestLang(c *gin.Context) string {
	if l, err := c.Cookie("lang"); err == nil {
		for _, ok := range Languages {
			if l == ok {
				return l
			}
		}
	}
	matcher := language.NewMatcher([]language.Tag{language.Dutch, language.English, language.German})
	tags, _, _ := language.ParseAcceptLanguage(c.GetHeader("Accept-Language"))
	if len(tags) > 0 {
		_, i, conf := matcher.Match(tags...)
		if conf != language.No {
			return Languages[i]
		}
	}
	return "nl"
}

// render writes a page. data is the page's typed struct (a pointer).
func (s *Server) render(c *gin.Context, status int, page string, data any) {
	t, ok := s.pages.pages[page]
	if !ok {
		s.log.ErrorContext(c.Request.Context(), "unknown page template", "page", page)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", data); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render page", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// renderFragment writes only a named template of a page, for htmx swaps.
func (s *Server) renderFragment(c *gin.Context, status int, page, fragment string, data any) {
	t, ok := s.pages.pages[page]
	if !ok {
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, fragment, data); err != nil {
		s.log.ErrorContext(c.Request.Context(), "render fragment", "page", page, "err", err)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

type errorPage struct {
	basePage
	Message string
}

func (s *Server) renderError(c *gin.Context, status int, messageKey string) {
	p := &errorPage{basePage: s.base(c, "error.title")}
	p.Message = p.T(messageKey)
	s.render(c, status, "error", p)
}

func staticFS() http.FileSystem {
	sub, _ := fs.Sub(assets, "static")
	return http.FS(sub)
}

// fieldError is one entry of a form's error summary.
type fieldError struct{ Field, Message string }

// fieldErrorList lists a form's field errors in field order for the summary
// every page shows above its content (the form-wide error has its own box).
func fieldErrorList(errs formErrors) []fieldError {
	var out []fieldError
	for _, f := range slices.Sorted(maps.Keys(errs)) {
		if f != "" {
			out = append(out, fieldError{f, errs[f]})
		}
	}
	return out
}

// fieldIndex matches a list index at the end of a field path, "[3]".
var fieldIndex = regexp.MustCompile(`\[\d+\]$`)

// withoutIndex is a field path without its last list index
// ("products[0].milestones[2].evidence_kinds[1]" →
// "products[0].milestones[2].evidence_kinds"): the name of the one input
// that holds every item of that list.
func withoutIndex(field string) string { return fieldIndex.ReplaceAllString(field, "") }

// pathID reads the :id of a page's path; a malformed one is a page that does not exist.
func (s *Server) pathID(c *gin.Context) (uuid.UUID, bool) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		s.renderError(c, http.StatusNotFound, "error.not_found")
		return uuid.Nil, false
	}
	return id, true
}
