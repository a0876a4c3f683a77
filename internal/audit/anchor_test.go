package audit_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database/dbtest"
)

// TestAnchorsRoundTripThroughALog: an anchor written as a line of its own
// and one inside a JSON log line (as serve logs them) are read back; a
// malformed anchor line is refused; VerifyAnchors finds a changed hash and
// a missing event.
func TestAnchorsRoundTripThroughALog(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	if _, ok, err := audit.Head(ctx, db.Gorm, time.Now()); ok || err != nil {
		t.Fatalf("head of an empty trail: ok %v, err %v", ok, err)
	}
	for i := 0; i < 3; i++ {
		if err := audit.Record(ctx, db.Gorm, access.System("test"), audit.Event{Action: "test.event", EntityType: "test", EntityID: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	head, ok, err := audit.Head(ctx, db.Gorm, time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC))
	if err != nil || !ok || head.Seq != 3 || len(head.Hash) != 32 {
		t.Fatalf("head = %+v %v %v", head, ok, err)
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("audit anchor", "anchor", head.String())
	file := "# kept by the operator\n" + head.String() + "\nunrelated line\n" + logs.String()
	anchors, err := audit.ParseAnchors(strings.NewReader(file))
	if err != nil || len(anchors) != 2 {
		t.Fatalf("ParseAnchors = %+v, %v; want 2", anchors, err)
	}
	for _, a := range anchors {
		if a.Seq != 3 || !bytes.Equal(a.Hash, head.Hash) || !a.At.Equal(head.At) {
			t.Errorf("anchor read back as %+v, want %+v", a, head)
		}
	}
	for _, bad := range []string{"tranche-audit-anchor seq=3", "tranche-audit-anchor seq=0 hash=" + hex.EncodeToString(head.Hash),
		"tranche-audit-anchor seq=3 hash=abcd"} {
		if _, err := audit.ParseAnchors(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseAnchors(%q) accepted it", bad)
		}
	}
	if broken, err := audit.VerifyAnchors(ctx, db.Gorm, anchors); err != nil || len(broken) != 0 {
		t.Fatalf("VerifyAnchors on the intact trail = %+v %v", broken, err)
	}
	other := audit.Anchor{Seq: 2, Hash: head.Hash}
	gone := audit.Anchor{Seq: 9, Hash: head.Hash}
	broken, err := audit.VerifyAnchors(ctx, db.Gorm, []audit.Anchor{other, gone})
	if err != nil || len(broken) != 2 || broken[0].Seq != 2 || !strings.Contains(broken[0].Reason, "hash differs") ||
		broken[1].Seq != 9 || !strings.Contains(broken[1].Reason, "gone") {
		t.Fatalf("VerifyAnchors = %+v %v", broken, err)
	}
}
