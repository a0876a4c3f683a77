package outcomes_test

import (
	"os"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
)

// BenchmarkStart measures starting a referred trajectory: the contract lock,
// capacity and ceiling checks, the reservation over the funding streams, the
// frozen milestones and the audit event, in one transaction.
func BenchmarkStart(b *testing.B) {
	f := newBenchFx(b, b.N)
	trs := make([]outcomes.Trajectory, b.N)
	for i := range trs {
		trs[i] = f.refer(f.contract)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.s.Start(ctx, f.provider, trs[i].ID, date("2005-03-01")); err != nil {
			b.Fatal(err)
		}
	}
	f.reportPostgres(b, "start.sql")
}

// BenchmarkSubmitClaim measures a provider's claim with one PDF of evidence.
func BenchmarkSubmitClaim(b *testing.B) {
	f := newBenchFx(b, b.N)
	ids := f.startedMany(b.N)
	f.clock.Set("2005-04-01")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.submit(ids[i], "intake", "2005-03-15", pdf); err != nil {
			b.Fatal(err)
		}
	}
	f.reportPostgres(b, "submit.sql")
}

// BenchmarkApproveClaim measures a verifier's approval: the claim and
// trajectory locks, the accrual in the ledger, history and audit.
func BenchmarkApproveClaim(b *testing.B) {
	f := newBenchFx(b, b.N)
	ids := f.startedMany(b.N)
	f.clock.Set("2005-04-01")
	claims := make([]outcomes.ClaimDetail, b.N)
	for i, id := range ids {
		c, err := f.submit(id, "intake", "2005-03-15")
		if err != nil {
			b.Fatal(err)
		}
		claims[i] = c
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.s.Approve(ctx, verifier, claims[i].ID, ""); err != nil {
			b.Fatal(err)
		}
	}
	f.reportPostgres(b, "approve.sql")
}

// reportPostgres runs the pgbench script of the same shape of work on the
// same database and reports its time per transaction and our ratio to it.
func (f *fx) reportPostgres(b *testing.B, script string) {
	b.StopTimer()
	ours := b.Elapsed() / time.Duration(b.N)
	setup, err := os.ReadFile("testdata/pgbench/setup.sql")
	check(b, err)
	body, err := os.ReadFile("testdata/pgbench/" + script)
	check(b, err)
	pg := dbtest.PgBench(b, f.url, string(setup), string(body), min(b.N, 2000))
	b.ReportMetric(float64(pg.Nanoseconds()), "pg-ns/op")
	b.ReportMetric(float64(ours)/float64(pg), "x-pg")
}

// newBenchFx is the test world with room for n trajectories.
func newBenchFx(b *testing.B, n int) *fx {
	b.Helper()
	return newFx(b, fxOptions{streamAmount: "999999999.00", capacity: n + 10, ceiling: "999999999.00"})
}

func (f *fx) startedMany(n int) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = f.started().ID
	}
	return ids
}
