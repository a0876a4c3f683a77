package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/database"
	"github.com/google/uuid"
)

// Options configure a load test.
type Options struct {
	// Own server (the default): Bin is the tranche binary (empty: build it
	// into DataDir's parent), DataDir the TRANCHE_DATA folder (empty: a new
	// temporary folder, removed afterwards).
	Bin     string
	DataDir string
	// A server that is already running: URL (loopback only) and the
	// DATABASE_URL it uses, which the load test needs to prepare users,
	// tokens and contracts and to find every acknowledged claim afterwards.
	// Pid, when given, is read for the peak RSS.
	URL         string
	DatabaseURL string
	Pid         int

	Clients        int           // provider clients (32)
	SlotsPerClient int           // milestones each may claim
	Duration       time.Duration // the load's length; zero: until every client has claimed all its milestones
	RunAfter       int64         // finance's payment run waits for this many approvals (0: half-way through Duration)
	MaxRequests    int64         // cap on requests by all clients (0: none)
	Log            io.Writer     // progress; nil: discarded
}

// Report is what a load test measured and found.
type Report struct {
	Options   Options
	Prepare   time.Duration
	Result    *Result
	PeakRSS   int64 // bytes; 0 when unknown
	RSSSource string
	Check     string // tranche check's output
	Problems  []string
}

// OK tells whether nothing went wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Run prepares data, drives the load, and checks the outcome. The error is
// for a load test that could not run; what it found wrong is in
// Report.Problems.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Clients <= 0 {
		o.Clients = 32
	}
	if o.SlotsPerClient <= 0 {
		o.SlotsPerClient = 50
	}
	rep := &Report{Options: o}
	var srv *Server
	base, dbURL := o.URL, o.DatabaseURL
	checkEnv := append(os.Environ(), "DATABASE_URL="+o.DatabaseURL)
	if o.URL == "" {
		dir := o.DataDir
		if dir == "" {
			d, err := os.MkdirTemp("", "tranche-load-")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(d)
			dir = d
		}
		if o.Bin == "" {
			binDir, err := os.MkdirTemp("", "tranche-bin-")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(binDir)
			fmt.Fprintln(o.Log, "building tranche …")
			if o.Bin, err = Build(ctx, binDir); err != nil {
				return nil, err
			}
		}
		var err error
		if srv, err = NewServer(o.Bin, dir); err != nil {
			return nil, err
		}
		fmt.Fprintf(o.Log, "starting tranche serve on %s with a private PostgreSQL in %s …\n", srv.Addr, dir)
		if err := srv.Start(ctx); err != nil {
			return nil, err
		}
		defer func() {
			srv.Kill()
			_ = srv.StopPostgres()
		}()
		base = srv.URL()
		if dbURL, err = srv.DatabaseURL(); err != nil {
			return nil, err
		}
		checkEnv = srv.Env()
	} else {
		if err := loopbackOnly(o.URL); err != nil {
			return nil, err
		}
		if o.DatabaseURL == "" {
			return nil, errors.New("with --url, give the server's --database-url too: the load test prepares its users there and finds every acknowledged claim")
		}
	}
	db, err := database.Open(ctx, dbURL, nil)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	fmt.Fprintf(o.Log, "preparing %d providers with %d claimable milestones each …\n", o.Clients, o.SlotsPerClient)
	start := time.Now()
	tag := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
	fix, err := Prepare(ctx, db, tag, o.Clients, o.SlotsPerClient)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	rep.Prepare = time.Since(start)

	if o.Duration > 0 {
		fmt.Fprintf(o.Log, "driving %d provider clients, 2 verifiers and finance for %s (at most %d requests) …\n", o.Clients, o.Duration, o.MaxRequests)
	} else {
		fmt.Fprintf(o.Log, "driving %d provider clients until each has claimed %d milestones, 2 verifiers and finance (at most %d requests) …\n", o.Clients, o.SlotsPerClient, o.MaxRequests)
	}
	client := NewClient(base, NewStats())
	rep.Result = Drive(ctx, client, fix, Plan{Duration: o.Duration, MaxRequests: o.MaxRequests, RetryFor: 15 * time.Second,
		Verifiers: true, PaymentRun: true, RunAfter: o.RunAfter, DB: db})
	res := rep.Result
	rep.Problems = append(rep.Problems, res.Failures...)

	switch {
	case srv != nil:
		rep.PeakRSS, err = srv.PeakRSS()
		rep.RSSSource = fmt.Sprintf("VmHWM of tranche serve (pid %d)", srv.Pid())
	case o.Pid > 0:
		rep.PeakRSS, err = PeakRSS(o.Pid)
		rep.RSSSource = fmt.Sprintf("VmHWM of pid %d", o.Pid)
	}
	if err != nil {
		rep.Problems = append(rep.Problems, "peak RSS: "+err.Error())
	}

	if len(res.Acked()) == 0 {
		rep.Problems = append(rep.Problems, "no claim was acknowledged")
	}
	if res.RunID == uuid.Nil && (o.Duration == 0 || o.RunAfter > 0 || res.Ended.Sub(res.Started) >= o.Duration/2) {
		rep.Problems = append(rep.Problems, "finance created no payment run")
	}
	if err := VerifyAfter(ctx, db, res); err != nil {
		rep.Problems = append(rep.Problems, err.Error())
	}
	bin := o.Bin
	if srv != nil {
		bin = srv.Bin
	}
	if bin == "" {
		rep.Check = "(not run: give --tranche to run tranche check against an external server)"
		rep.Problems = append(rep.Problems, "tranche check not run")
	} else {
		out, err := RunCheck(ctx, bin, checkEnv)
		rep.Check = out
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%v:\n%s", err, out))
		}
	}
	if srv != nil {
		if err := srv.Stop(); err != nil {
			rep.Problems = append(rep.Problems, err.Error())
		}
	}
	return rep, nil
}

