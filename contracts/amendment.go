package contracts

import (
	"context"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// Amendment changes an active or suspended contract. Products is the
// complete new set of products with their prices and schedules; it becomes
// a new version, and the old version stays as it was for the trajectories
// that started under it. Ceiling, Capacity and PeriodEnd change the
// contract itself when set.
type Amendment struct {
	Note      string // why the contract was amended; kept with the version
	Products  []Product
	Ceiling   *decimal.Decimal
	Capacity  *int
	PeriodEnd *time.Time
}

// AmendContract adds a new current version to an active or suspended
// contract. Trajectories that start from now on use the new version.
//
// Lowering the ceiling below what is already committed is not refused here
// (contracts does not know the pooling figures); outcomes refuses every new
// start that would go beyond the ceiling, so the contract simply takes no
// new trajectories until money is released.
func (s *Service) AmendContract(ctx context.Context, actor access.Actor, id uuid.UUID, a Amendment) (ContractDetail, error) {
	if err := actor.Require(access.WriteContracts); err != nil {
		return ContractDetail{}, err
	}
	var out ContractDetail
	err := s.tx(ctx, func(tx *gorm.DB) error {
		// The contract row lock orders concurrent amendments, so version
		// numbers follow each other without gaps.
		c, err := findContract(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before, err := loadDetail(ctx, tx, id)
		if err != nil {
			return err
		}
		cats, err := categoryMap(ctx, tx)
		if err != nil {
			return err
		}
		last, err := lastVersionNumber(ctx, tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		p, err := planAmendment(c, last, a, cats, now)
		if err != nil {
			return err
		}
		v := p.Version
		if err := insertVersion(ctx, tx, &v); err != nil {
			return err
		}
		if err := insertProducts(ctx, tx, v.Products); err != nil {
			return err
		}
		if err := freezeVersion(ctx, tx, v.ID, now); err != nil {
			return err
		}
		if err := updateContractColumns(ctx, tx, id, map[string]any{
			"current_version_id": v.ID, "ceiling": p.Ceiling, "capacity": p.Capacity, "period_end": p.PeriodEnd, "updated_at": now,
		}); err != nil {
			return err
		}
		if out, err = loadDetail(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Event{Action: "contract.amend", EntityType: "contract", EntityID: id.String(), Before: before, After: out})
	})
	return out, err
}
