package web

import (
	"context"
	"fmt"
	"github.com/euregio/tranche/internal/civil"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/google/uuid"
)

// --- bodies ---

// ParticipantBody is a participant; personal is absent for whoever may not see it.
type ParticipantBody struct {
	ID        uuid.UUID          `json:"id"`
	Reference string             `json:"reference" doc:"Pseudonymous reference used everywhere a name is not needed."`
	CreatedAt time.Time          `json:"created_at"`
	Personal  *outcomes.Personal `json:"personal,omitempty" doc:"Only for case managers, verifiers, auditors, and a provider while it holds a trajectory for the participant."`
}

func participantBody(v outcomes.ParticipantView) ParticipantBody {
	return ParticipantBody{ID: v.ID, Reference: v.Reference, CreatedAt: v.CreatedAt, Personal: v.Personal}
}

// TrajectoryMilestoneBody is a milestone of a started trajectory.
type TrajectoryMilestoneBody struct {
	Code             string   `json:"code"`
	Name             string   `json:"name"`
	OutcomeDomain    string   `json:"outcome_domain" enum:"intake,language,social,labour,participation"`
	Amount           string   `json:"amount" doc:"The tranche this milestone pays."`
	Deadline         string   `json:"deadline" format:"date"`
	Prerequisites    []string `json:"prerequisites"`
	EvidenceRequired bool     `json:"evidence_required"`
	State            string   `json:"state" enum:"open,verified,released"`
}

// TrajectoryItem is a trajectory as a list shows it: without its milestones.
type TrajectoryItem struct {
	ID                   uuid.UUID  `json:"id"`
	ParticipantID        uuid.UUID  `json:"participant_id"`
	ParticipantReference string     `json:"participant_reference"`
	ContractID           uuid.UUID  `json:"contract_id"`
	ProviderID           uuid.UUID  `json:"provider_id"`
	ProductCode          string     `json:"product_code"`
	State                string     `json:"state" enum:"referred,active,completed,terminated,declined"`
	ContractVersionID    *uuid.UUID `json:"contract_version_id,omitempty"`
	Price                string     `json:"price,omitempty"`
	StartDate            string     `json:"start_date,omitempty" format:"date"`
	EndDate              string     `json:"end_date,omitempty" format:"date"`
	ReferredAt           time.Time  `json:"referred_at"`
	Note                 string     `json:"note,omitempty"`
	EndReason            string     `json:"end_reason,omitempty"`
}

