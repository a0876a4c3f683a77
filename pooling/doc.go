// Package pooling is money in: funding streams, budgets, allocations, and the
// double-entry ledger with earmarks, commitments and attribution.
//
// It imports no other capability, only internal/ (access, audit, database,
// fault, money). outcomes and billing call it; web shows it.
//
// # Shape
//
// policy.go holds the rules as pure functions: the validation of a funding
// stream, budget, allocation and reservation input, whether a stream may
// still change (checkStreamChangeable) and take an allocation
// (checkAllocation), the reservation policy (reservationOrder,
// splitReservation, planReservation), the proportional split
// (splitProportional), the steps of an accrual (planPay, planClawBack,
// planSettle) and the plan of a payment run's PayMany (planPayMany);
// ledger.go the ledger's own (Transaction.Validate, move, reversal). They
// take values and return what to write or a domain error, and are
// table-tested without a database (policy_test.go, ledger_test.go). store.go
// holds every query of the service (store_bulk.go those of the bulk writer,
// BulkLedger); check.go the consistency checks' own. The service methods
// (stream.go, budget.go, commitment.go, paymany.go, report.go) lock, load,
// plan, write and audit. The SQL dialect is plain SQL through gorm's Raw and
// Exec, because the ledger's statements (row locks in a fixed order,
// ANY(?::uuid[]), array columns, INSERT … SELECT) are clearer so; gorm's
// builder only for the paged lists (listStreams, listBudgets), where
// database.Page adds the cursor.
//
// # Ledger
//
// Every movement of money is a ledger transaction of two or more postings
// that sum to zero per budget and funding stream (so money never moves
// between streams, and every euro is attributed to exactly one budget and
// one stream). Accounts, in flow order: funding (the source; an allocation
// credits it), available, committed, payable, paid, clawback_receivable.
// The database refuses UPDATE, DELETE and TRUNCATE on transactions and
// postings, refuses at commit a transaction that does not balance, and keeps
// running balances per budget, stream and account (and per commitment) with
// CHECKs that none drops below zero. A correction is a new transaction; a
// clawback of a payable accrual is the reversal of the accrual's
// transaction and points to it.
//
// # Reservation policy
//
// Reserve splits a reservation over the budget's funding streams whose
// earmark allows the service category, taking from each stream what it has
// available, in this order:
//
//  1. earmarked streams before unrestricted ones;
//  2. among earmarked streams, the one with the fewest categories first
//     (money that can pay for least is used first, keeping flexible money
//     for what only it can pay);
//  3. then the earliest end of validity (money that lapses first is used first);
//  4. then the stream id, so that the order is always the same.
//
// When the eligible streams hold less than the amount, Reserve fails with
// budget_insufficient and writes nothing. Concurrent reservations lock the
// balance rows of the eligible streams in one fixed order (budget, stream,
// account) before reading them; the CHECKs on the balances are the backstop.
//
// Release, Accrue, Pay and ClawBack keep the split of the original
// reservation: an amount is divided over the reservation's streams in
// proportion to the reserved parts, each share rounded down to the cent and
// capped at what that stream still holds for the reference; the cents left
// over go to the streams in reservation order. The parts always sum exactly
// to the amount. Pay and ClawBack move an accrual's own parts unchanged.
//
// # Clawbacks
//
// A clawback of a payable accrual moves it back to committed: the reference
// keeps the money reserved (the milestone may be claimed again) until the
// caller releases it. A clawback of a paid accrual moves it from paid to
// clawback_receivable; billing nets the receivable in the provider's next
// payment run and calls SettleClawBack, which moves it back to committed.
//
// # Use
//
// Service methods without a tx argument check the actor's permission
// (access.WriteFunding, ReadFunding, ReadReport) and run one transaction.
// Reserve, Release, Accrue, Pay, ClawBack, SettleClawBack, Exposure,
// AccrualSplit, GetCommitment, GetAccrual and ProviderAccruals run inside the
// caller's transaction; the caller checks the permission of its own step
// (starting a trajectory, verifying a claim, confirming a payment run).
// Provider actors may only reserve and release for their own provider and
// never accrue, pay or claw back. Every change is written to the audit trail
// in the same transaction. Check recomputes the invariants on live data for
// `tranche check`.
package pooling
