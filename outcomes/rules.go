package outcomes

// The rules of outcomes, as pure functions: each takes the values a use
// case loaded under its locks and returns what to write, or the domain
// error that refuses it. They touch no database, so they are table-tested
// without one (rules_test.go), and `tranche generate` plays its synthetic
// data through the same functions, so generated rows cannot drift from
// what the use cases would have stored.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Milestone states of a started trajectory.
const (
	OpenMilestone     = "open"
	VerifiedMilestone = "verified"
	ReleasedMilestone = "released"
)

// pendingStates are the claim states that wait for someone.
var pendingStates = []string{Submitted, ChangesRequested, AwaitingSecondApproval, Objected}

// reviewStates are the states in which a verifier decides.
var reviewStates = []string{Submitted, AwaitingSecondApproval, Objected}

// RejectionReasons are the reason codes a verifier chooses from.
var RejectionReasons = []string{"insufficient_evidence", "not_achieved", "date_incorrect", "duplicate", "not_eligible", "other"}

func isPending(state string) bool { return slices.Contains(pendingStates, state) }

// dateOf is the calendar date of t, as midnight UTC.
func dateOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// newHistory is the step actor takes on a claim at at.
func newHistory(actor access.Actor, action string, from *string, to, note string, at time.Time) HistoryEntry {
	id, label := actor.AuditIdentity()
	return HistoryEntry{At: at, ActorID: id, Actor: label, Action: action, FromState: from, ToState: to, Note: note}
}

// ---- claims: the dates and the milestone

// checkAchievedOn holds the date rules of a claim, for a new claim and for
// a corrected one alike: not in the future, not before the trajectory's
// start, not after the milestone's deadline.
func checkAchievedOn(achieved, today time.Time, start *time.Time, deadline time.Time) error {
	switch {
	case achieved.After(today):
		return fault.Invalid(fault.Field("achieved_on", AchievedInFuture.Code, "the date lies in the future"))
	case start != nil && achieved.Before(*start):
		return fault.Invalid(fault.Field("achieved_on", AchievedBeforeStart.Code,
			"the date lies before the trajectory's start on "+start.Format(time.DateOnly)))
	case achieved.After(deadline):
		return fault.Invalid(fault.Field("achieved_on", AchievedAfterDeadline.Code,
			"the date lies after the milestone's deadline of "+deadline.Format(time.DateOnly)))
	}
	return nil
}

// checkClaimable applies the rules of a claim for milestone code of an
// active trajectory t with milestones ms, achieved on achieved; live says
// whether the milestone has a live claim already. It returns the milestone.
func checkClaimable(t Trajectory, ms []TrajectoryMilestone, live bool, code string, achieved, today time.Time) (TrajectoryMilestone, error) {
	if t.State != Active {
		return TrajectoryMilestone{}, fault.New(TrajectoryNotActive, "the trajectory is %s; claims are for active trajectories", t.State)
	}
	i := slices.IndexFunc(ms, func(m TrajectoryMilestone) bool { return m.Code == code })
	if i < 0 {
		return TrajectoryMilestone{}, fault.Invalid(fault.Field("milestone_code", MilestoneNotInSchedule.Code,
			fmt.Sprintf("milestone %s is not in this trajectory's schedule", code)))
	}
	m := ms[i]
	switch m.State {
	case VerifiedMilestone:
		return m, fault.New(MilestoneAlreadyClaimed, "milestone %s is verified already", code)
	case ReleasedMilestone:
		return m, fault.New(MilestoneReleased, "milestone %s was released (deadline passed or trajectory ended); it can no longer be claimed", code)
	}
	if err := checkAchievedOn(achieved, today, t.StartDate, m.Deadline); err != nil {
		return m, err
	}
	for _, pre := range m.Prerequisites {
		j := slices.IndexFunc(ms, func(p TrajectoryMilestone) bool { return p.Code == pre })
		if j < 0 || ms[j].State != VerifiedMilestone {
			return m, fault.New(PrerequisiteNotVerified, "milestone %s needs %s to be verified first", code, pre)
		}
	}
	if live {
		return m, fault.New(MilestoneAlreadyClaimed, "milestone %s has a live claim already", code)
	}
	return m, nil
}

