// Package contracts is what is bought: the providers Tranche buys from,
// the service categories it buys, and contracts with a period, a spending
// ceiling, a capacity in trajectories, a VAT treatment and the products of
// each version, every product with its milestone price schedule (shares of
// the price or fixed amounts, prerequisites, deadlines, evidence kinds). It
// also raises a contract's spending alert at 70 % of its ceiling.
//
// Its shape: rules.go holds the rules as pure functions and plans
// (ProviderInput and CategoryInput checks, planCreate, planDraftUpdate,
// planTransition, planAmendment, validateProducts with its schedule and
// prerequisite checks, TrancheAmounts, StartTerms.CheckStart, planAlert …)
// that take values and return what to write or a domain error, and are
// table-tested without a database in rules_test.go; identifiers.go holds
// the pure checks of KvK numbers, IBANs, BICs and VAT numbers; store.go
// holds every query; the service methods (provider.go, category.go,
// contract.go, amendment.go, ceiling.go) check the actor's rights, then
// lock, load, plan, write and audit in one transaction. The SQL dialect is
// gorm's builder everywhere; check.go alone speaks plain SQL, for the
// checks of `tranche check`.
//
// It imports no other capability, only internal/ (access, audit, database,
// fault, check). What it needs to know of pooling it asks through the
// Funds interface, which pooling implements and the callers wire in
// (UseFunds); the exposure against a ceiling is computed by the caller and
// handed in. outcomes (a trajectory starts under a contract version:
// LockForStart, VersionSchedule, NoteSpending), billing, web and the
// commands of cmd/ call it.
//
// Invariants it keeps, each backed by the database where it can be:
//   - a contract moves draft → active ⇄ suspended → ended, and only along
//     those arrows; a draft is activated only with a budget that has money;
//   - a version is frozen at activation or amendment and never changes
//     again: a trajectory keeps the version it started under;
//   - a schedule's shares sum to 100 (or its fixed amounts to the price),
//     every tranche is at least a cent, the tranches sum exactly to the
//     price, and the prerequisites name milestones of the same schedule
//     without a cycle;
//   - the ceiling covers at least one trajectory; starts beyond the ceiling
//     or the capacity are refused under the contract's row lock
//     (LockForStart), and the spending alert is raised at most once
//     (unique constraint);
//   - a provider user sees only its own organisation and contracts; another
//     provider's object is not found (provider_not_found,
//     contract_not_found …), never forbidden.
package contracts
