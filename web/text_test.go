package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/access"
)

// Text that PostgreSQL cannot store: a NUL character, and bytes that are not UTF-8.
var badTexts = map[string]string{"nul": "a\x00b", "not_utf8": "a\xffb"}

// stringProperty finds a string property of a JSON request body's schema,
// so that the bad text goes into a field the endpoint reads.
func stringProperty(api huma.API, s *huma.Schema) string {
	for depth := 0; s != nil && depth < 5; depth++ {
		if s.Ref != "" {
			s = api.OpenAPI().Components.Schemas.SchemaFromRef(s.Ref)
			continue
		}
		names := make([]string, 0, len(s.Properties))
		for n := range s.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if p := s.Properties[n]; p.Type == "string" {
				return n
			}
		}
		return "name"
	}
	return "name"
}

func wantInvalidText(t *testing.T, r response, field string) {
	t.Helper()
	p := r.problem(t, http.StatusUnprocessableEntity, "invalid_text")
	for _, f := range p.Errors {
		if f.Field == field && f.Code == "invalid_text" {
			return
		}
	}
	t.Errorf("invalid_text does not name field %q: %+v", field, p.Errors)
}

// Every API operation that takes text refuses a NUL character and bytes that
// are not UTF-8 with 422 invalid_text naming the field: in each query
// parameter, each JSON body, each multipart field, file name and CSV file,
// each CSV body. The operations come from the API document, so a new one is
// covered without being named here.
func TestAPIRefusesTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.minimalProvider("11111111", "Taalhuis Twente")
	tokens := []string{
		e.user("all@enschede.example", access.Verifier, access.Finance, access.Procurement, access.CaseManager, access.Auditor, access.Admin),
		e.providerUser("staff@taalhuis.example", "11111111", access.Provider),
	}
	send := func(op apiOperation, query string, body []byte, contentType string) response {
		t.Helper()
		var last response
		for _, tok := range tokens {
			var rd *bytes.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			target := concretePath(op) + query
			var r response
			if rd != nil {
				r = e.request(op.method, target, tok, rd, "Content-Type: "+contentType)
			} else {
				r = e.request(op.method, target, tok, nil)
			}
			if r.Code != http.StatusForbidden {
				return r
			}
			last = r
		}
		return last
	}
	checked := 0
	for _, op := range apiOperations(e.srv) {
		name := op.method + " " + op.path
		for _, p := range op.op.Parameters {
			if p.In != "query" {
				continue
			}
			for kind, bad := range badTexts {
				t.Run(fmt.Sprintf("%s query %s %s", name, p.Name, kind), func(t *testing.T) {
					wantInvalidText(t, send(op, "?"+url.Values{p.Name: {bad}}.Encode(), nil, ""), p.Name)
				})
				checked++
			}
		}
		if op.op.RequestBody == nil {
			continue
		}
		for ct, media := range op.op.RequestBody.Content {
			for kind, bad := range badTexts {
				switch ct {
				case "application/json":
					prop := stringProperty(e.srv.api, media.Schema)
					// Marshal escapes NUL as \u0000; bytes that are not UTF-8 go in raw.
					b, _ := json.Marshal(map[string]string{prop: "x"})
					b = bytes.Replace(b, []byte(`"x"`), []byte(`"`+strings.ReplaceAll(bad, "\x00", `\u0000`)+`"`), 1)
					t.Run(fmt.Sprintf("%s json %s %s", name, prop, kind), func(t *testing.T) {
						wantInvalidText(t, send(op, "", b, ct), prop)
					})
				case "multipart/form-data":
					for _, part := range []string{"note", "filename", "csv"} {
						var buf bytes.Buffer
						w := multipart.NewWriter(&buf)
						field := "note"
						switch part {
						case "note":
							_ = w.WriteField("note", bad)
						case "filename":
							h := textproto.MIMEHeader{}
							h.Set("Content-Disposition", `form-data; name="evidence"; filename*=UTF-8''`+url.PathEscape(bad+".pdf"))
							h.Set("Content-Type", "application/pdf")
							fw, _ := w.CreatePart(h)
							_, _ = fw.Write(testPDF)
							field = "evidence.filename"
						case "csv":
							fw, _ := w.CreateFormFile("file", "register.csv")
							_, _ = fw.Write([]byte("participant,milestone,level,date\n" + bad + ",a2,A2,2025-01-01\n"))
							field = "file"
						}
						_ = w.Close()
						t.Run(fmt.Sprintf("%s multipart %s %s", name, part, kind), func(t *testing.T) {
							wantInvalidText(t, send(op, "", buf.Bytes(), w.FormDataContentType()), field)
						})
					}
				default: // text/csv
					body := []byte("participant,milestone,level,date\n" + bad + ",a2,A2,2025-01-01\n")
					t.Run(fmt.Sprintf("%s %s %s", name, ct, kind), func(t *testing.T) {
						wantInvalidText(t, send(op, "", body, ct), "")
					})
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Fatalf("only %d cases: the API document lists fewer text inputs than expected", checked)
	}
	// The Idempotency-Key is stored too.
	r := e.request(http.MethodPost, "/api/v1/funding-streams", tokens[0], strings.NewReader(`{}`), "Idempotency-Key: key\xff")
	wantInvalidText(t, r, "Idempotency-Key")
}

// The pages refuse such text too, with a page in the user's language.
func TestPagesRefuseTextThatCannotBeStored(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("all@enschede.example", access.Verifier, access.Finance, access.Procurement, access.CaseManager, access.Auditor, access.Admin)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	c := browserClient(t)
	if resp := login(t, ts, c, "all@enschede.example", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login = %d", resp.StatusCode)
	}
	want := map[string]string{"nl": "NUL-teken", "de": "NUL-Zeichen", "en": "NUL character"}
	checked := 0
	for _, rt := range e.srv.engine.Routes() {
		if strings.HasPrefix(rt.Path, "/api/") || strings.HasPrefix(rt.Path, "/static") || rt.Path == "/logout" {
			continue
		}
		path := concretePath(apiOperation{path: ginToOpenAPI(rt.Path), op: &huma.Operation{}})
		for lang, msg := range want {
			for kind, bad := range badTexts {
				var req *http.Request
				switch rt.Method {
				case http.MethodGet:
					req, _ = http.NewRequest(rt.Method, ts.URL+path+"?"+url.Values{"q": {bad}}.Encode(), nil)
				case http.MethodPost:
					req, _ = http.NewRequest(rt.Method, ts.URL+path, strings.NewReader(url.Values{"note": {bad}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				default:
					continue
				}
				req.Header.Set("Sec-Fetch-Site", "same-origin")
				req.AddCookie(&http.Cookie{Name: "lang", Value: lang})
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				code, page := readAll(t, resp)
				if code != http.StatusUnprocessableEntity || !strings.Contains(page, msg) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
					t.Errorf("%s %s (%s, %s) = %d %s, want 422 with a page that says %q", rt.Method, rt.Path, lang, kind, code, resp.Header.Get("Content-Type"), msg)
				}
				checked++
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d page cases", checked)
	}
}
