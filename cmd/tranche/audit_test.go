package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/database/dbtest"
	"gorm.io/gorm"
)

// TestAuditAnchorDetectsDeletedNewestEvents: deleting the newest events
// leaves a chain that verifies; only an anchor kept outside the database
// shows that they are gone.
func TestAuditAnchorDetectsDeletedNewestEvents(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	anchors := filepath.Join(t.TempDir(), "anchors.log")
	if code, _, errOut := tranche(t, "", "audit", "anchor", "--append", anchors); code != 1 || !strings.Contains(errOut, "empty") {
		t.Fatalf("anchor of an empty trail = %d %q, want 1 saying it is empty", code, errOut)
	}
	if code, out, errOut := tranche(t, "", "demo"); code != 0 {
		t.Fatalf("demo = %d\n%s\n%s", code, out, errOut)
	}
	code, first, errOut := tranche(t, "", "audit", "anchor", "--append", anchors)
	if code != 0 || !strings.HasPrefix(first, "tranche-audit-anchor seq=") || !strings.Contains(first, " hash=") {
		t.Fatalf("audit anchor = %d %q %q", code, first, errOut)
	}
	db := openTestDB(t)
	var head int64
	db.Raw(`SELECT max(seq) FROM audit_events`).Scan(&head)
	if !strings.Contains(first, "seq="+itoa(head)+" ") {
		t.Fatalf("anchor %q does not name the head #%d", first, head)
	}
	// More happens; a second anchor, appended.
	if code, _, errOut := tranche(t, "a long admin password\n", "user", "add", "--email", "later@enschede.example", "--role", "auditor", "--password-stdin"); code != 0 {
		t.Fatalf("user add = %d %q", code, errOut)
	}
	if code, _, _ := tranche(t, "", "audit", "anchor", "--append", anchors); code != 0 {
		t.Fatal("second anchor failed")
	}
	kept, err := os.ReadFile(anchors)
	if err != nil || strings.Count(string(kept), "tranche-audit-anchor") != 2 || !strings.HasPrefix(string(kept), first) {
		t.Fatalf("anchor file = %q %v, want both lines, the first first", kept, err)
	}
	code, out, _ := tranche(t, "", "check", "--anchor", anchors)
	if code != 0 || !strings.Contains(out, "ok   audit trail anchors") {
		t.Fatalf("check --anchor on an intact trail = %d\n%s", code, out)
	}

	// The owner deletes the newest events, the user's creation among them.
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM audit_events WHERE seq > ?`, head-1).Error; err != nil {
			return err
		}
		return tx.Exec(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = tranche(t, "", "check")
	if !strings.Contains(out, "ok   audit trail hash chain") {
		t.Fatalf("the shortened chain should still verify by itself:\n%s", out)
	}
	code, out, _ = tranche(t, "", "check", "--anchor", anchors)
	if code != 1 || !strings.Contains(out, "FAIL audit trail anchors") || !strings.Contains(out, "#"+itoa(head)+" anchored event is gone") {
		t.Fatalf("check --anchor after deleting the newest events = %d\n%s", code, out)
	}

	// A bad anchor file is refused, not passed.
	bad := filepath.Join(t.TempDir(), "bad.log")
	os.WriteFile(bad, []byte("tranche-audit-anchor seq=x hash=zz\n"), 0o600)
	if code, _, errOut := tranche(t, "", "check", "--anchor", bad); code != 1 || !strings.Contains(errOut, "line 1") {
		t.Fatalf("check with a bad anchor file = %d %q", code, errOut)
	}
	os.WriteFile(bad, []byte("nothing here\n"), 0o600)
	if code, _, errOut := tranche(t, "", "check", "--anchor", bad); code != 1 || !strings.Contains(errOut, "no anchor") {
		t.Fatalf("check with an anchorless file = %d %q", code, errOut)
	}
}

// TestAuditCoverageIncludesPaymentRunSteps: a payment run cancelled (or
// otherwise moved on) behind the application's back has no event for that
// step, and the coverage check says so.
func TestAuditCoverageIncludesPaymentRunSteps(t *testing.T) {
	t.Parallel()
	setenv(t, "DATABASE_URL", dbtest.URL(t))
	if code, out, errOut := tranche(t, "", "demo"); code != 0 {
		t.Fatalf("demo = %d\n%s\n%s", code, out, errOut)
	}
	db := openTestDB(t)
	var run string
	db.Raw(`SELECT id::text FROM payment_runs WHERE state = 'draft' LIMIT 1`).Scan(&run)
	if run == "" {
		t.Fatal("the demo has no draft run")
	}
	if err := db.Exec(`UPDATE payment_runs SET state = 'cancelled', cancelled_at = now(), cancelled_by_label = 'someone' WHERE id = ?`, run).Error; err != nil {
		t.Fatal(err)
	}
	code, out, _ := tranche(t, "", "check")
	if code != 1 || !strings.Contains(out, "FAIL every change audited") || !strings.Contains(out, "payment run "+run+" is cancelled without a payment_run.cancel event") {
		t.Fatalf("check after an unaudited cancel = %d\n%s", code, out)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
