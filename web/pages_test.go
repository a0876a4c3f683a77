package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/euregio/tranche/internal/access"
)

// browserClient is an HTTP client with cookies that does not follow redirects.
func browserClient(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func login(t *testing.T, ts *httptest.Server, c *http.Client, email, password string) *http.Response {
	t.Helper()
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"email": {email}, "password": {password}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func body(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

func TestLoginSessionLogout(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("fin@enschede.example", access.Finance)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	c := browserClient(t)

	resp, err := c.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous GET / = %d to %q, want a redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
	}

	resp = login(t, ts, c, "fin@enschede.example", "wrong password here")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password = %d, want 401", resp.StatusCode)
	}

	resp = login(t, ts, c, "FIN@enschede.example", testPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login = %d to %q, want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "tranche_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly and SameSite=Lax", session)
	}
	status, page := body(t, c, ts.URL+"/")
	if status != 200 || !strings.Contains(page, "Financiën") || !strings.Contains(page, `lang="nl"`) {
		t.Fatalf("start page = %d, lacks the finance role in Dutch:\n%s", status, page)
	}

	resp, err = c.PostForm(ts.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout GET / = %d, want a redirect", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("fin@enschede.example", access.Finance)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	c := browserClient(t)
	limited := false
	for i := 0; i < 8; i++ {
		if login(t, ts, c, "fin@enschede.example", "guess number "+string(rune('a'+i))).StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("eight wrong passwords in a row were never rate limited")
	}
	// Even the right password is refused while the limit holds.
	if got := login(t, ts, c, "fin@enschede.example", testPassword).StatusCode; got != http.StatusTooManyRequests {
		t.Fatalf("right password during the limit = %d, want 429", got)
	}
}

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("fin@enschede.example", access.Finance)
	// A form gets a page in the user's language, not raw JSON.
	r := e.request(http.MethodPost, "/logout", "", strings.NewReader(""),
		"Origin: https://evil.example", "Sec-Fetch-Site: cross-site", "Content-Type: application/x-www-form-urlencoded", "Accept-Language: nl")
	if r.Code != http.StatusForbidden || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") ||
		!strings.Contains(r.Body.String(), "niet vanaf een pagina van Tranche verstuurd") {
		t.Fatalf("cross-origin form = %d %s\n%s", r.Code, r.Header().Get("Content-Type"), r.Body)
	}
	// The API keeps problem+json.
	r = e.request(http.MethodPost, "/api/v1/participants", "", strings.NewReader("{}"),
		"Origin: https://evil.example", "Sec-Fetch-Site: cross-site", "Content-Type: application/json")
	r.problem(t, http.StatusForbidden, "cross_origin_refused")
	r = e.request(http.MethodPost, "/logout", "", strings.NewReader(""), "Sec-Fetch-Site: same-origin", "Content-Type: application/x-www-form-urlencoded")
	if r.Code != http.StatusSeeOther {
		t.Fatalf("same-origin POST /logout = %d, want 303", r.Code)
	}
}

func TestLanguageSwitchAndNegotiation(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	r := e.request(http.MethodGet, "/login", "", nil, "Accept-Language: de-DE,de;q=0.9")
	if !strings.Contains(r.Body.String(), "Bei Tranche anmelden") {
		t.Fatalf("German browser does not get German")
	}
	r = e.request(http.MethodGet, "/lang/en?next=/login", "", nil)
	if r.Code != http.StatusSeeOther || r.Header().Get("Location") != "/login" {
		t.Fatalf("switch = %d to %q", r.Code, r.Header().Get("Location"))
	}
	cookie := r.Header().Get("Set-Cookie")
	if !strings.HasPrefix(cookie, "lang=en") {
		t.Fatalf("switch set %q, want lang=en", cookie)
	}
	r = e.request(http.MethodGet, "/login", "", nil, "Cookie: lang=en", "Accept-Language: de")
	if !strings.Contains(r.Body.String(), "Log in to Tranche") {
		t.Fatalf("the chosen language does not win over the browser's")
	}
	r = e.request(http.MethodGet, "/lang/en?next=https://evil.example/", "", nil)
	if r.Header().Get("Location") != "/" {
		t.Fatalf("open redirect to %q", r.Header().Get("Location"))
	}
}

