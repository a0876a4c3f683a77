package pooling

import (
	"context"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// CheckAudited verifies for `tranche check` that every funding stream,
// budget and commitment has its audit event (none was made behind the
// application's back).
func CheckAudited(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
	return check.Run(ctx, db, check.Check{Name: "every change audited: pooling", OK: "every funding stream, budget and commitment has its audit event",
		Find: check.SQL(check.Unaudited("funding_streams", "funding_stream") + " UNION ALL " + check.Unaudited("budgets", "budget") +
			" UNION ALL " + check.Unaudited("commitments", "commitment"))})
}