// validate checks what a claim needs before anything is loaded.
func (in SubmitInput) validate() error {
	var errs fault.Fields
	if in.TrajectoryID == uuid.Nil {
		errs.Add("trajectory_id", "required", "which trajectory")
	}
	if strings.TrimSpace(in.MilestoneCode) == "" {
		errs.Add("milestone_code", "required", "which milestone")
	}
	if in.AchievedOn.IsZero() {
		errs.Add("achieved_on", "required", "the date the milestone was achieved, YYYY-MM-DD")
	}
	return errs.Err()
}

// SubmitPlan is what a new claim writes.
type SubmitPlan struct {
	Claim    Claim
	Evidence []Evidence
	History  HistoryEntry
}

// PlanSubmit is a provider's claim in, for trajectory t (locked) with
// milestones ms; live says whether the milestone has a live claim. The
// claim gets id and is answered within settings' working days of now.
func PlanSubmit(t Trajectory, ms []TrajectoryMilestone, live bool, in SubmitInput, settings Settings, actor access.Actor, id uuid.UUID, now time.Time) (SubmitPlan, error) {
	if err := in.validate(); err != nil {
		return SubmitPlan{}, err
	}
	achieved := dateOf(in.AchievedOn)
	m, err := checkClaimable(t, ms, live, strings.TrimSpace(in.MilestoneCode), achieved, dateOf(now))
	if err != nil {
		return SubmitPlan{}, err
	}
	by := userID(actor)
	evidence, err := checkEvidence(in.Evidence, 1, by, now)
	if err != nil {
		return SubmitPlan{}, err
	}
	if m.EvidenceRequired && len(evidence) == 0 {
		return SubmitPlan{}, fault.Invalid(fault.Field("evidence", EvidenceRequired.Code, "this milestone needs evidence (PDF, PNG or JPEG)"))
	}
	c := Claim{ID: id, TrajectoryID: t.ID, MilestoneCode: m.Code, ProviderID: t.ProviderID, State: Submitted,
		Amount: m.Amount, AchievedOn: achieved, Note: strings.TrimSpace(in.Note), Source: "verifier", SubmittedBy: by,
		SubmittedAt: now, DueOn: AddWorkingDays(now, settings.AnswerWorkingDays), UpdatedAt: now}
	for i := range evidence {
		evidence[i].ClaimID = c.ID
	}
	return SubmitPlan{Claim: c, Evidence: evidence, History: newHistory(actor, "submit", nil, Submitted, c.Note, now)}, nil
}

// ResubmitPlan is what a corrected claim writes.
type ResubmitPlan struct {
	Claim    Claim
	Evidence []Evidence // added, numbered after the claim's last
	History  HistoryEntry
}

// planResubmit sends claim c back for review after changes were asked
// for, with the corrections in in; t is its trajectory, m its milestone,
// lastEvidence the number of its last evidence file.
func planResubmit(c Claim, t Trajectory, m TrajectoryMilestone, lastEvidence int, in ResubmitInput, settings Settings, actor access.Actor, now time.Time) (ResubmitPlan, error) {
	if c.State != ChangesRequested {
		return ResubmitPlan{}, fault.New(ClaimState, "the claim is %s; resubmit after the verifier asks for changes", c.State)
	}
	if t.State != Active {
		return ResubmitPlan{}, fault.New(TrajectoryNotActive, "the trajectory is %s", t.State)
	}
	if !in.AchievedOn.IsZero() {
		d := dateOf(in.AchievedOn)
		if err := checkAchievedOn(d, dateOf(now), t.StartDate, m.Deadline); err != nil {
			return ResubmitPlan{}, err
		}
		c.AchievedOn = d
	}
	note := strings.TrimSpace(in.Note)
	if note != "" {
		c.Note = note
	}
	evidence, err := checkEvidence(in.Evidence, lastEvidence+1, userID(actor), now)
	if err != nil {
		return ResubmitPlan{}, err
	}
	for i := range evidence {
		evidence[i].ClaimID = c.ID
	}
	from := ChangesRequested
	c.State, c.DueOn, c.UpdatedAt = Submitted, AddWorkingDays(now, settings.AnswerWorkingDays), now
	return ResubmitPlan{Claim: c, Evidence: evidence, History: newHistory(actor, "resubmit", &from, Submitted, note, now)}, nil
}

// checkObjectionNote: an objection says why the rejection is wrong.
func checkObjectionNote(note string) error {
	if strings.TrimSpace(note) == "" {
		return fault.Invalid(fault.Field("note", "required", "say why the rejection is wrong"))
	}
	return nil
}

