package contracts

import (
	"context"

	invariant "github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// Check verifies the contracts data for `tranche check`: every provider
// and every contract has its audit event (none was made behind the
// application's back).
func Check(ctx context.Context, db *gorm.DB) ([]invariant.Result, error) {
	return invariant.Run(ctx, db, invariant.Check{Name: "every change audited: contracts", OK: "every provider and contract has its audit event",
		Find: invariant.SQL(invariant.Unaudited("providers", "provider") + " UNION ALL " + invariant.Unaudited("contracts", "contract"))})
}
