package pooling

import "github.com/euregio/tranche/internal/fault"

// The pooling capability's error codes. Forbidden and invalid input use the
// shared codes of internal/fault; each missing object has its own code.
var (
	// Not found: no such object, or not the caller's to see.
	FundingStreamNotFound = fault.Define("funding_stream_not_found", fault.KindNotFound, "Funding stream not found")
	BudgetNotFound        = fault.Define("budget_not_found", fault.KindNotFound, "Budget not found")
	CommitmentNotFound    = fault.Define("commitment_not_found", fault.KindNotFound, "Commitment not found")
	AccrualNotFound       = fault.Define("accrual_not_found", fault.KindNotFound, "Accrual not found")

	// BudgetInsufficient: the streams of the budget that may pay for the
	// category do not hold enough available money for the reservation.
	BudgetInsufficient = fault.Define("budget_insufficient", fault.KindConflict, "Budget insufficient")
	// AllocationExceedsStream: the allocation is more than the stream's unallocated amount.
	AllocationExceedsStream = fault.Define("allocation_exceeds_stream", fault.KindConflict, "Allocation exceeds the funding stream")
	// FundingStreamInUse: money of the stream has been allocated; its details no longer change.
	FundingStreamInUse = fault.Define("funding_stream_in_use", fault.KindConflict, "Funding stream in use")
	// AllocationOutsideValidity: the budget's period does not lie within the stream's validity.
	AllocationOutsideValidity = fault.Define("allocation_outside_validity", fault.KindConflict, "Budget period outside the funding stream's validity")
	// CommitmentExists: the reference already has a reservation.
	CommitmentExists = fault.Define("commitment_exists", fault.KindConflict, "Commitment already exists")
	// CommitmentInsufficient: a release or accrual asks for more than the reference still has committed.
	CommitmentInsufficient = fault.Define("commitment_insufficient", fault.KindConflict, "Commitment insufficient")
	// AccrualExists: the accrual (claim) id has been accrued before.
	AccrualExists = fault.Define("accrual_exists", fault.KindConflict, "Accrual already exists")
	// AccrualNotPayable: only a payable accrual can be paid.
	AccrualNotPayable = fault.Define("accrual_not_payable", fault.KindConflict, "Accrual is not payable")
	// AccrualClawedBack: the accrual has been clawed back already.
	AccrualClawedBack = fault.Define("accrual_clawed_back", fault.KindConflict, "Accrual already clawed back")
	// ClawBackNotOpen: only an open clawback of a paid accrual can be settled.
	ClawBackNotOpen = fault.Define("clawback_not_open", fault.KindConflict, "No open clawback")
)

// Field error codes of pooling's validation.
const (
	codeRequired        = "required"
	codeTooLong         = "too_long"
	codeInvalidFormat   = "invalid_format"
	codeInvalidDate     = "invalid_date"
	codeEndBeforeStart  = "end_before_start"
	codeUnknownCategory = "unknown_category"
	codeEarmarkChoice   = "earmark_or_unrestricted"
	codeCurrency        = "unsupported_currency"
	codeTaken           = "taken"
)

// notFoundCodes gives the code of each entity notFound names.
var notFoundCodes = map[string]fault.Code{
	"funding stream": FundingStreamNotFound,
	"budget":         BudgetNotFound,
	"commitment":     CommitmentNotFound,
	"accrual":        AccrualNotFound,
}
