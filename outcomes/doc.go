// Package outcomes is what happened: participants, referrals and
// trajectories, outcome claims with their evidence, and their verification.
//
// It uses contracts (a trajectory starts under a contract version and takes
// its milestone schedule) and pooling (starting commits the price, approval
// makes a tranche payable, expiry and termination release, revocation claws
// back), always inside one database transaction per use case.
//
// Its shape: rules.go holds the rules as pure functions and plans
// (checkAchievedOn, PlanStart, PlanSubmit, PlanApprove, PlanReject …) that
// take values and return what to write or a domain error; store.go holds
// every query; the service methods lock, load, plan, write and audit.
// `tranche generate` uses the same plans. The SQL dialect is gorm's builder;
// plain SQL only where the builder cannot say it, in store.go and check.go.
// It imports contracts, pooling and internal/; billing and web import it.
//
// Invariants it keeps, each backed by the database where it can be:
//   - a milestone has at most one live claim (unique partial index), and is
//     paid at most once net of revocations;
//   - a trajectory's tranches sum exactly to its price (frozen at the start);
//   - starting never exceeds the contract's capacity or ceiling, nor the
//     budget (the contract row is locked for the start; pooling guards money);
//   - nobody approves a claim they submitted, a provider never verifies, and
//     a claim above the second-approval amount needs two different verifiers;
//   - a provider sees participants only while it holds a trajectory for them,
//     and nothing of another provider (404, never 403).
package outcomes
