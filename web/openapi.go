package web

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
)

// What the OpenAPI document says beyond what each operation declares: the
// things Tranche's middleware does for every request (request ids,
// authentication, idempotency, limits, an unreachable database), so that a
// client generated from the document expects exactly what it gets.

// uuidSchema is how the document shows a uuid.UUID, in a body, a path or a
// query: a string of format uuid.
type uuidSchema string

func (uuidSchema) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: "string", Format: "uuid"}
}

// An array is never null: every list Tranche sends is [] when empty. (A
// setting of huma's for the whole process, so set once, before any server.)
func init() {
	huma.DefaultArrayNullable = false
	problemCodes = stableCodes()
}

// problemCodes are the codes a problem can carry, as the document lists
// them: every code defined when the program starts (each package defines
// its codes as package variables) and the few the API makes itself.
var problemCodes []any

func stableCodes() []any {
	seen := map[string]bool{}
	for _, c := range fault.Codes() {
		seen[c.Code] = true
	}
	for _, c := range []string{"internal_error", "database_unavailable", "not_acceptable", "method_not_allowed"} {
		seen[c] = true
	}
	out := make([]any, 0, len(seen))
	for _, c := range slices.Sorted(maps.Keys(seen)) {
		out = append(out, c)
	}
	return out
}

// configureSchemas is called before the first operation is registered: ids
// are uuids.
func configureSchemas(oapi *huma.OpenAPI) {
	oapi.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[uuid.UUID](), reflect.TypeFor[uuidSchema]())
}

// apiTags are the document's tags, in the order a reader meets them.
var apiTags = []*huma.Tag{
	{Name: "Access", Description: "Who you are, and the users of this Tranche (admin)."},
	{Name: "Audit", Description: "The append-only, hash-chained trail of every change (auditor, admin)."},
	{Name: "Funding", Description: "Funding streams, budgets and allocations: the money in (procurement, finance)."},
	{Name: "Contracts", Description: "Providers and contracts with their products and milestone price schedules."},
	{Name: "Procurement", Description: "Tenders with lots, questions, sealed bids, the four-eyes opening, blind scoring, the award with its standstill and objections, the open house, and the contracts it all concludes in."},
	{Name: "Participants", Description: "Newcomers registered by case managers; a provider sees only the participants referred to it."},
	{Name: "Trajectories", Description: "A participant's referral to a contract's product, from referral through start to its end."},
	{Name: "Claims", Description: "A provider's claim that a milestone was achieved, with its evidence, and the verifier's decision."},
	{Name: "Payment runs", Description: "Approved claims paid per period: draft, approval by a second person, export (SEPA, journal), confirmation."},
	{Name: "Statements", Description: "Per payment run and provider, what is paid for which milestones; as JSON or PDF."},
}

// Headers and answers the middleware adds to every operation.
var (
	requestIDHeader = &huma.Header{Description: "The request's id, as in the logs and in every problem's request_id; " +
		"send X-Request-Id yourself (8–64 of A–Z a–z 0–9 . _ -) to choose it.", Schema: &huma.Schema{Type: "string"}}
	replayedHeader = &huma.Header{Description: "true when this is the stored answer to an earlier request with the same Idempotency-Key.",
		Schema: &huma.Schema{Type: "string", Enum: []any{"true"}}}
	retryAfterHeader = &huma.Header{Description: "Seconds to wait before the next request.",
		Schema: &huma.Schema{Type: "integer", Minimum: ptr(1.0)}}
	authenticateHeader = &huma.Header{Description: "Bearer realm=\"tranche\" (with error=\"invalid_token\" for a token that is wrong, expired or revoked).",
		Schema: &huma.Schema{Type: "string"}}
	idempotencyKey = &huma.Param{Name: "Idempotency-Key", In: "header", Description: "A unique string of 1 to 255 characters (a UUID is fine). " +
		"A retry with the same key and the same body gets the first answer again (with Idempotency-Replayed: true) and changes nothing twice; " +
		"the same key with another body is refused (422 idempotency_key_reused), one still being processed answers 409 idempotency_key_in_flight. " +
		"Keys are kept for 24 hours.",
		Schema: &huma.Schema{Type: "string", MinLength: ptr(1), MaxLength: ptr(255)}}
)

func ptr[T any](v T) *T { return &v }

