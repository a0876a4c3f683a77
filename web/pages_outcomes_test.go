package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/outcomes"
)

// A tiny but well-formed PDF, recognised by its content.
var pagePDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n" +
	"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n" +
	"trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n")

// pageSession is a logged-in browser-like client of a test server.
type pageSession struct {
	t  *testing.T
	ts *httptest.Server
	c  *http.Client
}

func (o *outcomeEnv) session(ts *httptest.Server, email string) *pageSession {
	o.t.Helper()
	c := browserClient(o.t)
	if resp := login(o.t, ts, c, email, testPassword); resp.StatusCode != http.StatusSeeOther {
		o.t.Fatalf("log in as %s = %d", email, resp.StatusCode)
	}
	return &pageSession{t: o.t, ts: ts, c: c}
}

func (s *pageSession) get(path string) (int, string) {
	s.t.Helper()
	return body(s.t, s.c, s.ts.URL+path)
}

// result reads a response: its status, its body and where it redirects to.
func (s *pageSession) result(resp *http.Response, err error) (int, string, string) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func (s *pageSession) post(path string, form url.Values) (int, string, string) {
	s.t.Helper()
	return s.result(s.c.PostForm(s.ts.URL+path, form))
}

// postFiles posts a multipart form; files go to fileField.
func (s *pageSession) postFiles(path string, fields map[string]string, fileField string, files map[string][]byte) (int, string, string) {
	s.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := w.CreateFormFile(fileField, name)
		fw.Write(data)
	}
	w.Close()
	return s.result(s.c.Post(s.ts.URL+path, w.FormDataContentType(), &b))
}

// apiClaim submits a claim for the intake milestone over the API, with a PDF.
func (o *outcomeEnv) apiClaim(trajectory string, achieved time.Time) ClaimBody {
	o.t.Helper()
	ct, b := claimForm(map[string]string{"trajectory_id": trajectory, "milestone_code": "intake", "achieved_on": achieved.Format(time.DateOnly)},
		map[string][]byte{"intake.pdf": pagePDF})
	r := o.postForm("/api/v1/claims", o.provider, ct, b)
	if r.Code != http.StatusCreated {
		o.t.Fatalf("submit claim = %d %s", r.Code, r.Body)
	}
	var c ClaimBody
	r.json(o.t, &c)
	return c
}

func wantIn(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if t.Failed() {
		t.Fatalf("page:\n%s", page)
	}
}

