package outcomes

// Bulk writing for synthetic data (`tranche generate`) only: BulkWriter
// copies participants, trajectories with their milestones, and claims with
// their history and evidence a batch at a time, as the service's use cases
// would have stored them. It checks none of the rules the use cases check
// and writes no audit events; the caller makes the rows consistent, pairs
// them with pooling.BulkLedger for the money and audits each batch.

import (
	"context"
	"fmt"

	"github.com/euregio/tranche/pooling"
	"gorm.io/gorm"
)

// BulkWriter collects rows for one batch. Not safe for concurrent use.
type BulkWriter struct {
	participants, trajectories, milestones, claims, history, evidence [][]any
	lastReference                                                     map[int]int // participant number per year
}

// NewBulkWriter returns an empty writer.
func NewBulkWriter() *BulkWriter { return &BulkWriter{lastReference: map[int]int{}} }

// AddParticipant adds a participant whose reference is P-<year>-<number>;
// numbers must follow the year's last one without gaps.
func (w *BulkWriter) AddParticipant(p Participant, year, number int) {
	p.Reference = fmt.Sprintf("P-%d-%04d", year, number)
	if number > w.lastReference[year] {
		w.lastReference[year] = number
	}
	w.participants = append(w.participants, []any{p.ID, p.Reference, p.GivenNames, p.FamilyName, p.DateOfBirth, p.Gender, p.BSN,
		p.ArrivalDate, p.StatusGroup, p.Municipality, p.CreatedBy, p.CreatedAt})
}

// AddTrajectory adds a trajectory and, once started, its milestones.
func (w *BulkWriter) AddTrajectory(t Trajectory, ms []TrajectoryMilestone) {
	w.trajectories = append(w.trajectories, []any{t.ID, t.ParticipantID, t.ContractID, t.ProviderID, t.ProductCode, t.State,
		t.ContractVersionID, t.BudgetID, t.CategoryCode, t.Price, t.StartDate, t.EndDate, t.ReferredBy, t.ReferredAt, t.Note,
		t.EndReason, t.UpdatedAt})
	for _, m := range ms {
		pre := []string(m.Prerequisites)
		if pre == nil {
			pre = []string{}
		}
		w.milestones = append(w.milestones, []any{t.ID, m.Code, int32(m.Position), m.Name, m.OutcomeDomain, m.Amount, m.Deadline,
			pre, m.EvidenceRequired, m.State, m.ReleasedAt})
	}
}

// AddClaim adds a claim with its history (seq from 1) and evidence.
func (w *BulkWriter) AddClaim(c Claim, history []HistoryEntry, evidence []Evidence) {
	w.claims = append(w.claims, []any{c.ID, c.TrajectoryID, c.MilestoneCode, c.ProviderID, c.State, c.Amount, c.AchievedOn, c.Note,
		c.Source, c.SubmittedBy, c.SubmittedAt, c.DueOn, c.FirstApprovedBy, c.DecidedBy, c.DecidedAt, c.ReasonCode, c.DecisionNote,
		c.ObjectedAt, c.ObjectionNote, c.RevokedReason, c.UpdatedAt})
	for i, h := range history {
		w.history = append(w.history, []any{c.ID, int32(i + 1), h.At, h.ActorID, h.Actor, h.Action, h.FromState, h.ToState, h.Note})
	}
	for i, e := range evidence {
		w.evidence = append(w.evidence, []any{c.ID, int32(i + 1), e.Filename, e.ContentType, int32(len(e.Data)), e.SHA256, e.Data,
			e.UploadedBy, e.UploadedAt})
	}
}

// Counts tells how many rows of each table the pending batch holds.
func (w *BulkWriter) Counts() map[string]int {
	return map[string]int{"participants": len(w.participants), "trajectories": len(w.trajectories),
		"trajectory_milestones": len(w.milestones), "claims": len(w.claims), "claim_history": len(w.history), "evidence": len(w.evidence)}
}

// Flush copies the pending batch inside the caller's transaction tx (cp
// copies on its connection) and moves the participant number counters on.
func (w *BulkWriter) Flush(ctx context.Context, tx *gorm.DB, cp pooling.CopyFunc) error {
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"participants", []string{"id", "reference", "given_names", "family_name", "date_of_birth", "gender", "bsn", "arrival_date",
			"status_group", "municipality", "created_by", "created_at"}, w.participants},
		{"trajectories", []string{"id", "participant_id", "contract_id", "provider_id", "product_code", "state", "contract_version_id",
			"budget_id", "category_code", "price", "start_date", "end_date", "referred_by", "referred_at", "note", "end_reason", "updated_at"}, w.trajectories},
		{"trajectory_milestones", []string{"trajectory_id", "code", "position", "name", "outcome_domain", "amount", "deadline",
			"prerequisites", "evidence_required", "state", "released_at"}, w.milestones},
		{"claims", []string{"id", "trajectory_id", "milestone_code", "provider_id", "state", "amount", "achieved_on", "note", "source",
			"submitted_by", "submitted_at", "due_on", "first_approved_by", "decided_by", "decided_at", "reason_code", "decision_note",
			"objected_at", "objection_note", "revoked_reason", "updated_at"}, w.claims},
		{"claim_history", []string{"claim_id", "seq", "at", "actor_id", "actor", "action", "from_state", "to_state", "note"}, w.history},
		{"evidence", []string{"claim_id", "n", "filename", "content_type", "size", "sha256", "data", "uploaded_by", "uploaded_at"}, w.evidence},
	} {
		if len(c.rows) == 0 {
			continue
		}
		if err := cp(ctx, c.table, c.cols, c.rows); err != nil {
			return fmt.Errorf("bulk outcomes: copy %s: %w", c.table, err)
		}
	}
	for year, last := range w.lastReference {
		if err := raiseReference(ctx, tx, year, last); err != nil {
			return fmt.Errorf("bulk outcomes: participant numbers: %w", err)
		}
	}
	w.participants, w.trajectories, w.milestones, w.claims, w.history, w.evidence = nil, nil, nil, nil, nil, nil
	w.lastReference = map[int]int{}
	return nil
}
