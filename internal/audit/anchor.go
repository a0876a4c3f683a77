package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// An Anchor is the head of the chain at one moment, kept outside the
// database: the chain can be rewritten by whoever owns the database, and its
// newest events deleted, but not without changing or losing an anchored
// event.
type Anchor struct {
	Seq  int64
	Hash []byte
	At   time.Time // when the anchor was taken (informative)
}

// anchorPrefix starts every anchor line, so that anchors can be found in a
// log that holds other lines too.
const anchorPrefix = "tranche-audit-anchor"

// String is the anchor as one line: tranche-audit-anchor seq=N hash=HEX at=TIME.
func (a Anchor) String() string {
	return fmt.Sprintf("%s seq=%d hash=%s at=%s", anchorPrefix, a.Seq, hex.EncodeToString(a.Hash), a.At.UTC().Format(time.RFC3339))
}

// Head returns the newest event's sequence number and hash; ok is false
// when the trail is empty.
func Head(ctx context.Context, db *gorm.DB, now time.Time) (a Anchor, ok bool, err error) {
	var rows []struct {
		Seq  int64
		Hash []byte
	}
	if err := db.WithContext(ctx).Raw(`SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&rows).Error; err != nil {
		return Anchor{}, false, err
	}
	if len(rows) == 0 {
		return Anchor{}, false, nil
	}
	return Anchor{Seq: rows[0].Seq, Hash: rows[0].Hash, At: now.UTC()}, true, nil
}

// ParseAnchors reads the anchors in r: every line that holds
// "tranche-audit-anchor" (a line of its own, or one inside a log line)
// must carry seq=N and hash=HEX; other lines are ignored.
func ParseAnchors(r io.Reader) ([]Anchor, error) {
	var out []Anchor
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		i := strings.Index(text, anchorPrefix)
		if i < 0 {
			continue
		}
		var a Anchor
		var haveSeq, haveHash bool
		for _, field := range strings.FieldsFunc(text[i+len(anchorPrefix):], func(r rune) bool { return r == ' ' || r == '\t' || r == '"' || r == ',' }) {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "seq":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil || n < 1 {
					return nil, fmt.Errorf("line %d: seq %q is not a positive number", line, v)
				}
				a.Seq, haveSeq = n, true
			case "hash":
				h, err := hex.DecodeString(v)
				if err != nil || len(h) != 32 {
					return nil, fmt.Errorf("line %d: hash %q is not a sha256 in hex", line, v)
				}
				a.Hash, haveHash = h, true
			case "at":
				a.At, _ = time.Parse(time.RFC3339, v)
			}
		}
		if !haveSeq || !haveHash {
			return nil, fmt.Errorf("line %d: an anchor needs seq= and hash=", line)
		}
		out = append(out, a)
	}
	return out, sc.Err()
}

// VerifyAnchors reports every anchor whose event is no longer in the trail
// or has another hash. With an intact chain (Verify), an anchored event with
// its hash means nothing up to it was changed; a missing one means events
// were deleted.
func VerifyAnchors(ctx context.Context, db *gorm.DB, anchors []Anchor) ([]Broken, error) {
	var broken []Broken
	for _, a := range anchors {
		var rows []struct{ Hash []byte }
		if err := db.WithContext(ctx).Raw(`SELECT hash FROM audit_events WHERE seq = ?`, a.Seq).Scan(&rows).Error; err != nil {
			return nil, err
		}
		switch {
		case len(rows) == 0:
			broken = append(broken, Broken{Seq: a.Seq, Reason: "anchored event is gone"})
		case !bytes.Equal(rows[0].Hash, a.Hash):
			broken = append(broken, Broken{Seq: a.Seq, Reason: "hash differs from the anchor"})
		}
	}
	return broken, nil
}
