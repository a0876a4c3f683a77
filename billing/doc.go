// Package billing is "money out": payment runs, the statement each provider
// gets per run (with its PDF), the SEPA credit-transfer file for the bank and
// the journal export for the municipal ledger.
//
// Imports: billing imports outcomes (PayableClaims, HoldForPayment,
// MarkPaid), contracts (the IBAN and BIC rules of the settings), pooling
// (PayMany, SettleClawBack, AccrualSplits) and internal/; web calls it,
// and cmd/tranche for its demo data and check. It never imports web or
// gin, and none of the capabilities it imports imports it.
//
// Its shape: rules.go holds the rules as pure functions — who takes part in
// a run (requireMunicipal, requirePerson), the period of a new run
// (checkPeriod), which state allows which step and the four-eyes rule
// (Run.MadeBy, checkApprove, checkCancel, checkExport, checkConfirm) and
// what each step changes (approve, cancel, export, confirm), gapless
// numbering (numberStatements), gathering claims and clawbacks into lines
// (gatherLines) and netting them per provider with carried-in balances into
// statements (planStatements), and the VAT in a line (VATOf); sepa.go
// builds the SEPA file from values (BuildSEPA, SEPAText, AddWeekdays),
// journal.go the journal and pdf.go the statement PDF. The rules are
// table-tested without a database in rules_test.go, the file's text in
// sepa_test.go. store.go
// holds every query; the service methods (run.go, statement.go, files.go,
// settings.go) lock, load, plan, write and audit. The SQL dialect is gorm's
// builder; plain SQL only where the builder cannot say it — in store.go the
// reads over other capabilities' tables, the row locks over many ids
// (= ANY(?::uuid[])), the freshness check and the numbering counter's
// INSERT … ON CONFLICT — and in check.go.
//
// Its store reads three tables it does not own, read-only and only in
// store.go: providers and contracts (the provider's name, address and
// account, the contract's VAT treatment, copied into the statement when the
// run is created) and pooling's accruals with outcomes' claims (the open
// clawbacks: accruals in status reclaiming). Everything it changes in other
// capabilities goes through their functions, inside billing's transaction.
//
// A run goes draft → approved → exported → paid, or draft → cancelled.
//
// Invariants, each backed by the database and tested:
//   - A claim (and a clawback, and a carried balance) is in at most one run
//     that is not cancelled: run_items_one_live_run, a unique partial index.
//   - At most one draft per period (payment_runs_one_draft_per_period), so
//     creating a run for the same period returns the existing draft.
//   - Nobody approves a run they created (payment_runs_four_eyes and a check
//     on the audit label for system actors).
//   - Statement numbers are gapless per year: a locked counter row per year
//     (statement_numbers) hands out consecutive numbers at approval.
//   - A statement's subtotal, VAT and total equal the sums of its lines; its
//     balance is total plus the carried-in balance; a positive balance is
//     transferred, a negative one carried to the provider's next run; a
//     transfer is never negative (CHECKs on statements and statement_lines,
//     and Check).
//   - Confirming a run pays every claim line and settles every clawback line
//     in pooling and marks the claims paid in outcomes, in one transaction;
//     confirming again changes nothing.
//
// Contract prices, and so claim amounts, include VAT: pooling commits and
// pays exactly the claim amount, so the statement shows the VAT contained in
// each line (amount × rate / (100 + rate), rounded half away from zero to the
// cent) and never adds VAT on top of what the budget committed.
package billing
