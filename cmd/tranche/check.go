package main

import (
	"context"
	"errors"
	"fmt"
)

var errCheckFailed = errors.New("invariant check failed")

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "check")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	results := runChecks(ctx, db)
	failed := 0
	for _, r := range results {
		mark := "ok  "
		if !r.OK {
			mark = "FAIL"
			failed++
		}
		fmt.Fprintf(e.stdout, "%s %-28s %s\n", mark, r.Name, r.Detail)
	}
	if failed > 0 {
		fmt.Fprintf(e.stdout, "%d of %d checks failed\n", failed, len(results))
		return errCheckFailed
	}
	fmt.Fprintf(e.stdout, "all %d checks passed\n", len(results))
	return nil
}
