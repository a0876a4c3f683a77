package access

import (
	"context"

	"github.com/euregio/tranche/internal/check"
	"gorm.io/gorm"
)

// Check verifies the users for `tranche check`: every user has its audit
// event (none was made behind the application's back).
func Check(ctx context.Context, db *gorm.DB) ([]check.Result, error) {
	return check.Run(ctx, db, check.Check{Name: "every change audited: users", OK: "every user has its audit event",
		Find: check.SQL(check.Unaudited("users", "user"))})
}
