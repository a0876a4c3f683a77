package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/database/dbtest"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Claim submission and approval over HTTP, through the whole router (in
// process, httptest): bearer token, middleware, multipart parsing of a PDF,
// the Idempotency-Key store, the domain call and the JSON answer; beside
// the same domain calls on the same fixture, and the pgbench scripts of
// outcomes' benchmarks (the same shape of work in PostgreSQL).
//
//	go test ./web -run '^$' -bench Claim -benchtime 300x

// benchPDF is a small PDF of evidence (about 1 KB).
var benchPDF = append([]byte("%PDF-1.4\n1 0 obj<<>>endobj\n"), append(bytes.Repeat([]byte("% evidence\n"), 90), []byte("trailer<<>>\n%%EOF\n")...)...)

type benchEnv struct {
	b                            *testing.B
	url                          string
	db                           *database.DB
	srv                          *Server
	handler                      http.Handler
	contract                     uuid.UUID
	provider, verifier           access.Actor
	providerToken, verifierToken string
}

func newBenchEnv(b *testing.B, capacity int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	u := dbtest.URL(b)
	db, err := database.Open(ctx, u, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	srv, err := New(Config{}, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{b: b, url: u, db: db, srv: srv, handler: srv.Handler()}
	sys := access.System("bench")
	fail := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	big := "999999999.00"
	stream, err := srv.pooling.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Inburgering",
		ReportingCode: "INB", Amount: big, ValidFrom: "2005-01-01", ValidTo: "2030-12-31", Earmark: []string{"language"}})
	fail(err)
	budget, err := srv.pooling.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Integratie", PeriodStart: "2005-01-01", PeriodEnd: "2030-12-31"})
	fail(err)
	_, err = srv.pooling.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: budget.ID, FundingStreamID: stream.ID, Amount: big})
	fail(err)
	p, err := srv.contracts.RegisterProvider(ctx, sys, contracts.ProviderInput{KVK: "11111111", LegalName: "Taalhuis Twente", IBAN: "NL91ABNA0417164300",
		AddressLine1: "Hengelosestraat 1", Postcode: "7511 AA", City: "Enschede", ContactName: "C", ContactEmail: "c@11111111.example"})
	fail(err)
	share := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	start := time.Date(time.Now().Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	budgetID := budget.ID
	c, err := srv.contracts.CreateContract(ctx, sys, contracts.ContractInput{ProviderID: p.ID, Reference: "ENS-001", Title: "Taal",
		PeriodStart: start, PeriodEnd: start.AddDate(3, 0, -1), Ceiling: decimal.RequireFromString(big), Capacity: capacity, VATExempt: true, BudgetID: &budgetID,
		Products: []contracts.Product{{Code: "NT2", Name: "Taaltraject NT2", CategoryCode: "language", Price: decimal.RequireFromString("2000.00"),
			Milestones: []contracts.Milestone{
				{Code: "intake", Name: "Intake", OutcomeDomain: contracts.DomainIntake, Share: share("10"), DeadlineMonths: 24},
				{Code: "a2", Name: "A2 behaald", OutcomeDomain: contracts.DomainLanguage, Share: share("40"), DeadlineMonths: 24, Prerequisites: contracts.Codes{"intake"}, EvidenceRequired: true},
				{Code: "knm", Name: "Examen KNM", OutcomeDomain: contracts.DomainLanguage, Share: share("20"), DeadlineMonths: 24},
				{Code: "job", Name: "Werk", OutcomeDomain: contracts.DomainParticipation, Share: share("30"), DeadlineMonths: 30},
			}}}})
	fail(err)
	_, err = srv.contracts.ActivateContract(ctx, sys, c.ID)
	fail(err)
	e.contract = c.ID
	user := func(email, kvk string, role access.Role) (access.Actor, string) {
		u, err := srv.access.CreateUser(ctx, sys, access.NewUser{Email: email, Password: "correct horse battery staple", Roles: []access.Role{role}, ProviderKVK: kvk})
		fail(err)
		a, err := srv.access.ActorByID(ctx, u.ID)
		fail(err)
		tok, err := srv.access.CreateToken(ctx, sys, email, "bench")
		fail(err)
		return a, tok
	}
	e.provider, e.providerToken = user("staff@taalhuis.example", "11111111", access.Provider)
	e.verifier, e.verifierToken = user("toets@enschede.example", "", access.Verifier)
	return e
}

var benchBSN = 300000000

// started makes n started trajectories through the domain services.
func (e *benchEnv) started(n int) []uuid.UUID {
	e.b.Helper()
	ctx := context.Background()
	casemgr := access.Actor{UserID: uuid.Must(uuid.NewV7()), Email: "loods@enschede.example", Roles: []access.Role{access.CaseManager}}
	ids := make([]uuid.UUID, n)
	for i := range ids {
		for {
			benchBSN++
			if validBSN(benchBSN) {
				break
			}
		}
		p, err := e.srv.outcomes.CreateParticipant(ctx, casemgr, outcomes.ParticipantInput{GivenNames: "Thi Lan", FamilyName: fmt.Sprintf("Nguyễn %d", i),
			BSN: fmt.Sprint(benchBSN)})
		if err != nil {
			e.b.Fatal(err)
		}
		tr, err := e.srv.outcomes.Refer(ctx, casemgr, outcomes.ReferInput{ParticipantID: p.ID, ContractID: e.contract, ProductCode: "NT2"})
		if err != nil {
			e.b.Fatal(err)
		}
		if _, err := e.srv.outcomes.Start(ctx, e.provider, tr.ID, time.Now().AddDate(0, 0, -30)); err != nil {
			e.b.Fatal(err)
		}
		ids[i] = tr.ID
	}
	return ids
}

