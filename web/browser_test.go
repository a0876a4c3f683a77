package web

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/euregio/tranche/internal/access"
)

// chromiumPath finds Debian's Chromium (or another Chrome) for browser tests.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("browser tests need Chromium: apt-get install chromium (or set CHROMIUM to its path); .ci/run installs it")
	return ""
}

// newBrowser starts a headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// No deadline of its own: on a loaded machine a browser is slow, not
	// wrong; a browser that hangs is ended by go test's -timeout.
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// browserLogin logs in through the login form.
func browserLogin(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
	)
	if err != nil {
		t.Fatalf("log in as %s: %v", email, err)
	}
	// The submit loads the start page; wait for that load, then for the menu.
	browserLoad(t, ctx, `form button[type="submit"]`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("nav.main"))); err != nil {
		t.Fatalf("log in as %s: %v", email, err)
	}
}

func TestBrowserLoginShowsRoleStartPage(t *testing.T) {
	e := newTestEnv(t)
	e.user("auditor@enschede.example", access.Auditor)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx := newBrowser(t)

	browserLogin(t, ctx, ts.URL, "auditor@enschede.example")
	if heading := pageText(t, ctx, "main h1", "Wat op u wacht"); heading != "Wat op u wacht" {
		t.Fatalf("start page heading = %q, want the Dutch start page", heading)
	}
	nav := pageTextContaining(t, ctx, "nav.main", "Start", "Audittrail")
	for _, want := range []string{"Start", "Audittrail"} {
		if !strings.Contains(nav, want) {
			t.Errorf("auditor's menu %q lacks %q", nav, want)
		}
	}
	if strings.Contains(nav, "Gebruikers") {
		t.Errorf("auditor's menu %q shows user management", nav)
	}

	// Switch to English with the keyboard-reachable language links. The
	// click loads a page: waiting for that load (not for a node, which the
	// navigation may replace under the wait) is what cannot hang.
	browserLoad(t, ctx, `nav.langs a[hreflang="en"]`)
	if lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`)); err != nil || lang != "en" {
		t.Fatalf("after choosing English the page is in %q (%v)", lang, err)
	}
	if heading := pageText(t, ctx, "main h1", "What is waiting for you"); heading != "What is waiting for you" {
		t.Fatalf("English heading = %q", heading)
	}
}

// pageText reads the visible text of the first element matching sel, again
// and again for up to a minute (it takes milliseconds; the margin is for a
// loaded machine) until it reads want: a page that is still being replaced
// after a navigation has no stable nodes to read. It returns the last text
// read, for the caller to compare and report.
func pageText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	return readPageText(ctx, sel, func(s string) bool { return s == want })
}

// pageTextContaining is pageText for a text that must hold every one of
// parts, such as a table row.
func pageTextContaining(t *testing.T, ctx context.Context, sel string, parts ...string) string {
	t.Helper()
	return readPageText(ctx, sel, func(s string) bool {
		for _, part := range parts {
			if !strings.Contains(s, part) {
				return false
			}
		}
		return true
	})
}

func readPageText(ctx context.Context, sel string, done func(string) bool) string {
	var got string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+strconv.Quote(sel)+`) || {innerText: ""}).innerText.trim()`))
		if err == nil {
			got = s
			if done(got) {
				break
			}
		}
	}
	return got
}
