package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
)

// auditFixture appends events with chosen times through audit_append, so
// the chain stays whole, and returns their seqs in order.
func auditFixture(t *testing.T, e *testEnv, formula bool) []int64 {
	t.Helper()
	type ev struct {
		at            string
		actor, action string
		entity        string
		after         string
	}
	evs := []ev{
		{"2005-01-15T12:00:00Z", "pagetest-anna", "claim.approve", "c1", `{"amount": "2000.00"}`},    // 13:00 CET
		{"2005-06-30T22:30:00Z", "pagetest-anna", "contract.create", "k1", `{"reference": "ENS-9"}`}, // 1 July 00:30 CEST
		{"2005-07-15T12:00:00Z", "pagetest-bert", "claim.approve", "c2", `{"amount": "10.00"}`},      // 14:00 CEST
		{"2005-07-20T08:00:00Z", "pagetest-bert", "contract.create", "k2", `{}`},
		{"2005-07-31T22:30:00Z", "pagetest-anna", "claim.approve", "c1", `{}`}, // 1 August 00:30 CEST
		{"2005-09-01T08:00:00Z", "pagetest-bert", "claim.approve", "c3", `{}`},
		{"2005-10-01T08:00:00Z", "pagetest-anna", "contract.create", "k3", `{}`},
	}
	if formula {
		evs = append(evs, ev{"2005-11-01T08:00:00Z", "=HYPERLINK(\"x\")", "claim.approve", "@c9", `{}`})
	}
	var seqs []int64
	for _, v := range evs {
		at, _ := time.Parse(time.RFC3339, v.at)
		var seq int64
		entityType := "claim"
		if strings.HasPrefix(v.entity, "k") {
			entityType = "contract"
		}
		err := e.db.Gorm.Raw(`SELECT audit_append(?, ?, NULL, ?, ?, ?, ?, '{"state": "submitted"}'::jsonb, ?::jsonb, 'req')`,
			uuid.Must(uuid.NewV7()), at, v.actor, v.action, entityType, v.entity, v.after).Scan(&seq).Error
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	return seqs
}

var auditSeqCell = regexp.MustCompile(`<td class="num">(\d+)</td>`)

func pageSeqs(page string) []int64 {
	var out []int64
	for _, m := range auditSeqCell.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

var hrefPattern = func(rel string) *regexp.Regexp { return regexp.MustCompile(`href="([^"]*)" rel="` + rel + `"`) }

func relHref(page, rel string) string {
	m := hrefPattern(rel).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestAuditTrailNewestFirstPagedBothWays(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("audit@enschede.example", access.Auditor)
	s := auditFixture(t, e, false)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	o := &outcomeEnv{testEnv: e}
	a := o.session(ts, "audit@enschede.example")

	_, page := a.get("/audit?actor=pagetest&per_page=3")
	if got, want := pageSeqs(page), []int64{s[6], s[5], s[4]}; !slices.Equal(got, want) {
		t.Fatalf("first page = %v, want the newest %v", got, want)
	}
	if relHref(page, "prev") != "" {
		t.Errorf("the newest page offers newer events")
	}
	older := relHref(page, "next")
	if !strings.Contains(older, "actor=pagetest") || !strings.Contains(older, fmt.Sprintf("before=%d", s[4])) {
		t.Fatalf("older link = %q, want the filter kept and before=%d", older, s[4])
	}
	_, page = a.get(older)
	if got, want := pageSeqs(page), []int64{s[3], s[2], s[1]}; !slices.Equal(got, want) {
		t.Fatalf("second page = %v, want %v", got, want)
	}
	_, last := a.get(relHref(page, "next"))
	if got := pageSeqs(last); !slices.Equal(got, []int64{s[0]}) || relHref(last, "next") != "" {
		t.Fatalf("last page = %v (older link %q), want only %d and no older link", got, relHref(last, "next"), s[0])
	}
	// Back towards the newest: the three after the oldest, newest first.
	_, page = a.get(relHref(last, "prev"))
	if got, want := pageSeqs(page), []int64{s[3], s[2], s[1]}; !slices.Equal(got, want) {
		t.Fatalf("newer page = %v, want %v", got, want)
	}
	_, page = a.get(relHref(page, "prev"))
	if got, want := pageSeqs(page), []int64{s[6], s[5], s[4]}; !slices.Equal(got, want) || relHref(page, "prev") != "" {
		t.Fatalf("newest page again = %v, want %v and no newer link", got, want)
	}
}

func TestAuditTrailFiltersZoneAndNames(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("audit@enschede.example", access.Auditor)
	e.user("staff@nowhere.example", access.CaseManager)
	s := auditFixture(t, e, true)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	o := &outcomeEnv{testEnv: e}
	a := o.session(ts, "audit@enschede.example")

	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"actor=PAGETEST-bert", []int64{s[5], s[3], s[2]}},
		{"actor=pagetest&action=contract.create", []int64{s[6], s[3], s[1]}},
		{"entity=claim/c1", []int64{s[4], s[0]}},
		{"actor=pagetest&entity=contract", []int64{s[6], s[3], s[1]}},
		// July in Amsterdam: from 1 July 00:00 CEST to 31 July 24:00 CEST.
		{"actor=pagetest&from=2005-07-01&to=2005-07-31", []int64{s[3], s[2], s[1]}},
		{"actor=pagetest&from=2005-08-01", []int64{s[6], s[5], s[4]}},
	} {
		status, page := a.get("/audit?" + tc.query)
		if got := pageSeqs(page); status != http.StatusOK || !slices.Equal(got, tc.want) {
			t.Errorf("/audit?%s = %d %v, want %v", tc.query, status, got, tc.want)
		}
	}

	_, page := a.get("/audit?actor=pagetest&per_page=10")
	wantIn(t, page, "15-01-2005 13:00:00 CET", "15-07-2005 14:00:00 CEST", "01-08-2005 00:30:00 CEST",
		"Declaratie goedgekeurd", "Contract aangemaakt", "Europe/Amsterdam", "2000.00", "ENS-9", "submitted")
	if strings.Contains(page, ">claim.approve<") {
		t.Errorf("the page shows the raw action name")
	}
	a.get("/lang/de")
	_, page = a.get("/audit?actor=pagetest")
	wantIn(t, page, "Abrechnung genehmigt", "Vertrag angelegt")

	for _, bad := range []string{"from=2005-13-01", "to=yesterday", "before=abc", "after=-1", "before=3&after=1",
		"from=2005-08-01&to=2005-07-01", "per_page=0"} {
		if status, _ := a.get("/audit?" + bad); status != http.StatusUnprocessableEntity {
			t.Errorf("/audit?%s = %d, want 422", bad, status)
		}
	}

	// The export holds every event the filters select, newest first.
	rows := readCSV(t, a, "/audit.csv?actor=pagetest&action=claim.approve")
	if got := column(rows, "seq"); !slices.Equal(got, []string{fmt.Sprint(s[5]), fmt.Sprint(s[4]), fmt.Sprint(s[2]), fmt.Sprint(s[0])}) {
		t.Errorf("audit export = %v", got)
	}
	if got := column(rows, "occurred_at")[3]; got != "2005-01-15T12:00:00Z" {
		t.Errorf("exported time = %q, want UTC RFC 3339", got)
	}
	// A label that looks like a formula is exported as text.
	rows = readCSV(t, a, "/audit.csv?actor=HYPERLINK")
	if len(rows) != 2 || column(rows, "actor")[0] != `'=HYPERLINK("x")` || column(rows, "entity_id")[0] != "'@c9" {
		t.Errorf("audit export of a formula-like actor = %v", rows)
	}
	// Only who may read the trail may export it.
	p := o.session(ts, "staff@nowhere.example")
	if status, _ := p.get("/audit.csv"); status != http.StatusForbidden {
		t.Errorf("a case manager exporting the trail = %d, want 403", status)
	}
}