func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("the load test only drives a server on loopback (127.0.0.1, ::1, localhost), not %q", host)
}

// Print writes the report as text.
func (r *Report) Print(w io.Writer) {
	res := r.Result
	elapsed := res.Ended.Sub(res.Started)
	acked := len(res.Acked())
	fmt.Fprintf(w, "load: %d provider clients, 2 verifiers, 1 finance; %.1f s (preparation %.1f s)\n", r.Options.Clients, elapsed.Seconds(), r.Prepare.Seconds())
	fmt.Fprintf(w, "requests: %d answered in %.1f s = %.0f/s; claims acknowledged %d = %.1f/s; approvals %d (%d lost to the other verifier)\n",
		answered(res), elapsed.Seconds(), float64(answered(res))/elapsed.Seconds(), acked, float64(acked)/elapsed.Seconds(), res.Approved, res.ApproveRaces)
	if res.RunVia != "" {
		fmt.Fprintf(w, "payment run %s created via %s in %s\n", res.RunID, res.RunVia, res.RunLatency.Round(time.Millisecond))
	}
	if res.Exhausted > 0 {
		fmt.Fprintf(w, "%d provider client(s) claimed every milestone they had before the end\n", res.Exhausted)
	}
	fmt.Fprintf(w, "%-20s %7s %7s %9s %9s %9s %9s  %s\n", "operation", "count", "neterr", "p50", "p95", "p99", "max", "statuses")
	for _, s := range res.Stats.Summary() {
		var codes []string
		for c, n := range s.Statuses {
			codes = append(codes, fmt.Sprintf("%d×%d", n, c))
		}
		sort.Strings(codes)
		fmt.Fprintf(w, "%-20s %7d %7d %9s %9s %9s %9s  %s\n", s.Op, s.Count, s.NetworkErrors, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max), strings.Join(codes, " "))
	}
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "server peak RSS: %.1f MiB (%s)\n", float64(r.PeakRSS)/(1<<20), r.RSSSource)
	}
	fmt.Fprintf(w, "every acknowledged claim in the database: %v\n", !r.hasProblem("acknowledged claim"))
	fmt.Fprint(w, r.Check)
	if r.OK() {
		fmt.Fprintln(w, "PASS")
		return
	}
	fmt.Fprintln(w, "FAIL:")
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}

func (r *Report) hasProblem(s string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, s) {
			return true
		}
	}
	return false
}

func answered(res *Result) int {
	n := 0
	for _, s := range res.Stats.Summary() {
		n += s.Count
	}
	return n
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
