package dbtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database"
)

var tpsLine = regexp.MustCompile(`latency average = ([0-9.]+) ms`)

// PgBench runs a pgbench script (setup first, once) against the database at
// url for n transactions on one connection, and returns the average latency
// of one transaction. Benchmarks report it beside their own time per
// operation, so that a figure is read against what PostgreSQL itself needs
// for the same shape of work on the same server in the same run.
func PgBench(tb testing.TB, url, setup, script string, n int) time.Duration {
	tb.Helper()
	bin, err := database.FindBinaries()
	if err != nil {
		tb.Fatal(err)
	}
	pgbench := filepath.Join(bin, "pgbench")
	if _, err := os.Stat(pgbench); err != nil {
		tb.Fatalf("pgbench not found beside pg_ctl in %s", bin)
	}
	dir := tb.TempDir()
	run := func(file, body string, txns int) string {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
		out, err := exec.Command(pgbench, "-n", "-r", "-f", path, "-t", strconv.Itoa(txns), "-c", "1", url).CombinedOutput()
		if err != nil {
			tb.Fatalf("pgbench %s: %v\n%s", file, err, out)
		}
		return string(out)
	}
	if setup != "" {
		run("setup.sql", setup, 1)
	}
	out := run("script.sql", script, n)
	// -r: the latency of every statement, for reading where the time goes.
	if i := strings.Index(out, "statement latencies in milliseconds"); i >= 0 {
		tb.Logf("pgbench, %s", out[i:])
	}
	m := tpsLine.FindStringSubmatch(out)
	if m == nil {
		tb.Fatalf("pgbench gave no latency:\n%s", out)
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ms * float64(time.Millisecond))
}
