package billing_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The payment-run benchmarks work on a data set of `tranche generate` (the
// bulk path, run as the binary on a test database): about 10 000 approved
// claims by default, and 100 000 as well with TRANCHE_BENCH_LARGE=1 (its
// preparation takes a few minutes). The prepared database is a template:
// every iteration works on a fresh copy of it, so that each phase of a run
// (gather, statements, SEPA, confirmation, PDFs) starts from the same state;
// the copy and the phases before the measured one are outside the timer.
// Run them with -benchtime 1x: an iteration is a whole run.
//
//	go test ./billing -run '^$' -bench PaymentRun -benchtime 1x
//	TRANCHE_BENCH_LARGE=1 go test ./billing -run '^$' -bench PaymentRun -benchtime 1x -timeout 60m

// benchYear is the year the generated data covers.
const benchYear = 2025

func BenchmarkPaymentRun(b *testing.B) {
	sizes := []int{10_000}
	if os.Getenv("TRANCHE_BENCH_LARGE") == "1" {
		sizes = append(sizes, 100_000)
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("claims=%d", n), func(b *testing.B) {
			tpl := prepareRunData(b, n)
			full := runPeriod{benchYear, 12, 31}
			claims := tpl.approvedUntil(b, full)
			b.Logf("%s: %d approved claims up to %d-12-31 (%d participants generated)", tpl.name, claims, benchYear, tpl.participants)
			b.Run("gather", func(b *testing.B) {
				tpl.phase(b, full, phaseGather, claims, "gather")
			})
			b.Run("statements", func(b *testing.B) { tpl.phase(b, full, phaseApprove, claims, "approve") })
			b.Run("sepa", func(b *testing.B) { tpl.phase(b, full, phaseExport, claims, "export") })
			b.Run("confirm", func(b *testing.B) { tpl.phase(b, full, phaseConfirm, claims, "confirm") })
			b.Run("pdf-many-lines", func(b *testing.B) { tpl.phase(b, full, phasePDF, claims, "") })
			// A run of the first claims only: about three lines per statement.
			early := tpl.periodWith(b, 150)
			few := tpl.approvedUntil(b, early)
			b.Run("pdf-few-lines", func(b *testing.B) { tpl.phase(b, early, phasePDF, few, "") })
		})
	}
}

type phaseKind int

const (
	phaseGather phaseKind = iota
	phaseApprove
	phaseExport
	phaseConfirm
	phasePDF
)

// runPeriod is a period's last day; every period starts on 1 January.
type runPeriod struct{ year, month, day int }

func (p runPeriod) start() time.Time { return time.Date(p.year, 1, 1, 0, 0, 0, 0, time.UTC) }
func (p runPeriod) end() time.Time {
	return time.Date(p.year, time.Month(p.month), p.day, 0, 0, 0, 0, time.UTC)
}

// runTemplate is a generated database that benchmarks copy.
type runTemplate struct {
	name         string // database name
	url          string
	participants int
}

var (
	trancheBinOnce sync.Once
	trancheBin     string
	trancheBinErr  error
)

// buildTranche builds the tranche command once per test binary.
func buildTranche(b *testing.B) string {
	trancheBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tranche-bench-bin-")
		if err != nil {
			trancheBinErr = err
			return
		}
		trancheBin = filepath.Join(dir, "tranche")
		out, err := exec.Command("go", "build", "-o", trancheBin, "github.com/euregio/tranche/cmd/tranche").CombinedOutput()
		if err != nil {
			trancheBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if trancheBinErr != nil {
		b.Fatal(trancheBinErr)
	}
	return trancheBin
}

// prepareRunData generates enough participants for about n approved claims
// (the generator approves about 3.5 claims per participant) into a fresh
// test database and returns it as a template.
func prepareRunData(b *testing.B, n int) *runTemplate {
	b.Helper()
	bin := buildTranche(b)
	u := dbtest.URL(b)
	participants := n*100/345 + 1
	start := time.Now()
	cmd := exec.Command(bin, "generate", "--participants", strconv.Itoa(participants), "--seed", "1", "--year", strconv.Itoa(benchYear))
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("tranche generate: %v\n%s", err, out.String())
	}
	b.Logf("generated %d participants in %s", participants, time.Since(start).Round(100*time.Millisecond))
	parsed, err := url.Parse(u)
	if err != nil {
		b.Fatal(err)
	}
	return &runTemplate{name: strings.TrimPrefix(parsed.Path, "/"), url: u, participants: participants}
}