func validBSN(n int) bool {
	s := fmt.Sprint(n)
	sum := 0
	for i := 0; i < 9; i++ {
		w := 9 - i
		if i == 8 {
			w = -1
		}
		sum += w * int(s[i]-'0')
	}
	return sum%11 == 0
}

func (e *benchEnv) do(method, path, token, contentType string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec
}

// submitHTTP posts a claim for the trajectory's intake with a PDF.
func (e *benchEnv) submitHTTP(tr uuid.UUID, key string) uuid.UUID {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("trajectory_id", tr.String())
	_ = w.WriteField("milestone_code", "intake")
	_ = w.WriteField("achieved_on", time.Now().AddDate(0, 0, -1).Format(time.DateOnly))
	fw, _ := w.CreateFormFile("evidence", "intake.pdf")
	_, _ = fw.Write(benchPDF)
	_ = w.Close()
	rec := e.do(http.MethodPost, "/api/v1/claims", e.providerToken, w.FormDataContentType(), &body, "Idempotency-Key", key)
	if rec.Code != http.StatusCreated {
		e.b.Fatalf("submit = %d %s", rec.Code, rec.Body)
	}
	var c struct{ ID uuid.UUID }
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		e.b.Fatal(err)
	}
	return c.ID
}

func (e *benchEnv) submitDomain(tr uuid.UUID) uuid.UUID {
	c, err := e.srv.outcomes.Submit(context.Background(), e.provider, outcomes.SubmitInput{TrajectoryID: tr, MilestoneCode: "intake",
		AchievedOn: time.Now().AddDate(0, 0, -1).UTC().Truncate(24 * time.Hour), Evidence: []outcomes.File{{Name: "intake.pdf", Data: benchPDF}}})
	if err != nil {
		e.b.Fatal(err)
	}
	return c.ID
}

func (e *benchEnv) approveHTTP(claim uuid.UUID, key string) {
	rec := e.do(http.MethodPost, "/api/v1/claims/"+claim.String()+"/approve", e.verifierToken, "application/json",
		bytes.NewReader([]byte(`{"note": "bewijs gezien"}`)), "Idempotency-Key", key)
	if rec.Code != http.StatusOK {
		e.b.Fatalf("approve = %d %s", rec.Code, rec.Body)
	}
}

func (e *benchEnv) approveDomain(claim uuid.UUID) {
	c, err := e.srv.outcomes.Approve(context.Background(), e.verifier, claim, "bewijs gezien")
	if err != nil {
		e.b.Fatal(err)
	}
	if c.State != outcomes.Approved {
		e.b.Fatalf("claim %s is %s after approval", claim, c.State)
	}
}

// pgRatio runs outcomes' pgbench script of the same shape on the same
// database and reports its time and our ratio to it.
func (e *benchEnv) pgRatio(script string) {
	e.b.StopTimer()
	ours := e.b.Elapsed() / time.Duration(e.b.N)
	setup, err := os.ReadFile("../outcomes/testdata/pgbench/setup.sql")
	if err != nil {
		e.b.Fatal(err)
	}
	body, err := os.ReadFile("../outcomes/testdata/pgbench/" + script)
	if err != nil {
		e.b.Fatal(err)
	}
	pg := dbtest.PgBench(e.b, e.url, string(setup), string(body), min(e.b.N, 2000))
	e.b.ReportMetric(float64(pg.Nanoseconds()), "pg-ns/op")
	e.b.ReportMetric(float64(ours)/float64(pg), "x-pg")
}

var benchKey = time.Now().UnixNano()

func nextKey(what string) string {
	benchKey++
	return fmt.Sprintf("bench-%s-%d", what, benchKey)
}

func BenchmarkClaimSubmit(b *testing.B) {
	b.Run("http", func(b *testing.B) {
		e := newBenchEnv(b, b.N+10)
		trs := e.started(b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.submitHTTP(trs[i], nextKey("submit"))
		}
		e.pgRatio("submit.sql")
	})
	b.Run("domain", func(b *testing.B) {
		e := newBenchEnv(b, b.N+10)
		trs := e.started(b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.submitDomain(trs[i])
		}
		e.pgRatio("submit.sql")
	})
}

func BenchmarkClaimApprove(b *testing.B) {
	b.Run("http", func(b *testing.B) {
		e := newBenchEnv(b, b.N+10)
		trs := e.started(b.N)
		claims := make([]uuid.UUID, b.N)
		for i, tr := range trs {
			claims[i] = e.submitDomain(tr)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.approveHTTP(claims[i], nextKey("approve"))
		}
		e.pgRatio("approve.sql")
	})
	b.Run("domain", func(b *testing.B) {
		e := newBenchEnv(b, b.N+10)
		trs := e.started(b.N)
		claims := make([]uuid.UUID, b.N)
		for i, tr := range trs {
			claims[i] = e.submitDomain(tr)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			e.approveDomain(claims[i])
		}
		e.pgRatio("approve.sql")
	})
}
