package web

import (
	"strings"

	"github.com/euregio/tranche/internal/access"
)

// navEntry is shown to whoever may perform its action.
type navEntry struct {
	key    string
	href   string
	action access.Action
}

// navigation lists every area in the order the menu shows it.
var navigation = []navEntry{
	{"nav.funding", "/funding-streams", access.ReadFunding},
	{"nav.budgets", "/budgets", access.ReadFunding},
	{"nav.providers", "/providers", access.WriteProviders},
	{"nav.contracts", "/contracts", access.ReadContracts},
	{"procurement.nav.tenders", "/tenders", access.ReadTenders},
	{"outcomes.nav.participants", "/participants", access.ReadParticipants},
	{"outcomes.nav.referrals", "/referrals", access.StartTrajectory},
	{"outcomes.nav.trajectories", "/trajectories", access.ReadTrajectories},
	{"outcomes.nav.claims", "/claims", access.ReadClaims},
	{"outcomes.nav.verify", "/verify", access.VerifyClaims},
	{"outcomes.nav.register", "/registers/exam-results", access.VerifyClaims},
	{"billing.nav.runs", "/payment-runs", access.ReadPayments},
	{"billing.nav.statements", "/statements", access.ReadStatements},
	{"nav.audit", "/audit", access.ReadAudit},
	{"nav.users", "/admin/users", access.ManageUsers},
}

func navFor(a access.Actor, current string) []navItem {
	items := []navItem{{Key: "nav.home", Href: "/", Active: current == "/"}}
	for _, e := range navigation {
		if a.Can(e.action) {
			items = append(items, navItem{Key: e.key, Href: e.href, Active: strings.HasPrefix(current, e.href)})
		}
	}
	return items
}
