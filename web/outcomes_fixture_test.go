package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/pooling"
	"github.com/shopspring/decimal"
)

// outcomeEnv is a funded municipality with two contracted providers and a
// user (and token) for every role that works on outcomes.
type outcomeEnv struct {
	*testEnv
	budget                           pooling.Budget
	contract, contract2              contracts.ContractDetail
	casemanager, verifier, verifier2 string
	provider, provider2, finance     string
	auditor                          string
}

func newOutcomeEnv(e *testEnv) *outcomeEnv {
	e.t.Helper()
	ctx := context.Background()
	sys := access.System("test")
	o := &outcomeEnv{testEnv: e}
	stream, err := e.srv.pooling.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Inburgering",
		ReportingCode: "INB", Amount: "100000.00", ValidFrom: "2005-01-01", ValidTo: "2030-12-31", Earmark: []string{"language"}})
	must(e, err)
	o.budget, err = e.srv.pooling.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Integratie", PeriodStart: "2005-01-01", PeriodEnd: "2030-12-31"})
	must(e, err)
	_, err = e.srv.pooling.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: o.budget.ID, FundingStreamID: stream.ID, Amount: "100000.00"})
	must(e, err)
	o.contract = o.contractFor("11111111", "Taalhuis Twente", "ENS-001")
	o.contract2 = o.contractFor("22222222", "ROC van Twente", "ENS-002")
	o.casemanager = e.user("loods@enschede.example", access.CaseManager)
	o.verifier = e.user("toets@enschede.example", access.Verifier)
	o.verifier2 = e.user("toets2@enschede.example", access.Verifier)
	o.finance = e.user("fin@enschede.example", access.Finance)
	o.auditor = e.user("audit@enschede.example", access.Auditor)
	o.provider = e.providerUser("staff@taalhuis.example", "11111111", access.Provider)
	o.provider2 = e.providerUser("staff@roc.example", "22222222", access.Provider)
	return o
}

func (o *outcomeEnv) contractFor(kvk, name, ref string) contracts.ContractDetail {
	ctx := context.Background()
	sys := access.System("test")
	p, err := o.srv.contracts.RegisterProvider(ctx, sys, contracts.ProviderInput{KVK: kvk, LegalName: name, IBAN: "NL91ABNA0417164300",
		AddressLine1: "Hengelosestraat 1", Postcode: "7511 AA", City: "Enschede", ContactName: "C", ContactEmail: "c@" + kvk + ".example"})
	must(o.testEnv, err)
	share := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	budget := o.budget.ID
	start := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := o.srv.contracts.CreateContract(ctx, sys, contracts.ContractInput{ProviderID: p.ID, Reference: ref, Title: "Taal",
		PeriodStart: start, PeriodEnd: start.AddDate(3, 0, -1), Ceiling: decimal.RequireFromString("100000.00"), Capacity: 40, VATExempt: true, BudgetID: &budget,
		Products: []contracts.Product{{Code: "NT2", Name: "Taaltraject NT2", CategoryCode: "language", Price: decimal.RequireFromString("2000.00"),
			Milestones: []contracts.Milestone{
				{Code: "intake", Name: "Intake", OutcomeDomain: contracts.DomainIntake, Share: share("10"), DeadlineMonths: 24},
				{Code: "a2", Name: "A2 behaald", OutcomeDomain: contracts.DomainLanguage, Share: share("40"), DeadlineMonths: 24, Prerequisites: contracts.Codes{"intake"}, EvidenceRequired: true},
				{Code: "knm", Name: "Examen KNM", OutcomeDomain: contracts.DomainLanguage, Share: share("20"), DeadlineMonths: 24},
				{Code: "job", Name: "Werk", OutcomeDomain: contracts.DomainParticipation, Share: share("30"), DeadlineMonths: 30},
			}}}})
	must(o.testEnv, err)
	_, err = o.srv.contracts.ActivateContract(ctx, sys, c.ID)
	must(o.testEnv, err)
	return c
}

func must(e *testEnv, err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// claimForm builds a multipart claim.
func claimForm(fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for name, data := range files {
		fw, _ := w.CreateFormFile("evidence", name)
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), &b
}

func (o *outcomeEnv) postForm(path, token, contentType string, body *bytes.Buffer, headers ...string) response {
	return o.request(http.MethodPost, path, token, body, append([]string{"Content-Type: " + contentType}, headers...)...)
}

// startedTrajectory registers a participant, refers and starts them with the first provider.
func (o *outcomeEnv) startedTrajectory() (participant, trajectory string) {
	o.t.Helper()
	var p ParticipantBody
	r := o.postJSON("/api/v1/participants", o.casemanager, map[string]any{"given_names": "Thi Lan", "family_name": "Nguyễn", "bsn": fmt.Sprint(nextBSN())})
	if r.Code != http.StatusCreated {
		o.t.Fatalf("create participant = %d %s", r.Code, r.Body)
	}
	r.json(o.t, &p)
	var tr TrajectoryBody
	r = o.postJSON("/api/v1/trajectories", o.casemanager, map[string]any{"participant_id": p.ID, "contract_id": o.contract.ID, "product_code": "NT2"})
	if r.Code != http.StatusCreated {
		o.t.Fatalf("refer = %d %s", r.Code, r.Body)
	}
	r.json(o.t, &tr)
	r = o.postJSON("/api/v1/trajectories/"+tr.ID.String()+"/start", o.provider, map[string]any{"start_date": time.Now().AddDate(0, 0, -30).Format(time.DateOnly)})
	if r.Code != http.StatusOK {
		o.t.Fatalf("start = %d %s", r.Code, r.Body)
	}
	return p.ID.String(), tr.ID.String()
}

var bsnSeq = 100000000

// nextBSN returns the next valid (11-check) test BSN.
func nextBSN() int {
	for {
		bsnSeq++
		s := fmt.Sprint(bsnSeq)
		sum := 0
		for i := 0; i < 9; i++ {
			w := 9 - i
			if i == 8 {
				w = -1
			}
			sum += w * int(s[i]-'0')
		}
		if sum%11 == 0 {
			return bsnSeq
		}
	}
}