// messages reads every locales/<area>.<lang>.toml of one language.
func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	files, _ := fs.Glob(assets, "locales/*."+lang+".toml")
	if len(files) == 0 {
		t.Fatalf("no message files for %s", lang)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := fs.ReadFile(assets, f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := toml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok || s == "" {
				t.Errorf("%s: %s is empty or not a string", f, k)
			}
			if _, dup := out[k]; dup {
				t.Errorf("%s: %s is defined twice", f, k)
			}
			out[k] = s
		}
	}
	return out
}

func TestEveryMessageInEveryLanguage(t *testing.T) {
	t.Parallel()
	keys := map[string]map[string]bool{}
	for _, lang := range Languages {
		keys[lang] = map[string]bool{}
		for k := range messages(t, lang) {
			keys[lang][k] = true
		}
	}
	for _, lang := range Languages {
		for k := range keys["nl"] {
			if !keys[lang][k] {
				t.Errorf("%s lacks %s", lang, k)
			}
		}
		for k := range keys[lang] {
			if !keys["nl"][k] {
				t.Errorf("%s has %s, which nl lacks", lang, k)
			}
		}
	}
}

func TestTemplatesUseOnlyKnownMessages(t *testing.T) {
	t.Parallel()
	nl := messages(t, "nl")
	files, _ := fs.Glob(assets, "templates/*.html")
	for _, f := range files {
		src, _ := fs.ReadFile(assets, f)
		for _, part := range strings.Split(string(src), `.T "`)[1:] {
			key := part[:strings.IndexByte(part, '"')]
			if _, ok := nl[key]; !ok {
				t.Errorf("%s uses message %q, which nl.toml lacks", f, key)
			}
		}
	}
}

func TestUsersPage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("admin@enschede.example", access.Admin)
	e.user("fin@enschede.example", access.Finance)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()

	fin := browserClient(t)
	login(t, ts, fin, "fin@enschede.example", testPassword)
	if status, _ := body(t, fin, ts.URL+"/admin/users"); status != http.StatusForbidden {
		t.Fatalf("finance GET /admin/users = %d, want 403", status)
	}

	c := browserClient(t)
	login(t, ts, c, "admin@enschede.example", testPassword)
	resp, err := c.PostForm(ts.URL+"/admin/users", url.Values{"email": {"not an email"}, "name": {"Ayşe Yılmaz"}, "roles": {"verifier"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), `id="email-error"`) || !strings.Contains(string(b), "Ayşe Yılmaz") {
		t.Fatalf("bad form = %d; want 422 with the error beside email and the name kept:\n%s", resp.StatusCode, b)
	}
	resp, err = c.PostForm(ts.URL+"/admin/users", url.Values{"email": {"v@enschede.example"}, "roles": {"verifier"}, "locale": {"nl"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("good form = %d, want 303", resp.StatusCode)
	}
	_, page := body(t, c, ts.URL+"/admin/users")
	if !strings.Contains(page, "v@enschede.example") || !strings.Contains(page, "De gebruiker is toegevoegd.") {
		t.Fatalf("users page lacks the new user or the confirmation")
	}
}

// No two items of the menu carry the same label in any language.
func TestMenuLabelsDistinct(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"nl", "en", "de"} {
		m := messages(t, lang)
		seen := map[string]string{}
		for _, n := range append([]navEntry{{key: "nav.home"}}, navigation...) {
			label := m[n.key]
			if label == "" {
				t.Errorf("%s: no label for %s", lang, n.key)
			}
			if other, dup := seen[label]; dup {
				t.Errorf("%s: %s and %s are both called %q", lang, other, n.key, label)
			}
			seen[label] = n.key
		}
	}
}

// HEAD answers like GET: the same status and headers, no body.
func TestHeadAnswersLikeGet(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	tok := e.user("fin@enschede.example", access.Finance)
	for _, tc := range []struct{ path, token string }{{"/login", ""}, {"/healthz", ""}, {"/static/app.css", ""}, {"/api/v1/payment-runs", tok}, {"/api/v1/payment-runs", ""}, {"/no-such-page", ""}} {
		get := e.request(http.MethodGet, tc.path, tc.token, nil)
		head := e.request(http.MethodHead, tc.path, tc.token, nil)
		if head.Code != get.Code || head.Header().Get("Content-Type") != get.Header().Get("Content-Type") || head.Body.Len() != 0 {
			t.Errorf("HEAD %s = %d %q with %d bytes; GET = %d %q", tc.path, head.Code, head.Header().Get("Content-Type"), head.Body.Len(), get.Code, get.Header().Get("Content-Type"))
		}
	}
}
