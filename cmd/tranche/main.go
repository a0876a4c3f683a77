package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/fault"
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = []command{
	{"serve", "run the web server and API", runServe},
	{"demo", "load the demo scenario (Enschede: streams, providers, contracts, 250 participants) and print its logins", runDemo},
	{"generate", "generate a deterministic synthetic data set at scale: generate --participants N --seed S [--reset]", runGenerate},
	{"migrate", "apply (up) or list (status) database migrations, as the schema's owner", runMigrate},
	{"db", "give the application's role its rights, as the schema's owner: db grant ROLE", runDB},
	{"user", "manage users: user add --email E --role R[,R…] [--provider KVK] [--password-stdin]", runUser},
	{"token", "manage API tokens: token create --email E [--name N]", runToken},
	{"expire", "release the money of milestones whose deadline passed (serve does this hourly)", runExpire},
	{"check", "verify every invariant on the live data; exit 1 if one fails: check [--anchor FILE]", runCheck},
	{"audit", "anchor the audit trail outside the database: audit anchor [--append FILE]", runAudit},
	{"health", "ask a running Tranche whether it is ready (for container healthchecks)", runHealth},
}

// env is what every command shares: the configuration, the log, the
// streams and the environment's variables (so that tests can run commands
// in process, side by side, each with its own).
type env struct {
	getenv         func(name string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
	databaseURL    string // the application's role (DATABASE_URL)
	migrateURL     string // the schema's owner (TRANCHE_MIGRATE_URL); empty: databaseURL
	dataDir        string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Getenv, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// errUsage marks an error whose message already told the user what to do.
var errUsage = errors.New("usage")

// run runs the command args name, reading the environment's variables
// through getenv (os.Getenv, or a test's own).
func run(ctx context.Context, getenv func(string) string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	level := slog.LevelInfo
	if strings.EqualFold(getenv("TRANCHE_LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	e := &env{
		getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr,
		log: slog.New(database.RedactErrors(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))),
	}
	e.databaseURL = getenv("DATABASE_URL")
	e.migrateURL = getenv("TRANCHE_MIGRATE_URL")
	e.dataDir = e.setting("TRANCHE_DATA", "./data")
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.Is(err, errCheckFailed):
			return 1
		}
		if f, ok := fault.As(err); ok {
			fmt.Fprintf(stderr, "tranche %s: %s\n", c.name, f.Detail)
			for _, fe := range f.Fields {
				fmt.Fprintf(stderr, "  %s: %s (%s)\n", fe.Field, fe.Message, fe.Code)
			}
			return 1
		}
		fmt.Fprintf(stderr, "tranche %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "tranche: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Tranche: outcome-based contracting of integration services.")
	fmt.Fprintln(w, "\nUsage: tranche <command> [flags]   (tranche <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEnvironment: DATABASE_URL (unset: a private PostgreSQL in TRANCHE_DATA, default ./data),")
	fmt.Fprintln(w, "TRANCHE_MIGRATE_URL (the schema owner's connection for migrations; unset: DATABASE_URL),")
	fmt.Fprintln(w, "TRANCHE_ADDR, TRANCHE_SECURE_COOKIES, TRANCHE_TRUSTED_PROXIES, TRANCHE_MUNICIPALITY,")
	fmt.Fprintln(w, "TRANCHE_LOG_LEVEL. See README.md.")
}

// setting is the environment's variable name, or def when it is unset or empty.
func (e *env) setting(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// newFlags returns a flag set that prints its usage to the command's stderr.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("tranche "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: tranche %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}