// TrajectoryBody is one trajectory with its milestones (empty until the
// trajectory starts).
type TrajectoryBody struct {
	TrajectoryItem
	Milestones []TrajectoryMilestoneBody `json:"milestones"`
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

func trajectoryItem(t outcomes.Trajectory, ref string) TrajectoryItem {
	b := TrajectoryItem{ID: t.ID, ParticipantID: t.ParticipantID, ParticipantReference: ref, ContractID: t.ContractID, ProviderID: t.ProviderID,
		ProductCode: t.ProductCode, State: t.State, ContractVersionID: t.ContractVersionID, StartDate: dateString(t.StartDate),
		EndDate: dateString(t.EndDate), ReferredAt: t.ReferredAt, Note: t.Note, EndReason: t.EndReason}
	if t.Price != nil {
		b.Price = money.String(*t.Price)
	}
	return b
}

func trajectoryBody(t outcomes.Trajectory, ref string, ms []outcomes.TrajectoryMilestone) TrajectoryBody {
	b := TrajectoryBody{TrajectoryItem: trajectoryItem(t, ref), Milestones: make([]TrajectoryMilestoneBody, 0, len(ms))}
	for _, m := range ms {
		b.Milestones = append(b.Milestones, TrajectoryMilestoneBody{Code: m.Code, Name: m.Name, OutcomeDomain: m.OutcomeDomain,
			Amount: money.String(m.Amount), Deadline: m.Deadline.Format(time.DateOnly), Prerequisites: append([]string{}, m.Prerequisites...),
			EvidenceRequired: m.EvidenceRequired, State: m.State})
	}
	return b
}

// EvidenceBody describes one evidence file.
type EvidenceBody struct {
	N           int       `json:"n"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedAt  time.Time `json:"uploaded_at"`
	URL         string    `json:"url"`
}

// ClaimItem is a claim as a list shows it: without evidence and history.
type ClaimItem struct {
	ID                   uuid.UUID  `json:"id"`
	TrajectoryID         uuid.UUID  `json:"trajectory_id"`
	ParticipantReference string     `json:"participant_reference"`
	ProviderID           uuid.UUID  `json:"provider_id"`
	MilestoneCode        string     `json:"milestone_code"`
	MilestoneName        string     `json:"milestone_name"`
	State                string     `json:"state" enum:"submitted,changes_requested,awaiting_second_approval,approved,rejected,objected,paid,revoked"`
	Amount               string     `json:"amount"`
	AchievedOn           string     `json:"achieved_on" format:"date"`
	Note                 string     `json:"note,omitempty"`
	Source               string     `json:"source" enum:"verifier,register"`
	SubmittedAt          time.Time  `json:"submitted_at"`
	DueOn                string     `json:"due_on" format:"date" doc:"The claim is answered by this date (working days)."`
	Overdue              bool       `json:"overdue"`
	DecidedAt            *time.Time `json:"decided_at,omitempty"`
	ReasonCode           string     `json:"reason_code,omitempty" enum:"insufficient_evidence,not_achieved,date_incorrect,duplicate,not_eligible,other"`
	DecisionNote         string     `json:"decision_note,omitempty"`
	ObjectedAt           *time.Time `json:"objected_at,omitempty"`
	ObjectionNote        string     `json:"objection_note,omitempty"`
	RevokedReason        string     `json:"revoked_reason,omitempty"`
}

// ClaimBody is one claim with its evidence files and its history.
type ClaimBody struct {
	ClaimItem
	Evidence []EvidenceBody          `json:"evidence"`
	History  []outcomes.HistoryEntry `json:"history"`
}

func claimItem(c outcomes.Claim, ref, milestone string, overdue bool) ClaimItem {
	b := ClaimItem{ID: c.ID, TrajectoryID: c.TrajectoryID, ParticipantReference: ref, ProviderID: c.ProviderID, MilestoneCode: c.MilestoneCode,
		MilestoneName: milestone, State: c.State, Amount: money.String(c.Amount), AchievedOn: c.AchievedOn.Format(time.DateOnly), Note: c.Note,
		Source: c.Source, SubmittedAt: c.SubmittedAt, DueOn: c.DueOn.Format(time.DateOnly), Overdue: overdue, DecidedAt: c.DecidedAt,
		DecisionNote: c.DecisionNote, ObjectedAt: c.ObjectedAt, ObjectionNote: c.ObjectionNote, RevokedReason: c.RevokedReason}
	if c.ReasonCode != nil {
		b.ReasonCode = *c.ReasonCode
	}
	return b
}

func claimDetailBody(d outcomes.ClaimDetail) ClaimBody {
	b := ClaimBody{ClaimItem: claimItem(d.Claim, d.ParticipantReference, d.MilestoneName, d.Overdue), Evidence: []EvidenceBody{}, History: d.History}
	for _, e := range d.Evidence {
		b.Evidence = append(b.Evidence, EvidenceBody{N: e.N, Filename: e.Filename, ContentType: e.ContentType, Size: e.Size,
			SHA256: e.SHA256Hex(), UploadedAt: e.UploadedAt, URL: fmt.Sprintf("/api/v1/claims/%s/evidence/%d", d.ID, e.N)})
	}
	if b.History == nil {
		b.History = []outcomes.HistoryEntry{}
	}
	return b
}

// dateParam reads a YYYY-MM-DD field.
func dateParam(field, s string, required bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return time.Time{}, fault.Invalid(fault.Field(field, "required", "give the date as YYYY-MM-DD"))
		}
		return time.Time{}, nil
	}
	var errs fault.Fields
	d := civil.Field(&errs, field, s)
	return d, errs.Err()
}

// formFiles reads every uploaded file of a form field.
func formFiles(form *multipart.Form, field string) ([]outcomes.File, error) {
	var out []outcomes.File
	for _, fh := range form.File[field] {
		if fh.Size > outcomes.MaxEvidenceBytes {
			return nil, &fault.Error{Code: outcomes.EvidenceTooLarge, Detail: fh.Filename + " is larger than 10 MB",
				Fields: []fault.FieldError{fault.Field(field, outcomes.EvidenceTooLarge.Code, "larger than 10 MB")}}
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(f, outcomes.MaxEvidenceBytes+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, outcomes.File{Name: fh.Filename, Data: b})
	}
	return out, nil
}

func formValue(form *multipart.Form, name string) string {
	if v := form.Value[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// claimFormBody documents the multipart claim form in the OpenAPI document.
var claimFormBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {
	Schema: &huma.Schema{Type: "object", Required: []string{"trajectory_id", "milestone_code", "achieved_on"}, Properties: map[string]*huma.Schema{
		"trajectory_id":  {Type: "string", Format: "uuid"},
		"milestone_code": {Type: "string"},
		"achieved_on":    {Type: "string", Format: "date", Description: "When the milestone was achieved; within the trajectory and the milestone's deadline, not in the future."},
		"note":           {Type: "string"},
		"evidence":       {Type: "array", Items: &huma.Schema{Type: "string", Format: "binary"}, Description: "PDF, PNG or JPEG (recognised by content), at most 10 MB each; repeat the field for several files."},
	}},
	Encoding: evidenceEncoding}}}

// evidenceEncoding declares the evidence files' accepted types in a
// multipart form (the content decides, not the part's own Content-Type).
var evidenceEncoding = map[string]*huma.Encoding{"evidence": {ContentType: strings.Join(evidenceTypes, ", ")}}

// evidenceTypes are the types of evidence Tranche accepts and sends back.
var evidenceTypes = []string{"application/pdf", "image/png", "image/jpeg"}

var resubmitFormBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"multipart/form-data": {
	Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{
		"achieved_on": {Type: "string", Format: "date", Description: "A corrected date; leave out to keep it."},
		"note":        {Type: "string"},
		"evidence":    {Type: "array", Items: &huma.Schema{Type: "string", Format: "binary"}, Description: "Evidence to add: PDF, PNG or JPEG (recognised by content), at most 10 MB each."},
	}},
	Encoding: evidenceEncoding}}}

// --- inputs and outputs ---

type participantInput struct {
	Body struct {
		GivenNames   string `json:"given_names,omitempty"`
		FamilyName   string `json:"family_name"`
		DateOfBirth  string `json:"date_of_birth,omitempty" doc:"YYYY-MM-DD"`
		Gender       string `json:"gender,omitempty" enum:"female,male,other,unknown"`
		BSN          string `json:"bsn,omitempty" doc:"Nine digits passing the 11-check; unique."`
		ArrivalDate  string `json:"arrival_date,omitempty" doc:"YYYY-MM-DD"`
		StatusGroup  string `json:"status_group,omitempty"`
		Municipality string `json:"municipality,omitempty"`
	}
}

type participantOutput struct{ Body ParticipantBody }
type participantsOutput struct{ Body ListBody[ParticipantBody] }

type participantListInput struct {
	ListParams
	Q string `query:"q" doc:"Reference, or part of the name for those who may see names."`
}

type referInput struct {
	Body struct {
		ParticipantID uuid.UUID `json:"participant_id"`
		ContractID    uuid.UUID `json:"contract_id"`
		ProductCode   string    `json:"product_code"`
		Note          string    `json:"note,omitempty"`
	}
}

type trajectoryOutput struct{ Body TrajectoryBody }
type trajectoriesOutput struct{ Body ListBody[TrajectoryItem] }

type trajectoryListInput struct {
	ListParams
	State         string `query:"state" enum:"referred,active,completed,terminated,declined," doc:"One state; empty or absent for every state."`
	ParticipantID string `query:"participant_id"`
	ContractID    string `query:"contract_id"`
}

type startInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		StartDate string `json:"start_date" doc:"YYYY-MM-DD"`
	}
}

type reasonInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Reason string `json:"reason,omitempty"`
	}
}

type claimOutput struct{ Body ClaimBody }
type claimsOutput struct{ Body ListBody[ClaimItem] }

// claimStates are the states a claims list may be filtered by.
var claimStates = []string{outcomes.Submitted, outcomes.ChangesRequested, outcomes.AwaitingSecondApproval,
	outcomes.Approved, outcomes.Rejected, outcomes.Objected, outcomes.Paid, outcomes.Revoked}

type claimListInput struct {
	ListParams
	Status       string `query:"status" doc:"One state, or several separated by commas: submitted, changes_requested, awaiting_second_approval, approved, rejected, objected, paid, revoked."`
	TrajectoryID string `query:"trajectory_id"`
}

type submitInput struct {
	RawBody multipart.Form
}

type resubmitInput struct {
	ID      uuid.UUID `path:"id"`
	RawBody multipart.Form
}

type noteInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		Note string `json:"note,omitempty"`
	}
}

type rejectInput struct {
	ID   uuid.UUID `path:"id"`
	Body struct {
		ReasonCode string `json:"reason_code" enum:"insufficient_evidence,not_achieved,date_incorrect,duplicate,not_eligible,other"`
		Note       string `json:"note,omitempty"`
	}
}

type evidenceInput struct {
	ID uuid.UUID `path:"id"`
	N  int       `path:"n" minimum:"1"`
}

type evidenceOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Digest             string `header:"X-Content-SHA256"`
	Body               []byte
}

type registerInput struct {
	Filename string `query:"filename" doc:"Name of the uploaded file, kept with the import."`
	RawBody  []byte `contentType:"text/csv"`
}

type registerOutput struct{ Body outcomes.ImportResult }

type queueOutput struct {
	Body struct {
		Items   []ClaimItem `json:"items"`
		Waiting int64       `json:"waiting"`
		Overdue int64       `json:"overdue"`
	}
}

func (s *Server) registerOutcomesAPI(api huma.API) {
	registerRoutes(api,
		route(created(op(http.MethodPost, "/api/v1/participants", "create-participant", "Register a participant", "Participants")),
			s.handleCreateParticipant),
		route(op(http.MethodGet, "/api/v1/participants", "list-participants", "List participants", "Participants"),
			s.handleListParticipants),
		route(op(http.MethodGet, "/api/v1/participants/{id}", "get-participant", "Get a participant", "Participants"),
			s.handleGetParticipant),
		route(created(op(http.MethodPost, "/api/v1/trajectories", "refer", "Refer a participant to a contract product", "Trajectories")),
			s.handleRefer),
		route(op(http.MethodGet, "/api/v1/trajectories", "list-trajectories", "List trajectories", "Trajectories"),
			s.handleListTrajectories),
		route(op(http.MethodGet, "/api/v1/trajectories/{id}", "get-trajectory", "Get a trajectory with its milestones", "Trajectories"),
			s.handleGetTrajectory),
		route(op(http.MethodPost, "/api/v1/trajectories/{id}/start", "start-trajectory", "Start a referral (provider): commits the price", "Trajectories"),
			s.handleStartTrajectory),
		route(op(http.MethodPost, "/api/v1/trajectories/{id}/decline", "decline-trajectory", "Decline a referral (provider)", "Trajectories"),
			s.handleDeclineTrajectory),
		route(op(http.MethodPost, "/api/v1/trajectories/{id}/terminate", "terminate-trajectory", "End a trajectory early (case manager): releases unverified money", "Trajectories"),
			s.handleTerminateTrajectory),
		route(submitClaimOp(), s.handleSubmitClaim),
		route(op(http.MethodGet, "/api/v1/claims", "list-claims", "List claims", "Claims"),
			s.handleListClaims),
		route(op(http.MethodGet, "/api/v1/verification-queue", "verification-queue", "Claims waiting for a verifier, earliest due first", "Claims"),
			s.handleVerificationQueue),
		route(op(http.MethodGet, "/api/v1/claims/{id}", "get-claim", "Get a claim with its evidence and history", "Claims"),
			s.handleGetClaim),
		claimAction(s, "approve", "Approve (verifier); above the second-approval amount a second verifier must approve too",
			s.handleApproveClaim),
		claimAction(s, "reject", "Reject with a reason code (verifier)",
			s.handleRejectClaim),
		claimAction(s, "request-changes", "Ask the provider for changes (verifier)",
			s.handleRequestClaimChanges),
		claimAction(s, "object", "Object to a rejection, once (provider)",
			s.handleObjectClaim),
		claimAction(s, "revoke", "Revoke an approved or paid claim (verifier): the money is clawed back",
			s.handleRevokeClaim),
		route(resubmitClaimOp(), s.handleResubmitClaim),
		route(getEvidenceOp(), s.handleGetEvidence),
		route(op(http.MethodPost, "/api/v1/registers/exam-results", "import-exam-results",
			"Import a register of exam results (CSV: participant, milestone, level, date); matching submitted claims are approved", "Claims"),
			s.handleImportExamResults),
	)
}

func (s *Server) handleCreateParticipant(ctx context.Context, in *participantInput) (*participantOutput, error) {
	b := in.Body
	p, err := s.outcomes.CreateParticipant(ctx, actorFrom(ctx), outcomes.ParticipantInput{GivenNames: b.GivenNames, FamilyName: b.FamilyName,
		DateOfBirth: b.DateOfBirth, Gender: b.Gender, BSN: b.BSN, ArrivalDate: b.ArrivalDate, StatusGroup: b.StatusGroup, Municipality: b.Municipality})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &participantOutput{Body: participantBody(p)}, nil
}

func (s *Server) handleListParticipants(ctx context.Context, in *participantListInput) (*participantsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.outcomes.ListParticipants(ctx, actorFrom(ctx), outcomes.ParticipantFilter{Page: page, Query: in.Q})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &participantsOutput{Body: listOf(rows, next, participantBody)}, nil
}

func (s *Server) handleGetParticipant(ctx context.Context, in *idPath) (*participantOutput, error) {
	p, err := s.outcomes.GetParticipant(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &participantOutput{Body: participantBody(p)}, nil
}

func (s *Server) handleRefer(ctx context.Context, in *referInput) (*trajectoryOutput, error) {
	t, err := s.outcomes.Refer(ctx, actorFrom(ctx), outcomes.ReferInput{ParticipantID: in.Body.ParticipantID, ContractID: in.Body.ContractID,
		ProductCode: in.Body.ProductCode, Note: in.Body.Note})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.trajectoryOut(ctx, t.ID)
}

func (s *Server) handleListTrajectories(ctx context.Context, in *trajectoryListInput) (*trajectoriesOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	f := outcomes.TrajectoryFilter{Page: page, State: in.State}
	if f.ParticipantID, err = optionalUUID("participant_id", in.ParticipantID); err != nil {
		return nil, s.fail(ctx, err)
	}
	if f.ContractID, err = optionalUUID("contract_id", in.ContractID); err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.outcomes.ListTrajectories(ctx, actorFrom(ctx), f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &trajectoriesOutput{Body: listOf(rows, next, func(r outcomes.TrajectoryRow) TrajectoryItem {
		return trajectoryItem(r.Trajectory, r.ParticipantReference)
	})}, nil
}

func (s *Server) handleGetTrajectory(ctx context.Context, in *idPath) (*trajectoryOutput, error) {
	return s.trajectoryOut(ctx, in.ID)
}

func (s *Server) handleStartTrajectory(ctx context.Context, in *startInput) (*trajectoryOutput, error) {
	d, err := dateParam("start_date", in.Body.StartDate, true)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	if _, err := s.outcomes.Start(ctx, actorFrom(ctx), in.ID, d); err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.trajectoryOut(ctx, in.ID)
}

func (s *Server) handleDeclineTrajectory(ctx context.Context, in *reasonInput) (*trajectoryOutput, error) {
	if _, err := s.outcomes.Decline(ctx, actorFrom(ctx), in.ID, in.Body.Reason); err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.trajectoryOut(ctx, in.ID)
}

func (s *Server) handleTerminateTrajectory(ctx context.Context, in *reasonInput) (*trajectoryOutput, error) {
	if _, err := s.outcomes.Terminate(ctx, actorFrom(ctx), in.ID, in.Body.Reason); err != nil {
		return nil, s.fail(ctx, err)
	}
	return s.trajectoryOut(ctx, in.ID)
}

func submitClaimOp() huma.Operation {
	o := created(op(http.MethodPost, "/api/v1/claims", "submit-claim", "Claim a milestone (provider), with evidence", "Claims"))
	o.RequestBody = claimFormBody
	o.MaxBodyBytes = 64 << 20
	o.Errors = append(o.Errors, http.StatusRequestEntityTooLarge)
	return o
}

func (s *Server) handleSubmitClaim(ctx context.Context, in *submitInput) (*claimOutput, error) {
	form := &in.RawBody
	var errs fault.Fields
	tid, err := uuid.Parse(strings.TrimSpace(formValue(form, "trajectory_id")))
	if err != nil {
		errs.Add("trajectory_id", "invalid_uuid", "the trajectory's id")
	}
	sub, err := submitInputOf(form, tid, errs)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.outcomes.Submit(ctx, actorFrom(ctx), sub)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &claimOutput{Body: claimDetailBody(c)}, nil
}

func (s *Server) handleListClaims(ctx context.Context, in *claimListInput) (*claimsOutput, error) {
	page, err := in.Page()
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	f := outcomes.ClaimFilter{Page: page}
	if f.States, err = oneOfEach("status", in.Status, claimStates); err != nil {
		return nil, s.fail(ctx, err)
	}
	if f.TrajectoryID, err = optionalUUID("trajectory_id", in.TrajectoryID); err != nil {
		return nil, s.fail(ctx, err)
	}
	rows, next, err := s.outcomes.ListClaims(ctx, actorFrom(ctx), f)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &claimsOutput{Body: listOf(rows, next, func(r outcomes.ClaimRow) ClaimItem {
		return claimItem(r.Claim, r.ParticipantReference, r.MilestoneName, r.Overdue)
	})}, nil
}

func (s *Server) handleVerificationQueue(ctx context.Context, _ *struct{}) (*queueOutput, error) {
	a := actorFrom(ctx)
	rows, err := s.outcomes.Queue(ctx, a, 500)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &queueOutput{}
	out.Body.Items = []ClaimItem{}
	for _, r := range rows {
		out.Body.Items = append(out.Body.Items, claimItem(r.Claim, r.ParticipantReference, r.MilestoneName, r.Overdue))
	}
	if out.Body.Waiting, out.Body.Overdue, err = s.outcomes.QueueCounts(ctx, a); err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

func (s *Server) handleGetClaim(ctx context.Context, in *idPath) (*claimOutput, error) {
	c, err := s.outcomes.GetClaim(ctx, actorFrom(ctx), in.ID)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &claimOutput{Body: claimDetailBody(c)}, nil
}

func (s *Server) handleApproveClaim(ctx context.Context, in *noteInput) (outcomes.ClaimDetail, error) {
	return s.outcomes.Approve(ctx, actorFrom(ctx), in.ID, in.Body.Note)
}

func (s *Server) handleRejectClaim(ctx context.Context, in *rejectInput) (outcomes.ClaimDetail, error) {
	return s.outcomes.Reject(ctx, actorFrom(ctx), in.ID, in.Body.ReasonCode, in.Body.Note)
}

func (s *Server) handleRequestClaimChanges(ctx context.Context, in *noteInput) (outcomes.ClaimDetail, error) {
	return s.outcomes.RequestChanges(ctx, actorFrom(ctx), in.ID, in.Body.Note)
}

func (s *Server) handleObjectClaim(ctx context.Context, in *noteInput) (outcomes.ClaimDetail, error) {
	return s.outcomes.Object(ctx, actorFrom(ctx), in.ID, in.Body.Note)
}

func (s *Server) handleRevokeClaim(ctx context.Context, in *reasonInput) (outcomes.ClaimDetail, error) {
	return s.outcomes.Revoke(ctx, actorFrom(ctx), in.ID, in.Body.Reason)
}

func resubmitClaimOp() huma.Operation {
	o := op(http.MethodPost, "/api/v1/claims/{id}/resubmit", "resubmit-claim", "Resubmit after changes were asked for (provider)", "Claims")
	o.RequestBody = resubmitFormBody
	o.MaxBodyBytes = 64 << 20
	return o
}

func (s *Server) handleResubmitClaim(ctx context.Context, in *resubmitInput) (*claimOutput, error) {
	re, err := resubmitInputOf(&in.RawBody)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	c, err := s.outcomes.Resubmit(ctx, actorFrom(ctx), in.ID, re)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &claimOutput{Body: claimDetailBody(c)}, nil
}

// getEvidenceOp declares the evidence download as the file itself, in the
// type it was recognised as at upload.
func getEvidenceOp() huma.Operation {
	o := op(http.MethodGet, "/api/v1/claims/{id}/evidence/{n}", "get-evidence", "Download an evidence file", "Claims")
	o.Description = "The file as uploaded, with its own Content-Type (PDF, PNG or JPEG), a Content-Disposition naming it and its SHA-256 in X-Content-SHA256. n counts the claim's files from 1."
	file := map[string]*huma.MediaType{}
	for _, t := range evidenceTypes {
		file[t] = &huma.MediaType{Schema: &huma.Schema{Type: "string", Format: "binary"}}
	}
	o.Responses = map[string]*huma.Response{"200": {Description: "The evidence file", Content: file, Headers: downloadHeaders()}}
	return o
}

func (s *Server) handleGetEvidence(ctx context.Context, in *evidenceInput) (*evidenceOutput, error) {
	e, err := s.outcomes.EvidenceFile(ctx, actorFrom(ctx), in.ID, in.N)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &evidenceOutput{ContentType: e.ContentType, ContentDisposition: contentDisposition("inline", e.Filename), Digest: e.SHA256Hex(), Body: e.Data}, nil
}

func (s *Server) handleImportExamResults(ctx context.Context, in *registerInput) (*registerOutput, error) {
	name := in.Filename
	if name == "" {
		name = "register.csv"
	}
	res, err := s.outcomes.ImportExamResults(ctx, actorFrom(ctx), name, strings.NewReader(string(in.RawBody)))
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &registerOutput{Body: res}, nil
}

// claimAction is POST /api/v1/claims/{id}/<action>; it answers the claim with its evidence and history.
func claimAction[I any](s *Server, action, summary string, fn func(context.Context, *I) (outcomes.ClaimDetail, error)) apiRoute {
	return route(op(http.MethodPost, "/api/v1/claims/{id}/"+action, action+"-claim", summary, "Claims"),
		func(ctx context.Context, in *I) (*claimOutput, error) {
			c, err := fn(ctx, in)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &claimOutput{Body: claimDetailBody(c)}, nil
		})
}

func (s *Server) trajectoryOut(ctx context.Context, id uuid.UUID) (*trajectoryOutput, error) {
	d, err := s.outcomes.GetTrajectory(ctx, actorFrom(ctx), id)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &trajectoryOutput{Body: trajectoryBody(d.Trajectory, d.ParticipantReference, d.Milestones)}, nil
}

func optionalUUID(field, s string) (*uuid.UUID, error) {
	if s == "" {
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, fault.Invalid(fault.Field(field, "invalid_uuid", "not an id"))
	}
	return &id, nil
}

// contentDisposition names a download safely (RFC 6266 with an ASCII fallback).
func contentDisposition(kind, filename string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, filename)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, url.PathEscape(filename))
}
