package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tranche runs a command in process, with the test's environment (setenv),
// and returns its exit code and output.
func tranche(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), getenvOf(t), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// testEnvs holds each test's own environment variables for the commands it
// runs in process: unlike t.Setenv, which changes the process's, they let
// the tests run in parallel.
var testEnvs sync.Map // *testing.T → *sync.Map of name → value

// setenv sets a variable of the test's environment; an empty value hides
// the process's variable of that name.
func setenv(t *testing.T, name, value string) {
	vars, loaded := testEnvs.LoadOrStore(t, &sync.Map{})
	if !loaded {
		t.Cleanup(func() { testEnvs.Delete(t) })
	}
	vars.(*sync.Map).Store(name, value)
}

// getenvOf reads the test's environment, then the process's.
func getenvOf(t *testing.T) func(string) string {
	return func(name string) string {
		if vars, ok := testEnvs.Load(t); ok {
			if v, ok := vars.(*sync.Map).Load(name); ok {
				return v.(string)
			}
		}
		return os.Getenv(name)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	code, out, _ := tranche(t, "", "--help")
	if code != 0 || !strings.Contains(out, "Commands:") {
		t.Fatalf("tranche --help = %d %q", code, out)
	}
	for _, c := range commands {
		args := []string{c.name, "--help"}
		if c.name == "user" {
			args = []string{"user", "add", "--help"}
		}
		if c.name == "db" {
			args = []string{"db", "grant", "--help"}
		}
		if c.name == "audit" {
			args = []string{"audit", "anchor", "--help"}
		}
		if c.name == "token" {
			args = []string{"token", "create", "--help"}
		}
		code, out, errOut := tranche(t, "", args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage: tranche "+c.name) {
			t.Errorf("tranche %s = %d, output %q; want 0 and a usage line", strings.Join(args, " "), code, out+errOut)
		}
	}
	if code, _, errOut := tranche(t, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command = %d %q", code, errOut)
	}
}

func TestUserTokenCheckAndTampering(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))

	code, out, errOut := tranche(t, "", "migrate", "status")
	if code != 0 || !strings.Contains(out, "applied") || strings.Contains(out, "pending") {
		t.Fatalf("migrate status = %d %q %q", code, out, errOut)
	}
	code, out, errOut = tranche(t, "a long admin password\n", "user", "add", "--email", "admin@enschede.example", "--role", "admin,auditor", "--password-stdin")
	if code != 0 || !strings.Contains(out, "created user admin@enschede.example") {
		t.Fatalf("user add = %d %q %q", code, out, errOut)
	}
	code, _, errOut = tranche(t, "", "user", "add", "--email", "bad", "--role", "finance")
	if code != 1 || !strings.Contains(errOut, "email") {
		t.Fatalf("user add with a bad email = %d %q, want 1 naming the field", code, errOut)
	}
	code, _, errOut = tranche(t, "", "user", "add", "--email", "x@x.example", "--role", "king")
	if code != 1 || !strings.Contains(errOut, "unknown role") {
		t.Fatalf("user add with a bad role = %d %q", code, errOut)
	}
	code, _, _ = tranche(t, "", "user", "add", "--email", "x@x.example")
	if code != 2 {
		t.Fatalf("user add without --role = %d, want 2", code)
	}
	code, out, _ = tranche(t, "", "token", "create", "--email", "admin@enschede.example", "--name", "script")
	if code != 0 || !strings.HasPrefix(out, "trn_") {
		t.Fatalf("token create = %d %q", code, out)
	}

	code, out, _ = tranche(t, "", "expire", "--as-of", "2005-12-31")
	if code != 0 || !strings.Contains(out, "released 0.00 from 0 milestone(s)") {
		t.Fatalf("expire = %d %q", code, out)
	}
	if code, _, _ = tranche(t, "", "expire", "--as-of", "31-12-2005"); code != 2 {
		t.Fatalf("expire with a bad date = %d, want 2", code)
	}

	code, out, _ = tranche(t, "", "check")
	if code != 0 || !strings.Contains(out, "all ") || !strings.Contains(out, "ledger_balanced") || !strings.Contains(out, "tranches_sum_to_price") {
		t.Fatalf("check on clean data = %d %q", code, out)
	}

	db := openTestDB(t)
	err := db.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only;
		UPDATE audit_events SET actor = 'someone else' WHERE seq = 1;
		ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`).Error
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = tranche(t, "", "check")
	if code != 1 || !strings.Contains(out, "FAIL audit trail hash chain") || !strings.Contains(out, "#1") {
		t.Fatalf("check after tampering = %d %q, want exit 1 naming event #1", code, out)
	}
}

func TestCheckNoticesDisabledGuard(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	db := openTestDB(t)
	if err := db.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`).Error; err != nil {
		t.Fatal(err)
	}
	code, out, _ := tranche(t, "", "check")
	if code != 1 || !strings.Contains(out, "FAIL append-only tables guarded") {
		t.Fatalf("check with a disabled guard = %d %q", code, out)
	}
}
