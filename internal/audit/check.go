package audit

import (
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// Check verifies the trail for `tranche check`: the hash chain links every
// event, and the database refuses to change or delete one. With anchors
// (kept outside the database) every anchored event must still be there
// with its hash.
func Check(ctx context.Context, db *gorm.DB, anchors ...Anchor) ([]check.Result, error) {
	out := []check.Result{chainResult(ctx, db)}
	guard, err := check.Run(ctx, db, check.Check{Name: "append-only tables guarded", OK: "the audit trail refuses update and delete",
		Find: check.AppendOnly("audit_events")})
	out = append(out, guard...)
	if err != nil {
		return out, err
	}
	if len(anchors) > 0 {
		out = append(out, anchorResult(ctx, db, anchors))
	}
	return out, nil
}

func chainResult(ctx context.Context, db *gorm.DB) check.Result {
	r := check.Result{Name: "audit trail hash chain"}
	checked, broken, err := Verify(ctx, db)
	switch {
	case err != nil:
		r.Detail = "could not check: " + err.Error()
	case len(broken) > 0:
		r.Detail = fmt.Sprintf("%d of %d events do not match: %s", len(broken), checked, describeBroken(broken))
	default:
		r.OK, r.Detail = true, fmt.Sprintf("%d events, chain intact", checked)
	}
	return r
}

func anchorResult(ctx context.Context, db *gorm.DB, anchors []Anchor) check.Result {
	r := check.Result{Name: "audit trail anchors"}
	broken, err := VerifyAnchors(ctx, db, anchors)
	switch {
	case err != nil:
		r.Detail = "could not check: " + err.Error()
	case len(broken) > 0:
		r.Detail = fmt.Sprintf("%d of %d anchors do not match: %s", len(broken), len(anchors), describeBroken(broken))
	default:
		var newest int64
		for _, a := range anchors {
			newest = max(newest, a.Seq)
		}
		r.OK, r.Detail = true, fmt.Sprintf("%d anchors, the newest #%d, all in the trail with their hash", len(anchors), newest)
	}
	return r
}

// describeBroken lists broken events by sequence and reason, never content.
func describeBroken(broken []Broken) string {
	parts := make([]string, len(broken))
	for i, b := range broken {
		parts[i] = fmt.Sprintf("#%d %s", b.Seq, b.Reason)
	}
	return strings.Join(parts, "; ")
}