// planObject contests the rejection of c, once, within the objection period.
func planObject(c Claim, note string, settings Settings, actor access.Actor, now time.Time) (Claim, HistoryEntry, error) {
	if err := checkObjectionNote(note); err != nil {
		return c, HistoryEntry{}, err
	}
	note = strings.TrimSpace(note)
	if c.State != Rejected {
		return c, HistoryEntry{}, fault.New(ClaimState, "the claim is %s; only a rejection can be objected to", c.State)
	}
	if c.ObjectedAt != nil {
		return c, HistoryEntry{}, fault.New(ObjectionUsed, "this claim was objected to on %s already; the decision on it is final", c.ObjectedAt.Format(time.DateOnly))
	}
	if c.DecidedAt != nil && now.After(c.DecidedAt.AddDate(0, 0, settings.ObjectionDays)) {
		return c, HistoryEntry{}, fault.New(ObjectionPeriodOver, "objections are possible within %d days of the rejection", settings.ObjectionDays)
	}
	from := Rejected
	c.State, c.ObjectedAt, c.ObjectionNote, c.DueOn, c.FirstApprovedBy, c.UpdatedAt = Objected, &now, note, AddWorkingDays(now, settings.AnswerWorkingDays), nil, now
	return c, newHistory(actor, "object", &from, Objected, note, now), nil
}

// ---- claims: the verifier's decisions

// mayVerify checks that actor may decide on c: a verifier, a person (never
// a command or job, so every decision has someone the four-eyes rule can
// tell apart), never a provider, never the person who submitted it.
func mayVerify(actor access.Actor, c Claim) error {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return err
	}
	if actor.IsSystem() {
		return fault.New(fault.Forbidden, "a decision on a claim is taken by a verifier, not by a command")
	}
	if actor.IsProvider() {
		return fault.New(fault.Forbidden, "providers never verify claims")
	}
	if c.SubmittedBy != nil && *c.SubmittedBy == actor.UserID {
		return fault.New(OwnClaim, "you submitted this claim; another verifier must decide")
	}
	return nil
}

// ApprovePlan is what an approval writes. When Final, the tranche becomes
// payable and the milestone verified; else the claim got its first
// approval and waits for a second, different verifier.
type ApprovePlan struct {
	Claim   Claim
	History HistoryEntry
	Final   bool
}

// PlanApprove approves claim c of milestone m (source says by whom:
// "verifier" or "register"). A claim above settings' second-approval amount
// first waits for a second verifier, whatever the source.
func PlanApprove(c Claim, m TrajectoryMilestone, settings Settings, actor access.Actor, note, source string, now time.Time) (ApprovePlan, error) {
	if err := mayVerify(actor, c); err != nil {
		return ApprovePlan{}, err
	}
	if !slices.Contains(reviewStates, c.State) {
		return ApprovePlan{}, fault.New(ClaimState, "the claim is %s; it cannot be approved now", c.State)
	}
	note = strings.TrimSpace(note)
	from := c.State
	me := userID(actor)
	if c.Amount.GreaterThan(settings.SecondApprovalAbove) && c.State != AwaitingSecondApproval {
		c.State, c.FirstApprovedBy, c.UpdatedAt = AwaitingSecondApproval, me, now
		return ApprovePlan{Claim: c, History: newHistory(actor, "approve_first", &from, c.State, note, now)}, nil
	}
	if c.State == AwaitingSecondApproval && (me == nil || c.FirstApprovedBy == nil || *c.FirstApprovedBy == *me) {
		return ApprovePlan{}, fault.New(SecondApproverSame, "you gave the first approval; a different verifier gives the second")
	}
	if m.State != OpenMilestone {
		return ApprovePlan{}, fault.New(ClaimState, "milestone %s is %s; its money cannot be made payable", m.Code, m.State)
	}
	c.State, c.DecidedBy, c.DecidedAt, c.DecisionNote, c.Source, c.ReasonCode, c.UpdatedAt = Approved, me, &now, note, source, nil, now
	return ApprovePlan{Claim: c, History: newHistory(actor, "approve", &from, Approved, note, now), Final: true}, nil
}

