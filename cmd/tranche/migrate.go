package main

import (
	"context"
	"fmt"

	"github.com/euregio/tranche/internal/database"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate up | status")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "status") {
		fs.Usage()
		return errUsage
	}
	db, stop, err := openOwnerDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	sqlDB, err := db.Gorm.DB()
	if err != nil {
		return err
	}
	if fs.Arg(0) == "up" {
		n, err := migrateAndGrant(ctx, e, db, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s)\n", n)
		return nil
	}
	st, err := database.MigrationStatus(ctx, sqlDB)
	if err != nil {
		return err
	}
	for _, m := range st {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(e.stdout, "%05d  %-8s %s\n", m.Version, state, m.Source)
	}
	return nil
}
