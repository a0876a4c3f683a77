package outcomes

import "github.com/euregio/tranche/internal/fault"

// The error codes of outcomes. Each rule a claim or a start can break has
// its own code, so that a provider's system can react to it.
var (
	ParticipantNotFound  = fault.Define("participant_not_found", fault.KindNotFound, "Participant not found")
	BSNTaken             = fault.Define("bsn_taken", fault.KindConflict, "BSN already registered")
	TrajectoryNotFound   = fault.Define("trajectory_not_found", fault.KindNotFound, "Trajectory not found")
	TrajectoryNotActive  = fault.Define("trajectory_not_active", fault.KindConflict, "Trajectory is not active")
	TrajectoryState      = fault.Define("trajectory_state", fault.KindConflict, "Not allowed in the trajectory's state")
	ProductNotInContract = fault.Define("product_not_in_contract", fault.KindInvalid, "The contract has no such product")
	ContractCapacityFull = fault.Define("contract_capacity_reached", fault.KindConflict, "Contract capacity reached")
	ContractCeiling      = fault.Define("contract_ceiling_reached", fault.KindConflict, "Contract ceiling reached")
	ContractNoBudget     = fault.Define("contract_without_budget", fault.KindConflict, "Contract has no budget")
	ClaimsPending        = fault.Define("claims_pending", fault.KindConflict, "Claims are waiting for a decision")

	ClaimNotFound           = fault.Define("claim_not_found", fault.KindNotFound, "Claim not found")
	ClaimState              = fault.Define("claim_state", fault.KindConflict, "Not allowed in the claim's state")
	MilestoneNotInSchedule  = fault.Define("milestone_not_in_schedule", fault.KindInvalid, "Milestone not in the trajectory's schedule")
	AchievedBeforeStart     = fault.Define("achieved_before_start", fault.KindInvalid, "Achieved before the trajectory started")
	AchievedAfterDeadline   = fault.Define("achieved_after_deadline", fault.KindInvalid, "Achieved after the milestone's deadline")
	AchievedInFuture        = fault.Define("achieved_in_future", fault.KindInvalid, "Achievement date lies in the future")
	PrerequisiteNotVerified = fault.Define("prerequisite_not_verified", fault.KindConflict, "A prerequisite milestone is not verified")
	MilestoneAlreadyClaimed = fault.Define("milestone_already_claimed", fault.KindConflict, "Milestone already claimed")
	MilestoneReleased       = fault.Define("milestone_released", fault.KindConflict, "Milestone's money was released")
	EvidenceRequired        = fault.Define("evidence_required", fault.KindInvalid, "Evidence required")
	EvidenceType            = fault.Define("evidence_type_not_allowed", fault.KindInvalid, "Evidence must be PDF, PNG or JPEG")
	EvidenceTooLarge        = fault.Define("evidence_too_large", fault.KindTooLarge, "Evidence file too large")
	EvidenceNotFound        = fault.Define("evidence_not_found", fault.KindNotFound, "Evidence not found")
	OwnClaim                = fault.Define("own_claim", fault.KindForbidden, "Nobody approves a claim they submitted")
	SecondApproverSame      = fault.Define("second_approver_same", fault.KindConflict, "The second approval needs another verifier")
	ReasonCodeUnknown       = fault.Define("reason_code_unknown", fault.KindInvalid, "Unknown rejection reason")
	ObjectionUsed           = fault.Define("objection_used", fault.KindConflict, "The claim was objected to once already")
	ObjectionPeriodOver     = fault.Define("objection_period_over", fault.KindConflict, "The objection period is over")
	ClaimInPayment          = fault.Define("claim_in_payment", fault.KindConflict, "The claim is in an approved payment run")
	RegisterFileMalformed   = fault.Define("register_file_malformed", fault.KindInvalid, "The register file cannot be read")
)
