package procurement

import (
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// Error codes of procurement. Field errors carry their code under an
// invalid_input error; the others are returned as they are. The codes are
// stable: clients and the docs rely on them.
var (
	TenderNotFound    = fault.Define("tender_not_found", fault.KindNotFound, "Tender not found")
	LotNotFound       = fault.Define("lot_not_found", fault.KindNotFound, "Lot not found")
	BidNotFound       = fault.Define("bid_not_found", fault.KindNotFound, "Bid not found")
	QuestionNotFound  = fault.Define("question_not_found", fault.KindNotFound, "Question not found")
	ObjectionNotFound = fault.Define("objection_not_found", fault.KindNotFound, "Objection not found")

	// Terms of a tender.
	Required              = fault.Define("required", fault.KindInvalid, "Required")
	TooLong               = fault.Define("too_long", fault.KindInvalid, "Too long")
	TooMany               = fault.Define("too_many", fault.KindInvalid, "More entries than Tranche accepts in one list")
	OutOfRange            = fault.Define("out_of_range", fault.KindInvalid, "The number is beyond what Tranche accepts")
	AmountTooPrecise      = fault.Define("amount_too_precise", fault.KindInvalid, "An amount has at most two decimals")
	TenderReferenceBad    = fault.Define("tender_reference_invalid", fault.KindInvalid, "Reference must be letters, digits and . _ / - (at most 24)")
	TenderReferenceTaken  = fault.Define("tender_reference_taken", fault.KindConflict, "A tender with this reference exists")
	ProcedureUnknown      = fault.Define("procedure_unknown", fault.KindInvalid, "Procedure is open or open_house")
	BudgetUnknown         = fault.Define("budget_unknown", fault.KindInvalid, "No such budget")
	DeadlineOrder         = fault.Define("deadline_order_invalid", fault.KindInvalid, "The question deadline must come before the submission deadline")
	PeriodEndBeforeStart  = fault.Define("period_end_before_start", fault.KindInvalid, "The period ends before it starts")
	CriteriaRequired      = fault.Define("criteria_required", fault.KindInvalid, "A tender needs its award criteria")
	CriterionKindInvalid  = fault.Define("criterion_kind_invalid", fault.KindInvalid, "The criterion's kind does not fit the procedure")
	CriterionCodeInvalid  = fault.Define("criterion_code_invalid", fault.KindInvalid, "Criterion code must be lower-case letters, digits and underscores")
	CriterionDuplicate    = fault.Define("criterion_code_duplicate", fault.KindInvalid, "Two criteria have the same code")
	PriceCriterionCount   = fault.Define("price_criterion_count", fault.KindInvalid, "An open tender has exactly one price criterion")
	WeightInvalid         = fault.Define("weight_invalid", fault.KindInvalid, "A weight is more than 0 and at most 100, with at most two decimals")
	WeightsNot100         = fault.Define("weights_not_100", fault.KindInvalid, "The criteria's weights do not sum to 100")
	LotsRequired          = fault.Define("lots_required", fault.KindInvalid, "A tender needs at least one lot")
	VolumeNotPositive     = fault.Define("volume_not_positive", fault.KindInvalid, "The volume must be at least one trajectory")
	AwardeesInvalid       = fault.Define("awardees_invalid", fault.KindInvalid, "A lot awards at least one provider and at most its volume")
	ScheduleSharesOnly    = fault.Define("lot_schedule_shares_only", fault.KindInvalid, "A lot's milestones pay shares of the price: each bid has its own price")
	LotRemoved            = fault.Define("amendment_lot_removed", fault.KindInvalid, "An amendment cannot remove a lot; cancel the tender instead")
	AmendmentNoteRequired = fault.Define("amendment_note_required", fault.KindInvalid, "Say what the amendment changes and why")
	AmendmentTooLate      = fault.Define("amendment_deadline_too_soon", fault.KindInvalid, "A change to the criteria or lots must leave bidders enough days before the deadline")

	// States.
	TenderNotDraft     = fault.Define("tender_not_draft", fault.KindConflict, "Only a draft tender can be edited; a published one is amended")
	TenderTransition   = fault.Define("tender_transition_invalid", fault.KindConflict, "The tender cannot do that in its current state")
	DeadlinePassed     = fault.Define("deadline_passed", fault.KindConflict, "The deadline has passed")
	DeadlineNotPassed  = fault.Define("deadline_not_passed", fault.KindConflict, "The submission deadline has not passed yet")
	DeadlineInPast     = fault.Define("deadline_in_past", fault.KindInvalid, "The deadline is in the past")
	CancelReasonNeeded = fault.Define("cancel_reason_required", fault.KindInvalid, "Say why the tender is cancelled")
	WrongProcedure     = fault.Define("procedure_mismatch", fault.KindConflict, "That step belongs to the other procedure")
	SameUser           = fault.Define("four_eyes_same_user", fault.KindConflict, "The second approval must come from another person")

	// Bids.
	TenderSealed       = fault.Define("bids_sealed", fault.KindConflict, "Bids are sealed until the tender is opened")
	PriceAboveMaximum  = fault.Define("price_above_maximum", fault.KindInvalid, "The price is above the lot's maximum price")
	PriceNotPositive   = fault.Define("price_not_positive", fault.KindInvalid, "The price must be more than zero")
	PriceNotFixed      = fault.Define("price_not_fixed", fault.KindInvalid, "An open house pays the lot's fixed price")
	CapacityInvalid    = fault.Define("capacity_invalid", fault.KindInvalid, "Capacity is at least one trajectory")
	DeclarationMissing = fault.Define("declaration_required", fault.KindInvalid, "Declare that no exclusion ground applies")
	AnswerRequired     = fault.Define("answer_required", fault.KindInvalid, "Answer every criterion, in text or with an attachment")
	CriterionUnknown   = fault.Define("criterion_unknown", fault.KindInvalid, "The tender has no such criterion")
	AttachmentType     = fault.Define("attachment_type", fault.KindInvalid, "Attachments are PDF files")
	AttachmentTooLarge = fault.Define("attachment_too_large", fault.KindTooLarge, "An attachment is larger than 10 MB")
	VATRateRequired    = fault.Define("vat_rate_required", fault.KindInvalid, "A VAT rate is required unless the bid is VAT exempt")
	VATRateInvalid     = fault.Define("vat_rate_invalid", fault.KindInvalid, "VAT rate must be between 0 and 100 with at most two decimals")
	VATRateWithExempt  = fault.Define("vat_rate_with_exempt", fault.KindInvalid, "A VAT exempt bid has no VAT rate")
	AlreadyWithdrawn   = fault.Define("bid_withdrawn", fault.KindConflict, "The bid was withdrawn")
	NothingToConfirm   = fault.Define("bid_confirmation_not_needed", fault.KindConflict, "The bid needs no confirmation")

	// Evaluation.
	ExclusionReason    = fault.Define("exclusion_reason_invalid", fault.KindInvalid, "Exclusion reason is late, above_maximum, incomplete or exclusion_ground")
	BidExcluded        = fault.Define("bid_excluded", fault.KindConflict, "The bid is excluded")
	NotOnCommittee     = fault.Define("not_on_committee", fault.KindForbidden, "You are not on this tender's evaluation committee")
	ConflictOfInterest = fault.Define("evaluator_conflict_of_interest", fault.KindConflict, "Nobody scores a bid of a provider they belong to")
	EvaluatorInvalid   = fault.Define("evaluator_invalid", fault.KindInvalid, "Committee members are active users with the evaluator role")
	CommitteeTooSmall  = fault.Define("committee_too_small", fault.KindConflict, "At least two evaluators score every bid")
	ScoreInvalid       = fault.Define("score_invalid", fault.KindInvalid, "A score is from 0 to 10 with at most two decimals")
	NotQuality         = fault.Define("criterion_not_quality", fault.KindInvalid, "Only quality criteria are scored by evaluators")
	ScoringOpen        = fault.Define("scoring_incomplete", fault.KindConflict, "Not every evaluator has scored every bid of the lot yet")
	ConsensusFixed     = fault.Define("consensus_recorded", fault.KindConflict, "The committee's consensus on this criterion is recorded; scores no longer change")
	RationaleRequired  = fault.Define("rationale_required", fault.KindInvalid, "A consensus score needs its written rationale")
	EvaluationOpen     = fault.Define("evaluation_incomplete", fault.KindConflict, "Some bids have no consensus score on every quality criterion")

	// Award, standstill, objections, conclusion.
	AwardExists       = fault.Define("award_exists", fault.KindConflict, "The lot already has an award decision")
	AwardMissing      = fault.Define("award_missing", fault.KindConflict, "The lot has no award decision to approve")
	AwardApproved     = fault.Define("award_approved", fault.KindConflict, "The award decision is approved")
	StandstillOver    = fault.Define("standstill_over", fault.KindConflict, "The standstill period has ended")
	ObjectionDecided  = fault.Define("objection_decided", fault.KindConflict, "The objection has been decided")
	DecisionInvalid   = fault.Define("decision_invalid", fault.KindInvalid, "A decision is upheld or rejected, with a note")
	AdmissionApproved = fault.Define("admission_approved", fault.KindConflict, "The application was admitted")
)

func tenderNotFound(id uuid.UUID) error { return fault.New(TenderNotFound, "no tender %s", id) }
func lotNotFound(id uuid.UUID) error    { return fault.New(LotNotFound, "no lot %s", id) }
func bidNotFound(id uuid.UUID) error    { return fault.New(BidNotFound, "no bid %s", id) }
