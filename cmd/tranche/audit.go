package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/euregio/tranche/internal/audit"
)

const auditUsage = "audit anchor [--append FILE]"

// runAudit prints the head of the audit trail as an anchor line for the
// operator to keep outside the database; `tranche check --anchor FILE`
// verifies the trail against the kept lines.
func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "anchor" {
		fmt.Fprintln(e.stderr, "Usage: tranche "+auditUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags(e, "audit anchor", auditUsage)
	appendTo := fs.String("append", "", "also append the anchor line to this file (created if missing); keep it outside the database")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	a, ok, err := audit.Head(ctx, db.Gorm, time.Now())
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("the audit trail is empty: nothing to anchor yet")
	}
	line := a.String()
	if *appendTo != "" {
		f, err := os.OpenFile(*appendTo, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(f, line); err != nil {
			f.Close()
			return err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stdout, line)
	return nil
}
