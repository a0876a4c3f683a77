package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

var errCheckFailed = errors.New("invariant check failed")

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "check [--anchor FILE]")
	anchorFile := fs.String("anchor", "", "a file of anchor lines (tranche audit anchor --append FILE): every anchored event must still be in the trail with its hash")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var anchors []audit.Anchor
	if *anchorFile != "" {
		f, err := os.Open(*anchorFile)
		if err != nil {
			return err
		}
		anchors, err = audit.ParseAnchors(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *anchorFile, err)
		}
		if len(anchors) == 0 {
			return fmt.Errorf("%s holds no anchor line (tranche audit anchor --append %s writes one)", *anchorFile, *anchorFile)
		}
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	// The checks read whole tables on purpose; a slow-query warning for each
	// would bury the results. Errors are still logged. (gorm's slog logger
	// warns of slow queries at any level, so the threshold goes instead.)
	quiet := database.GormLogger(e.log, logger.Error, 0)
	results := runChecks(ctx, db.Gorm.Session(&gorm.Session{Logger: quiet}), anchors)
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
