package outcomes

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/euregio/tranche/internal/civil"
	"github.com/euregio/tranche/internal/filename"
	"io"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// UnmatchedRow is a register row that verified nothing, with the reason.
type UnmatchedRow struct {
	Row         int    `json:"row"` // line number in the file, the header being line 1
	Participant string `json:"participant"`
	Milestone   string `json:"milestone"`
	Date        string `json:"date"`
	Reason      string `json:"reason"` // stable code
	Detail      string `json:"detail"`
}

// ImportResult answers a register import.
type ImportResult struct {
	ID       uuid.UUID `json:"id"`
	Rows     int       `json:"rows"`
	Matched  int       `json:"matched"`
	Verified int       `json:"verified"`
	// FirstApprovals counts matched claims above the second-approval amount:
	// the register gave their first approval and a different verifier gives
	// the second. They are listed in Unmatched as awaiting_second_approval.
	FirstApprovals int            `json:"first_approvals"`
	Unmatched      []UnmatchedRow `json:"unmatched"`
}

// registerColumns maps accepted header names (English, Dutch, German) to a column.
var registerColumns = map[string]string{
	"participant": "participant", "deelnemer": "participant", "teilnehmer": "participant", "reference": "participant", "bsn": "participant",
	"milestone": "milestone", "mijlpaal": "milestone", "meilenstein": "milestone", "exam": "milestone", "examen": "milestone", "prüfung": "milestone",
	"level": "level", "niveau": "level",
	"date": "date", "datum": "date",
}

// ImportExamResults reads a register of exam results (CSV with a header:
// participant reference or BSN, milestone/exam code, level, date) and
// approves every claim in review it matches, with the register as the
// recorded source and the importing verifier as the approver. The four-eyes
// rule holds as for a verifier's approval: a claim above the second-approval
// amount gets its first approval and waits for a different verifier, and a
// claim whose first approval the importer gave is not approved again by them.
// Each row is applied on its own, so a bad row never undoes a good one; the
// answer lists every row that verified nothing, and why.
func (s *Service) ImportExamResults(ctx context.Context, actor access.Actor, name string, r io.Reader) (ImportResult, error) {
	if err := mayVerify(actor, Claim{}); err != nil {
		return ImportResult{}, err
	}
	raw, err := io.ReadAll(io.LimitReader(r, 20<<20))
	if err != nil {
		return ImportResult{}, err
	}
	text := strings.TrimPrefix(string(raw), "\ufeff")
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return ImportResult{}, fault.New(RegisterFileMalformed, "the file has no header line: %v", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		if c, ok := registerColumns[strings.ToLower(strings.TrimSpace(h))]; ok {
			cols[c] = i
		}
	}
	for _, need := range []string{"participant", "milestone", "date"} {
		if _, ok := cols[need]; !ok {
			return ImportResult{}, fault.New(RegisterFileMalformed, "the header has no %s column; expected columns: participant, milestone, level, date", need)
		}
	}
	sum := sha256.Sum256(raw)
	name = filename.Clean(name, "text/csv", "register")
	res := ImportResult{ID: uuid.Must(uuid.NewV7()), Unmatched: []UnmatchedRow{}}
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && pe.Err != csv.ErrFieldCount {
				return ImportResult{}, fault.New(RegisterFileMalformed, "line %d cannot be read: %v", pe.Line, pe.Err)
			}
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		res.Rows++
		field := func(c string) string {
			i, ok := cols[c]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		row := UnmatchedRow{Row: line, Participant: field("participant"), Milestone: field("milestone"), Date: field("date")}
		matched, reason, detail := s.applyRegisterRow(ctx, actor, row, field("level"))
		if matched {
			res.Matched++
		}
		if reason == RegisterAwaitingSecond {
			res.FirstApprovals++
		}
		if reason == "" {
			res.Verified++
			continue
		}
		row.Reason, row.Detail = reason, detail
		res.Unmatched = append(res.Unmatched, row)
	}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := insertRegisterImport(ctx, tx, res, name, sum[:], userID(actor), s.now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "register.import", EntityType: "register_import", EntityID: res.ID.String(),
			After: map[string]any{"filename": name, "sha256": fmt.Sprintf("%x", sum), "rows": res.Rows, "matched": res.Matched, "verified": res.Verified, "first_approvals": res.FirstApprovals, "unmatched": len(res.Unmatched)}})
	})
	return res, err
}

// applyRegisterRow verifies the claim one row matches, in its own
// transaction. It returns whether a claim matched and, when nothing was
// verified, a reason code and detail.
func (s *Service) applyRegisterRow(ctx context.Context, actor access.Actor, row UnmatchedRow, level string) (bool, string, string) {
	if row.Participant == "" || row.Milestone == "" || row.Date == "" {
		return false, "incomplete_row", "participant, milestone and date are all needed"
	}
	date, code := civil.Parse(row.Date)
	if code == civil.CodeInvalid {
		if d, err := time.Parse("02-01-2006", row.Date); err == nil {
			date, code = civil.Parse(d.Format(time.DateOnly))
		}
	}
	if code != "" {
		return false, "invalid_date", "write the date as YYYY-MM-DD, between 1900 and 2099"
	}
	claims, err := registerClaims(ctx, s.db, row.Participant, row.Milestone)
	if err != nil {
		return false, "error", "the row could not be checked"
	}
	if len(claims) == 0 {
		known, err := registerParticipantKnown(ctx, s.db, row.Participant)
		if err != nil {
			return false, "error", "the row could not be checked"
		}
		if !known {
			return false, "participant_unknown", "no participant with this reference or BSN"
		}
		return false, "no_claim", "no live claim for this participant and milestone"
	}
	c := claims[0]
	if c.State != Submitted && c.State != AwaitingSecondApproval {
		return true, "claim_not_submitted", "the claim is " + c.State
	}
	if !c.AchievedOn.Equal(dateOf(date)) {
		return true, "date_differs", "the claim says " + c.AchievedOn.Format(time.DateOnly)
	}
	note := "register"
	if level != "" {
		note = "register, level " + level
	}
	d, err := s.approve(ctx, actor, c.ID, note, "register")
	if err != nil {
		if e, ok := fault.As(err); ok {
			return true, e.Code.Code, e.Detail
		}
		return true, "error", "the claim could not be approved"
	}
	if d.State == AwaitingSecondApproval {
		return true, RegisterAwaitingSecond, "the claim is above the second-approval amount; a different verifier gives the second approval"
	}
	return true, "", ""
}

// RegisterAwaitingSecond is the reason of a register row whose claim got its
// first approval and waits for a second, different verifier.
const RegisterAwaitingSecond = "awaiting_second_approval"

// sniffDelimiter picks ; or , from the header line (Dutch spreadsheets write ;).
func sniffDelimiter(text string) rune {
	first, _, _ := strings.Cut(text, "\n")
	if strings.Count(first, ";") > strings.Count(first, ",") {
		return ';'
	}
	return ','
}