// checkReason refuses a rejection reason that is not one of RejectionReasons.
func checkReason(code string) error {
	if !slices.Contains(RejectionReasons, code) {
		return fault.Invalid(fault.Field("reason_code", ReasonCodeUnknown.Code, "choose one of "+strings.Join(RejectionReasons, ", ")))
	}
	return nil
}

// PlanReject rejects claim c with a reason code.
func PlanReject(c Claim, actor access.Actor, reasonCode, note string, now time.Time) (Claim, HistoryEntry, error) {
	if err := checkReason(reasonCode); err != nil {
		return c, HistoryEntry{}, err
	}
	return planDecision(c, actor, reviewStates, Rejected, "reject", strings.TrimSpace(note), &reasonCode, now)
}

// checkChangesNote: asking for changes tells the provider what to change.
func checkChangesNote(note string) error {
	if strings.TrimSpace(note) == "" {
		return fault.Invalid(fault.Field("note", "required", "tell the provider what to change"))
	}
	return nil
}

// PlanRequestChanges sends claim c back to its provider with what to change.
func PlanRequestChanges(c Claim, actor access.Actor, note string, now time.Time) (Claim, HistoryEntry, error) {
	if err := checkChangesNote(note); err != nil {
		return c, HistoryEntry{}, err
	}
	return planDecision(c, actor, []string{Submitted, AwaitingSecondApproval}, ChangesRequested, "request_changes", strings.TrimSpace(note), nil, now)
}

// planDecision decides c from one of the states from to the state to; a
// decision clears a first approval.
func planDecision(c Claim, actor access.Actor, from []string, to, action, note string, reason *string, now time.Time) (Claim, HistoryEntry, error) {
	if err := mayVerify(actor, c); err != nil {
		return c, HistoryEntry{}, err
	}
	if !slices.Contains(from, c.State) {
		return c, HistoryEntry{}, fault.New(ClaimState, "the claim is %s", c.State)
	}
	prev := c.State
	c.State, c.DecidedBy, c.DecidedAt, c.DecisionNote, c.ReasonCode, c.FirstApprovedBy, c.UpdatedAt = to, userID(actor), &now, note, reason, nil, now
	histNote := note
	if reason != nil {
		histNote = strings.TrimSpace(*reason + ": " + note)
	}
	return c, newHistory(actor, action, &prev, to, histNote, now), nil
}

// checkRevocable refuses to revoke what cannot be: only approved or paid
// claims, never by a provider, and not while an approved payment run holds
// the claim.
func checkRevocable(c Claim, actor access.Actor) error {
	if err := actor.Require(access.VerifyClaims); err != nil {
		return err
	}
	if actor.IsProvider() {
		return fault.New(fault.Forbidden, "providers never revoke claims")
	}
	if c.State != Approved && c.State != Paid {
		return fault.New(ClaimState, "the claim is %s; only approved or paid claims can be revoked", c.State)
	}
	if c.State == Approved && c.PaymentRunID != nil {
		return fault.New(ClaimInPayment, "the claim is in payment run %s, which finance approved; revoke it once the run is confirmed", *c.PaymentRunID)
	}
	return nil
}

// ---- trajectories

// StartFacts is what a start is checked against, loaded under the
// contract's lock: its terms, the product's schedule in its current
// version, how many trajectories run under it and the money it holds
// (committed, payable and paid).
type StartFacts struct {
	Terms    contracts.StartTerms
	Product  contracts.Product
	Running  int64
	Exposure decimal.Decimal
}

// StartPlan is what a start writes: the trajectory in its new state, its
// milestones with their tranches and deadlines frozen, and the contract's
// money afterwards.
type StartPlan struct {
	Trajectory Trajectory
	Milestones []TrajectoryMilestone
	Exposure   decimal.Decimal
}

