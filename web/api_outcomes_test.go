package web

import (
	"github.com/euregio/tranche/internal/access"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/outcomes"
)

var testPDF = []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

func TestOutcomesAPIFlow(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	participant, tr := o.startedTrajectory()
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)

	// The provider sees its trajectory with the tranches; the other provider sees nothing.
	var got TrajectoryBody
	o.get("/api/v1/trajectories/"+tr, o.provider).json(t, &got)
	if got.State != "active" || len(got.Milestones) != 4 || got.Milestones[1].Amount != "800.00" || got.Price != "2000.00" {
		t.Fatalf("trajectory = %+v", got)
	}
	o.get("/api/v1/trajectories/"+tr, o.provider2).problem(t, 404, "trajectory_not_found")
	o.get("/api/v1/participants/"+participant, o.provider2).problem(t, 404, "participant_not_found")
	var pb ParticipantBody
	o.get("/api/v1/participants/"+participant, o.provider).json(t, &pb)
	if pb.Personal == nil || pb.Personal.FamilyName != "Nguyễn" {
		t.Fatalf("serving provider does not see the participant's name: %+v", pb)
	}
	o.get("/api/v1/participants/"+participant, o.finance).problem(t, 403, "forbidden")

	// A claim with evidence, retried with the same Idempotency-Key and a new boundary.
	fields := map[string]string{"trajectory_id": tr, "milestone_code": "intake", "achieved_on": yesterday, "note": "intake done"}
	ct, body := claimForm(fields, map[string][]byte{"intake.pdf": testPDF})
	first := o.postForm("/api/v1/claims", o.provider, ct, body, "Idempotency-Key: claim-intake-1")
	if first.Code != http.StatusCreated {
		t.Fatalf("submit = %d %s", first.Code, first.Body)
	}
	var claim ClaimBody
	first.json(t, &claim)
	if claim.State != "submitted" || claim.Amount != "200.00" || len(claim.Evidence) != 1 || claim.Evidence[0].ContentType != "application/pdf" {
		t.Fatalf("claim = %+v", claim)
	}
	ct, body = claimForm(fields, map[string][]byte{"intake.pdf": testPDF})
	replay := o.postForm("/api/v1/claims", o.provider, ct, body, "Idempotency-Key: claim-intake-1")
	if replay.Code != http.StatusCreated || replay.Header().Get("Idempotency-Replayed") != "true" || replay.Body.String() != first.Body.String() {
		t.Fatalf("replay = %d replayed=%q", replay.Code, replay.Header().Get("Idempotency-Replayed"))
	}
	ct, body = claimForm(fields, map[string][]byte{"intake.pdf": testPDF})
	o.postForm("/api/v1/claims", o.provider, ct, body, "Idempotency-Key: claim-intake-2").problem(t, 409, "milestone_already_claimed")
	fields["note"] = "changed"
	ct, body = claimForm(fields, map[string][]byte{"intake.pdf": testPDF})
	o.postForm("/api/v1/claims", o.provider, ct, body, "Idempotency-Key: claim-intake-1").problem(t, 422, "idempotency_key_reused")

	// Evidence: the verifier and the owner may download it, the other provider may not.
	r := o.get("/api/v1/claims/"+claim.ID.String()+"/evidence/1", o.verifier)
	if r.Code != 200 || r.Header().Get("Content-Type") != "application/pdf" || r.Body.String() != string(testPDF) {
		t.Fatalf("evidence = %d %q", r.Code, r.Header().Get("Content-Type"))
	}
	o.get("/api/v1/claims/"+claim.ID.String()+"/evidence/1", o.provider2).problem(t, 404, "evidence_not_found")
	o.get("/api/v1/claims/"+claim.ID.String(), o.provider2).problem(t, 404, "claim_not_found")
	o.postJSON("/api/v1/claims/"+claim.ID.String()+"/approve", o.provider, map[string]any{}).problem(t, 403, "forbidden")

	// The queue, then approval.
	var q struct {
		Items   []ClaimItem
		Waiting int64
	}
	o.get("/api/v1/verification-queue", o.verifier).json(t, &q)
	if q.Waiting != 1 || len(q.Items) != 1 || q.Items[0].ID != claim.ID {
		t.Fatalf("queue = %+v", q)
	}
	var report ReportBody
	o.get("/api/v1/budgets/"+o.budget.ID.String()+"/report", o.finance).json(t, &report)
	if report.Total.Committed != "2000.00" || report.Total.Payable != "0.00" {
		t.Fatalf("report before approval: committed %s, payable %s; want 2000.00 and 0.00", report.Total.Committed, report.Total.Payable)
	}
	r = o.postJSON("/api/v1/claims/"+claim.ID.String()+"/approve", o.verifier, map[string]any{"note": "report seen"})
	r.json(t, &claim)
	if r.Code != 200 || claim.State != "approved" || len(claim.History) != 2 {
		t.Fatalf("approve = %d %+v", r.Code, claim)
	}
	// The budget report shows the tranche moved from committed to payable.
	o.get("/api/v1/budgets/"+o.budget.ID.String()+"/report", o.finance).json(t, &report)
	if report.Total.Committed != "1800.00" || report.Total.Payable != "200.00" {
		t.Fatalf("report after approval: committed %s, payable %s; want 1800.00 and 200.00", report.Total.Committed, report.Total.Payable)
	}

	// Rules as problems: a2 without evidence, unknown milestone, a bad date.
	ct, body = claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "a2", "achieved_on": yesterday}, nil)
	p := o.postForm("/api/v1/claims", o.provider, ct, body).problem(t, 422, "invalid_input")
	if p.Errors[0].Code != "evidence_required" {
		t.Fatalf("errors = %+v", p.Errors)
	}
	ct, body = claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "b1", "achieved_on": yesterday}, nil)
	p = o.postForm("/api/v1/claims", o.provider, ct, body).problem(t, 422, "invalid_input")
	if p.Errors[0].Code != "milestone_not_in_schedule" {
		t.Fatalf("errors = %+v", p.Errors)
	}
	ct, body = claimForm(map[string]string{"trajectory_id": "nope", "milestone_code": "knm", "achieved_on": "yesterday"}, nil)
	p = o.postForm("/api/v1/claims", o.provider, ct, body).problem(t, 422, "invalid_input")
	if len(p.Errors) != 2 {
		t.Fatalf("errors = %+v, want trajectory_id and achieved_on", p.Errors)
	}
	ct, body = claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "knm", "achieved_on": yesterday}, map[string][]byte{"virus.pdf": []byte("MZ")})
	p = o.postForm("/api/v1/claims", o.provider, ct, body).problem(t, 422, "invalid_input")
	if p.Errors[0].Code != "evidence_type_not_allowed" {
		t.Fatalf("errors = %+v", p.Errors)
	}

	// Reject, object, and the rejection reasons.
	ct, body = claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "knm", "achieved_on": yesterday}, nil)
	r = o.postForm("/api/v1/claims", o.provider, ct, body)
	r.json(t, &claim)
	o.postJSON("/api/v1/claims/"+claim.ID.String()+"/reject", o.verifier, map[string]any{"reason_code": "whatever"}).problem(t, 422, "invalid_input")
	r = o.postJSON("/api/v1/claims/"+claim.ID.String()+"/reject", o.verifier, map[string]any{"reason_code": "not_achieved", "note": "no exam"})
	if r.Code != 200 {
		t.Fatalf("reject = %d %s", r.Code, r.Body)
	}
	r = o.postJSON("/api/v1/claims/"+claim.ID.String()+"/object", o.provider, map[string]any{"note": "the exam was passed"})
	r.json(t, &claim)
	if claim.State != "objected" {
		t.Fatalf("after objection: %s", claim.State)
	}
	var list ClaimsList
	o.get("/api/v1/claims?status=objected,approved", o.finance).json(t, &list)
	if len(list.Items) != 2 {
		t.Fatalf("finance lists %d claims, want 2", len(list.Items))
	}
	o.get("/api/v1/claims", o.provider2).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("the other provider lists %d claims", len(list.Items))
	}
}

