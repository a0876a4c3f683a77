package outcomes

// Every query of outcomes: the locks, loads, inserts and updates the use
// cases run, and the reads of the lists. The dialect is gorm's builder;
// plain SQL appears only where the builder cannot say it (INSERT … SELECT
// FROM unnest, INSERT … ON CONFLICT … RETURNING), and only in this file,
// register_store.go and check.go.

import (
	"context"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ---- settings

func loadSettings(ctx context.Context, tx *gorm.DB) (Settings, error) {
	var s Settings
	err := tx.WithContext(ctx).Table("outcome_settings").Where("id = 1").Take(&s).Error
	return s, err
}

func saveSettings(ctx context.Context, tx *gorm.DB, s Settings) error {
	return tx.WithContext(ctx).Table("outcome_settings").Where("id = 1").Updates(map[string]any{
		"answer_working_days": s.AnswerWorkingDays, "second_approval_above": s.SecondApprovalAbove,
		"objection_days": s.ObjectionDays, "updated_at": s.UpdatedAt}).Error
}

// ---- participants

func insertParticipant(ctx context.Context, tx *gorm.DB, p Participant) error {
	err := tx.WithContext(ctx).Create(&p).Error
	if database.IsUniqueViolation(err, "participants_bsn_key") {
		return fault.New(BSNTaken, "a participant with this BSN is registered already")
	}
	return err
}

// nextReference hands out P-<year>-<n>, gapless per year because the
// counter row is locked until the transaction ends.
func nextReference(ctx context.Context, tx *gorm.DB, year int) (int, error) {
	var row struct{ Last int }
	err := tx.WithContext(ctx).Raw(`INSERT INTO participant_numbers (year, last) VALUES (?, 1)
		ON CONFLICT (year) DO UPDATE SET last = participant_numbers.last + 1 RETURNING last`, year).Scan(&row).Error
	return row.Last, err
}

// raiseReference moves the year's counter on to at least last (for bulk
// rows that took their numbers themselves).
func raiseReference(ctx context.Context, tx *gorm.DB, year, last int) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO participant_numbers (year, last) VALUES (?, ?)
		ON CONFLICT (year) DO UPDATE SET last = greatest(participant_numbers.last, excluded.last)`, year, last).Error
}

func participantExists(ctx context.Context, tx *gorm.DB, id uuid.UUID) (bool, error) {
	var n int64
	err := tx.WithContext(ctx).Table("participants").Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

func findParticipant(ctx context.Context, tx *gorm.DB, id uuid.UUID) (Participant, bool, error) {
	var p Participant
	res := tx.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&p)
	return p, res.RowsAffected > 0, res.Error
}

// holdsParticipant says whether provider holds a referred or active
// trajectory for participant id.
func holdsParticipant(ctx context.Context, tx *gorm.DB, provider, id uuid.UUID) (bool, error) {
	var n int64
	err := tx.WithContext(ctx).Table("trajectories").
		Where("participant_id = ? AND provider_id = ? AND state IN ?", id, provider, []string{Referred, Active}).Count(&n).Error
	return n > 0, err
}

// participantRows selects the participants actor may see that query
// matches (by reference; by name or BSN too when personal).
func participantRows(ctx context.Context, db *gorm.DB, actor access.Actor, query string, personal bool) *gorm.DB {
	q := db.WithContext(ctx).Table("participants p").Select("p.*")
	if actor.IsProvider() {
		q = q.Where(`EXISTS (SELECT 1 FROM trajectories t WHERE t.participant_id = p.id AND t.provider_id = ? AND t.state IN ?)`,
			*actor.ProviderID, []string{Referred, Active})
	}
	if query = strings.TrimSpace(query); query != "" {
		like := "%" + likeEscape(query) + "%"
		switch {
		case personal && nineDigits.MatchString(query):
			q = q.Where("p.bsn = ? OR p.reference ILIKE ?", query, like)
		case personal:
			q = q.Where("p.reference ILIKE ? OR search_fold(p.given_names || ' ' || p.family_name) LIKE search_fold(?)", like, like)
		default:
			q = q.Where("p.reference ILIKE ?", like)
		}
	}
	return q
}

// likeEscape makes s match itself inside a LIKE pattern.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// ---- trajectories and their milestones

// lockTrajectory locks a trajectory the actor may act on, or reports it
// as not found (also when it is another provider's).
func lockTrajectory(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (Trajectory, error) {
	var t Trajectory
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&t)
	if res.Error != nil {
		return Trajectory{}, res.Error
	}
	if res.RowsAffected == 0 || (actor.IsProvider() && !actor.OwnsProvider(t.ProviderID)) {
		return Trajectory{}, fault.New(TrajectoryNotFound, "no trajectory %s", id)
	}
	return t, nil
}

func insertTrajectory(ctx context.Context, tx *gorm.DB, t Trajectory) error {
	return tx.WithContext(ctx).Create(&t).Error
}

// saveTrajectory writes what a use case may change of a trajectory.
func saveTrajectory(ctx context.Context, tx *gorm.DB, t Trajectory) error {
	return tx.WithContext(ctx).Model(&Trajectory{}).Where("id = ?", t.ID).Updates(map[string]any{"state": t.State,
		"start_date": t.StartDate, "end_date": t.EndDate, "price": t.Price, "category_code": t.CategoryCode,
		"contract_version_id": t.ContractVersionID, "budget_id": t.BudgetID, "end_reason": t.EndReason, "updated_at": t.UpdatedAt}).Error
}

// countRunning counts the active trajectories under a contract.
func countRunning(ctx context.Context, tx *gorm.DB, contractID uuid.UUID) (int64, error) {
	var n int64
	err := tx.WithContext(ctx).Table("trajectories").Where("contract_id = ? AND state = ?", contractID, Active).Count(&n).Error
	return n, err
}

func insertMilestones(ctx context.Context, tx *gorm.DB, ms []TrajectoryMilestone) error {
	if len(ms) == 0 {
		return nil
	}
	return tx.WithContext(ctx).Create(&ms).Error
}

// loadMilestones returns a trajectory's milestones in schedule order.
func loadMilestones(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID) ([]TrajectoryMilestone, error) {
	ms := []TrajectoryMilestone{}
	err := tx.WithContext(ctx).Where("trajectory_id = ?", trajectoryID).Order("position").Find(&ms).Error
	return ms, err
}

func loadMilestone(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID, code string) (TrajectoryMilestone, error) {
	var m TrajectoryMilestone
	err := tx.WithContext(ctx).Where("trajectory_id = ? AND code = ?", trajectoryID, code).Take(&m).Error
	return m, err
}

// setMilestones puts the milestones codes of a trajectory in state,
// released at releasedAt (nil unless released).
func setMilestones(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID, codes []string, state string, releasedAt *time.Time) error {
	values := map[string]any{"state": state}
	if releasedAt != nil {
		values["released_at"] = *releasedAt
	}
	return tx.WithContext(ctx).Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND code IN ?", trajectoryID, codes).Updates(values).Error
}

// countOpen counts a trajectory's open milestones (with a deadline before
// before, when it is set).
func countOpen(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID, before *time.Time) (int, error) {
	q := tx.WithContext(ctx).Model(&TrajectoryMilestone{}).Where("trajectory_id = ? AND state = ?", trajectoryID, OpenMilestone)
	if before != nil {
		q = q.Where("deadline < ?", *before)
	}
	var n int64
	err := q.Count(&n).Error
	return int(n), err
}

// pendingCodes returns the milestone codes of a trajectory that have a
// claim waiting for a decision.
func pendingCodes(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID) (map[string]bool, error) {
	var codes []string
	err := tx.WithContext(ctx).Table("claims").Where("trajectory_id = ? AND state IN ?", trajectoryID, pendingStates).
		Distinct().Pluck("milestone_code", &codes).Error
	out := make(map[string]bool, len(codes))
	for _, c := range codes {
		out[c] = true
	}
	return out, err
}

// expiringTrajectories lists the active trajectories with an open
// milestone whose deadline lies before asOf.
func expiringTrajectories(ctx context.Context, db *gorm.DB, asOf time.Time) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := db.WithContext(ctx).Table("trajectory_milestones m").Joins("JOIN trajectories t ON t.id = m.trajectory_id").
		Where("t.state = ? AND m.state = ? AND m.deadline < ?", Active, OpenMilestone, asOf).Distinct().Pluck("m.trajectory_id", &ids).Error
	return ids, err
}

func loadDetail(ctx context.Context, tx *gorm.DB, id uuid.UUID) (TrajectoryDetail, error) {
	var d TrajectoryDetail
	if err := tx.WithContext(ctx).Where("id = ?", id).Take(&d.Trajectory).Error; err != nil {
		return d, err
	}
	var refs []string
	if err := tx.WithContext(ctx).Table("participants").Where("id = ?", d.ParticipantID).Pluck("reference", &refs).Error; err != nil {
		return d, err
	}
	if len(refs) > 0 {
		d.ParticipantReference = refs[0]
	}
	ms, err := loadMilestones(ctx, tx, id)
	d.Milestones = ms
	return d, err
}

// trajectoryRows selects the trajectories f asks for that actor may see.
func trajectoryRows(ctx context.Context, db *gorm.DB, actor access.Actor, f TrajectoryFilter) *gorm.DB {
	q := db.WithContext(ctx).Table("trajectories t").Select("t.*, p.reference AS participant_reference").
		Joins("JOIN participants p ON p.id = t.participant_id")
	if actor.IsProvider() {
		q = q.Where("t.provider_id = ?", *actor.ProviderID)
	}
	if f.State != "" {
		q = q.Where("t.state = ?", f.State)
	}
	if f.ParticipantID != nil {
		q = q.Where("t.participant_id = ?", *f.ParticipantID)
	}
	if f.ContractID != nil {
		q = q.Where("t.contract_id = ?", *f.ContractID)
	}
	return q
}

// ---- claims, their history and evidence

// lockClaim locks a claim the actor may act on, or reports it as not found.
func lockClaim(ctx context.Context, tx *gorm.DB, actor access.Actor, id uuid.UUID) (Claim, error) {
	var c Claim
	res := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Limit(1).Find(&c)
	if res.Error != nil {
		return Claim{}, res.Error
	}
	if res.RowsAffected == 0 || (actor.IsProvider() && !actor.OwnsProvider(c.ProviderID)) {
		return Claim{}, fault.New(ClaimNotFound, "no claim %s", id)
	}
	return c, nil
}

// hasLiveClaim says whether a milestone has a claim neither rejected nor revoked.
func hasLiveClaim(ctx context.Context, tx *gorm.DB, trajectoryID uuid.UUID, code string) (bool, error) {
	var n int64
	err := tx.WithContext(ctx).Table("claims").Where("trajectory_id = ? AND milestone_code = ? AND state NOT IN ?",
		trajectoryID, code, []string{Rejected, Revoked}).Count(&n).Error
	return n > 0, err
}

// claimWriteError turns the database's refusal of a second live claim on
// one milestone into the domain's error.
func claimWriteError(err error, code string) error {
	if database.IsUniqueViolation(err, "claims_one_live_per_milestone") {
		return fault.New(MilestoneAlreadyClaimed, "milestone %s has a live claim already", code)
	}
	return err
}

func insertClaim(ctx context.Context, tx *gorm.DB, c Claim) error {
	return claimWriteError(tx.WithContext(ctx).Create(&c).Error, c.MilestoneCode)
}

// saveClaim writes what a use case may change of a claim (everything but
// the payment run holding it, which HoldForPayment sets).
func saveClaim(ctx context.Context, tx *gorm.DB, c Claim) error {
	err := tx.WithContext(ctx).Model(&Claim{}).Where("id = ?", c.ID).Updates(map[string]any{"state": c.State,
		"achieved_on": c.AchievedOn, "note": c.Note, "source": c.Source, "due_on": c.DueOn, "first_approved_by": c.FirstApprovedBy,
		"decided_by": c.DecidedBy, "decided_at": c.DecidedAt, "reason_code": c.ReasonCode, "decision_note": c.DecisionNote,
		"objected_at": c.ObjectedAt, "objection_note": c.ObjectionNote, "revoked_reason": c.RevokedReason, "updated_at": c.UpdatedAt}).Error
	return claimWriteError(err, c.MilestoneCode)
}

func insertEvidence(ctx context.Context, tx *gorm.DB, es []Evidence) error {
	if len(es) == 0 {
		return nil
	}
	return tx.WithContext(ctx).Create(&es).Error
}

// lastEvidence is the number of a claim's last evidence file (0: none).
func lastEvidence(ctx context.Context, tx *gorm.DB, claimID uuid.UUID) (int, error) {
	var n int
	err := tx.WithContext(ctx).Table("evidence").Where("claim_id = ?", claimID).Select("coalesce(max(n), 0)").Scan(&n).Error
	return n, err
}

// addHistory adds step h to the history of every claim in ids (each
// listed once, each locked by the caller) with one statement; each gets
// the next number of its own history.
func addHistory(ctx context.Context, tx *gorm.DB, h HistoryEntry, ids ...uuid.UUID) error {
	return tx.WithContext(ctx).Exec(`INSERT INTO claim_history (claim_id, seq, at, actor_id, actor, action, from_state, to_state, note)
		SELECT c.id, coalesce((SELECT max(h.seq) FROM claim_history h WHERE h.claim_id = c.id), 0) + 1, ?, ?, ?, ?, ?, ?, ?
		FROM unnest(?::uuid[]) AS c(id)`,
		h.At, h.ActorID, h.Actor, h.Action, h.FromState, h.ToState, h.Note, database.UUIDs(ids)).Error
}

func loadClaim(ctx context.Context, tx *gorm.DB, id uuid.UUID, today time.Time) (ClaimDetail, error) {
	var d ClaimDetail
	if err := tx.WithContext(ctx).Where("id = ?", id).Take(&d.Claim).Error; err != nil {
		return d, err
	}
	var extra struct {
		Reference string
		Name      string
	}
	if err := tx.WithContext(ctx).Table("trajectories t").Select("p.reference, m.name").
		Joins("JOIN participants p ON p.id = t.participant_id").
		Joins("JOIN trajectory_milestones m ON m.trajectory_id = t.id AND m.code = ?", d.MilestoneCode).
		Where("t.id = ?", d.TrajectoryID).Scan(&extra).Error; err != nil {
		return d, err
	}
	d.ParticipantReference, d.MilestoneName = extra.Reference, extra.Name
	d.Overdue = isPending(d.State) && d.DueOn.Before(today)
	d.Evidence = []Evidence{}
	if err := tx.WithContext(ctx).Select("claim_id, n, filename, content_type, size, sha256, uploaded_at").Where("claim_id = ?", id).Order("n").Find(&d.Evidence).Error; err != nil {
		return d, err
	}
	d.History = []HistoryEntry{}
	return d, tx.WithContext(ctx).Where("claim_id = ?", id).Order("seq").Find(&d.History).Error
}

// claimRows selects claims with what a list shows of them, those of its
// own provider only for a provider's user.
func claimRows(ctx context.Context, db *gorm.DB, actor access.Actor) *gorm.DB {
	q := db.WithContext(ctx).Table("claims c").
		Select("c.*, p.reference AS participant_reference, m.name AS milestone_name, pr.legal_name AS provider_name").
		Joins("JOIN trajectories t ON t.id = c.trajectory_id").
		Joins("JOIN participants p ON p.id = t.participant_id").
		Joins("JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code").
		Joins("JOIN providers pr ON pr.id = c.provider_id")
	if actor.IsProvider() {
		q = q.Where("c.provider_id = ?", *actor.ProviderID)
	}
	return q
}

// filteredClaims is claimRows narrowed by f.
func filteredClaims(ctx context.Context, db *gorm.DB, actor access.Actor, f ClaimFilter) *gorm.DB {
	q := claimRows(ctx, db, actor)
	if len(f.States) > 0 {
		q = q.Where("c.state IN ?", f.States)
	}
	if f.TrajectoryID != nil {
		q = q.Where("c.trajectory_id = ?", *f.TrajectoryID)
	}
	return q
}

// queueCounts counts the claims in review and those of them due before today.
func queueCounts(ctx context.Context, db *gorm.DB, today time.Time) (waiting, overdue int64, err error) {
	var r struct{ Waiting, Overdue int64 }
	err = db.WithContext(ctx).Table("claims").Select("count(*) AS waiting, count(*) FILTER (WHERE due_on < ?) AS overdue", today).
		Where("state IN ?", reviewStates).Scan(&r).Error
	return r.Waiting, r.Overdue, err
}

// findEvidence returns evidence file n of a claim with its content, if
// provider is nil or the claim is that provider's.
func findEvidence(ctx context.Context, db *gorm.DB, claimID uuid.UUID, n int, provider *uuid.UUID) (Evidence, bool, error) {
	var e Evidence
	q := db.WithContext(ctx).Table("evidence e").Select("e.*").Joins("JOIN claims c ON c.id = e.claim_id").
		Where("e.claim_id = ? AND e.n = ?", claimID, n)
	if provider != nil {
		q = q.Where("c.provider_id = ?", *provider)
	}
	r := q.Limit(1).Find(&e)
	return e, r.RowsAffected > 0, r.Error
}

// ---- claims on their way to payment (billing's side)

func payableClaims(ctx context.Context, tx *gorm.DB, until time.Time, providerID *uuid.UUID) ([]PayableClaim, error) {
	q := tx.WithContext(ctx).Table("claims c").
		Select(`c.id AS claim_id, c.trajectory_id, t.contract_id, c.provider_id, p.reference AS participant_reference,
			c.milestone_code, m.name AS milestone_name, c.achieved_on, c.decided_at AS approved_at, c.amount`).
		Joins("JOIN trajectories t ON t.id = c.trajectory_id").
		Joins("JOIN participants p ON p.id = t.participant_id").
		Joins("JOIN trajectory_milestones m ON m.trajectory_id = c.trajectory_id AND m.code = c.milestone_code").
		Where("c.state = ? AND c.decided_at < ?", Approved, until).
		Order("c.provider_id, c.decided_at, c.id")
	if providerID != nil {
		q = q.Where("c.provider_id = ?", *providerID)
	}
	var out []PayableClaim
	return out, q.Scan(&out).Error
}

func claimsByID(ctx context.Context, tx *gorm.DB, ids []uuid.UUID) ([]Claim, error) {
	var claims []Claim
	err := tx.WithContext(ctx).Where("id = ANY(?::uuid[])", database.UUIDs(ids)).Order("id").Find(&claims).Error
	return claims, err
}

// setPaid makes the approved claims ids paid.
func setPaid(ctx context.Context, tx *gorm.DB, ids []uuid.UUID, at time.Time) error {
	return tx.WithContext(ctx).Model(&Claim{}).Where("id = ANY(?::uuid[]) AND state = ?", database.UUIDs(ids), Approved).
		Updates(map[string]any{"state": Paid, "updated_at": at}).Error
}

// holdClaims marks the approved claims ids that no run holds as held by
// runID and returns how many it marked.
func holdClaims(ctx context.Context, tx *gorm.DB, ids []uuid.UUID, runID uuid.UUID) (int64, error) {
	res := tx.WithContext(ctx).Model(&Claim{}).Where("id = ANY(?::uuid[]) AND state = ? AND payment_run_id IS NULL", database.UUIDs(ids), Approved).
		Update("payment_run_id", runID)
	return res.RowsAffected, res.Error
}

// ---- register imports

func insertRegisterImport(ctx context.Context, tx *gorm.DB, res ImportResult, name string, sum []byte, by *uuid.UUID, at time.Time) error {
	return tx.WithContext(ctx).Table("register_imports").Create(map[string]any{"id": res.ID, "filename": name, "sha256": sum,
		"imported_by": by, "imported_at": at, "rows": res.Rows, "matched": res.Matched, "verified": res.Verified,
		"unmatched": gorm.Expr("?::jsonb", mustJSON(res.Unmatched))}).Error
}

// byParticipant narrows q (on participants p) to the participant a register
// names by BSN or by reference.
func byParticipant(q *gorm.DB, participant string) *gorm.DB {
	if ValidBSN(participant) {
		return q.Where("p.bsn = ?", participant)
	}
	return q.Where("p.reference = ?", strings.ToUpper(participant))
}

// registerClaims returns the live claims for milestone of the participant
// a register row names.
func registerClaims(ctx context.Context, db *gorm.DB, participant, milestone string) ([]Claim, error) {
	var claims []Claim
	q := db.WithContext(ctx).Table("claims c").Select("c.*").
		Joins("JOIN trajectories t ON t.id = c.trajectory_id JOIN participants p ON p.id = t.participant_id").
		Where("c.milestone_code = ? AND c.state NOT IN ?", milestone, []string{Rejected, Revoked})
	err := byParticipant(q, participant).Find(&claims).Error
	return claims, err
}

// registerParticipantKnown says whether the participant a register row names exists.
func registerParticipantKnown(ctx context.Context, db *gorm.DB, participant string) (bool, error) {
	var n int64
	err := byParticipant(db.WithContext(ctx).Table("participants p"), participant).Count(&n).Error
	return n > 0, err
}
