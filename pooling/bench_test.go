package pooling

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/google/uuid"
)

//	go test ./pooling -run '^$' -bench . -benchtime 300x
//	TRANCHE_BENCH_LARGE=1 go test ./pooling -run '^$' -bench Report -timeout 30m

// BenchmarkAllocate measures putting money from a funding stream into a
// budget: the budget and stream reads (the stream locked), the allocation,
// the balance rows, a balanced ledger transaction and the audit event.
func BenchmarkAllocate(b *testing.B) {
	u := dbtest.URL(b)
	db, err := database.Open(context.Background(), u, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	clock := time.Date(2005, 3, 1, 9, 0, 0, 0, time.UTC)
	e := &env{t: b, ctx: context.Background(), db: db,
		s: NewService(db.Gorm).WithClock(func() time.Time { clock = clock.Add(time.Second); return clock })}
	budgets := []Budget{e.budget("Integratie Noord"), e.budget("Integratie Zuid")}
	streams := []FundingStream{e.stream("INB", "999999999.00", "language"), e.stream("EIG", "999999999.00")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		in := AllocateInput{BudgetID: budgets[i%2].ID, FundingStreamID: streams[(i/2)%2].ID, Amount: "1.00"}
		if _, err := e.s.Allocate(e.ctx, procurement, in); err != nil {
			b.Fatal(err)
		}
	}
	reportPostgres(b, u, "allocate.sql", min(b.N, 2000), true)
}

// BenchmarkReport measures the funders' report of one budget (per stream
// what is allocated, committed, payable, paid, released and available, all
// summed from the ledger) on a data set of `tranche generate`: 10 000
// participants, or 100 000 with TRANCHE_BENCH_LARGE=1 (its preparation
// takes a few minutes).
func BenchmarkReport(b *testing.B) {
	n := 10_000
	if os.Getenv("TRANCHE_BENCH_LARGE") == "1" {
		n = 100_000
	}
	// The parent runs once; the data set serves every round of the sub-benchmark.
	u := generated(b, n)
	db, err := database.Open(context.Background(), u, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := NewService(db.Gorm)
	var ids []uuid.UUID
	if err := db.Gorm.Raw(`SELECT id FROM budgets ORDER BY name`).Scan(&ids).Error; err != nil || len(ids) == 0 {
		b.Fatalf("budgets %v: %v", ids, err)
	}
	var postings int64
	if err := db.Gorm.Raw(`SELECT count(*) FROM ledger_postings`).Scan(&postings).Error; err != nil {
		b.Fatal(err)
	}
	b.Run("participants="+strconv.Itoa(n), func(b *testing.B) {
		b.StopTimer()
		// One round unmeasured, so that both sides read from a warm cache.
		for _, id := range ids {
			if _, err := s.Report(context.Background(), auditor, id); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for i := 0; i < b.N; i++ {
			r, err := s.Report(context.Background(), auditor, ids[i%len(ids)])
			if err != nil {
				b.Fatal(err)
			}
			if len(r.Lines) == 0 || !r.Total.Reconciles() {
				b.Fatalf("report of %s: %d lines, reconciles %v", ids[i%len(ids)], len(r.Lines), r.Total.Reconciles())
			}
		}
		b.ReportMetric(float64(postings)/float64(len(ids)), "postings/budget")
		reportPostgres(b, u, "report.sql", min(b.N, 200), false)
	})
}

// reportPostgres runs the pgbench script of the same shape of work on the
// same database and reports its time per transaction and our ratio to it.
func reportPostgres(b *testing.B, url, script string, n int, setup bool) {
	b.StopTimer()
	ours := b.Elapsed() / time.Duration(b.N)
	var setupSQL []byte
	if setup {
		var err error
		setupSQL, err = os.ReadFile("testdata/pgbench/setup.sql")
		if err != nil {
			b.Fatal(err)
		}
	}
	body, err := os.ReadFile("testdata/pgbench/" + script)
	if err != nil {
		b.Fatal(err)
	}
	pg := dbtest.PgBench(b, url, string(setupSQL), string(body), n)
	b.ReportMetric(float64(pg.Nanoseconds()), "pg-ns/op")
	b.ReportMetric(float64(ours)/float64(pg), "x-pg")
}

// generated returns the URL of a fresh test database holding the data set
// of `tranche generate --participants n --seed 1` (the command built and
// run as a binary: it is package main).
func generated(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "tranche")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/euregio/tranche/cmd/tranche").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	u := dbtest.URL(b)
	start := time.Now()
	cmd := exec.Command(bin, "generate", "--participants", strconv.Itoa(n), "--seed", "1")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("tranche generate: %v\n%s", err, out.String())
	}
	b.Logf("generated %d participants in %s", n, time.Since(start).Round(100*time.Millisecond))
	return u
}
