package billing

import "github.com/euregio/tranche/internal/fault"

// The error codes of billing.
var (
	RunNotFound          = fault.Define("payment_run_not_found", fault.KindNotFound, "Payment run not found")
	StatementNotFound    = fault.Define("statement_not_found", fault.KindNotFound, "Statement not found")
	FileNotFound         = fault.Define("payment_file_not_found", fault.KindNotFound, "File not produced for this run")
	RunStateConflict     = fault.Define("payment_run_state", fault.KindConflict, "Not allowed in the payment run's state")
	CreatorCannotApprove = fault.Define("payment_run_creator_cannot_approve", fault.KindConflict, "The creator of a payment run cannot approve it")
	NothingToPay         = fault.Define("payment_run_empty", fault.KindConflict, "Nothing to pay for this period")
	ItemInLiveRun        = fault.Define("claim_in_live_run", fault.KindConflict, "A claim is already in another payment run")
	RunStale             = fault.Define("payment_run_stale", fault.KindConflict, "A claim of the run changed since the run was created")
)

// Field error codes.
const (
	codeRequired       = "required"
	codePeriodReversed = "period_reversed"
	codeInvalid        = "invalid"
)