type ClaimsList struct {
	Items []ClaimItem `json:"items"`
}

func TestRegisterImportAPI(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, tr := o.startedTrajectory()
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	ct, body := claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "intake", "achieved_on": yesterday}, nil)
	var claim ClaimBody
	o.postForm("/api/v1/claims", o.provider, ct, body).json(t, &claim)
	csv := "participant,milestone,level,date\n" + claim.ParticipantReference + ",intake,," + yesterday + "\nP-1999-0001,intake,,2005-01-01\n"
	r := o.request(http.MethodPost, "/api/v1/registers/exam-results?filename=mei.csv", o.verifier, strings.NewReader(csv), "Content-Type: text/csv")
	var res outcomes.ImportResult
	r.json(t, &res)
	if r.Code != 200 || res.Verified != 1 || len(res.Unmatched) != 1 || res.Unmatched[0].Reason != "participant_unknown" {
		t.Fatalf("import = %d %+v", r.Code, res)
	}
	o.request(http.MethodPost, "/api/v1/registers/exam-results", o.verifier, strings.NewReader("garbage"), "Content-Type: text/csv").problem(t, 422, "register_file_malformed")
	o.request(http.MethodPost, "/api/v1/registers/exam-results", o.provider, strings.NewReader(csv), "Content-Type: text/csv").problem(t, 403, "forbidden")
}

