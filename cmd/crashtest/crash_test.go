package main

import (
	"context"
	"flag"
	"os"
	"testing"
	"time"
)

var long = flag.Bool("long", false, "run the crash test's long form (5 rounds; also TRANCHE_CRASH_LONG=1)")

// TestCrash runs the six crashes once (the short form) against a tranche
// server started as a child process on its own private PostgreSQL.
func TestCrash(t *testing.T) {
	rounds := 1
	if *long || os.Getenv("TRANCHE_CRASH_LONG") == "1" {
		rounds = 5
	}
	seed := uint64(time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	logf := func(format string, args ...any) { t.Logf(format, args...) }
	if err := run(ctx, "", rounds, seed, logf); err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
}