// PlanStart starts referral t on startDate under the facts f. The price
// still has to be committed from the budget (pooling's rule).
func PlanStart(t Trajectory, f StartFacts, startDate, now time.Time) (StartPlan, error) {
	if t.State != Referred {
		return StartPlan{}, fault.New(TrajectoryState, "the trajectory is %s; only a referral can be started", t.State)
	}
	startDate = dateOf(startDate)
	if err := f.Terms.CheckStart(startDate); err != nil {
		return StartPlan{}, err
	}
	if f.Terms.BudgetID == nil {
		return StartPlan{}, fault.New(ContractNoBudget, "the contract has no budget to commit the price from; procurement must assign one")
	}
	if f.Running >= int64(f.Terms.Capacity) {
		return StartPlan{}, fault.New(ContractCapacityFull, "the contract's capacity of %d running trajectories is reached", f.Terms.Capacity)
	}
	price := f.Product.Price
	after := f.Exposure.Add(price)
	if after.GreaterThan(f.Terms.Ceiling) {
		return StartPlan{}, fault.New(ContractCeiling, "starting would commit %s beyond the contract's ceiling of %s (%s committed, payable or paid)",
			after.Sub(f.Terms.Ceiling).StringFixed(2), f.Terms.Ceiling.StringFixed(2), f.Exposure.StringFixed(2))
	}
	ms := make([]TrajectoryMilestone, 0, len(f.Product.Milestones))
	for _, m := range f.Product.Milestones {
		ms = append(ms, TrajectoryMilestone{TrajectoryID: t.ID, Code: m.Code, Position: m.Position, Name: m.Name, OutcomeDomain: m.OutcomeDomain,
			Amount: m.Tranche, Deadline: startDate.AddDate(0, m.DeadlineMonths, 0), Prerequisites: m.Prerequisites,
			EvidenceRequired: m.EvidenceRequired, State: OpenMilestone})
	}
	cat, version, budget := f.Product.CategoryCode, f.Terms.VersionID, *f.Terms.BudgetID
	t.State, t.StartDate, t.Price, t.CategoryCode, t.ContractVersionID, t.BudgetID, t.UpdatedAt = Active, &startDate, &price, &cat, &version, &budget, now
	return StartPlan{Trajectory: t, Milestones: ms, Exposure: after}, nil
}

// PlanDecline turns referral t down.
func PlanDecline(t Trajectory, reason string, now time.Time) (Trajectory, error) {
	return planEnd(t, Referred, Declined, reason, 0, now)
}

// checkEndReason: ending a trajectory early says why.
func checkEndReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return fault.Invalid(fault.Field("reason", "required", "say why the trajectory ends"))
	}
	return nil
}

// PlanTerminate ends active trajectory t early; pending counts its
// milestones with a claim waiting for a decision, which must be decided first.
func PlanTerminate(t Trajectory, reason string, pending int64, now time.Time) (Trajectory, error) {
	if err := checkEndReason(reason); err != nil {
		return t, err
	}
	return planEnd(t, Active, Terminated, reason, pending, now)
}

func planEnd(t Trajectory, from, to, reason string, pending int64, now time.Time) (Trajectory, error) {
	if t.State != from {
		return t, fault.New(TrajectoryState, "the trajectory is %s", t.State)
	}
	if pending > 0 {
		return t, fault.New(ClaimsPending, "%d claim(s) of this trajectory wait for a decision; decide them first", pending)
	}
	today := dateOf(now)
	t.State, t.EndReason, t.EndDate, t.UpdatedAt = to, strings.TrimSpace(reason), &today, now
	return t, nil
}

// PlanComplete completes active trajectory t when none of its milestones
// is open; it reports whether it did.
func PlanComplete(t Trajectory, open int, now time.Time) (Trajectory, bool) {
	if t.State != Active || open > 0 {
		return t, false
	}
	today := dateOf(now)
	t.State, t.EndDate, t.UpdatedAt = Completed, &today, now
	return t, true
}

// PlanRelease picks the milestones of ms whose money is released: open
// ones with no claim waiting for a decision (pending says which codes have
// one), and, when before is set, only those whose deadline lies before it.
// It marks them released at now in ms and returns their codes and money.
func PlanRelease(ms []TrajectoryMilestone, pending func(code string) bool, before *time.Time, now time.Time) ([]string, decimal.Decimal) {
	var codes []string
	total := decimal.Zero
	for i := range ms {
		m := &ms[i]
		if m.State != OpenMilestone || pending(m.Code) || (before != nil && !m.Deadline.Before(*before)) {
			continue
		}
		total = total.Add(m.Amount)
		codes = append(codes, m.Code)
		m.State, m.ReleasedAt = ReleasedMilestone, &now
	}
	return codes, total
}

// OpenCount counts the open milestones of ms.
func OpenCount(ms []TrajectoryMilestone) int {
	n := 0
	for _, m := range ms {
		if m.State == OpenMilestone {
			n++
		}
	}
	return n
}