// completeDocument adds to every operation what the middleware does: the
// request-id header on every answer, WWW-Authenticate on a 401, the
// Idempotency-Key of every POST and its replay header, the answers no
// handler writes itself (413 body_too_large, 429 too_many_requests, 503
// database_unavailable), and the servers and tags.
func completeDocument(oapi *huma.OpenAPI) {
	oapi.Servers = []*huma.Server{{URL: "/", Description: "This Tranche: the document's paths are relative to the address that serves it."}}
	oapi.Tags = apiTags
	problem := oapi.Components.Schemas.Schema(reflect.TypeFor[Problem](), true, "")
	if p := oapi.Components.Schemas.Map()["Problem"]; p != nil && p.Properties["code"] != nil {
		p.Properties["code"].Enum = problemCodes
		p.Properties["code"].Description = "Stable: program against the code, never the title or detail. A new code may be added in a minor version."
	}
	problemAnswer := func(status int, why string) *huma.Response {
		return &huma.Response{Description: http.StatusText(status) + ": " + why,
			Content: map[string]*huma.MediaType{"application/problem+json": {Schema: problem}}}
	}
	for _, item := range oapi.Paths {
		for method, o := range map[string]*huma.Operation{http.MethodGet: item.Get, http.MethodPost: item.Post} {
			if o == nil {
				continue
			}
			describe(o)
			for status, like := range sameBodyAs[o.OperationID] {
				if r, ok := o.Responses[like.status]; ok {
					copy := *r
					copy.Description = like.why
					o.Responses[status] = &copy
				}
			}
			if method == http.MethodPost {
				if !slices.ContainsFunc(o.Parameters, func(p *huma.Param) bool { return p.Name == idempotencyKey.Name }) {
					o.Parameters = append(o.Parameters, idempotencyKey)
				}
				if _, ok := o.Responses["413"]; !ok {
					o.Responses["413"] = problemAnswer(http.StatusRequestEntityTooLarge, "body_too_large, a body or a file over the limit.")
				}
			}
			if _, ok := o.Responses["429"]; !ok {
				o.Responses["429"] = problemAnswer(http.StatusTooManyRequests, fmt.Sprintf(
					"too_many_requests: %d wrong API tokens came from your address within a minute; retry after Retry-After seconds.", badTokenLimit))
			}
			if _, ok := o.Responses["503"]; !ok {
				o.Responses["503"] = problemAnswer(http.StatusServiceUnavailable,
					"database_unavailable; retry in a moment (with the same Idempotency-Key for a POST).")
			}
			for status, r := range o.Responses {
				if r.Headers == nil {
					r.Headers = map[string]*huma.Header{}
				}
				r.Headers["X-Request-Id"] = requestIDHeader
				for name, h := range downloadHeaders() {
					if _, ok := r.Headers[name]; ok {
						r.Headers[name] = h
					}
				}
				switch {
				case status == "401":
					r.Headers["WWW-Authenticate"] = authenticateHeader
				case status == "429":
					r.Headers["Retry-After"] = retryAfterHeader
				case method == http.MethodPost && status < "5":
					// Every answer below 500 to a known user is stored
					// under its key and replayed, refusals included.
					r.Headers["Idempotency-Replayed"] = replayedHeader
				}
				if n, err := strconv.Atoi(status); err == nil && n >= 400 && r.Description == http.StatusText(n) {
					r.Description = http.StatusText(n) + ": " + problemMeaning[n]
				}
			}
		}
	}
}

// sameBodyAs are the answers of an operation that huma does not see (a
// handler that chooses its status), declared with the body of another.
var sameBodyAs = map[string]map[string]struct{ status, why string }{
	"create-payment-run": {"200": {"201", "A draft for the same period exists already: it is returned, nothing is created."}},
}

// problemMeaning says when the API gives each problem status.
var problemMeaning = map[int]string{
	http.StatusBadRequest:          "malformed_input, a body or parameter that cannot be read at all.",
	http.StatusUnauthorized:        "unauthenticated, no valid bearer token.",
	http.StatusForbidden:           "forbidden, the token's roles do not allow this.",
	http.StatusNotFound:            "<entity>_not_found, no such object or not yours to see.",
	http.StatusConflict:            "a rule or the object's state forbids this now; the code says which.",
	http.StatusUnprocessableEntity: "invalid_input, with errors[] naming each field, its code and a message.",
	http.StatusInternalServerError: "internal_error; quote the request_id when you report it.",
}

