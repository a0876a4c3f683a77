package access

import "slices"

// Action is something a user may be allowed to do.
type Action string

// Every action in Tranche. Object-level rules (own provider only, not your own
// claim) are checked by the capability that owns the object.
const (
	ManageUsers      Action = "users.manage"
	ManageSettings   Action = "settings.manage"
	ReadAudit        Action = "audit.read"
	WriteFunding     Action = "funding.write" // funding streams, budgets, allocations
	ReadFunding      Action = "funding.read"
	ReadReport       Action = "report.read"
	WriteProviders   Action = "providers.write"
	ReadProviders    Action = "providers.read" // a provider user: only its own
	WriteContracts   Action = "contracts.write"
	ReadContracts    Action = "contracts.read" // a provider user: only its own
	WriteTenders     Action = "tenders.write"
	ReadTenders      Action = "tenders.read"
	SubmitBids       Action = "bids.submit" // also questions, objections and open-house applications
	ScoreBids        Action = "bids.score"  // a committee member only
	WriteParticipant Action = "participants.write"
	ReadParticipants Action = "participants.read" // a provider: only those it serves
	ReadPersonalData Action = "participants.personal"
	Refer            Action = "trajectories.refer"
	Terminate        Action = "trajectories.terminate"
	StartTrajectory  Action = "trajectories.start" // start or decline a referral
	ReadTrajectories Action = "trajectories.read"
	SubmitClaims     Action = "claims.submit" // submit, resubmit, object
	VerifyClaims     Action = "claims.verify" // approve, reject, request changes, revoke, import registers
	ReadClaims       Action = "claims.read"
	ReadEvidence     Action = "claims.evidence"
	WritePayments    Action = "payments.write" // create, approve, export, confirm, cancel runs
	ReadPayments     Action = "payments.read"
	ReadStatements   Action = "statements.read" // a provider: only its own
)

// matrix is the one place that says which role may do what.
var matrix = map[Action][]Role{
	ManageUsers:      {Admin},
	ManageSettings:   {Admin},
	ReadAudit:        {Auditor},
	WriteFunding:     {Procurement},
	ReadFunding:      {Procurement, Finance, Auditor},
	ReadReport:       {Procurement, Finance, Auditor},
	WriteProviders:   {Procurement},
	ReadProviders:    {Procurement, CaseManager, Verifier, Finance, Auditor, Provider},
	WriteContracts:   {Procurement},
	ReadContracts:    {Procurement, CaseManager, Verifier, Finance, Auditor, Provider},
	WriteTenders:     {Procurement},
	ReadTenders:      {Procurement, Auditor, Provider, Evaluator},
	SubmitBids:       {Provider},
	ScoreBids:        {Evaluator},
	WriteParticipant: {CaseManager},
	ReadParticipants: {CaseManager, Verifier, Auditor, Provider},
	ReadPersonalData: {CaseManager, Verifier, Auditor, Provider},
	Refer:            {CaseManager},
	Terminate:        {CaseManager},
	StartTrajectory:  {Provider},
	ReadTrajectories: {CaseManager, Verifier, Finance, Auditor, Provider},
	SubmitClaims:     {Provider},
	VerifyClaims:     {Verifier},
	ReadClaims:       {CaseManager, Verifier, Finance, Auditor, Provider},
	ReadEvidence:     {Verifier, Auditor, Provider},
	WritePayments:    {Finance},
	ReadPayments:     {Finance, Auditor},
	ReadStatements:   {Finance, Auditor, Provider},
}

// Actions lists every action in the matrix.
func Actions() []Action {
	out := make([]Action, 0, len(matrix))
	for a := range matrix {
		out = append(out, a)
	}
	return out
}

// RolesFor lists the roles that may do action, in the matrix's order.
func RolesFor(action Action) []Role {
	return slices.Clone(matrix[action])
}
