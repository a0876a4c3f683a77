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
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	duration := fs.Duration("duration", 60*time.Second, "how long the load runs")
	maxRequests := fs.Int64("max-requests", 200000, "stop after this many requests by all clients together (0: no cap)")
	clients := fs.Int("clients", 32, "concurrent provider clients")
	slots := fs.Int("claims-per-client", 0, "milestones prepared per provider client (0: enough for the duration at 8 claims/s per client, at most max-requests/clients)")
	bin := fs.String("tranche", "", "the tranche binary (default: build it)")
	data := fs.String("data", "", "TRANCHE_DATA for the server the load test starts (default: a temporary folder, removed afterwards)")
	url := fs.String("url", "", "drive this running server instead (loopback only; needs --database-url)")
	dbURL := fs.String("database-url", envOr("DATABASE_URL", ""), "with --url: the server's database, for preparing users and verifying claims (env DATABASE_URL)")
	pid := fs.Int("pid", 0, "with --url: the server's pid, for its peak RSS")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if err == flag.ErrHelp {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if *slots == 0 {
		*slots = int(duration.Seconds() * 8)
		if *maxRequests > 0 {
			*slots = min(*slots, int(*maxRequests)/max(*clients, 1)+1)
		}
		*slots = max(*slots, 10)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := load.Options{Bin: *bin, DataDir: *data, Clients: *clients, SlotsPerClient: *slots, Duration: *duration, MaxRequests: *maxRequests, Log: os.Stderr}
	if *url != "" {
		o.URL, o.DatabaseURL, o.Pid = *url, *dbURL, *pid
	}
	rep, err := load.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	rep.Print(os.Stdout)
	if !rep.OK() {
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