// downloadHeaders are the headers of every file Tranche sends.
func downloadHeaders() map[string]*huma.Header {
	return map[string]*huma.Header{
		"Content-Disposition": {Description: "attachment, or inline for evidence, with the file's name.",
			Schema: &huma.Schema{Type: "string"}},
		"X-Content-SHA256": {Description: "The SHA-256 of the file's bytes, hex: compare it with the figure on the statement or in the audit trail.",
			Schema: &huma.Schema{Type: "string", Pattern: "^[0-9a-f]{64}$"}},
	}
}

// operationNote is what an operation's description says: who may call it
// (from the permission matrix, so it cannot drift) and what to know.
type operationNote struct {
	action access.Action // "" for every authenticated user
	note   string
}

// operationNotes describe every operation; completeDocument writes them,
// and a test checks that none is missing.
var operationNotes = map[string]operationNote{
	"get-me":                      {"", "The user the bearer token acts as: roles, provider (for a provider's user) and page language."},
	"list-users":                  {access.ManageUsers, "Every user with their roles; never a password or its hash."},
	"create-user":                 {access.ManageUsers, "A user with a password logs in on the pages; leave the password out for a user that only uses API tokens."},
	"list-audit-events":           {access.ReadAudit, "Oldest first, filtered by entity, actor, action and time; page with ?after=<seq>."},
	"list-funding-streams":        {access.ReadFunding, "The earmarked and unrestricted funding streams, with what is allocated of each."},
	"create-funding-stream":       {access.WriteFunding, "A stream's amount, validity and earmark (the service categories it may pay for) are fixed once money of it is allocated."},
	"get-funding-stream":          {access.ReadFunding, ""},
	"get-funding-stream-report":   {access.ReadReport, "Per budget: allocated, committed, payable, paid and clawed back, from the ledger; ?format=csv for a spreadsheet."},
	"list-budgets":                {access.ReadFunding, ""},
	"create-budget":               {access.WriteFunding, "A budget pools allocations of funding streams for a period; contracts are paid from it."},
	"get-budget":                  {access.ReadFunding, "With its available money per funding stream."},
	"list-allocations":            {access.ReadFunding, ""},
	"allocate":                    {access.WriteFunding, "Moves money of a stream into the budget; the budget's period must lie within the stream's validity, and the amount within what the stream has left."},
	"get-budget-report":           {access.ReadReport, "Per funding stream: allocated, committed, payable, paid and clawed back, from the ledger; ?format=csv for a spreadsheet."},
	"list-providers":              {access.ReadProviders, "A provider's user sees only its own provider."},
	"create-provider":             {access.WriteProviders, "KvK number (8 digits) and IBAN (mod-97) are checked; the KvK number is unique."},
	"get-provider":                {access.ReadProviders, "Another provider's user gets 404."},
	"list-contracts":              {access.ReadContracts, "A provider's user sees only its own contracts."},
	"create-contract":             {access.WriteContracts, "A draft with its products; each product's milestone shares sum to exactly 100 %, prerequisites name earlier milestones."},
	"get-contract":                {access.ReadContracts, "With its current version's products and milestone schedules, ceiling and exposure. Another provider's user gets 404."},
	"activate-contract":           {access.WriteContracts, "A draft needs a budget with money for its categories; a suspended contract resumes."},
	"amend-contract":              {access.WriteContracts, "A new version with a note: ceiling, capacity, end date and products."},
	"end-contract":                {access.WriteContracts, "An active or suspended contract ends: no new referrals or starts."},
	"suspend-contract":            {access.WriteContracts, "No new referrals or starts until it is resumed with activate."},
	"list-participants":           {access.ReadParticipants, "Search with ?q= (reference, or part of the name for those who may see names). A provider's user sees only the participants referred to it."},
	"create-participant":          {access.WriteParticipant, "The BSN must pass the 11-check and is unique; it is never shown again in full, nor logged."},
	"get-participant":             {access.ReadParticipants, "A provider's user gets 404 for a participant not referred to it."},
	"list-trajectories":           {access.ReadTrajectories, "Filter by state, participant and contract. A provider's user sees only its own."},
	"refer":                       {access.Refer, "Refers a participant to a product of an active contract; the provider then starts or declines."},
	"get-trajectory":              {access.ReadTrajectories, "With each milestone's state, price and deadline."},
	"start-trajectory":            {access.StartTrajectory, "Commits the product's price on the contract's budget; refused (409) when the contract's capacity or ceiling is reached or the budget lacks money."},
	"decline-trajectory":          {access.StartTrajectory, "With a reason; nothing is committed."},
	"terminate-trajectory":        {access.Terminate, "Ends it early with a reason; the money of milestones not yet verified is released."},
	"list-claims":                 {access.ReadClaims, "Filter by status (comma-separated) and trajectory. A provider's user sees only its own."},
	"submit-claim":                {access.SubmitClaims, "A multipart form: the trajectory, the milestone, the date it was achieved and evidence files. The milestone's prerequisites must be verified first."},
	"verification-queue":          {access.VerifyClaims, "Submitted claims by due date, overdue first."},
	"get-claim":                   {access.ReadClaims, "With its evidence (as links) and its history. Another provider's user gets 404."},
	"approve-claim":               {access.VerifyClaims, "Nobody approves their own claim (own_claim). Above the second-approval amount the claim waits for a second, different verifier."},
	"reject-claim":                {access.VerifyClaims, "With a reason code; the provider may object once."},
	"request-changes-claim":       {access.VerifyClaims, "With a note; the provider resubmits."},
	"resubmit-claim":              {access.SubmitClaims, "After changes were asked for: a corrected date, a note and more evidence."},
	"object-claim":                {access.SubmitClaims, "Once per rejection, with a note; a verifier decides again."},
	"revoke-claim":                {access.VerifyClaims, "An approved or paid claim is revoked with a reason and its money clawed back; a paid claim's is netted in the provider's next payment run."},
	"get-evidence":                {access.ReadEvidence, "The file as uploaded, with its own Content-Type (PDF, PNG or JPEG), a Content-Disposition naming it and its SHA-256 in X-Content-SHA256. n counts the claim's files from 1."},
	"import-exam-results":         {access.VerifyClaims, "A CSV register (participant reference, milestone, level, date): each row that matches a submitted claim approves it; the answer lists the rows that did not match and why."},
	"list-payment-runs":           {access.ReadPayments, "Filter by state (comma-separated)."},
	"create-payment-run":          {access.WritePayments, ""},
	"get-payment-run":             {access.ReadPayments, ""},
	"approve-payment-run":         {access.WritePayments, "Four eyes: another finance user than the run's creator."},
	"cancel-payment-run":          {access.WritePayments, "With a reason; only a draft."},
	"export-payment-run":          {access.WritePayments, "Only an approved run: writes the SEPA file and the journal; each file's SHA-256 comes with its download."},
	"confirm-payment-run":         {access.WritePayments, "Marks the claims paid in the ledger."},
	"get-payment-run-sepa":        {access.ReadPayments, "pain.001 (001.09 by default); 404 payment_file_not_found when the run transfers nothing."},
	"get-payment-run-journal":     {access.ReadPayments, "The run's bookings as CSV, for the municipal ledger."},
	"list-payment-run-statements": {access.ReadPayments, ""},
	"list-statements":             {access.ReadStatements, "A provider's user sees only its own, and only once the run is approved."},
	"get-statement":               {access.ReadStatements, "With its lines: per claim the milestone, the amount, VAT, and the clawbacks netted."},
	"get-statement-pdf":           {access.ReadStatements, "A PDF not yet made in the background is rendered on the spot; the bytes are the same either way."},
	"create-tender":               {access.WriteTenders, "A draft: criteria with weights summing to 100 (one price criterion), lots with their schedules by the contract rules. A warning (lots_exceed_budget), not a refusal, when the lots' volume × maximum price exceeds what the budget has available."},
	"list-tenders":                {access.ReadTenders, "Oldest first. A provider sees published tenders (never drafts), an evaluator those whose committee they sit on."},
	"get-tender":                  {access.ReadTenders, "With its criteria, lots, amendments and warnings; bid_count only after the opening and never for a provider."},
	"update-tender":               {access.WriteTenders, "A draft's terms, replaced as a whole; a published tender is amended instead."},
	"publish-tender":              {access.WriteTenders, "Providers see the tender and may ask and bid; the question deadline must lie ahead."},
	"amend-tender":                {access.WriteTenders, "Before the deadline only. A change to criteria or lots must leave 6 days (move the deadline) and marks every bid in for its bidder's confirmation. Lots are kept by number and cannot be removed."},
	"cancel-tender":               {access.WriteTenders, "At any point before the conclusion, with a reason."},
	"set-tender-committee":        {access.WriteTenders, "Active users with the evaluator role; at least two must score before a consensus."},
	"list-tender-questions":       {access.ReadTenders, "A provider sees its own questions and every answered one, without who asked it."},
	"ask-tender-question":         {access.SubmitBids, "Until the question deadline."},
	"answer-tender-question":      {access.WriteTenders, "Until the submission deadline; the answer is published to every provider without the asker's name."},
	"open-tender":                 {access.WriteTenders, "After the deadline, four-eyes: the first procurement user's call records the request (pending), a second user's call opens the bids and answers the record."},
	"get-tender-opening":          {access.ReadTenders, "The record of the opening: per lot every bid with its bidder, price and content hash, who opened and when. 409 bids_sealed before the opening; never for a provider."},
	"complete-tender-evaluation":  {access.WriteTenders, "Once every lot is scored by the whole committee and every admissible bid has its consensus scores."},
	"conclude-tender":             {access.WriteTenders, "Every awarded bid whose lot's standstill is over, with no objection open, becomes a draft contract (once: calling again creates nothing). An open house is concluded after its end date."},
	"list-tender-objections":      {access.ReadTenders, "A provider sees its own."},
	"list-lot-bids":               {access.ReadTenders, "A provider sees its own bid; everybody else gets 409 bids_sealed until the opening, whatever the lot holds."},
	"submit-bid":                  {access.SubmitBids, "Submits, or replaces, your provider's bid for the lot, strictly before the deadline by the server's clock. The audit trail records who bid and the content's sha256, nothing of the content."},
	"get-bid-attachment":          {access.ReadTenders, "The PDF as uploaded, to whoever may read the bid."},
	"get-lot-evaluation":          {access.ReadTenders, "Scores are blind: until the whole committee has scored, an evaluator sees only their own and everybody else none. The ranking once every admissible bid has its consensus. Never for a provider."},
	"propose-lot-award":           {access.WriteTenders, "From the ranking: the best bids win (as many as the lot awards), the lot's volume divided between them within the capacity each offered."},
	"approve-lot-award":           {access.WriteTenders, "Four-eyes: not by the proposer. The standstill starts; the bidders' notices become readable."},
	"withdraw-lot-award":          {access.WriteTenders, "An award proposal not yet approved."},
	"list-own-bids":               {access.SubmitBids, "Newest first."},
	"get-bid":                     {access.ReadTenders, "Its author reads it at any time; procurement, auditors and the committee after the opening (an open house's applications at once). To anyone else it does not exist (404)."},
	"withdraw-bid":                {access.SubmitBids, "Before the deadline; it may be submitted again."},
	"confirm-bid":                 {access.SubmitBids, "After an amendment, before the deadline: the bid stands as it is."},
	"exclude-bid":                 {access.WriteTenders, "While the tender is opened, with a reason code and a note; an excluded bid is not scored or ranked."},
	"score-bid":                   {access.ScoreBids, "A committee member's own score, revisable until the consensus on it is recorded. Nobody scores a bid of a provider they act for."},
	"record-bid-consensus":        {access.ScoreBids, "Once the whole committee has scored the lot; procurement may record it too."},
	"get-bid-notice":              {access.ReadTenders, "After the award's approval: to the bidder its own points and reasons, the winners' points (without their reasons) and the standstill's last day."},
	"lodge-objection":             {access.SubmitBids, "Until the standstill's last day; it holds the lot's conclusion until procurement decides."},
	"decide-objection":            {access.WriteTenders, "Rejected: the lot goes on. Upheld: the lot's award is withdrawn and the tender is back in evaluation."},
	"admit-application":           {access.WriteTenders, "Four-eyes: the first call records the approval, a second procurement user's call confirms it and makes the draft contract at the fixed price."},
	"refuse-application":          {access.WriteTenders, "With a note the applicant reads."},
	"list-notices":                {access.SubmitBids, "Newest first."},
	"get-tender-opening-pdf":      {access.ReadTenders, "The proces-verbaal van opening in Dutch: per lot the bidders, prices, submission times and content hashes, the opening time and both names. 409 bids_sealed before the opening; never for a provider."},
	"get-bid-notice-pdf":          {access.ReadTenders, "The notice as a PDF in nl, en or de (?lang=; the user's language when left out), once the award is approved."},
}

// describe writes an operation's description: its own note, who may call
// it, and what it already said.
func describe(o *huma.Operation) {
	n, ok := operationNotes[o.OperationID]
	if !ok {
		return
	}
	var parts []string
	if n.note != "" {
		parts = append(parts, n.note)
	}
	if o.Description != "" && o.Description != n.note {
		parts = append(parts, o.Description)
	}
	if n.action == "" {
		parts = append(parts, "Any authenticated user.")
	} else {
		roles := access.RolesFor(n.action)
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		parts = append(parts, "Roles: "+strings.Join(names, ", ")+"; others get 403.")
	}
	o.Description = strings.Join(parts, " ")
}
