package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"gorm.io/gorm"
)

func unitTable(t *testing.T, db *database.DB) {
	t.Helper()
	if err := db.Gorm.Exec(`CREATE TABLE unit_things (name text PRIMARY KEY)`).Error; err != nil {
		t.Fatal(err)
	}
}

func thingCount(t *testing.T, ctx context.Context, g *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := g.WithContext(ctx).Table("unit_things").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func addThing(ctx context.Context, g *gorm.DB, name string) error {
	return g.WithContext(ctx).Exec(`INSERT INTO unit_things (name) VALUES (?)`, name).Error
}

// A unit's context sees its own uncommitted work, through plain reads and
// through a capability's transaction; nobody else does until it commits.
func TestUnitCommitsEverythingTogether(t *testing.T) {
	db := dbtest.New(t)
	unitTable(t, db)
	bg := context.Background()
	ctx, u, err := db.BeginUnit(bg)
	if err != nil {
		t.Fatal(err)
	}
	defer u.Rollback()

	if err := addThing(ctx, db.Gorm, "plain"); err != nil {
		t.Fatal(err)
	}
	if err := database.Transaction(ctx, db.Gorm, func(tx *gorm.DB) error {
		if got := thingCount(t, ctx, tx); got != 1 {
			t.Errorf("inside the savepoint the unit's row is seen %d times, want 1", got)
		}
		return addThing(ctx, tx, "in a transaction")
	}); err != nil {
		t.Fatal(err)
	}
	if got := thingCount(t, ctx, db.Gorm); got != 2 {
		t.Fatalf("the unit sees %d rows, want 2", got)
	}
	if got := thingCount(t, bg, db.Gorm); got != 0 {
		t.Fatalf("outside the unit %d rows are seen before the commit, want 0", got)
	}
	if got := thingCount(t, database.Detach(ctx), db.Gorm); got != 0 {
		t.Fatalf("a detached context sees %d rows before the commit, want 0", got)
	}
	ran := false
	database.AfterCommit(ctx, func() {
		ran = true
		if got := thingCount(t, bg, db.Gorm); got != 2 {
			t.Errorf("after the commit %d rows are seen, want 2", got)
		}
	})
	if ran {
		t.Fatal("AfterCommit ran before the commit")
	}
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("AfterCommit did not run after the commit")
	}
	if err := u.Rollback(); err != nil {
		t.Fatalf("Rollback after Commit = %v, want nothing", err)
	}
}

// A failing capability transaction in a unit undoes only its own work, even
// after PostgreSQL aborted a statement; the unit goes on.
func TestUnitSavepointRollsBackAlone(t *testing.T) {
	db := dbtest.New(t)
	unitTable(t, db)
	ctx, u, err := db.BeginUnit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Rollback()
	if err := addThing(ctx, db.Gorm, "kept"); err != nil {
		t.Fatal(err)
	}
	err = database.Transaction(ctx, db.Gorm, func(tx *gorm.DB) error {
		if err := addThing(ctx, tx, "undone"); err != nil {
			return err
		}
		return addThing(ctx, tx, "kept") // unique violation: the transaction is aborted
	})
	if !database.IsUniqueViolation(err, "") {
		t.Fatalf("err = %v, want the unique violation", err)
	}
	// gorm's own nested transaction, inside a capability's, fails alone too.
	sentinel := errors.New("no")
	err = database.Transaction(ctx, db.Gorm, func(tx *gorm.DB) error {
		if err := addThing(ctx, tx, "outer"); err != nil {
			return err
		}
		if err := tx.Transaction(func(inner *gorm.DB) error {
			if err := addThing(ctx, inner, "inner"); err != nil {
				return err
			}
			return sentinel
		}); !errors.Is(err, sentinel) {
			t.Errorf("inner transaction err = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := db.Gorm.WithContext(ctx).Raw(`SELECT name FROM unit_things ORDER BY name`).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 || names[0] != "kept" || names[1] != "outer" {
		t.Fatalf("rows in the unit = %v, want [kept outer]", names)
	}
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := thingCount(t, context.Background(), db.Gorm); got != 2 {
		t.Fatalf("committed rows = %d, want 2", got)
	}
}

// Rolling a unit back undoes its savepoints' committed work too and never
// runs what was left for after the commit; without a unit AfterCommit runs
// at once.
func TestUnitRollbackUndoesAll(t *testing.T) {
	db := dbtest.New(t)
	unitTable(t, db)
	ctx, u, err := db.BeginUnit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := database.Transaction(ctx, db.Gorm, func(tx *gorm.DB) error { return addThing(ctx, tx, "a") }); err != nil {
		t.Fatal(err)
	}
	ran := false
	database.AfterCommit(ctx, func() { ran = true })
	if err := u.Rollback(); err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Fatal("AfterCommit ran after a rollback")
	}
	if got := thingCount(t, context.Background(), db.Gorm); got != 0 {
		t.Fatalf("rows after the rollback = %d, want 0", got)
	}
	if err := u.Commit(); err == nil {
		t.Fatal("Commit after Rollback succeeded")
	}
	now := false
	database.AfterCommit(context.Background(), func() { now = true })
	if !now {
		t.Fatal("AfterCommit without a unit did not run at once")
	}
	if _, _, err := db.BeginUnit(ctx); err == nil {
		t.Fatal("a second unit in the same context was opened")
	}
}
