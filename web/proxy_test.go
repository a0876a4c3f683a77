package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database/dbtest"
)

// newTestEnvWith is newTestEnv with a configuration of the caller's.
func newTestEnvWith(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	db := dbtest.New(t)
	logs := &bytes.Buffer{}
	srv, err := New(cfg, db, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, db: db, srv: srv, handler: srv.Handler(), access: access.NewService(db.Gorm), logs: logs}
}

// failedLogins sends n wrong passwords, each for another account, with the
// X-Forwarded-For that forwarded(i) gives, and returns how many were
// refused with 429.
func failedLogins(t *testing.T, ts *httptest.Server, n int, forwarded func(i int) string) int {
	t.Helper()
	limited := 0
	for i := 0; i < n; i++ {
		form := url.Values{"email": {fmt.Sprintf("nobody%d@enschede.example", i)}, "password": {"wrong password here"}, "next": {"/"}}
		req, err := http.NewRequest(http.MethodPost, ts.URL+"/login", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if f := forwarded(i); f != "" {
			req.Header.Set("X-Forwarded-For", f)
			req.Header.Set("X-Real-IP", f)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited++
		}
	}
	return limited
}

func spoofed(i int) string { return fmt.Sprintf("203.0.113.%d", i+1) }

func TestSpoofedForwardedForDoesNotResetLoginLimit(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	// 10 tries a minute per address: a new X-Forwarded-For on every try
	// must not make the 11th and 12th look like other clients.
	if got := failedLogins(t, ts, 12, spoofed); got != 2 {
		t.Fatalf("with a new X-Forwarded-For per try, %d of 12 tries were limited, want 2", got)
	}
}

func TestTrustedProxyForwardedForIsUsed(t *testing.T) {
	t.Parallel()
	e := newTestEnvWith(t, Config{TrustedProxies: []string{"127.0.0.0/8", "::1"}})
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	// Behind the proxy, each forwarded address is a client of its own ...
	if got := failedLogins(t, ts, 12, spoofed); got != 0 {
		t.Fatalf("twelve clients behind a trusted proxy: %d limited, want 0", got)
	}
	// ... and one client behind it is limited by its own address.
	if got := failedLogins(t, ts, 12, func(int) string { return "198.51.100.7" }); got != 2 {
		t.Fatalf("one client behind a trusted proxy: %d of 12 limited, want 2", got)
	}
}

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies(" 10.0.0.1, 192.168.0.0/16,,::1 ,fd00::/8")
	if err != nil || strings.Join(got, "|") != "10.0.0.1|192.168.0.0/16|::1|fd00::/8" {
		t.Fatalf("ParseTrustedProxies = %q, %v", got, err)
	}
	if got, err := ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Fatalf("empty = %q, %v, want none", got, err)
	}
	for _, bad := range []string{"proxy.example", "10.0.0.300", "10.0.0.0/33", "*"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}
