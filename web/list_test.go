package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
)

// listFixture: four participants with the first provider (three started,
// one only referred), one started with the second, each started trajectory
// with an intake claim.
type listFixture struct {
	*outcomeEnv
	ts         *httptest.Server
	own, other []string // participant references of the first and the second provider
}

func newListFixture(t *testing.T) *listFixture {
	o := newOutcomeEnv(newTestEnv(t))
	f := &listFixture{outcomeEnv: o}
	add := func(given, family string, ct contracts.ContractDetail, provider string, start bool) string {
		var p ParticipantBody
		r := o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"given_names": given, "family_name": family, "bsn": fmt.Sprint(nextBSN())})
		if r.Code != http.StatusCreated {
			t.Fatalf("create participant = %d %s", r.Code, r.Body)
		}
		r.json(t, &p)
		var tr TrajectoryBody
		r = o.postJSON("/api/v1/trajectories", o.casemanager, map[string]any{"participant_id": p.ID, "contract_id": ct.ID, "product_code": "NT2"})
		if r.Code != http.StatusCreated {
			t.Fatalf("refer = %d %s", r.Code, r.Body)
		}
		r.json(t, &tr)
		if !start {
			return p.Reference
		}
		r = o.postJSON("/api/v1/trajectories/"+tr.ID.String()+"/start", provider, map[string]any{"start_date": time.Now().AddDate(0, 0, -30).Format(time.DateOnly)})
		if r.Code != http.StatusOK {
			t.Fatalf("start = %d %s", r.Code, r.Body)
		}
		cty, b := claimForm(map[string]string{"trajectory_id": tr.ID.String(), "milestone_code": "intake",
			"achieved_on": time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}, map[string][]byte{"intake.pdf": pagePDF})
		if r := o.postForm("/api/v1/claims", provider, cty, b); r.Code != http.StatusCreated {
			t.Fatalf("submit claim = %d %s", r.Code, r.Body)
		}
		return p.Reference
	}
	f.own = append(f.own, add("Ayşe", "Çelik", o.contract, o.provider, true))
	f.own = append(f.own, add("Thi Lan", "Nguyễn", o.contract, o.provider, true))
	f.own = append(f.own, add("@Hans", "=HYPERLINK(\"http://x\")", o.contract, o.provider, true))
	f.own = append(f.own, add("Dragan", "Ćosić", o.contract, o.provider, false))
	f.other = append(f.other, add("Jón", "Ólafsdóttir", o.contract2, o.provider2, true))
	f.ts = httptest.NewServer(o.handler)
	t.Cleanup(f.ts.Close)
	return f
}

var referencePattern = regexp.MustCompile(`P-\d{4}-\d{4}`)

// rowReferences are the participant references in a page's table rows, in order.
func rowReferences(page string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<th scope="row"><a href="[^"]*">(P-\d{4}-\d{4})</a>`).FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func readCSV(t *testing.T, s *pageSession, path string) [][]string {
	t.Helper()
	resp, err := s.c.Get(s.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET %s = %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return rows
}

func column(rows [][]string, name string) []string {
	i := slices.Index(rows[0], name)
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	return out
}

// Each list sorts by a whitelisted key both ways, pages with a total and
// previous/next links, and refuses an unknown key with a 4xx.
func TestListsSortPageAndTotal(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	auditor := f.session(f.ts, "audit@enschede.example")
	all := append(slices.Clone(f.own), f.other...)
	started := []string{f.own[0], f.own[1], f.own[2], f.other[0]}
	for _, tc := range []struct {
		path string
		want []string // references in ascending order
	}{
		{"/participants", all},
		{"/trajectories", all},
		{"/claims", started},
	} {
		asc := slices.Clone(tc.want)
		slices.Sort(asc)
		status, page := auditor.get(tc.path + "?sort=reference&per_page=2")
		if got := rowReferences(page); status != http.StatusOK || !slices.Equal(got, asc[:2]) {
			t.Fatalf("%s page 1 = %d %v, want %v", tc.path, status, got, asc[:2])
		}
		total := fmt.Sprintf("1–2 van %d", len(asc))
		wantIn(t, page, total, `rel="next"`, "page=2")
		if strings.Contains(page, `rel="prev"`) {
			t.Errorf("%s page 1 offers a previous page", tc.path)
		}
		_, page = auditor.get(tc.path + "?sort=reference&per_page=2&page=2")
		if got := rowReferences(page); !slices.Equal(got, asc[2:4]) {
			t.Errorf("%s page 2 = %v, want %v", tc.path, got, asc[2:4])
		}
		wantIn(t, page, fmt.Sprintf("3–4 van %d", len(asc)), `rel="prev"`)
		desc := slices.Clone(asc)
		slices.Reverse(desc)
		_, page = auditor.get(tc.path + "?sort=reference&dir=desc&per_page=10")
		if got := rowReferences(page); !slices.Equal(got, desc) {
			t.Errorf("%s descending = %v, want %v", tc.path, got, desc)
		}
		if strings.Contains(page, `rel="next"`) || strings.Contains(page, `rel="prev"`) {
			t.Errorf("%s on one page offers another page", tc.path)
		}
		for _, bad := range []string{"?sort=id%3BDROP", "?sort=name%20desc", "?dir=sideways", "?page=0", "?per_page=100000", "?page=x"} {
			if status, _ := auditor.get(tc.path + bad); status != http.StatusUnprocessableEntity {
				t.Errorf("GET %s%s = %d, want 422", tc.path, bad, status)
			}
		}
	}

	// Contracts: two, one per page, by reference both ways.
	proc := f.session(f.ts, "audit@enschede.example")
	_, page := proc.get("/contracts?sort=reference&per_page=1")
	if !strings.Contains(page, ">ENS-001<") || strings.Contains(page, ">ENS-002<") {
		t.Errorf("contracts page 1 is not ENS-001 alone")
	}
	wantIn(t, page, "1–1 van 2", `rel="next"`)
	_, page = proc.get("/contracts?sort=reference&dir=desc&per_page=1")
	if !strings.Contains(page, ">ENS-002<") || strings.Contains(page, ">ENS-001<") {
		t.Errorf("contracts descending page 1 is not ENS-002 alone")
	}

	// Sorting by a column that ties (every claim has the same amount) keeps
	// the id as tie-breaker: the pages never repeat or skip a row.
	var seen []string
	for p := 1; p <= 4; p++ {
		_, page := auditor.get(fmt.Sprintf("/claims?sort=amount&per_page=1&page=%d", p))
		seen = append(seen, rowReferences(page)...)
	}
	slices.Sort(seen)
	if want := slices.Sorted(slices.Values(started)); !slices.Equal(seen, want) {
		t.Errorf("claims paged by a tying key = %v, want each of %v once", seen, want)
	}
}

