package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/cmd/loadtest/load"
)

var long = flag.Bool("long", false, "run the long form of the load test (60 s; also TRANCHE_LOAD_LONG=1)")

// TestLoad runs the load test's short form against a tranche server started
// as a child process on its own private PostgreSQL: 32 provider clients each
// claim 20 milestones, two verifiers approve until the queue is empty, and
// finance creates the payment run once 32 claims are approved. What it does
// depends on no clock, so a slow machine only makes it take longer. With
// -long (or TRANCHE_LOAD_LONG=1) it runs for 60 s, as `make load` does.
func TestLoad(t *testing.T) {
	o := load.Options{Clients: 32, SlotsPerClient: 20, RunAfter: 32, MaxRequests: 50000}
	if *long || os.Getenv("TRANCHE_LOAD_LONG") == "1" {
		o.SlotsPerClient, o.Duration, o.RunAfter, o.MaxRequests = 480, 60*time.Second, 0, 200000
	}
	var progress bytes.Buffer
	o.Log = &progress
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := load.Run(ctx, o)
	if err != nil {
		t.Fatalf("load test could not run: %v\n%s", err, progress.String())
	}
	var out bytes.Buffer
	rep.Print(&out)
	t.Log("\n" + out.String())
	if !rep.OK() {
		t.Fatalf("load test failed:\n%s", strings.Join(rep.Problems, "\n"))
	}
	acked := len(rep.Result.Acked())
	if o.Duration == 0 && acked != o.Clients*o.SlotsPerClient {
		t.Fatalf("%d claims acknowledged, want every one of %d clients × %d milestones", acked, o.Clients, o.SlotsPerClient)
	}
	if acked < o.Clients {
		t.Fatalf("only %d claims acknowledged by %d clients", acked, o.Clients)
	}
	if rep.Result.Approved < o.RunAfter || rep.Result.Approved == 0 {
		t.Fatalf("the verifiers approved %d claims, want at least %d", rep.Result.Approved, max(o.RunAfter, 1))
	}
	if rep.Result.RunVia == "" {
		t.Fatal("finance created no payment run")
	}
	if rep.PeakRSS <= 0 {
		t.Fatal("no peak RSS measured")
	}
	if !strings.Contains(rep.Check, "checks passed") {
		t.Fatalf("tranche check did not pass:\n%s", rep.Check)
	}
}
