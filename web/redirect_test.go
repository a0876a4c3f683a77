package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
)

func TestLocalTarget(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/claims", "/claims"},
		{"/claims?status=submitted&cursor=abc", "/claims?status=submitted&cursor=abc"},
		{"/budgets/1#streams", "/budgets/1#streams"},
		{"/a%20b", "/a%20b"},
		{"//other.host/x", "/"},
		{"/\\other.host/x", "/"},
		{"\\\\other.host/x", "/"},
		{"/\t/other.host/x", "/"},
		{"/\n/other.host/x", "/"},
		{"/\r\n/other.host/x", "/"},
		{"\t//other.host", "/"},
		{" //other.host", "/"},
		{"/ /other.host", "/"},
		{"/%09/other.host/x", "/"},
		{"/%0a/other.host/x", "/"},
		{"/%2F/other.host/x", "/"},
		{"/%2f%2fother.host", "/"},
		{"/%5Cother.host", "/"},
		{"/%5C%5Cother.host", "/"},
		{"https://other.host/x", "/"},
		{"http:other.host", "/"},
		{"HTTPS://other.host", "/"},
		{"//user@other.host", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"java\tscript:alert(1)", "/"},
		{"data:text/html,<script>alert(1)</script>", "/"},
		{"other.host/x", "/"},
		{"claims", "/"},
		{"/\u202e/other.host", "/"},
		{"/\u0000/x", "/"},
		{"/%00/x", "/"},
		{"/%zz", "/"},
	}
	for _, c := range cases {
		if got := localTarget(c.in); got != c.want {
			t.Errorf("localTarget(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Both places that redirect to a target the user gave keep the browser on
// this site.
func TestRedirectsStayOnSite(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()

	evil := []string{"/%09/other.host/x", "//other.host", "/%5Cother.host", "/\\other.host", "https://other.host/", "javascript:alert(1)", "/%0A/other.host"}
	// One account per case: the login limit counts five tries per account.
	for i, next := range evil {
		email := fmt.Sprintf("fin%d@enschede.example", i)
		e.user(email, access.Finance)
		c := browserClient(t)
		// next as the raw query value: the browser sends it as typed.
		resp, err := c.Get(ts.URL + "/lang/en?next=" + strings.ReplaceAll(next, "\\", "%5C"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("/lang/en?next=%s = %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}

		resp, err = c.Get(ts.URL + "/login?next=" + url.QueryEscape(next))
		if err != nil {
			t.Fatal(err)
		}
		_, page := readAll(t, resp)
		if strings.Contains(page, "other.host") || strings.Contains(page, "javascript") {
			t.Errorf("login form keeps next=%q: %s", next, page)
		}

		resp, err = c.PostForm(ts.URL+"/login", url.Values{"email": {email}, "password": {testPassword}, "next": {next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("login with next=%q = %d to %q, want 303 to /", next, resp.StatusCode, loc)
		}
	}

	e.user("fin@enschede.example", access.Finance)
	c := browserClient(t)
	resp, err := c.PostForm(ts.URL+"/login", url.Values{"email": {"fin@enschede.example"}, "password": {testPassword}, "next": {"/payment-runs?state=draft"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/payment-runs?state=draft" {
		t.Errorf("login with a local next went to %q", loc)
	}
}

func readAll(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
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