func TestOutcomesPagesHideAnotherProvidersClaim(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, traj := o.startedTrajectory()
	claim := o.apiClaim(traj, time.Now().AddDate(0, 0, -1))
	ts := httptest.NewServer(o.handler)
	defer ts.Close()

	other := o.session(ts, "staff@roc.example")
	for _, path := range []string{"/claims/" + claim.ID.String(), "/claims/" + claim.ID.String() + "/evidence/1", "/trajectories/" + traj} {
		if status, _ := other.get(path); status != http.StatusNotFound {
			t.Errorf("the other provider GET %s = %d, want 404", path, status)
		}
	}
	if _, page := other.get("/claims"); strings.Contains(page, claim.ParticipantReference) {
		t.Errorf("the other provider's claim list shows %s", claim.ParticipantReference)
	}
	if status, _, _ := other.post("/claims/"+claim.ID.String()+"/object", url.Values{"note": {"mine"}}); status != http.StatusNotFound {
		t.Errorf("the other provider objecting = %d, want 404", status)
	}

	own := o.session(ts, "staff@taalhuis.example")
	resp, err := own.c.Get(ts.URL + "/claims/" + claim.ID.String() + "/evidence/1")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.Equal(got, pagePDF) ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline;") {
		t.Fatalf("own evidence = %d %q %q, want the PDF inline", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if status, _ := own.get("/claims/" + claim.ID.String() + "/evidence/2"); status != http.StatusNotFound {
		t.Errorf("a missing evidence file = %d, want 404", status)
	}

	// Finance and the auditor read every claim, and may change none.
	for _, email := range []string{"fin@enschede.example", "audit@enschede.example"} {
		s := o.session(ts, email)
		status, page := s.get("/claims")
		if status != http.StatusOK || !strings.Contains(page, claim.ParticipantReference) || !strings.Contains(page, "Taalhuis Twente") {
			t.Fatalf("%s GET /claims = %d, lacks the claim:\n%s", email, status, page)
		}
		_, page = s.get("/claims/" + claim.ID.String())
		if strings.Contains(page, `action="/claims/`+claim.ID.String()+`/approve"`) {
			t.Errorf("%s is offered the approval form", email)
		}
		if status, _, _ := s.post("/claims/"+claim.ID.String()+"/approve", nil); status != http.StatusForbidden {
			t.Errorf("%s approving = %d, want 403", email, status)
		}
	}
}

func TestOutcomesClaimFormErrorBesideField(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, traj := o.startedTrajectory()
	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	s := o.session(ts, "staff@taalhuis.example")

	status, page := s.get("/trajectories/" + traj)
	wantIn(t, page, `enctype="multipart/form-data"`, `id="evidence-intake"`, `accept=".pdf,.png,.jpg,.jpeg"`, "€ 200,00", "€ 800,00",
		"Eerst geverifieerd: Intake")
	if status != http.StatusOK {
		t.Fatalf("trajectory page = %d", status)
	}
	if strings.Contains(page, `id="evidence-a2"`) {
		t.Error("the A2 milestone is offered for a claim before the intake is verified")
	}

	tomorrow := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	status, page, _ = s.postFiles("/trajectories/"+traj+"/claims", map[string]string{"milestone_code": "intake", "achieved_on": tomorrow, "note": "Intake gehouden"},
		"evidence", map[string][]byte{"intake.pdf": pagePDF})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("claim dated in the future = %d, want 422:\n%s", status, page)
	}
	wantIn(t, page, `id="achieved_on-intake-error"`, `aria-describedby="achieved_on-intake-error"`, "De datum ligt in de toekomst.", "Intake gehouden", `value="`+tomorrow+`"`)

	// A file that is not a PDF, PNG or JPEG is refused beside the file input.
	status, page, _ = s.postFiles("/trajectories/"+traj+"/claims", map[string]string{"milestone_code": "intake", "achieved_on": time.Now().Format(time.DateOnly)},
		"evidence", map[string][]byte{"intake.pdf": []byte("just text")})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("claim with a text file = %d, want 422", status)
	}
	wantIn(t, page, `id="evidence-intake-error"`, "Alleen PDF-, PNG- of JPEG-bestanden.")

	// The A2 milestone needs the intake verified first: a rule, shown at the top.
	status, page, _ = s.postFiles("/trajectories/"+traj+"/claims", map[string]string{"milestone_code": "a2", "achieved_on": time.Now().Format(time.DateOnly)},
		"evidence", map[string][]byte{"a2.pdf": pagePDF})
	if status != http.StatusConflict {
		t.Fatalf("claim before its prerequisite = %d, want 409", status)
	}
	wantIn(t, page, `class="error-box" role="alert"`, "Een voorafgaande mijlpaal is nog niet geverifieerd.")

	status, _, loc := s.postFiles("/trajectories/"+traj+"/claims", map[string]string{"milestone_code": "intake", "achieved_on": time.Now().Format(time.DateOnly)},
		"evidence", map[string][]byte{"intake.pdf": pagePDF})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/claims/") {
		t.Fatalf("good claim = %d to %q, want 303 to the claim", status, loc)
	}
	_, page = s.get(loc)
	wantIn(t, page, "De declaratie is ingediend.", `id="claim-state">Ingediend<`, "intake.pdf", loc+"/evidence/1")
	if _, page = s.get("/trajectories/" + traj); strings.Contains(page, `id="achieved_on-intake"`) {
		t.Error("the trajectory page still offers a claim form for the claimed milestone")
	}
}

func TestOutcomesRegisterParticipantKeepsInput(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	s := o.session(ts, "loods@enschede.example")

	form := url.Values{"given_names": {"Dragan"}, "family_name": {"Ćosić"}, "date_of_birth": {"1980-03-04"}, "gender": {"male"},
		"bsn": {"123456789"}, "arrival_date": {"2004-11-01"}, "status_group": {"statushouder"}}
	status, page, _ := s.post("/participants", form)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad BSN = %d, want 422:\n%s", status, page)
	}
	wantIn(t, page, `id="bsn-error"`, `aria-describedby="bsn-hint bsn-error" aria-invalid="true"`, "elfproef",
		`value="Ćosić"`, `value="Dragan"`, `value="1980-03-04"`, `value="statushouder"`, `value="male" checked`)
	if n := strings.Count(page, "field-error"); n != 1 {
		t.Errorf("%d field errors, want only the BSN's", n)
	}

	form.Set("bsn", fmt.Sprint(nextBSN()))
	status, _, loc := s.post("/participants", form)
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/participants/") {
		t.Fatalf("good participant = %d to %q", status, loc)
	}
	_, page = s.get(loc)
	wantIn(t, page, "De deelnemer is ingeschreven.", "Dragan Ćosić", "04-03-1980", "Man", form.Get("bsn"), "statushouder", `id="offer"`, "ENS-001")

	// The same BSN again is refused beside the BSN field.
	status, page, _ = s.post("/participants", form)
	if status != http.StatusConflict {
		t.Fatalf("second participant with the BSN = %d, want 409", status)
	}
	wantIn(t, page, `id="bsn-error"`, "Er is al een deelnemer met dit BSN ingeschreven.")

	// A case manager may see names: the list shows the reference and the name.
	_, page = s.get("/participants")
	if !strings.Contains(page, "Dragan Ćosić") || !regexp.MustCompile(`P-\d{4}-\d{4}`).MatchString(page) {
		t.Fatalf("participant list lacks the name or the reference:\n%s", page)
	}
	_, page = s.get("/participants?q=osi")
	if !regexp.MustCompile(`P-\d{4}-\d{4}`).MatchString(page) {
		t.Errorf("a case manager's search by name finds nothing")
	}
}

