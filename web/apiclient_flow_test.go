package web

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/euregio/tranche/web/apiclient"
	"github.com/google/uuid"
)

// clientAs is the generated client of the API at url, acting with token.
func clientAs(t *testing.T, url, token string) *apiclient.ClientWithResponses {
	t.Helper()
	c, err := apiclient.NewClientWithResponses(url, apiclient.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+token)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A provider's system and a finance user's script, written against the
// generated client only: no hand-made requests, no casts. If the API
// changes in a way that breaks such a client, this stops compiling or
// fails.
func TestGeneratedClientFlows(t *testing.T) {
	t.Parallel()
	b := newBillingEnv(t)
	ts := httptest.NewServer(b.handler)
	defer ts.Close()
	ctx := t.Context()
	_, trajectory := b.startedTrajectory()
	tid := uuid.MustParse(trajectory)
	provider := clientAs(t, ts.URL, b.provider)

	// The provider lists its trajectories and finds the started one.
	list, err := provider.ListTrajectoriesWithResponse(ctx, &apiclient.ListTrajectoriesParams{})
	if err != nil || list.JSON200 == nil {
		t.Fatalf("list trajectories: %v %d %s", err, list.StatusCode(), list.Body)
	}
	found := false
	for _, tr := range list.JSON200.Items {
		found = found || (tr.Id == tid && tr.State == apiclient.TrajectoryItemStateActive)
	}
	if !found {
		t.Fatalf("the started trajectory is not in the provider's list: %+v", list.JSON200.Items)
	}

	// It claims the intake with a PDF under an Idempotency-Key, and sends
	// the same request again: the first answer comes back, nothing twice.
	ct, form := claimForm(map[string]string{"trajectory_id": trajectory, "milestone_code": "intake",
		"achieved_on": time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}, map[string][]byte{"intake.pdf": testPDF})
	body := form.Bytes()
	key := uuid.NewString()
	first, err := provider.SubmitClaimWithBodyWithResponse(ctx, &apiclient.SubmitClaimParams{IdempotencyKey: &key}, ct, bytes.NewReader(body))
	if err != nil || first.JSON201 == nil {
		t.Fatalf("submit claim: %v %d %s", err, first.StatusCode(), first.Body)
	}
	again, err := provider.SubmitClaimWithBodyWithResponse(ctx, &apiclient.SubmitClaimParams{IdempotencyKey: &key}, ct, bytes.NewReader(body))
	if err != nil || again.JSON201 == nil || again.JSON201.Id != first.JSON201.Id || again.HTTPResponse.Header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("replayed claim: %v %d %s", err, again.StatusCode(), again.Body)
	}

	// It reads the claim back and downloads its evidence as the file.
	claim, err := provider.GetClaimWithResponse(ctx, first.JSON201.Id)
	if err != nil || claim.JSON200 == nil || claim.JSON200.State != apiclient.ClaimBodyStateSubmitted ||
		len(claim.JSON200.Evidence) != 1 {
		t.Fatalf("get claim: %v %d %s", err, claim.StatusCode(), claim.Body)
	}
	evidence, err := provider.GetEvidenceWithResponse(ctx, first.JSON201.Id, 1)
	if err != nil || evidence.StatusCode() != http.StatusOK || !bytes.Equal(evidence.Body, testPDF) ||
		evidence.HTTPResponse.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("get evidence: %v %d %q", err, evidence.StatusCode(), evidence.HTTPResponse.Header.Get("Content-Type"))
	}

	// A verifier approves it.
	note := "intake report seen"
	approved, err := clientAs(t, ts.URL, b.verifier).ApproveClaimWithResponse(ctx, first.JSON201.Id, &apiclient.ApproveClaimParams{},
		apiclient.ApproveClaimJSONRequestBody{Note: &note})
	if err != nil || approved.JSON200 == nil || approved.JSON200.State != apiclient.ClaimBodyStateApproved {
		t.Fatalf("approve claim: %v %d %s", err, approved.StatusCode(), approved.Body)
	}

	// Finance creates this month's run; its creator cannot approve it, a
	// second finance user does; then it is exported and the SEPA file read.
	finance, finance2 := clientAs(t, ts.URL, b.finance), clientAs(t, ts.URL, b.finance2)
	start, end := thisMonth()
	run, err := finance.CreatePaymentRunWithResponse(ctx, &apiclient.CreatePaymentRunParams{},
		apiclient.CreatePaymentRunJSONRequestBody{PeriodStart: start, PeriodEnd: end})
	if err != nil || run.JSON201 == nil || len(run.JSON201.Statements) == 0 || len(run.JSON201.Statements[0].Lines) == 0 {
		t.Fatalf("create run: %v %d %s, want its statements with their lines", err, run.StatusCode(), run.Body)
	}
	id := run.JSON201.Id
	own, err := finance.ApprovePaymentRunWithResponse(ctx, id, &apiclient.ApprovePaymentRunParams{})
	if err != nil || own.ApplicationproblemJSON409 == nil || own.ApplicationproblemJSON409.RequestId == nil {
		t.Fatalf("the creator approving: %v %d %s, want a 409 problem with its request id", err, own.StatusCode(), own.Body)
	}
	ok, err := finance2.ApprovePaymentRunWithResponse(ctx, id, &apiclient.ApprovePaymentRunParams{})
	if err != nil || ok.JSON200 == nil || ok.JSON200.State != apiclient.PaymentRunItemStateApproved {
		t.Fatalf("approve run: %v %d %s", err, ok.StatusCode(), ok.Body)
	}
	exported, err := finance.ExportPaymentRunWithResponse(ctx, id, &apiclient.ExportPaymentRunParams{})
	if err != nil || exported.JSON200 == nil || exported.JSON200.State != apiclient.PaymentRunItemStateExported {
		t.Fatalf("export run: %v %d %s", err, exported.StatusCode(), exported.Body)
	}
	sepa, err := finance.GetPaymentRunSepaWithResponse(ctx, id)
	if err != nil || sepa.StatusCode() != http.StatusOK || !strings.Contains(string(sepa.Body), "pain.001") {
		t.Fatalf("SEPA file: %v %d", err, sepa.StatusCode())
	}

	// The provider finds its statement and downloads the PDF.
	statements, err := provider.ListStatementsWithResponse(ctx, &apiclient.ListStatementsParams{})
	if err != nil || statements.JSON200 == nil || len(statements.JSON200.Items) == 0 {
		t.Fatalf("list statements: %v %d %s", err, statements.StatusCode(), statements.Body)
	}
	pdf, err := provider.GetStatementPdfWithResponse(ctx, statements.JSON200.Items[0].Id)
	if err != nil || pdf.StatusCode() != http.StatusOK || !bytes.HasPrefix(pdf.Body, []byte("%PDF")) {
		t.Fatalf("statement PDF: %v %d", err, pdf.StatusCode())
	}
}
