package outcomes

// Table tests of the rules in rules.go. None of them touches the database:
// the rules take values and return values or a domain error.

import (
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// wantCode fails t unless err carries code (or is nil when code is "").
func wantCode(t *testing.T, name string, err error, code string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
		}
		return
	}
	if !fault.HasCode(err, fault.Code{Code: code}) && !hasFieldCode(err, code) {
		t.Errorf("%s: error %v, want code %s", name, err, code)
	}
}

// hasFieldCode reports whether err is a domain error with code as its own
// code or as the code of one of its fields.
func hasFieldCode(err error, code string) bool {
	e, ok := fault.As(err)
	if !ok {
		return false
	}
	if e.Code.Code == code {
		return true
	}
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	ruleProvider = uuid.MustParse("0190d5e0-0000-7000-8000-000000000001")
	ruleSubmit   = uuid.MustParse("0190d5e0-0000-7000-8000-000000000002")
	ruleVerify1  = uuid.MustParse("0190d5e0-0000-7000-8000-000000000003")
	ruleVerify2  = uuid.MustParse("0190d5e0-0000-7000-8000-000000000004")
)

func providerActor() access.Actor {
	p := ruleProvider
	return access.Actor{UserID: ruleSubmit, Roles: []access.Role{access.Provider}, ProviderID: &p}
}

func verifierActor(id uuid.UUID) access.Actor {
	return access.Actor{UserID: id, Roles: []access.Role{access.Verifier}}
}

func TestCheckAchievedOn(t *testing.T) {
	start, deadline, today := date("2026-01-10"), date("2026-06-30"), date("2026-03-01")
	for _, tt := range []struct {
		name, achieved, code string
		start                *time.Time
	}{
		{"on the start", "2026-01-10", "", &start},
		{"between", "2026-02-01", "", &start},
		{"today", "2026-03-01", "", &start},
		{"tomorrow", "2026-03-02", AchievedInFuture.Code, &start},
		{"before the start", "2026-01-09", AchievedBeforeStart.Code, &start},
		{"no start known", "2025-01-01", "", nil},
		{"after the deadline", "2026-07-01", AchievedInFuture.Code, &start}, // the future is checked first
	} {
		wantCode(t, tt.name, checkAchievedOn(date(tt.achieved), today, tt.start, deadline), tt.code)
	}
	// After the deadline but not in the future.
	wantCode(t, "after the deadline", checkAchievedOn(date("2026-07-01"), date("2026-08-01"), &start, deadline), AchievedAfterDeadline.Code)
}

// ruleTrajectory is an active trajectory started on 10 January 2026 with
// two milestones: A (no prerequisite, evidence needed) and B (after A).
func ruleTrajectory() (Trajectory, []TrajectoryMilestone) {
	start := date("2026-01-10")
	t := Trajectory{ID: uuid.Must(uuid.NewV7()), ProviderID: ruleProvider, State: Active, StartDate: &start}
	ms := []TrajectoryMilestone{
		{TrajectoryID: t.ID, Code: "A", Position: 1, Amount: dec("600.00"), Deadline: date("2026-07-10"), EvidenceRequired: true, State: OpenMilestone},
		{TrajectoryID: t.ID, Code: "B", Position: 2, Amount: dec("400.00"), Deadline: date("2026-12-10"), Prerequisites: contracts.Codes{"A"}, State: OpenMilestone},
	}
	return t, ms
}

var pdf = File{Name: "bewijs.pdf", Data: []byte("%PDF-1.4 test")}