// admin opens the server's maintenance database.
func adminDB(b *testing.B) *sql.DB {
	b.Helper()
	db, err := sql.Open("pgx", dbtest.ServerURL())
	if err != nil {
		b.Fatal(err)
	}
	return db
}

var cloneSeq atomic.Int64

// clone copies the database src (the template, or a copy of it) into a new
// database on the same server and returns its URL and a function that
// drops it.
func (t *runTemplate) clone(b *testing.B, src string) (string, func()) {
	b.Helper()
	name := fmt.Sprintf("%s_c%d", t.name, cloneSeq.Add(1))
	admin := adminDB(b)
	defer admin.Close()
	parsed, _ := url.Parse(t.url)
	// Owned by the test's role, so that pgbench may create its tables.
	if _, err := admin.Exec(fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q OWNER %q STRATEGY FILE_COPY`, name, src, parsed.User.Username())); err != nil {
		b.Fatalf("copy the template: %v", err)
	}
	parsed.Path = "/" + name
	return parsed.String(), func() {
		admin := adminDB(b)
		defer admin.Close()
		if _, err := admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)); err != nil {
			b.Errorf("drop %s: %v", name, err)
		}
	}
}

func urlPath(b *testing.B, u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		b.Fatal(err)
	}
	return parsed.Path
}

// query runs a one-value query on the template (no connection stays open,
// so the template can still be copied).
func (t *runTemplate) query(b *testing.B, q string, args ...any) string {
	b.Helper()
	return queryOn(b, t.url, q, args...)
}

// queryOn runs a one-value query on the database at url.
func queryOn(b *testing.B, url, q string, args ...any) string {
	b.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
	return v
}

func (t *runTemplate) approvedUntil(b *testing.B, p runPeriod) int {
	n, err := strconv.Atoi(t.query(b, `SELECT count(*)::text FROM claims WHERE state = 'approved' AND decided_at < $1`, p.end().AddDate(0, 0, 1)))
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// periodWith returns the first period whose run would gather at least n claims.
func (t *runTemplate) periodWith(b *testing.B, n int) runPeriod {
	d := t.query(b, `SELECT (decided_at AT TIME ZONE 'UTC')::date::text FROM claims WHERE state = 'approved' ORDER BY decided_at OFFSET $1 LIMIT 1`, n-1)
	day, err := time.Parse(time.DateOnly, d)
	if err != nil {
		b.Fatal(err)
	}
	return runPeriod{day.Year(), int(day.Month()), day.Day()}
}

// stmtCounter counts the statements gorm sends.
type stmtCounter struct{ n atomic.Int64 }

func (c *stmtCounter) register(db *gorm.DB) {
	count := func(*gorm.DB) { c.n.Add(1) }
	cb := db.Callback()
	_ = cb.Create().After("gorm:create").Register("bench:count", count)
	_ = cb.Query().After("gorm:query").Register("bench:count", count)
	_ = cb.Update().After("gorm:update").Register("bench:count", count)
	_ = cb.Delete().After("gorm:delete").Register("bench:count", count)
	_ = cb.Row().After("gorm:row").Register("bench:count", count)
	_ = cb.Raw().After("gorm:raw").Register("bench:count", count)
}

// phase measures one phase of a payment run over the period's claims, each
// iteration on a fresh copy of the template, and reports it per claim (per
// statement for the PDFs). With script set, the first iteration also copies
// its database just before the measured phase, and pgbench runs the script
// of the same work in plain SQL (testdata/pgbench/<script>.sql) once on that
// copy: x-pg is the phase's time over PostgreSQL's for the same rows.
func (t *runTemplate) phase(b *testing.B, p runPeriod, kind phaseKind, claims int, script string) {
	var statements, lines int
	var stmts int64
	var drops []func()
	defer func() {
		for _, drop := range drops {
			drop()
		}
	}()
	var pgURL, goURL string
	var runID uuid.UUID
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url, drop := t.clone(b, t.name)
		drops = append(drops, drop)
		goURL = url
		now := func() time.Time { return time.Date(p.year+1, 1, 5, 10, 0, 0, 0, time.UTC) }
		var db *database.DB
		var bill *billing.Service
		counter := &stmtCounter{}
		open := func() {
			var err error
			if db, err = database.Open(ctx, url, nil); err != nil {
				b.Fatal(err)
			}
			counter.register(db.Gorm)
			pool := pooling.NewService(db.Gorm).WithClock(now)
			bill = billing.NewService(db.Gorm, pool).WithClock(now)
		}
		open()
		var run billing.RunDetail
		step := func(k phaseKind, fn func() error) {
			if k == kind {
				if script != "" && pgURL == "" {
					// The copy for pgbench: the state the phase starts from.
					db.Close()
					var drop func()
					pgURL, drop = t.clone(b, strings.TrimPrefix(urlPath(b, url), "/"))
					drops = append(drops, drop)
					open()
				}
				counter.n.Store(0)
				b.StartTimer()
			}
			if err := fn(); err != nil {
				b.Fatalf("phase %d: %v", k, err)
			}
			if k == kind {
				b.StopTimer()
				stmts += counter.n.Load()
			}
		}
		step(phaseGather, func() error {
			var err error
			run, err = bill.CreateRun(ctx, finance, p.start(), p.end())
			return err
		})
		runID = run.ID
		statements, lines = len(run.Statements), 0
		for _, st := range run.Statements {
			lines += len(st.Lines)
		}
		if kind >= phaseApprove {
			step(phaseApprove, func() error { _, err := bill.ApproveRun(ctx, finance2, run.ID); return err })
		}
		if kind == phasePDF {
			step(phasePDF, func() error { return bill.GenerateStatementPDFs(ctx, run.ID, nil) })
		} else if kind >= phaseExport {
			step(phaseExport, func() error { _, err := bill.ExportRun(ctx, finance, run.ID); return err })
			if kind >= phaseConfirm {
				step(phaseConfirm, func() error { _, err := bill.ConfirmRun(ctx, finance, run.ID); return err })
			}
		}
		db.Close()
	}
	b.StopTimer()
	if lines != claims {
		b.Logf("the run has %d lines for %d approved claims", lines, claims)
	}
	elapsed := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	if kind == phasePDF {
		b.ReportMetric(elapsed/float64(statements), "ns/statement")
		b.ReportMetric(float64(lines)/float64(statements), "lines/statement")
	} else {
		b.ReportMetric(elapsed/float64(claims), "ns/claim")
	}
	b.ReportMetric(float64(stmts)/float64(b.N)/float64(claims), "stmts/claim")
	b.ReportMetric(float64(claims), "claims")
	if script == "" {
		return
	}
	values := map[string]string{
		"{run}": runID.String(), "{start}": p.start().Format(time.DateOnly), "{end}": p.end().Format(time.DateOnly),
		"{until}": p.end().AddDate(0, 0, 1).Format(time.DateOnly),
		"{year}":  strconv.Itoa(p.year + 1), "{issued}": fmt.Sprintf("%d-01-05", p.year+1),
	}
	if kind == phaseExport {
		// The files PostgreSQL stores are as large as the ones Go built.
		for _, k := range []string{"sepa", "journal"} {
			values["{"+k+"bytes}"] = queryOn(b, goURL, `SELECT coalesce(max(length(data)), 1)::text FROM run_files WHERE run_id = $1 AND kind = $2`, runID, k)
		}
	}
	sql := pgbenchScript(b, script+".sql", values)
	pg := float64(dbtest.PgBench(b, pgURL, "", sql, 1).Nanoseconds())
	b.ReportMetric(pg/float64(claims), "pg-ns/claim")
	b.ReportMetric(elapsed/pg, "x-pg")
}

var placeholder = regexp.MustCompile(`\{[a-z]+\}`)

// pgbenchScript reads a script of testdata/pgbench and fills in its
// placeholders.
func pgbenchScript(b *testing.B, name string, values map[string]string) string {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "pgbench", name))
	check(b, err)
	out := string(raw)
	for k, v := range values {
		out = strings.ReplaceAll(out, k, v)
	}
	if left := placeholder.FindString(out); left != "" {
		b.Fatalf("%s: no value for %s", name, left)
	}
	return out
}
