package load

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Milestones are the codes of the load test's product: five tranches of 20 %
// without prerequisites, so that every one of them can be claimed at once.
var Milestones = []string{"m1", "m2", "m3", "m4", "m5"}

// Price of the load test's product; each milestone pays a fifth.
const Price = "1000.00"

// Slot is one milestone of one started trajectory: what a claim claims.
type Slot struct {
	TrajectoryID uuid.UUID
	Milestone    string
	AchievedOn   string // YYYY-MM-DD, after the trajectory's start and not in the future
}

// Provider is a provider client's identity and the milestones it may claim.
type Provider struct {
	KVK   string
	Token string
	Slots []Slot
}

// Fixture is the data a load run works on.
type Fixture struct {
	BudgetID  uuid.UUID
	Providers []Provider
	Verifiers []string // tokens
	Finance   []string // tokens: the first creates runs, the second approves them
}

// Prepare writes, through the capability services (so that the ledger and
// the audit trail are as the API would leave them), a funded budget, one
// contracted provider per client with an API token, two verifiers, two
// finance users and a case manager, and starts trajectories until every
// provider has perProvider claimable milestones. tag keeps the names of
// repeated preparations on one database apart.
func Prepare(ctx context.Context, db *database.DB, tag string, providers, perProvider int) (Fixture, error) {
	sys := access.System("loadtest")
	acc := access.NewService(db.Gorm)
	pool := pooling.NewService(db.Gorm)
	con := contracts.NewService(db.Gorm).UseFunds(pool)
	out := outcomes.NewService(db.Gorm, pool)
	var f Fixture

	user := func(email string, role access.Role, kvk string) (access.Actor, string, error) {
		u, err := acc.CreateUser(ctx, sys, access.NewUser{Email: email, Roles: []access.Role{role}, ProviderKVK: kvk})
		if err != nil {
			return access.Actor{}, "", fmt.Errorf("user %s: %w", email, err)
		}
		a, err := acc.ActorByID(ctx, u.ID)
		if err != nil {
			return access.Actor{}, "", err
		}
		tok, err := acc.CreateToken(ctx, sys, email, "loadtest")
		return a, tok, err
	}
	casemanager, _, err := user("case-"+tag+"@load.example", access.CaseManager, "")
	if err != nil {
		return f, err
	}
	for i := range 2 {
		_, tok, err := user(fmt.Sprintf("verifier%d-%s@load.example", i+1, tag), access.Verifier, "")
		if err != nil {
			return f, err
		}
		f.Verifiers = append(f.Verifiers, tok)
		_, tok, err = user(fmt.Sprintf("finance%d-%s@load.example", i+1, tag), access.Finance, "")
		if err != nil {
			return f, err
		}
		f.Finance = append(f.Finance, tok)
	}

	year := time.Now().UTC().Year()
	slotsNeeded := providers * perProvider
	trajectories := (perProvider + len(Milestones) - 1) / len(Milestones)
	amount := decimal.RequireFromString(Price).Mul(decimal.NewFromInt(int64(providers*trajectories + 10))).StringFixed(2)
	stream, err := pool.CreateFundingStream(ctx, sys, pooling.CreateFundingStreamInput{Funder: "Rijk", Name: "Load " + tag,
		ReportingCode: "LOAD-" + tag, Amount: amount, ValidFrom: fmt.Sprintf("%d-01-01", year-2), ValidTo: fmt.Sprintf("%d-12-31", year+3),
		Earmark: []string{"language"}})
	if err != nil {
		return f, fmt.Errorf("funding stream: %w", err)
	}
	budget, err := pool.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Load " + tag,
		PeriodStart: fmt.Sprintf("%d-01-01", year-1), PeriodEnd: fmt.Sprintf("%d-12-31", year+2)})
	if err != nil {
		return f, fmt.Errorf("budget: %w", err)
	}
	if _, err := pool.Allocate(ctx, sys, pooling.AllocateInput{BudgetID: budget.ID, FundingStreamID: stream.ID, Amount: amount}); err != nil {
		return f, fmt.Errorf("allocate: %w", err)
	}
	f.BudgetID = budget.ID

	share := decimal.NewFromInt(int64(100 / len(Milestones)))
	var schedule []contracts.Milestone
	for i, code := range Milestones {
		schedule = append(schedule, contracts.Milestone{Code: code, Name: fmt.Sprintf("Resultaat %d", i+1), OutcomeDomain: contracts.DomainLanguage,
			Share: &share, DeadlineMonths: 24, EvidenceRequired: i%2 == 0})
	}
	start := time.Date(year-1, 1, 1, 0, 0, 0, 0, time.UTC)
	budgetID := budget.ID
	type prov struct {
		actor    access.Actor
		contract uuid.UUID
	}
	provs := make([]prov, providers)
	f.Providers = make([]Provider, providers)
	for i := range providers {
		kvk := fmt.Sprintf("%s%03d", kvkPrefix(tag), i)
		p, err := con.RegisterProvider(ctx, sys, contracts.ProviderInput{KVK: kvk, LegalName: fmt.Sprintf("Taalschool %s-%d", tag, i+1),
			IBAN: "NL91ABNA0417164300", AddressLine1: "Hengelosestraat 1", Postcode: "7511 AA", City: "Enschede", ContactName: "Contact",
			ContactEmail: "contact@" + kvk + ".example"})
		if err != nil {
			return f, fmt.Errorf("provider %s: %w", kvk, err)
		}
		c, err := con.CreateContract(ctx, sys, contracts.ContractInput{ProviderID: p.ID, Reference: fmt.Sprintf("LOAD-%s-%03d", tag, i),
			Title: "Taal", PeriodStart: start, PeriodEnd: start.AddDate(4, 0, -1), Ceiling: decimal.RequireFromString(Price).Mul(decimal.NewFromInt(int64(trajectories + 5))),
			Capacity: trajectories + 5, VATExempt: true, BudgetID: &budgetID,
			Products: []contracts.Product{{Code: "NT2", Name: "Taaltraject NT2", CategoryCode: "language", Price: decimal.RequireFromString(Price), Milestones: schedule}}})
		if err != nil {
			return f, fmt.Errorf("contract for %s: %w", kvk, err)
		}
		if _, err := con.ActivateContract(ctx, sys, c.ID); err != nil {
			return f, fmt.Errorf("activate contract for %s: %w", kvk, err)
		}
		a, tok, err := user(fmt.Sprintf("staff-%s@load.example", kvk), access.Provider, kvk)
		if err != nil {
			return f, err
		}
		provs[i] = prov{actor: a, contract: c.ID}
		f.Providers[i] = Provider{KVK: kvk, Token: tok}
	}

	// Trajectories, eight at a time: register, refer, start 30 days ago.
	startDate := time.Now().UTC().AddDate(0, 0, -30)
	achieved := startDate.AddDate(0, 0, 1).Format(time.DateOnly)
	type job struct{ provider int }
	jobs := make(chan job)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				p, err := out.CreateParticipant(ctx, casemanager, outcomes.ParticipantInput{GivenNames: "Load", FamilyName: "Deelnemer " + tag})
				var tr outcomes.Trajectory
				if err == nil {
					tr, err = out.Refer(ctx, casemanager, outcomes.ReferInput{ParticipantID: p.ID, ContractID: provs[j.provider].contract, ProductCode: "NT2"})
				}
				if err == nil {
					_, err = out.Start(ctx, provs[j.provider].actor, tr.ID, startDate)
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("trajectory for provider %d: %w", j.provider, err)
				}
				if err == nil {
					pr := &f.Providers[j.provider]
					for _, code := range Milestones {
						if len(pr.Slots) < perProvider {
							pr.Slots = append(pr.Slots, Slot{TrajectoryID: tr.ID, Milestone: code, AchievedOn: achieved})
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	for range trajectories {
		for i := range providers {
			if ctx.Err() != nil {
				break
			}
			jobs <- job{provider: i}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return f, firstErr
	}
	if err := ctx.Err(); err != nil {
		return f, err
	}
	got := 0
	for _, p := range f.Providers {
		got += len(p.Slots)
	}
	if got < slotsNeeded {
		return f, fmt.Errorf("prepared %d claimable milestones, wanted %d", got, slotsNeeded)
	}
	return f, nil
}

// kvkPrefix turns a tag into five digits, so that KvK numbers (eight
// digits) of different preparations differ.
func kvkPrefix(tag string) string {
	h := uint32(2166136261)
	for _, b := range []byte(tag) {
		h = (h ^ uint32(b)) * 16777619
	}
	return fmt.Sprintf("%05d", h%100000)
}