func TestPlanSubmit(t *testing.T) {
	now := date("2026-03-02").Add(10 * time.Hour) // a Monday
	settings := Settings{AnswerWorkingDays: 10, SecondApprovalAbove: dec("5000.00"), ObjectionDays: 42}
	tr, ms := ruleTrajectory()
	verifiedA := append([]TrajectoryMilestone(nil), ms...)
	verifiedA[0].State = VerifiedMilestone
	released := append([]TrajectoryMilestone(nil), ms...)
	released[0].State = ReleasedMilestone
	ended := tr
	ended.State = Terminated
	for _, tt := range []struct {
		name string
		t    Trajectory
		ms   []TrajectoryMilestone
		live bool
		in   SubmitInput
		code string
	}{
		{"A with evidence", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{pdf}}, ""},
		{"no milestone", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, AchievedOn: date("2026-02-20")}, "required"},
		{"no trajectory", tr, ms, false, SubmitInput{MilestoneCode: "A", AchievedOn: date("2026-02-20")}, "required"},
		{"no date", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A"}, "required"},
		{"trajectory ended", ended, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{pdf}}, TrajectoryNotActive.Code},
		{"unknown milestone", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "Z", AchievedOn: date("2026-02-20")}, MilestoneNotInSchedule.Code},
		{"A without evidence", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20")}, EvidenceRequired.Code},
		{"A with a text file", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{{Name: "a.pdf", Data: []byte("hello")}}}, EvidenceType.Code},
		{"A in the future", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-03-03"), Evidence: []File{pdf}}, AchievedInFuture.Code},
		{"A before the start", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-01-09"), Evidence: []File{pdf}}, AchievedBeforeStart.Code},
		{"A with a live claim", tr, ms, true, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{pdf}}, MilestoneAlreadyClaimed.Code},
		{"A verified", tr, verifiedA, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{pdf}}, MilestoneAlreadyClaimed.Code},
		{"A released", tr, released, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "A", AchievedOn: date("2026-02-20"), Evidence: []File{pdf}}, MilestoneReleased.Code},
		{"B before A", tr, ms, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: "B", AchievedOn: date("2026-02-20")}, PrerequisiteNotVerified.Code},
		{"B after A", tr, verifiedA, false, SubmitInput{TrajectoryID: tr.ID, MilestoneCode: " B ", AchievedOn: date("2026-02-20"), Note: "  klaar "}, ""},
	} {
		id := uuid.Must(uuid.NewV7())
		plan, err := PlanSubmit(tt.t, tt.ms, tt.live, tt.in, settings, providerActor(), id, now)
		wantCode(t, tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		c := plan.Claim
		if c.ID != id || c.State != Submitted || c.TrajectoryID != tr.ID || c.ProviderID != ruleProvider || c.SubmittedBy == nil || *c.SubmittedBy != ruleSubmit {
			t.Errorf("%s: claim %+v", tt.name, c)
		}
		want := ms[0].Amount
		if c.MilestoneCode == "B" {
			want = ms[1].Amount
		}
		if !c.Amount.Equal(want) {
			t.Errorf("%s: amount %s, want the tranche %s", tt.name, c.Amount, want)
		}
		// Ten working days after Monday 2 March 2026: Monday 16 March.
		if got := c.DueOn.Format(time.DateOnly); got != "2026-03-16" {
			t.Errorf("%s: due %s, want 2026-03-16", tt.name, got)
		}
		if plan.History.Action != "submit" || plan.History.ToState != Submitted || plan.History.FromState != nil {
			t.Errorf("%s: history %+v", tt.name, plan.History)
		}
		for _, e := range plan.Evidence {
			if e.ClaimID != id || e.N != 1 || e.ContentType != "application/pdf" {
				t.Errorf("%s: evidence %+v", tt.name, e)
			}
		}
	}
}

