package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// StatementNumber formats the seq-th statement number of a year: 2005-0001.
func StatementNumber(year, seq int) string { return fmt.Sprintf("%d-%04d", year, seq) }

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
	for i, id := range ids {
		seq := last + i + 1
		if err := setStatementNumber(ctx, tx, id, year, seq, StatementNumber(year, seq), issued); err != nil {
			return err
		}
	}
	return setCounter(ctx, tx, year, last+len(ids))
}