// The exports hold every row the filters select, in the page's order, under
// the page's access rules, with formulas written as text.
func TestListExports(t *testing.T) {
	t.Parallel()
	f := newListFixture(t)
	auditor := f.session(f.ts, "audit@enschede.example")
	asc := append(slices.Clone(f.own), f.other...)
	slices.Sort(asc)

	rows := readCSV(t, auditor, "/participants.csv?sort=reference")
	if got := column(rows, "reference"); !slices.Equal(got, asc) {
		t.Errorf("participants export = %v, want %v", got, asc)
	}
	if !slices.Contains(column(rows, "given_names"), "'@Hans") || !slices.Contains(column(rows, "family_name"), `'=HYPERLINK("http://x")`) ||
		!slices.Contains(column(rows, "family_name"), "Çelik") {
		t.Errorf("participants export does not escape formulas or lacks names: %v", rows)
	}
	rows = readCSV(t, auditor, "/participants.csv?q=celik")
	if got := column(rows, "family_name"); !slices.Equal(got, []string{"Çelik"}) {
		t.Errorf("participants export searched for celik = %v", got)
	}

	rows = readCSV(t, auditor, "/trajectories.csv?state=referred")
	if got := column(rows, "participant_reference"); !slices.Equal(got, []string{f.own[3]}) {
		t.Errorf("referred trajectories export = %v, want %v", got, f.own[3])
	}
	rows = readCSV(t, auditor, "/trajectories.csv?sort=reference&dir=desc")
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	if got := column(rows, "participant_reference"); !slices.Equal(got, desc) {
		t.Errorf("trajectories export descending = %v, want %v", got, desc)
	}

	rows = readCSV(t, auditor, "/claims.csv?status=submitted&sort=reference")
	if got := column(rows, "participant_reference"); len(got) != 4 || column(rows, "amount")[0] != "200.00" {
		t.Errorf("claims export = %v", rows)
	}
	if rows := readCSV(t, auditor, "/claims.csv?status=paid"); len(rows) != 1 {
		t.Errorf("claims export of paid claims = %v, want the header alone", rows)
	}
	rows = readCSV(t, auditor, "/contracts.csv?sort=reference")
	if got := column(rows, "reference"); !slices.Equal(got, []string{"ENS-001", "ENS-002"}) || column(rows, "ceiling")[0] != "100000.00" {
		t.Errorf("contracts export = %v", rows)
	}

	// The first provider's exports hold nothing of the second's.
	staff := f.session(f.ts, "staff@taalhuis.example")
	for _, path := range []string{"/participants.csv", "/trajectories.csv", "/claims.csv", "/contracts.csv"} {
		rows := readCSV(t, staff, path)
		if len(rows) < 2 {
			t.Errorf("%s of the first provider is empty", path)
		}
		for _, r := range rows[1:] {
			line := strings.Join(r, ",")
			if strings.Contains(line, f.other[0]) || strings.Contains(line, "ENS-002") || strings.Contains(line, "ROC van Twente") {
				t.Errorf("%s of the first provider shows the second's row %q", path, line)
			}
		}
	}
	// A referred participant is the provider's too (it holds the trajectory).
	if got := column(readCSV(t, staff, "/participants.csv?sort=reference"), "reference"); !slices.Equal(got, f.own) {
		t.Errorf("first provider's participants export = %v, want %v", got, f.own)
	}
	if status, _ := auditor.get("/claims.csv?sort=nope"); status != http.StatusUnprocessableEntity {
		t.Errorf("export with an unknown sort key = %d, want 422", status)
	}
}
