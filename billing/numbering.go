package billing

import (
	"context"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// assignNumbers gives the run's statements (in provider-name order) the next
// numbers of the year of issued. The year's counter row is locked until the
// transaction ends, so concurrent approvals take consecutive blocks one after
// the other: no gaps, no duplicates. Numbers are assigned only at approval,
// and only a draft can be cancelled, so a number is never thrown away.
func assignNumbers(ctx context.Context, tx *gorm.DB, runID uuid.UUID, issued time.Time) error {
	ids, err := statementIDs(ctx, tx, runID)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	year := issued.Year()
	last, err := lockCounter(ctx, tx, year)
	if err != nil {
		return err
	}
	numbers, next := numberStatements(ids, year, last)
	for _, n := range numbers {
		if err := setStatementNumber(ctx, tx, n.ID, year, n.Seq, n.Number, issued); err != nil {
			return err
		}
	}
	return setCounter(ctx, tx, year, next)
}
