package web

import (
	"context"

	"github.com/euregio/tranche/internal/access"
)

// waitingSources lists every capability's start-page items, in the order
// the start page shows them.
func (s *Server) waitingSources() []waitingSource {
	return []waitingSource{s.outcomesWaiting, s.billingWaiting, s.contractsWaiting, s.adminWaiting}
}

// contractsWaiting shows procurement the contracts whose spending reached
// the alert level.
func (s *Server) contractsWaiting(ctx context.Context, a access.Actor) ([]waitingItem, error) {
	if !a.Can(access.WriteContracts) {
		return nil, nil
	}
	alerts, err := s.contracts.Alerts(ctx, a)
	if err != nil {
		return nil, err
	}
	return []waitingItem{{Key: "home.contract_alerts", Count: int64(len(alerts)), Href: "/contracts", Alert: len(alerts) > 0}}, nil
}
