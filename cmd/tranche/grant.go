package main

import (
	"context"
	"fmt"

	"github.com/euregio/tranche/internal/database"
)

const dbUsage = "db grant ROLE"

// runDB gives a role the application's rights, as the schema's owner: for
// a server where the operator made the application's role and runs the
// migrations without TRANCHE_MIGRATE_URL (migrate up grants by itself when
// both URLs are set).
func runDB(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "grant" {
		fmt.Fprintln(e.stderr, "Usage: tranche "+dbUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags(e, "db grant", dbUsage)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
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
	grants, err := database.GrantApp(ctx, sqlDB, fs.Arg(0))
	if err != nil {
		return err
	}
	for _, g := range grants {
		fmt.Fprintf(e.stdout, "%-28s %s\n", g.Table, g.Privileges)
	}
	fmt.Fprintf(e.stdout, "granted %s the application's rights on %d tables\n", fs.Arg(0), len(grants))
	return nil
}
