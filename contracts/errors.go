package contracts

import (
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// Error codes of the contracts capability. Field errors carry the code in
// FieldError.Code under an invalid_input error; the others are returned as
// they are. The codes are stable: clients and the docs rely on them.
var (
	// Not found: no such object, or not the caller's to see (another
	// provider's object is not found either, so that existence does not leak).
	ProviderNotFound = fault.Define("provider_not_found", fault.KindNotFound, "Provider not found")
	CategoryNotFound = fault.Define("service_category_not_found", fault.KindNotFound, "Service category not found")
	ContractNotFound = fault.Define("contract_not_found", fault.KindNotFound, "Contract not found")
	VersionNotFound  = fault.Define("contract_version_not_found", fault.KindNotFound, "Contract version not found")
	AlertNotFound    = fault.Define("contract_alert_not_found", fault.KindNotFound, "Spending alert not found")

	// Identifiers and provider details.
	KVKInvalid       = fault.Define("kvk_invalid", fault.KindInvalid, "KvK number must be 8 digits")
	KVKTaken         = fault.Define("kvk_taken", fault.KindConflict, "A provider with this KvK number is already registered")
	IBANInvalid      = fault.Define("iban_invalid", fault.KindInvalid, "IBAN is not valid")
	BICInvalid       = fault.Define("bic_invalid", fault.KindInvalid, "BIC is not valid")
	VATNumberInvalid = fault.Define("vat_number_invalid", fault.KindInvalid, "VAT number is not valid")
	EmailInvalid     = fault.Define("email_invalid", fault.KindInvalid, "Email address is not valid")
	CountryInvalid   = fault.Define("country_invalid", fault.KindInvalid, "Country must be a two-letter ISO code")
	Required         = fault.Define("required", fault.KindInvalid, "Required")
	TooLong          = fault.Define("too_long", fault.KindInvalid, "Too long")

	// Service categories.
	CategoryUnknown      = fault.Define("category_unknown", fault.KindInvalid, "Unknown service category")
	CategoryInactive     = fault.Define("category_inactive", fault.KindInvalid, "Service category is no longer in use")
	CategoryCodeInvalid  = fault.Define("category_code_invalid", fault.KindInvalid, "Category code must be lower-case letters, digits and underscores")
	CategoryExists       = fault.Define("category_exists", fault.KindConflict, "A category with this code exists")
	OutcomeDomainUnknown = fault.Define("outcome_domain_unknown", fault.KindInvalid, "Unknown outcome domain")
	DomainNotInCategory  = fault.Define("outcome_domain_not_in_category", fault.KindInvalid, "Outcome domain is not one of the category's domains")

	// Contract terms.
	ReferenceInvalid      = fault.Define("reference_invalid", fault.KindInvalid, "Reference must be letters, digits and . _ / -")
	ReferenceTaken        = fault.Define("reference_taken", fault.KindConflict, "A contract with this reference exists")
	PeriodEndBeforeStart  = fault.Define("period_end_before_start", fault.KindInvalid, "The period ends before it starts")
	CeilingNotPositive    = fault.Define("ceiling_not_positive", fault.KindInvalid, "The ceiling must be more than zero")
	CeilingBelowPrice     = fault.Define("ceiling_below_price", fault.KindInvalid, "The ceiling is below the price of one trajectory")
	CapacityNotPositive   = fault.Define("capacity_not_positive", fault.KindInvalid, "Capacity must be at least one trajectory")
	VATRateRequired       = fault.Define("vat_rate_required", fault.KindInvalid, "A VAT rate is required unless the contract is VAT exempt")
	VATRateInvalid        = fault.Define("vat_rate_invalid", fault.KindInvalid, "VAT rate must be between 0 and 100 with at most two decimals")
	VATRateWithExempt     = fault.Define("vat_rate_with_exempt", fault.KindInvalid, "A VAT exempt contract has no VAT rate")
	ProviderUnknown       = fault.Define("provider_unknown", fault.KindInvalid, "No such provider")
	ProductsRequired      = fault.Define("products_required", fault.KindInvalid, "A contract needs at least one product")
	ContractBudgetMissing = fault.Define("contract_budget_missing", fault.KindConflict, "The contract names no budget; it cannot be activated")
	ContractBudgetEmpty   = fault.Define("contract_budget_empty", fault.KindConflict, "The contract's budget has no money available; it cannot be activated")

	// Products and schedules.
	ProductCodeDuplicate   = fault.Define("product_code_duplicate", fault.KindInvalid, "Two products have the same code")
	CodeInvalid            = fault.Define("code_invalid", fault.KindInvalid, "Code must be letters, digits and . _ - (at most 40)")
	PriceNotPositive       = fault.Define("price_not_positive", fault.KindInvalid, "The price must be more than zero")
	AmountTooPrecise       = fault.Define("amount_too_precise", fault.KindInvalid, "An amount has at most two decimals")
	ScheduleEmpty          = fault.Define("schedule_empty", fault.KindInvalid, "A product needs at least one milestone")
	TooMany                = fault.Define("too_many", fault.KindInvalid, "More entries than Tranche accepts in one list")
	OutOfRange             = fault.Define("out_of_range", fault.KindInvalid, "The number is beyond what Tranche accepts")
	ScheduleMixed          = fault.Define("schedule_mixed", fault.KindInvalid, "Every milestone needs either a share or a fixed amount, the same kind for the whole schedule")
	ShareSum               = fault.Define("schedule_shares_not_100", fault.KindInvalid, "Milestone shares do not sum to 100")
	AmountSum              = fault.Define("schedule_amounts_not_price", fault.KindInvalid, "Milestone amounts do not sum to the price")
	ShareInvalid           = fault.Define("share_invalid", fault.KindInvalid, "A share is a percentage above 0 and at most 100 with at most two decimals")
	TrancheTooSmall        = fault.Define("tranche_too_small", fault.KindInvalid, "The milestone would pay less than one cent")
	MilestoneCodeDuplicate = fault.Define("milestone_code_duplicate", fault.KindInvalid, "Two milestones have the same code")
	DeadlineNotPositive    = fault.Define("deadline_not_positive", fault.KindInvalid, "The deadline must be at least one month after the start")
	PrerequisiteUnknown    = fault.Define("prerequisite_unknown", fault.KindInvalid, "The prerequisite is not a milestone of this schedule")
	PrerequisiteCycle      = fault.Define("prerequisite_cycle", fault.KindInvalid, "The prerequisites form a cycle")
	EvidenceKindInvalid    = fault.Define("evidence_kind_invalid", fault.KindInvalid, "Evidence kinds are lower-case words with underscores")

	// States.
	ContractNotDraft         = fault.Define("contract_not_draft", fault.KindConflict, "Only a draft contract can be edited")
	ContractNotActive        = fault.Define("contract_not_active", fault.KindConflict, "The contract is not active")
	ContractTransition       = fault.Define("contract_transition_invalid", fault.KindConflict, "The contract cannot move to that status from its current one")
	ContractOutsidePeriod    = fault.Define("contract_outside_period", fault.KindConflict, "The date is outside the contract period")
	ProductUnknown           = fault.Define("product_unknown", fault.KindInvalid, "The contract version has no product with this code")
	AlertAlreadyAcknowledged = fault.Define("alert_already_acknowledged", fault.KindConflict, "The alert was already acknowledged")
)

// What a caller gets for a missing object and for another provider's
// object alike.

func providerNotFound(id uuid.UUID) error { return fault.New(ProviderNotFound, "no provider %s", id) }

func contractNotFound(id uuid.UUID) error { return fault.New(ContractNotFound, "no contract %s", id) }

func versionNotFound(id uuid.UUID) error {
	return fault.New(VersionNotFound, "no contract version %s", id)
}

func alertNotFound(id uuid.UUID) error { return fault.New(AlertNotFound, "no spending alert %s", id) }