func TestStartAndTerminateAPI(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, tr := o.startedTrajectory()
	o.postJSON("/api/v1/trajectories/"+tr+"/start", o.provider, map[string]any{"start_date": "2020-01-01"}).problem(t, 409, "trajectory_state")
	o.postJSON("/api/v1/trajectories/"+tr+"/terminate", o.provider2, map[string]any{"reason": "x"}).problem(t, 403, "forbidden")
	o.postJSON("/api/v1/trajectories/"+tr+"/terminate", o.casemanager, map[string]any{}).problem(t, 422, "invalid_input")
	var got TrajectoryBody
	r := o.postJSON("/api/v1/trajectories/"+tr+"/terminate", o.casemanager, map[string]any{"reason": "moved to Hengelo"})
	r.json(t, &got)
	if r.Code != 200 || got.State != "terminated" || got.EndReason != "moved to Hengelo" {
		t.Fatalf("terminate = %d %+v", r.Code, got)
	}
	p := o.postJSON("/api/v1/trajectories/"+tr+"/start", o.provider, map[string]any{"start_date": "not a date"}).problem(t, 422, "invalid_input")
	if p.Errors[0].Field != "start_date" {
		t.Fatalf("errors = %+v", p.Errors)
	}
}

// Nonsense dates are field errors wherever the API reads a date.
func TestNonsenseDatesAPI(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	fields := func(r response) map[string]string {
		p := r.problem(t, http.StatusUnprocessableEntity, "invalid_input")
		out := map[string]string{}
		for _, f := range p.Errors {
			out[f.Field] = f.Code
		}
		return out
	}
	got := fields(o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"given_names": "Ayşe", "family_name": "",
		"date_of_birth": "0001-01-01", "arrival_date": "0000-06-01"}))
	if got["family_name"] != "required" || got["date_of_birth"] != "date_out_of_range" || got["arrival_date"] != "date_out_of_range" {
		t.Errorf("participant errors = %v", got)
	}
	got = fields(o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"family_name": "Yılmaz", "date_of_birth": "1990-04-01", "arrival_date": "1989-01-01"}))
	if got["arrival_date"] != "before_birth" {
		t.Errorf("arrival before birth: %v", got)
	}
	proc := o.user("inkoop@enschede.example", access.Procurement)
	stream := streamJSON("OLD-0001", "language")
	stream["valid_from"] = "0001-01-01"
	if got = fields(o.postJSON("/api/v1/funding-streams", proc, stream)); got["valid_from"] != "date_out_of_range" {
		t.Errorf("funding stream errors = %v", got)
	}
}

// An evidence file is stored under a name without control or bidirectional
// characters, with the extension of what it really is, and sent back so.
func TestEvidenceStoredNameAndDownload(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, tr := o.startedTrajectory()
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	ct, body := claimForm(map[string]string{"trajectory_id": tr, "milestone_code": "intake", "achieved_on": yesterday},
		map[string][]byte{"bericht\u202Egnp.pdf": png})
	r := o.postForm("/api/v1/claims", o.provider, ct, body)
	var claim ClaimBody
	r.json(t, &claim)
	if r.Code != http.StatusCreated || len(claim.Evidence) != 1 {
		t.Fatalf("claim with evidence = %d %s", r.Code, r.Body)
	}
	if got := claim.Evidence[0]; got.Filename != "berichtgnp.png" || got.ContentType != "image/png" {
		t.Fatalf("stored evidence = %+v, want berichtgnp.png as image/png", got)
	}
	d := o.get(claim.Evidence[0].URL, o.verifier)
	if d.Code != http.StatusOK || !strings.Contains(d.Header().Get("Content-Disposition"), `filename="berichtgnp.png"`) || d.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("download = %d %q %q", d.Code, d.Header().Get("Content-Disposition"), d.Header().Get("Content-Type"))
	}
}
