package main

import (
	"context"
	"fmt"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
)

// runExpire releases the money of milestones whose deadline passed without
// a verified claim. `tranche serve` does the same every hour; the command is
// for a first run, a cron job on a server without serve, or a chosen date.
func runExpire(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "expire", "expire [--as-of YYYY-MM-DD]")
	asOf := fs.String("as-of", "", "release deadlines that passed before this date (default: today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	day := time.Now().UTC()
	if *asOf != "" {
		d, err := time.Parse(time.DateOnly, *asOf)
		if err != nil {
			fmt.Fprintln(e.stderr, "tranche expire: --as-of must be a date like 2005-12-31")
			return errUsage
		}
		day = d
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	res, err := outcomes.NewService(db.Gorm, pooling.NewService(db.Gorm)).ExpireMilestones(ctx, access.System("expire"), day)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "released %s from %d milestone(s) of %d trajectory(ies)\n", res.Released.StringFixed(2), res.Milestones, res.Trajectories)
	return nil
}