func TestPlanResubmit(t *testing.T) {
	now := date("2026-03-02").Add(10 * time.Hour)
	settings := Settings{AnswerWorkingDays: 10}
	tr, ms := ruleTrajectory()
	c := Claim{ID: uuid.Must(uuid.NewV7()), TrajectoryID: tr.ID, MilestoneCode: "A", State: ChangesRequested, AchievedOn: date("2026-02-01"), Note: "eerst"}
	ended := tr
	ended.State = Completed
	approved := c
	approved.State = Approved
	for _, tt := range []struct {
		name string
		c    Claim
		t    Trajectory
		in   ResubmitInput
		code string
	}{
		{"note only", c, tr, ResubmitInput{Note: "aangevuld"}, ""},
		{"new date", c, tr, ResubmitInput{AchievedOn: date("2026-02-10")}, ""},
		{"date in the future", c, tr, ResubmitInput{AchievedOn: date("2026-03-05")}, AchievedInFuture.Code},
		{"date before the start", c, tr, ResubmitInput{AchievedOn: date("2025-12-31")}, AchievedBeforeStart.Code},
		{"not asked for changes", approved, tr, ResubmitInput{}, ClaimState.Code},
		{"trajectory ended", c, ended, ResubmitInput{}, TrajectoryNotActive.Code},
		{"evidence added after two files", c, tr, ResubmitInput{Evidence: []File{pdf}}, ""},
	} {
		plan, err := planResubmit(tt.c, tt.t, ms[0], 2, tt.in, settings, providerActor(), now)
		wantCode(t, tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		if plan.Claim.State != Submitted || plan.Claim.DueOn.Format(time.DateOnly) != "2026-03-16" {
			t.Errorf("%s: claim %+v", tt.name, plan.Claim)
		}
		if !tt.in.AchievedOn.IsZero() && !plan.Claim.AchievedOn.Equal(tt.in.AchievedOn) {
			t.Errorf("%s: achieved %s", tt.name, plan.Claim.AchievedOn)
		}
		if tt.in.AchievedOn.IsZero() && !plan.Claim.AchievedOn.Equal(c.AchievedOn) {
			t.Errorf("%s: the date changed to %s", tt.name, plan.Claim.AchievedOn)
		}
		if tt.in.Note == "" && plan.Claim.Note != "eerst" {
			t.Errorf("%s: note %q, want the claim's own", tt.name, plan.Claim.Note)
		}
		for _, e := range plan.Evidence {
			if e.N != 3 {
				t.Errorf("%s: evidence numbered %d, want 3", tt.name, e.N)
			}
		}
		if plan.History.Action != "resubmit" || plan.History.FromState == nil || *plan.History.FromState != ChangesRequested {
			t.Errorf("%s: history %+v", tt.name, plan.History)
		}
	}
}

func TestPlanApprove(t *testing.T) {
	now := date("2026-03-02").Add(10 * time.Hour)
	settings := Settings{SecondApprovalAbove: dec("500.00")}
	_, ms := ruleTrajectory()
	v1, v2 := verifierActor(ruleVerify1), verifierActor(ruleVerify2)
	sub := ruleSubmit
	small := Claim{ID: uuid.Must(uuid.NewV7()), MilestoneCode: "B", State: Submitted, Amount: dec("400.00"), SubmittedBy: &sub}
	big := Claim{ID: uuid.Must(uuid.NewV7()), MilestoneCode: "A", State: Submitted, Amount: dec("600.00"), SubmittedBy: &sub}
	first := ruleVerify1
	bigFirst := big
	bigFirst.State, bigFirst.FirstApprovedBy = AwaitingSecondApproval, &first
	rejected := small
	rejected.State = Rejected
	objected := small
	objected.State = Objected
	verified := ms[1]
	verified.State = VerifiedMilestone
	ownVerifier := verifierActor(ruleSubmit)
	for _, tt := range []struct {
		name  string
		c     Claim
		m     TrajectoryMilestone
		actor access.Actor
		code  string
		state string
		final bool
	}{
		{"small claim", small, ms[1], v1, "", Approved, true},
		{"objected claim", objected, ms[1], v1, "", Approved, true},
		{"big claim, first approval", big, ms[0], v1, "", AwaitingSecondApproval, false},
		{"big claim, second approval by another", bigFirst, ms[0], v2, "", Approved, true},
		{"big claim, second approval by the first", bigFirst, ms[0], v1, SecondApproverSame.Code, "", false},
		{"by its submitter", small, ms[1], ownVerifier, OwnClaim.Code, "", false},
		{"by a provider", small, ms[1], providerActor(), fault.Forbidden.Code, "", false},
		{"by a command", small, ms[1], access.System("register"), fault.Forbidden.Code, "", false},
		{"a rejected claim", rejected, ms[1], v1, ClaimState.Code, "", false},
		{"a milestone verified already", small, verified, v1, ClaimState.Code, "", false},
	} {
		plan, err := PlanApprove(tt.c, tt.m, settings, tt.actor, " ok ", "verifier", now)
		wantCode(t, tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		if plan.Claim.State != tt.state || plan.Final != tt.final {
			t.Errorf("%s: state %s final %v, want %s %v", tt.name, plan.Claim.State, plan.Final, tt.state, tt.final)
		}
		if tt.final && (plan.Claim.DecidedBy == nil || *plan.Claim.DecidedBy != tt.actor.UserID || plan.Claim.DecisionNote != "ok" || plan.History.Action != "approve") {
			t.Errorf("%s: final approval %+v, history %+v", tt.name, plan.Claim, plan.History)
		}
		if !tt.final && (plan.Claim.FirstApprovedBy == nil || *plan.Claim.FirstApprovedBy != tt.actor.UserID || plan.History.Action != "approve_first") {
			t.Errorf("%s: first approval %+v, history %+v", tt.name, plan.Claim, plan.History)
		}
	}
}

func TestPlanRejectAndRequestChanges(t *testing.T) {
	now := date("2026-03-02").Add(10 * time.Hour)
	sub, first := ruleSubmit, ruleVerify2
	c := Claim{ID: uuid.Must(uuid.NewV7()), State: AwaitingSecondApproval, SubmittedBy: &sub, FirstApprovedBy: &first}
	objected := c
	objected.State = Objected
	approved := c
	approved.State = Approved
	v := verifierActor(ruleVerify1)

	for _, tt := range []struct {
		name, reason string
		c            Claim
		code         string
	}{
		{"with a known reason", "not_achieved", c, ""},
		{"an objection", "duplicate", objected, ""},
		{"with an unknown reason", "bogus", c, ReasonCodeUnknown.Code},
		{"an approved claim", "other", approved, ClaimState.Code},
	} {
		after, h, err := PlanReject(tt.c, v, tt.reason, " nee ", now)
		wantCode(t, "reject "+tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		if after.State != Rejected || after.ReasonCode == nil || *after.ReasonCode != tt.reason || after.FirstApprovedBy != nil {
			t.Errorf("reject %s: %+v", tt.name, after)
		}
		if h.Note != tt.reason+": nee" || h.Action != "reject" {
			t.Errorf("reject %s: history %+v", tt.name, h)
		}
	}
	for _, tt := range []struct {
		name, note string
		c          Claim
		code       string
	}{
		{"with a note", "voeg toe", c, ""},
		{"without a note", "  ", c, "required"},
		{"an objection", "voeg toe", objected, ClaimState.Code},
	} {
		after, h, err := PlanRequestChanges(tt.c, v, tt.note, now)
		wantCode(t, "changes "+tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		if after.State != ChangesRequested || after.DecisionNote != tt.note || h.Action != "request_changes" || after.FirstApprovedBy != nil {
			t.Errorf("changes %s: %+v, %+v", tt.name, after, h)
		}
	}
}

func TestPlanObject(t *testing.T) {
	settings := Settings{AnswerWorkingDays: 10, ObjectionDays: 14}
	decided := date("2026-03-02").Add(9 * time.Hour)
	c := Claim{State: Rejected, DecidedAt: &decided}
	used := c
	used.ObjectedAt = &decided
	open := c
	open.State = Submitted
	for _, tt := range []struct {
		name, note string
		c          Claim
		now        time.Time
		code       string
	}{
		{"within the period", "wel behaald", c, decided.AddDate(0, 0, 14), ""},
		{"after the period", "wel behaald", c, decided.AddDate(0, 0, 14).Add(time.Minute), ObjectionPeriodOver.Code},
		{"a second time", "wel behaald", used, decided.AddDate(0, 0, 1), ObjectionUsed.Code},
		{"not rejected", "wel behaald", open, decided.AddDate(0, 0, 1), ClaimState.Code},
		{"without a note", " ", c, decided.AddDate(0, 0, 1), "required"},
	} {
		after, h, err := planObject(tt.c, tt.note, settings, providerActor(), tt.now)
		wantCode(t, tt.name, err, tt.code)
		if err == nil && (after.State != Objected || after.ObjectedAt == nil || h.Action != "object" || after.DueOn.IsZero()) {
			t.Errorf("%s: %+v, %+v", tt.name, after, h)
		}
	}
}

func TestCheckRevocable(t *testing.T) {
	run := uuid.Must(uuid.NewV7())
	v := verifierActor(ruleVerify1)
	for _, tt := range []struct {
		name  string
		c     Claim
		actor access.Actor
		code  string
	}{
		{"approved", Claim{State: Approved}, v, ""},
		{"paid", Claim{State: Paid, PaymentRunID: &run}, v, ""},
		{"approved, in an approved run", Claim{State: Approved, PaymentRunID: &run}, v, ClaimInPayment.Code},
		{"submitted", Claim{State: Submitted}, v, ClaimState.Code},
		{"by a provider", Claim{State: Approved}, providerActor(), fault.Forbidden.Code},
	} {
		wantCode(t, tt.name, checkRevocable(tt.c, tt.actor), tt.code)
	}
}

func TestPlanStart(t *testing.T) {
	now := date("2026-02-01").Add(10 * time.Hour)
	budget, version := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	terms := contracts.StartTerms{Status: contracts.Active, Ceiling: dec("10000.00"), Capacity: 3, BudgetID: &budget, VersionID: version,
		PeriodStart: date("2026-01-01"), PeriodEnd: date("2026-12-31")}
	product := contracts.Product{Code: "NT2", CategoryCode: "language", Price: dec("1000.00"), Milestones: []contracts.Milestone{
		{Code: "A", Position: 1, Tranche: dec("600.00"), DeadlineMonths: 6, EvidenceRequired: true},
		{Code: "B", Position: 2, Tranche: dec("400.00"), DeadlineMonths: 12, Prerequisites: contracts.Codes{"A"}},
	}}
	referral := Trajectory{ID: uuid.Must(uuid.NewV7()), State: Referred}
	active := referral
	active.State = Active
	noBudget := terms
	noBudget.BudgetID = nil
	draft := terms
	draft.Status = contracts.Draft
	for _, tt := range []struct {
		name     string
		t        Trajectory
		terms    contracts.StartTerms
		running  int64
		exposure string
		start    string
		code     string
	}{
		{"a referral", referral, terms, 0, "0.00", "2026-01-31", ""},
		{"up to the ceiling", referral, terms, 2, "9000.00", "2026-01-31", ""},
		{"beyond the ceiling", referral, terms, 2, "9000.01", "2026-01-31", ContractCeiling.Code},
		{"capacity reached", referral, terms, 3, "0.00", "2026-01-31", ContractCapacityFull.Code},
		{"started already", active, terms, 0, "0.00", "2026-01-31", TrajectoryState.Code},
		{"no budget", referral, noBudget, 0, "0.00", "2026-01-31", ContractNoBudget.Code},
		{"a draft contract", referral, draft, 0, "0.00", "2026-01-31", contracts.ContractNotActive.Code},
		{"before the contract period", referral, terms, 0, "0.00", "2025-12-31", contracts.ContractOutsidePeriod.Code},
	} {
		f := StartFacts{Terms: tt.terms, Product: product, Running: tt.running, Exposure: dec(tt.exposure)}
		plan, err := PlanStart(tt.t, f, date(tt.start).Add(13*time.Hour), now)
		wantCode(t, tt.name, err, tt.code)
		if err != nil || tt.code != "" {
			continue
		}
		tr := plan.Trajectory
		if tr.State != Active || tr.StartDate.Format(time.DateOnly) != tt.start || !tr.Price.Equal(product.Price) ||
			*tr.BudgetID != budget || *tr.ContractVersionID != version || *tr.CategoryCode != "language" {
			t.Errorf("%s: trajectory %+v", tt.name, tr)
		}
		if !plan.Exposure.Equal(dec(tt.exposure).Add(product.Price)) {
			t.Errorf("%s: exposure after %s", tt.name, plan.Exposure)
		}
		sum := decimal.Zero
		for _, m := range plan.Milestones {
			sum = sum.Add(m.Amount)
			if m.State != OpenMilestone || m.TrajectoryID != tr.ID {
				t.Errorf("%s: milestone %+v", tt.name, m)
			}
		}
		if !sum.Equal(product.Price) {
			t.Errorf("%s: tranches sum to %s, price %s", tt.name, sum, product.Price)
		}
		if got := plan.Milestones[0].Deadline.Format(time.DateOnly); got != "2026-07-31" {
			t.Errorf("%s: deadline of A %s, want six months after the start", tt.name, got)
		}
	}
}

func TestPlanEndAndComplete(t *testing.T) {
	now := date("2026-05-04").Add(15 * time.Hour)
	referral := Trajectory{State: Referred}
	active := Trajectory{State: Active}
	for _, tt := range []struct {
		name string
		run  func() (Trajectory, error)
		code string
		want string
	}{
		{"decline a referral", func() (Trajectory, error) { return PlanDecline(referral, "vol", now) }, "", Declined},
		{"decline an active one", func() (Trajectory, error) { return PlanDecline(active, "vol", now) }, TrajectoryState.Code, ""},
		{"terminate", func() (Trajectory, error) { return PlanTerminate(active, "verhuisd", 0, now) }, "", Terminated},
		{"terminate with pending claims", func() (Trajectory, error) { return PlanTerminate(active, "verhuisd", 1, now) }, ClaimsPending.Code, ""},
		{"terminate without a reason", func() (Trajectory, error) { return PlanTerminate(active, " ", 0, now) }, "required", ""},
		{"terminate a referral", func() (Trajectory, error) { return PlanTerminate(referral, "verhuisd", 0, now) }, TrajectoryState.Code, ""},
	} {
		got, err := tt.run()
		wantCode(t, tt.name, err, tt.code)
		if err == nil && (got.State != tt.want || got.EndDate == nil || got.EndDate.Format(time.DateOnly) != "2026-05-04" || got.EndReason == "") {
			t.Errorf("%s: %+v", tt.name, got)
		}
	}
	if _, done := PlanComplete(active, 1, now); done {
		t.Error("completed with a milestone open")
	}
	if _, done := PlanComplete(referral, 0, now); done {
		t.Error("completed a referral")
	}
	if got, done := PlanComplete(active, 0, now); !done || got.State != Completed || got.EndDate == nil {
		t.Errorf("not completed with nothing open: %+v", got)
	}
}

func TestPlanRelease(t *testing.T) {
	now := date("2026-08-01").Add(time.Hour)
	mk := func() []TrajectoryMilestone {
		return []TrajectoryMilestone{
			{Code: "A", Amount: dec("100.00"), Deadline: date("2026-06-30"), State: OpenMilestone},
			{Code: "B", Amount: dec("200.00"), Deadline: date("2026-07-31"), State: OpenMilestone},
			{Code: "C", Amount: dec("300.00"), Deadline: date("2026-12-31"), State: OpenMilestone},
			{Code: "D", Amount: dec("400.00"), Deadline: date("2026-01-31"), State: VerifiedMilestone},
		}
	}
	none := func(string) bool { return false }
	asOf := date("2026-08-01")
	for _, tt := range []struct {
		name    string
		pending func(string) bool
		before  *time.Time
		codes   string
		total   string
	}{
		{"all open", none, nil, "A,B,C", "600.00"},
		{"deadline passed", none, &asOf, "A,B", "300.00"},
		{"B waits for a decision", func(c string) bool { return c == "B" }, &asOf, "A", "100.00"},
	} {
		ms := mk()
		codes, total := PlanRelease(ms, tt.pending, tt.before, now)
		got := ""
		for i, c := range codes {
			if i > 0 {
				got += ","
			}
			got += c
		}
		if got != tt.codes || !total.Equal(dec(tt.total)) {
			t.Errorf("%s: released %s for %s, want %s for %s", tt.name, got, total, tt.codes, tt.total)
		}
		if OpenCount(ms) != 3-len(codes) {
			t.Errorf("%s: %d open after releasing %d", tt.name, OpenCount(ms), len(codes))
		}
	}
}
