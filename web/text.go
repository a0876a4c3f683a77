package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2/adapters/humagin"
	"github.com/euregio/tranche/internal/fault"
	"github.com/gin-gonic/gin"
)

// invalidText is the answer to text that PostgreSQL cannot store and no
// person typed: a NUL character (U+0000) or bytes that are not UTF-8.
var invalidText = fault.Define("invalid_text", fault.KindInvalid, "Invalid text")

// badText tells why s cannot be stored as text, or "" when it can.
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "not valid UTF-8 text"
	case strings.IndexByte(s, 0) >= 0:
		return "holds a NUL character (U+0000)"
	}
	return ""
}

// shownName makes a field name from the request fit to be echoed.
func shownName(name string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(name, "\x00", "\uFFFD"), "\uFFFD")
}

// textErrors collects the fields whose text cannot be stored.
type textErrors []fault.FieldError

func (t *textErrors) check(field, value string) {
	if why := badText(value); why != "" {
		*t = append(*t, fault.Field(field, invalidText.Code, "the text "+why))
	}
}

// checkName checks a field's name and value.
func (t *textErrors) checkPair(name, value string) {
	if why := badText(name); why != "" {
		*t = append(*t, fault.Field(shownName(name), invalidText.Code, "the field name "+why))
		return
	}
	t.check(name, value)
}

func (t *textErrors) checkValues(prefix string, vs map[string][]string) {
	names := make([]string, 0, len(vs))
	for k := range vs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for i, v := range vs[k] {
			name := k
			if len(vs[k]) > 1 {
				name = fmt.Sprintf("%s[%d]", k, i)
			}
			t.checkPair(prefix+name, v)
		}
	}
}

// validateText refuses, before any handler sees it, text that cannot be
// stored: in the path, the query, the Idempotency-Key, a form, a JSON body
// (every string, keys included) or a CSV body. Multipart forms are checked
// by readMultipart, which reads them. Validating here, once, spares every
// handler and every column from a 500 on "invalid byte sequence" or
// "unsupported Unicode escape sequence".
func (s *Server) validateText(c *gin.Context) {
	var errs textErrors
	errs.check("path", c.Request.URL.Path)
	if q, err := url.ParseQuery(c.Request.URL.RawQuery); err == nil {
		errs.checkValues("", q)
	}
	errs.check("Idempotency-Key", c.GetHeader("Idempotency-Key"))
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if len(errs) == 0 && c.Request.Body != nil && c.Request.Body != http.NoBody && readsText(mt) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			if p := tooLargeProblem(err); p != nil {
				s.refuse(c, p)
				return
			}
			s.refuse(c, problemFor(fault.MalformedInput, "the request body could not be read", nil))
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case mt == "application/x-www-form-urlencoded":
			if f, err := url.ParseQuery(string(body)); err == nil {
				errs.checkValues("", f)
			}
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			errs = append(errs, jsonTextErrors(body)...)
		default: // text/csv, text/plain
			errs.check("", string(body))
		}
	}
	if len(errs) > 0 {
		s.refuse(c, problemFor(invalidText, "text may not hold NUL characters and must be UTF-8", errs))
		return
	}
	c.Next()
}

func readsText(mediaType string) bool {
	return mediaType == "application/x-www-form-urlencoded" || mediaType == "application/json" ||
		strings.HasSuffix(mediaType, "+json") || strings.HasPrefix(mediaType, "text/")
}