// TestOutcomesPagesReferStartDecideFlow walks the forms without a browser:
// refer, start, ask for changes, resubmit, reject, object, approve.
func TestOutcomesPagesReferStartDecideFlow(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	cm := o.session(ts, "loods@enschede.example")
	_, _, loc := cm.post("/participants", url.Values{"family_name": {"Haidari"}})
	participant := strings.TrimPrefix(loc, "/participants/")

	status, page, _ := cm.post("/participants/"+participant+"/refer", url.Values{"offer": {""}, "note": {"Start na de zomer"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("referral without a product = %d, want 422", status)
	}
	wantIn(t, page, `id="offer-error"`, "Start na de zomer")
	status, _, _ = cm.post("/participants/"+participant+"/refer", url.Values{"offer": {o.contract.ID.String() + "/NT2"}})
	if status != http.StatusSeeOther {
		t.Fatalf("referral = %d", status)
	}
	_, page = cm.get("/referrals")
	ref := regexp.MustCompile(`P-\d{4}-\d{4}`).FindString(page)
	if ref == "" || strings.Contains(page, `action="/trajectories/`) {
		t.Fatalf("case manager's referrals lack the referral or offer to start it:\n%s", page)
	}

	prov := o.session(ts, "staff@taalhuis.example")
	_, page = prov.get("/referrals")
	m := regexp.MustCompile(`action="/trajectories/([0-9a-f-]{36})/start"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, ref) {
		t.Fatalf("provider's referrals lack the start form:\n%s", page)
	}
	traj := m[1]
	status, page, _ = prov.post("/trajectories/"+traj+"/start", url.Values{"start_date": {"30-02-2005"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("start with a bad date = %d", status)
	}
	wantIn(t, page, `id="start_date-`+traj+`-error"`, `value="30-02-2005"`)
	start := time.Now().AddDate(0, 0, -20)
	status, _, loc = prov.post("/trajectories/"+traj+"/start", url.Values{"start_date": {start.Format(time.DateOnly)}})
	if status != http.StatusSeeOther || loc != "/trajectories/"+traj {
		t.Fatalf("start = %d to %q", status, loc)
	}
	_, page = prov.get(loc)
	wantIn(t, page, "Het traject is gestart", `id="trajectory-state">Lopend<`, "€ 2.000,00")

	status, _, loc = prov.postFiles("/trajectories/"+traj+"/claims", map[string]string{"milestone_code": "intake", "achieved_on": start.Format(time.DateOnly)},
		"evidence", map[string][]byte{"intake.pdf": pagePDF})
	if status != http.StatusSeeOther {
		t.Fatalf("claim = %d", status)
	}
	claim := loc

	v := o.session(ts, "toets@enschede.example")
	_, page = v.get("/verify")
	wantIn(t, page, claim, ref, "1 wachtend, waarvan 0 over de termijn")
	status, page, _ = v.post(claim+"/reject", url.Values{"note": {"onleesbaar"}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("rejection without a reason = %d, want 422", status)
	}
	wantIn(t, page, `id="reject_reason_code-error"`, "onleesbaar")
	if status, _, _ = v.post(claim+"/request-changes", url.Values{"note": {"Graag het intakeverslag ondertekend."}}); status != http.StatusSeeOther {
		t.Fatalf("request changes = %d", status)
	}

	_, page = prov.get(claim)
	wantIn(t, page, "Wijziging gevraagd", `action="`+claim+`/resubmit"`, "Graag het intakeverslag ondertekend.")
	if status, _, _ = prov.postFiles(claim+"/resubmit", map[string]string{"note": "Ondertekend verslag"}, "evidence",
		map[string][]byte{"verslag.pdf": pagePDF}); status != http.StatusSeeOther {
		t.Fatalf("resubmit = %d", status)
	}
	if status, _, _ = v.post(claim+"/reject", url.Values{"reason_code": {"insufficient_evidence"}, "note": {"geen handtekening"}}); status != http.StatusSeeOther {
		t.Fatalf("reject = %d", status)
	}
	_, page = prov.get(claim)
	wantIn(t, page, "Afgewezen", "Onvoldoende bewijs", `action="`+claim+`/object"`, "/evidence/2")
	if status, _, _ = prov.post(claim+"/object", url.Values{"note": {"Het verslag is wel ondertekend, zie pagina 2."}}); status != http.StatusSeeOther {
		t.Fatalf("object = %d", status)
	}
	if status, _, _ = v.post(claim+"/approve", url.Values{"note": {"na bezwaar akkoord"}}); status != http.StatusSeeOther {
		t.Fatalf("approve = %d", status)
	}
	_, page = v.get(claim)
	wantIn(t, page, `id="claim-state">Goedgekeurd<`, "De declaratie is goedgekeurd", "Bezwaar gemaakt", "na bezwaar akkoord")

	// The case manager ends the trajectory: the remaining tranches are released.
	status, page, _ = cm.post("/trajectories/"+traj+"/terminate", url.Values{"reason": {""}})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("termination without a reason = %d", status)
	}
	wantIn(t, page, `id="terminate_reason-error"`)
	if status, _, _ = cm.post("/trajectories/"+traj+"/terminate", url.Values{"reason": {"Verhuisd naar Hengelo"}}); status != http.StatusSeeOther {
		t.Fatalf("terminate = %d", status)
	}
	committed, payable, _, err := o.srv.pooling.Exposure(context.Background(), o.db.Gorm, o.contract.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !committed.IsZero() || payable.StringFixed(2) != "200.00" {
		t.Fatalf("after approval and termination committed %s payable %s, want 0.00 and 200.00", committed, payable)
	}
}

func TestOutcomesStartPageAndQueue(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, traj := o.startedTrajectory()
	claim := o.apiClaim(traj, time.Now().AddDate(0, 0, -1))
	_, traj2 := o.startedTrajectory()
	late := o.apiClaim(traj2, time.Now().AddDate(0, 0, -1))
	// The second claim's answer period ran out last week.
	must(o.testEnv, o.db.Gorm.Exec(`UPDATE claims SET due_on = ? WHERE id = ?`, time.Now().AddDate(0, 0, -7).Format(time.DateOnly), late.ID).Error)
	// A referral the provider has not started yet.
	var p ParticipantBody
	o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"family_name": "Abdi"}).json(t, &p)
	if r := o.postJSON("/api/v1/trajectories", o.casemanager, map[string]any{"participant_id": p.ID, "contract_id": o.contract.ID, "product_code": "NT2"}); r.Code != http.StatusCreated {
		t.Fatalf("refer = %d", r.Code)
	}

	ctx := context.Background()
	items := func(email string) map[string]waitingItem {
		t.Helper()
		a, err := o.access.Authenticate(ctx, email, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		got, err := o.srv.outcomesWaiting(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]waitingItem{}
		for _, it := range got {
			out[it.Key] = it
		}
		return out
	}
	tests := []struct {
		email, key string
		count      int64
		alert      bool
		href       string
	}{
		{"toets@enschede.example", "outcomes.home.to_verify", 2, true, "/verify"},
		{"toets@enschede.example", "outcomes.home.overdue", 1, true, "/verify"},
		{"staff@taalhuis.example", "outcomes.home.referrals", 1, false, "/referrals"},
		{"staff@taalhuis.example", "outcomes.home.changes_requested", 0, false, "/claims?status=changes_requested"},
		{"staff@roc.example", "outcomes.home.referrals", 0, false, "/referrals"},
		{"loods@enschede.example", "outcomes.home.not_started", 1, false, "/referrals"},
	}
	for _, tt := range tests {
		got, ok := items(tt.email)[tt.key]
		if !ok || got.Count != tt.count || got.Alert != tt.alert || got.Href != tt.href {
			t.Errorf("%s %s = %+v (present %v), want count %d alert %v href %s", tt.email, tt.key, got, ok, tt.count, tt.alert, tt.href)
		}
	}
	if got := items("fin@enschede.example"); len(got) != 0 {
		t.Errorf("finance waits for %v, want nothing from outcomes", got)
	}

	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	v := o.session(ts, "toets@enschede.example")
	_, page := v.get("/verify")
	first, second := strings.Index(page, "/claims/"+late.ID.String()), strings.Index(page, "/claims/"+claim.ID.String())
	if first < 0 || second < 0 || first > second {
		t.Fatalf("queue does not list the overdue claim first:\n%s", page)
	}
	if n := strings.Count(page, `<span class="badge bad">Over de termijn</span>`); n != 1 {
		t.Errorf("%d overdue badges with text, want 1", n)
	}
	wantIn(t, page, "2 wachtend, waarvan 1 over de termijn")

	// Providers have no queue.
	prov := o.session(ts, "staff@taalhuis.example")
	if status, _ := prov.get("/verify"); status != http.StatusForbidden {
		t.Errorf("provider GET /verify = %d, want 403", status)
	}
	if status, _ := prov.get("/registers/exam-results"); status != http.StatusForbidden {
		t.Errorf("provider GET /registers/exam-results = %d, want 403", status)
	}
}

func TestOutcomesRegisterImportPage(t *testing.T) {
	t.Parallel()
	o := newOutcomeEnv(newTestEnv(t))
	_, traj := o.startedTrajectory()
	achieved := time.Now().AddDate(0, 0, -1)
	claim := o.apiClaim(traj, achieved)
	ts := httptest.NewServer(o.handler)
	defer ts.Close()
	v := o.session(ts, "toets@enschede.example")

	status, page, _ := v.postFiles("/registers/exam-results", nil, "file", map[string][]byte{"leeg.csv": []byte("naam;uitslag\nx;y\n")})
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("file without the columns = %d, want 422", status)
	}
	wantIn(t, page, `id="file-error"`, `aria-invalid="true"`, "kopregel")

	csv := "participant;milestone;level;date\n" +
		claim.ParticipantReference + ";intake;;" + achieved.Format(time.DateOnly) + "\n" +
		"P-1999-9999;knm;A2;2005-06-01\n"
	status, page, _ = v.postFiles("/registers/exam-results", nil, "file", map[string][]byte{"examens.csv": []byte(csv)})
	if status != http.StatusOK {
		t.Fatalf("import = %d:\n%s", status, page)
	}
	wantIn(t, page, "Het register is verwerkt.", "<dt>Regels</dt><dd>2</dd>", "<dt>Goedgekeurd</dt><dd>1</dd>",
		"P-1999-9999", "Geen deelnemer met deze referentie of dit BSN.")
	_, page = v.get("/claims/" + claim.ID.String())
	wantIn(t, page, `id="claim-state">Goedgekeurd<`, "Register (automatisch geverifieerd)")
}

// Every state, reason and action the pages translate by name has a message.
func TestOutcomesMessagesCoverEveryName(t *testing.T) {
	t.Parallel()
	nl := messages(t, "nl")
	var keys []string
	for _, s := range outcomesClaimStates {
		keys = append(keys, "outcomes.claim_state."+s, "outcomes.flash.approve", "outcomes.flash.approve_first")
	}
	for _, s := range outcomesTrajectoryStates {
		keys = append(keys, "outcomes.state."+s)
	}
	for _, s := range []string{"open", "verified", "released"} {
		keys = append(keys, "outcomes.milestone_state."+s)
	}
	for _, s := range outcomes.RejectionReasons {
		keys = append(keys, "outcomes.reason."+s)
	}
	for _, s := range outcomesGenders {
		keys = append(keys, "outcomes.gender."+s)
	}
	for _, s := range []string{"submit", "resubmit", "object", "approve_first", "approve", "reject", "request_changes", "revoke"} {
		keys = append(keys, "outcomes.action."+s)
	}
	for _, s := range []string{"approve", "reject", "request_changes", "resubmit", "object", "revoke"} {
		keys = append(keys, "outcomes.flash."+s)
	}
	for _, s := range []string{"incomplete_row", "invalid_date", "participant_unknown", "no_claim", "claim_not_submitted", "date_differs", "awaiting_second_approval", "error"} {
		keys = append(keys, "outcomes.register.reason."+s)
	}
	for _, s := range []string{"participants", "referrals", "trajectories", "claims", "verify", "register"} {
		keys = append(keys, "outcomes.nav."+s)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if _, ok := nl[k]; !ok {
			t.Errorf("nl lacks %s", k)
		}
	}
}
