package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/euregio/tranche/cmd/loadtest/load"
)

func main() {
	fs := flag.NewFlagSet("crashtest", flag.ContinueOnError)
	rounds := fs.Int("rounds", 3, "how many times to run the six crashes")
	seed := fs.Uint64("seed", uint64(time.Now().UnixNano()), "seed for the moments of the kills")
	bin := fs.String("tranche", "", "the tranche binary (default: build it)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
	}
	if err := run(ctx, *bin, *rounds, *seed, logf); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest: FAIL:", err)
		os.Exit(1)
	}
	fmt.Println("crashtest: PASS")
}

func run(ctx context.Context, bin string, rounds int, seed uint64, logf func(string, ...any)) error {
	dir, cleanup, err := tempDir()
	if err != nil {
		return err
	}
	defer cleanup()
	if bin == "" {
		binDir, err := os.MkdirTemp("", "tranche-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(binDir)
		if bin, err = load.Build(ctx, binDir); err != nil {
			return err
		}
	}
	logf("seed %d", seed)
	return scenarios(ctx, bin, dir, rounds, seed, logf)
}