// jsonTextErrors walks a JSON body and names every string (key or value)
// that cannot be stored, as "items[0].name". A body that is not JSON is left
// to the handler, which says so.
func jsonTextErrors(body []byte) textErrors {
	var errs textErrors
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object  bool
		key     string
		index   int
		wantKey bool
	}
	var stack []*frame
	here := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			} else {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		return b.String()
	}
	// after a value: advance the enclosing container.
	done := func() {
		if len(stack) == 0 {
			return
		}
		top := stack[len(stack)-1]
		if top.object {
			top.wantKey = true
		} else {
			top.index++
		}
	}
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return errs
		}
		// The decoder turns bytes that are not UTF-8 into U+FFFD; the raw
		// bytes of the token tell.
		raw := body[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
				top := stack[len(stack)-1]
				top.key, top.wantKey = v, false
				if !utf8.Valid(raw) || strings.IndexByte(v, 0) >= 0 {
					top.key = shownName(v)
					errs = append(errs, fault.Field(here(), invalidText.Code, "the field name is not valid UTF-8 text or holds a NUL character"))
				}
				continue
			}
			if !utf8.Valid(raw) {
				errs = append(errs, fault.Field(here(), invalidText.Code, "the text is not valid UTF-8 text"))
			} else {
				errs.check(here(), v)
			}
			done()
		default:
			done()
		}
	}
}

// readMultipart reads a multipart body before the handler does, so that a
// body over the limit is 413 body_too_large like every other body (huma
// reports a form it cannot read as invalid input), and checks its text:
// every field, every file name, and the content of text files (a CSV
// register). On the API it runs after the idempotency check, which needs
// the body's bytes first.
//
// api tells where it sits: in the API's chain (true) or in the global one,
// where it leaves the API's requests alone.
func (s *Server) readMultipart(api bool) gin.HandlerFunc {
	return func(c *gin.Context) { s.readMultipartForm(c, api) }
}

func (s *Server) readMultipartForm(c *gin.Context, api bool) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" || c.Request.MultipartForm != nil || c.Request.Body == nil ||
		strings.HasPrefix(c.Request.URL.Path, "/api/") != api {
		c.Next()
		return
	}
	err := c.Request.ParseMultipartForm(humagin.MultipartMaxMemory)
	if p := tooLargeProblem(err); p != nil {
		s.refuse(c, p)
		return
	}
	form := c.Request.MultipartForm
	if form == nil {
		c.Next() // the handler says what is wrong with it
		return
	}
	defer form.RemoveAll()
	var errs textErrors
	errs.checkValues("", form.Value)
	names := make([]string, 0, len(form.File))
	for k := range form.File {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for i, fh := range form.File[k] {
			field := k
			if len(form.File[k]) > 1 {
				field = fmt.Sprintf("%s[%d]", k, i)
			}
			if why := badText(k); why != "" {
				errs = append(errs, fault.Field(shownName(k), invalidText.Code, "the field name "+why))
				continue
			}
			if why := badText(fh.Filename); why != "" {
				errs = append(errs, fault.Field(field+".filename", invalidText.Code, "the file name "+why))
			}
			if isTextFile(fh) {
				if why := fileText(fh); why != "" {
					errs = append(errs, fault.Field(field, invalidText.Code, "the file "+why))
				}
			}
		}
	}
	if len(errs) > 0 {
		s.refuse(c, problemFor(invalidText, "text may not hold NUL characters and must be UTF-8", errs))
		return
	}
	c.Next()
}

// isTextFile tells the uploads whose content is read as text (a CSV register).
func isTextFile(fh *multipart.FileHeader) bool {
	ct, _, _ := mime.ParseMediaType(fh.Header.Get("Content-Type"))
	ext := strings.ToLower(path.Ext(fh.Filename))
	return strings.HasPrefix(ct, "text/") || ext == ".csv" || ext == ".txt"
}

func fileText(fh *multipart.FileHeader) string {
	f, err := fh.Open()
	if err != nil {
		return ""
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	return badText(string(b))
}

// refuse answers a request the edge turns away: problem+json on the API,
// an error page in the user's language on the pages.
func (s *Server) refuse(c *gin.Context, p *Problem) {
	defer c.Abort()
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeProblem(c.Writer, p)
		return
	}
	page := &errorPage{basePage: s.base(c, "error.title")}
	key := "error.refused." + p.Code
	page.Message = page.T(key)
	if page.Message == key || page.Message == "" {
		page.Message = page.T("error.internal")
	}
	s.render(c, p.Status, "error", page)
}
