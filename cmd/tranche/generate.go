package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// `tranche generate` loads a deterministic synthetic data set at national
// scale. The small things (users, funding streams, budgets, allocations,
// providers, contracts) go through the domain services; the bulk
// (participants, trajectories, milestones, claims, commitments, accruals,
// the ledger) is played in memory with the services' rules and copied in
// batches by outcomes.BulkWriter and pooling.BulkLedger, with an audit event
// for every change of state and one per batch and table.

const (
	genProviders   = 50
	genBudgets     = 5
	genDefaultSeed = 1
	genMaxN        = 1_000_000 // the fictional BSN range holds a million
)

var genRegions = []string{"Noord", "Oost", "Zuid", "West", "Midden"}
var genMunicipalities = [][]string{
	{"Groningen", "Leeuwarden", "Assen", "Emmen"},
	{"Enschede", "Zwolle", "Arnhem", "Nijmegen"},
	{"Eindhoven", "Tilburg", "Maastricht", "Breda"},
	{"Rotterdam", "Den Haag", "Leiden", "Dordrecht"},
	{"Utrecht", "Amersfoort", "Almere", "Lelystad"},
}

func runGenerate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "generate", "generate --participants N [--seed S] [--year Y] [--batch B] [--reset]")
	n := fs.Int("participants", 10000, "how many participants to generate (about four claims each)")
	seed := fs.Uint64("seed", genDefaultSeed, "seed: the same participants and seed give the same data")
	year := fs.Int("year", 2025, "the year the data covers (budgets, contracts, dates up to 31 December)")
	batch := fs.Int("batch", 2000, "participants per transaction")
	reset := fs.Bool("reset", false, "drop everything in the database first (all data is lost)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > genMaxN || *batch < 1 || *year < 2000 || *year > 2100 {
		fmt.Fprintf(e.stderr, "tranche generate: --participants must lie in 1…%d, --batch be positive and --year in 2000…2100\n", genMaxN)
		return errUsage
	}
	db, stop, err := openEmptyDB(ctx, e, "generate", "generated data", *reset)
	if err != nil {
		return err
	}
	defer stop()
	g := newGenerator(ctx, e, db, *n, *seed, *year, *batch)
	return g.run()
}

// generator holds the plan and the state carried from batch to batch.
type generator struct {
	ctx                  context.Context
	e                    *env
	db                   *database.DB
	n, batch, year       int
	seed                 uint64
	yearStart, asOf      time.Time
	clock                time.Time
	procurement, casemgr access.Actor
	verifier             access.Actor
	settings             outcomes.Settings
	providers            []genProvider
	budgets              []uuid.UUID
	ledger               *pooling.BulkLedger
	rows                 *outcomes.BulkWriter
	events               []genEvent
	alerted              map[uuid.UUID]bool
	counts               genCounts
}

type genProvider struct {
	id        uuid.UUID
	user      access.Actor
	contract  uuid.UUID
	terms     contracts.StartTerms
	budget    uuid.UUID
	product   contracts.Product
	assigned  int
	grossCost decimal.Decimal
	// What a start under the contract is checked against, as played so far.
	running  int64
	exposure decimal.Decimal
}

type genCounts struct {
	participants, trajectories, milestones, claims, history, evidence int
	commitments, accruals, releases, events                           int
	trajectoryStates, claimStates                                     map[string]int
}

func newGenerator(ctx context.Context, e *env, db *database.DB, n int, seed uint64, year, batch int) *generator {
	g := &generator{ctx: ctx, e: e, db: db, n: n, seed: seed, year: year, batch: batch, alerted: map[uuid.UUID]bool{}}
	g.yearStart = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	g.asOf = time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	g.clock = g.yearStart.Add(8 * time.Hour)
	g.counts.trajectoryStates, g.counts.claimStates = map[string]int{}, map[string]int{}
	return g
}

func (g *generator) now() time.Time { return g.clock }

// --- deterministic choices ---

// mix is splitmix64's finaliser: a bijection on 64 bits.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pick returns a number in [0, n) fixed by the seed, a tag and an index.
func (g *generator) pick(tag byte, i int, n int) int {
	return int(mix(mix(g.seed)^uint64(tag)<<56^uint64(i)) % uint64(n))
}

// id returns a UUIDv7 whose time is at and whose random bits are fixed by
// the seed, the kind of thing and its number, so that ids are valid,
// ordered by time and the same on every run.
func (g *generator) id(kind byte, n uint64, at time.Time) uuid.UUID {
	var u uuid.UUID
	ms := uint64(at.UnixMilli())
	for i := 0; i < 6; i++ {
		u[i] = byte(ms >> (40 - 8*i))
	}
	r1 := mix(mix(g.seed) ^ uint64(kind)<<56 ^ n)
	r2 := mix(r1)
	u[6] = 0x70 | byte(r2>>60)
	u[7] = byte(r2 >> 52)
	binary.BigEndian.PutUint64(u[8:], r1)
	u[8] = 0x80 | (u[8] & 0x3f)
	return u
}

// at returns a time on day between 8:00 and 17:00, fixed by r.
func at(r *rand.Rand, day time.Time) time.Time {
	return dateOnly(day).Add(8*time.Hour + time.Duration(r.IntN(9*3600))*time.Second + time.Duration(r.IntN(1000))*time.Millisecond)
}

func (g *generator) run() error {
	start := time.Now()
	if err := g.setup(); err != nil {
		return err
	}
	setupTime := time.Since(start)
	fmt.Fprintf(g.e.stderr, "tranche generate: set up %d providers, %d budgets and their contracts in %s\n",
		len(g.providers), len(g.budgets), setupTime.Round(10*time.Millisecond))
	ledger, err := pooling.NewBulkLedger(g.ctx, g.db.Gorm)
	if err != nil {
		return err
	}
	g.ledger, g.rows = ledger, outcomes.NewBulkWriter()
	sqlDB, err := g.db.Gorm.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(g.ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	batches := (g.n + g.batch - 1) / g.batch
	bulkStart := time.Now()
	for b := 0; b < batches; b++ {
		from, to := b*g.batch, min((b+1)*g.batch, g.n)
		if err := g.play(from, to); err != nil {
			return err
		}
		if err := g.write(conn, b, from, to); err != nil {
			return fmt.Errorf("batch %d (participants %d–%d): %w", b+1, from+1, to, err)
		}
		elapsed := time.Since(bulkStart).Seconds()
		fmt.Fprintf(g.e.stderr, "tranche generate: batch %d/%d, %d/%d participants, %d claims, %.0f claims/s\n",
			b+1, batches, to, g.n, g.counts.claims, float64(g.counts.claims)/max(elapsed, 0.001))
	}
	if _, err := g.db.Pool.Exec(g.ctx, `ANALYZE`); err != nil {
		return err
	}
	g.summary(time.Since(start), setupTime)
	return nil
}

func (g *generator) summary(total, setup time.Duration) {
	c := g.counts
	w := g.e.stdout
	fmt.Fprintf(w, "Generated seed %d in %s (setup %s): %d participants, %d trajectories, %d claims.\n",
		g.seed, total.Round(100*time.Millisecond), setup.Round(10*time.Millisecond), c.participants, c.trajectories, c.claims)
	fmt.Fprintf(w, "  trajectories: %s\n", stateList(c.trajectoryStates, []string{outcomes.Referred, outcomes.Declined, outcomes.Active, outcomes.Completed, outcomes.Terminated}))
	fmt.Fprintf(w, "  claims:       %s\n", stateList(c.claimStates, []string{outcomes.Approved, outcomes.Submitted, outcomes.ChangesRequested, outcomes.Rejected}))
	fmt.Fprintf(w, "  milestones %d, claim history %d, evidence %d\n", c.milestones, c.history, c.evidence)
	fmt.Fprintf(w, "  ledger: %d commitments, %d accruals, %d releases; %d audit events\n", c.commitments, c.accruals, c.releases, c.events)
	fmt.Fprintf(w, "  %d providers with one contract each over %d budgets; users log in with tokens (tranche token create)\n", len(g.providers), len(g.budgets))
}

func stateList(m map[string]int, order []string) string {
	s := ""
	for i, k := range order {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, m[k])
	}
	return s
}

// --- the small things, through the domain services ---

// plan assigns each trajectory its provider: participant i has one, and
// about six in ten a second with another provider.
func (g *generator) plan(i, k int) (int, bool) {
	if k == 1 && g.pick('2', i, 100) >= 60 {
		return 0, false
	}
	p := g.pick(byte('a'+k), i, genProviders)
	if k == 1 {
		first := g.pick('a', i, genProviders)
		if p == first {
			p = (p + 1 + g.pick('s', i, genProviders-1)) % genProviders
		}
	}
	return p, true
}

func (g *generator) setup() error {
	ctx := g.ctx
	acc := access.NewService(g.db.Gorm)
	pool := pooling.NewService(g.db.Gorm).WithClock(g.now)
	con := contracts.NewService(g.db.Gorm).UseFunds(pool)
	sys := access.System("generate")
	user := func(email, name string, role access.Role, kvk string) (access.Actor, error) {
		u, err := acc.CreateUser(ctx, sys, access.NewUser{Email: email, Name: name, Roles: []access.Role{role}, ProviderKVK: kvk})
		if err != nil {
			return access.Actor{}, fmt.Errorf("user %s: %w", email, err)
		}
		return acc.ActorByID(ctx, u.ID)
	}
	for _, x := range []struct {
		dst         *access.Actor
		email, name string
		role        access.Role
	}{
		{nil, "beheer@generated.example", "Applicatiebeheer", access.Admin},
		{&g.procurement, "inkoop@generated.example", "Inkoop", access.Procurement},
		{&g.casemgr, "loods@generated.example", "Loods", access.CaseManager},
		{&g.verifier, "toetsing@generated.example", "Toetsing", access.Verifier},
		{nil, "financien@generated.example", "Financiën", access.Finance},
		{nil, "accountant@generated.example", "Accountant", access.Auditor},
	} {
		a, err := user(x.email, x.name, x.role, "")
		if err != nil {
			return err
		}
		if x.dst != nil {
			*x.dst = a
		}
	}

	templates := (&demo{}).contractPlan()
	g.providers = make([]genProvider, genProviders)
	for p := range g.providers {
		g.providers[p].product = templates[p%len(templates)].product
	}
	// The plan: which provider each trajectory goes to, and so what each
	// budget and category may have to commit at most.
	demand := map[[2]int]decimal.Decimal{} // (budget, category index) → sum of prices
	categories := []string{"language", "civic_integration", "social_guidance", "reintegration", "dual_trajectory", "care"}
	catIndex := map[string]int{}
	for i, c := range categories {
		catIndex[c] = i
	}
	for i := 0; i < g.n; i++ {
		for k := 0; k < 2; k++ {
			p, ok := g.plan(i, k)
			if !ok {
				continue
			}
			pr := &g.providers[p]
			pr.assigned++
			pr.grossCost = pr.grossCost.Add(pr.product.Price)
			key := [2]int{p % genBudgets, catIndex[pr.product.CategoryCode]}
			demand[key] = demand[key].Add(pr.product.Price)
		}
	}

	y := g.year
	from, to := fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y)
	for b := 0; b < genBudgets; b++ {
		budget, err := pool.CreateBudget(ctx, g.procurement, pooling.CreateBudgetInput{Name: fmt.Sprintf("Integratie regio %s %d", genRegions[b], y),
			PeriodStart: from, PeriodEnd: to})
		if err != nil {
			return err
		}
		g.budgets = append(g.budgets, budget.ID)
	}
	// Earmarked streams cover part of what their categories may need; the
	// own funds (unrestricted) cover the rest with a margin, so that the
	// policy spills from earmarked streams to own funds but no start is
	// refused for want of money.
	d := func(b int, cat string, pct int64) decimal.Decimal {
		return demand[[2]int{b, catIndex[cat]}].Mul(decimal.NewFromInt(pct)).Div(decimal.NewFromInt(100))
	}
	type stream struct {
		funder, name, code string
		earmark            []string
		per                func(b int) decimal.Decimal
	}
	streams := []stream{
		{"Ministerie van SZW", "Rijksbijdrage inburgering", "INB", []string{"language", "civic_integration"},
			func(b int) decimal.Decimal { return d(b, "language", 35).Add(d(b, "civic_integration", 70)) }},
		{"Ministerie van SZW", "Re-integratiebudget (werkdeel)", "WWB-W", []string{"reintegration", "dual_trajectory"},
			func(b int) decimal.Decimal { return d(b, "reintegration", 70).Add(d(b, "dual_trajectory", 70)) }},
		{"Ministerie van OCW", "Volwasseneneducatie (WEB)", "WEB", []string{"language"},
			func(b int) decimal.Decimal { return d(b, "language", 40) }},
		{"Europese Unie (EFRO)", "Vrouwenprogramma", "EFRO-VP", []string{"social_guidance"},
			func(b int) decimal.Decimal { return d(b, "social_guidance", 70) }},
	}
	own := func(b int) decimal.Decimal {
		total := decimal.Zero
		for c := range categories {
			total = total.Add(demand[[2]int{b, c}])
		}
		for _, s := range streams[:4] {
			total = total.Sub(roundUpThousand(s.per(b)))
		}
		return total.Mul(decimal.RequireFromString("1.05"))
	}
	streams = append(streams, stream{"Gemeenten", "Eigen middelen", "EM", nil, own})
	for _, s := range streams {
		amounts := make([]decimal.Decimal, genBudgets)
		total := decimal.Zero
		for b := range amounts {
			amounts[b] = roundUpThousand(s.per(b))
			total = total.Add(amounts[b])
		}
		if !total.IsPositive() {
			continue
		}
		st, err := pool.CreateFundingStream(ctx, g.procurement, pooling.CreateFundingStreamInput{Funder: s.funder, Name: s.name,
			ReportingCode: fmt.Sprintf("%s-%d-G", s.code, y), Amount: total.StringFixed(2), ValidFrom: from, ValidTo: to,
			Earmark: s.earmark, Unrestricted: s.earmark == nil})
		if err != nil {
			return fmt.Errorf("stream %s: %w", s.code, err)
		}
		for b, a := range amounts {
			if !a.IsPositive() {
				continue
			}
			if _, err := pool.Allocate(ctx, g.procurement, pooling.AllocateInput{BudgetID: g.budgets[b], FundingStreamID: st.ID, Amount: a.StringFixed(2)}); err != nil {
				return err
			}
		}
	}

	for p := range g.providers {
		pr := &g.providers[p]
		tpl := templates[p%len(templates)]
		kvk := fmt.Sprintf("91%06d", p+1)
		region := genRegions[p%genBudgets]
		name := fmt.Sprintf("Aanbieder %02d %s, regio %s (synthetisch)", p+1, tpl.title, region)
		prov, err := con.RegisterProvider(ctx, g.procurement, contracts.ProviderInput{KVK: kvk, LegalName: name, IBAN: demoIBAN(5000 + p),
			AddressLine1: fmt.Sprintf("Stationsplein %d", p+1), Postcode: fmt.Sprintf("%04d AB", 1000+p*100), City: genMunicipalities[p%genBudgets][0],
			ContactName: "Contactpersoon aanbieder " + fmt.Sprint(p+1), ContactEmail: fmt.Sprintf("aanbieder%02d@generated.example", p+1)})
		if err != nil {
			return fmt.Errorf("provider %d: %w", p+1, err)
		}
		pr.id, pr.budget = prov.ID, g.budgets[p%genBudgets]
		if pr.user, err = user(fmt.Sprintf("medewerker%02d@generated.example", p+1), "Medewerker aanbieder "+fmt.Sprint(p+1), access.Provider, kvk); err != nil {
			return err
		}
		capacity := max(pr.assigned, 1)
		ceiling := roundUpThousand(decimal.Max(pr.grossCost, pr.product.Price))
		budget := pr.budget
		detail, err := con.CreateContract(ctx, g.procurement, contracts.ContractInput{ProviderID: prov.ID,
			Reference: fmt.Sprintf("GEN-%02d-%s-%d", p+1, tpl.product.Code, y), Title: tpl.title,
			PeriodStart: g.yearStart, PeriodEnd: g.asOf, Ceiling: ceiling, Capacity: capacity, VATExempt: true, BudgetID: &budget,
			Products: []contracts.Product{tpl.product}})
		if err != nil {
			return fmt.Errorf("contract of provider %d: %w", p+1, err)
		}
		if _, err := con.ActivateContract(ctx, g.procurement, detail.ID); err != nil {
			return err
		}
		pr.contract = detail.ID
		// The terms and the schedule a start reads, as a start reads them.
		err = database.Transaction(ctx, g.db.Gorm, func(tx *gorm.DB) error {
			if pr.terms, err = contracts.LockForStart(ctx, tx, detail.ID); err != nil {
				return err
			}
			pr.product, err = contracts.VersionSchedule(ctx, tx, pr.terms.VersionID, tpl.product.Code)
			return err
		})
		if err != nil {
			return err
		}
	}
	var err error
	g.settings, err = outcomes.NewService(g.db.Gorm, pool).Settings(ctx)
	return err
}

func roundUpThousand(d decimal.Decimal) decimal.Decimal {
	k := decimal.NewFromInt(1000)
	return d.Div(k).Ceil().Mul(k)
}

// --- the bulk, played in memory ---

// genEvent is an audit event for one generated change of state.
type genEvent struct {
	actor                        access.Actor
	action, entityType, entityID string
}

func (g *generator) event(a access.Actor, action, entityType string, id uuid.UUID) {
	g.events = append(g.events, genEvent{actor: a, action: action, entityType: entityType, entityID: id.String()})
}

const (
	genNote          = "Behaald volgens het dossier."
	genDeclineReason = "geen plaats in de groep"
	genTermReason    = "Verhuisd naar een andere gemeente."
	genRejectNote    = "Het bewijs toont het resultaat niet aan."
	genChangesNote   = "Voeg het getekende bewijsstuk toe."
)

var genPDFSum = sha256.Sum256(demoPDF)

// play builds the rows of participants from..to-1 and their trajectories.
func (g *generator) play(from, to int) error {
	span := 290 * 24 * time.Hour
	for i := from; i < to; i++ {
		r := rand.New(rand.NewPCG(g.seed, uint64(i)))
		created := at(r, g.yearStart.Add(time.Duration(int64(span)/int64(g.n)*int64(i))))
		female := r.IntN(100) < 52
		given, gender := demoGivenMale[r.IntN(len(demoGivenMale))], "male"
		if female {
			given, gender = demoGivenFemale[r.IntN(len(demoGivenFemale))], "female"
		}
		dob := time.Date(1955+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		arrival := dateOnly(created).AddDate(0, -r.IntN(36), -r.IntN(28))
		bsn := demoBSN(i)
		budget := g.pick('a', i, genProviders) % genBudgets
		cm := g.casemgr
		p := outcomes.Participant{ID: g.id('p', uint64(i), created), GivenNames: given, FamilyName: demoFamily[r.IntN(len(demoFamily))],
			DateOfBirth: &dob, Gender: gender, BSN: &bsn, ArrivalDate: &arrival, StatusGroup: demoStatusGroups[r.IntN(len(demoStatusGroups))],
			Municipality: genMunicipalities[budget][r.IntN(4)], CreatedBy: &cm.UserID, CreatedAt: created}
		g.rows.AddParticipant(p, g.year, i+1)
		g.event(cm, "participant.create", "participant", p.ID)
		g.counts.participants++
		referred := at(r, created.AddDate(0, 0, 1+r.IntN(20)))
		for k := 0; k < 2; k++ {
			prov, ok := g.plan(i, k)
			if !ok {
				break
			}
			if k == 1 {
				referred = at(r, referred.AddDate(0, 0, 20+r.IntN(70)))
			}
			if !dateOnly(referred).Before(g.asOf) {
				break
			}
			if err := g.trajectory(r, uint64(i*2+k), p.ID, &g.providers[prov], referred); err != nil {
				return err
			}
		}
	}
	return nil
}

// trajectory plays one referral: what the case manager, the provider and
// the verifier did, and what the expiry run released, up to 31 December.
// Every change of state is the domain's own plan (outcomes.PlanStart,
// PlanSubmit, PlanApprove …) on the values played so far, so generated rows
// follow the rules and settings the use cases apply; a plan that refuses
// is a fault in the scenario, and generation stops with it.
func (g *generator) trajectory(r *rand.Rand, j uint64, participant uuid.UUID, pr *genProvider, referred time.Time) error {
	t := outcomes.Trajectory{ID: g.id('t', j, referred), ParticipantID: participant, ContractID: pr.contract, ProviderID: pr.id,
		ProductCode: pr.product.Code, State: outcomes.Referred, ReferredBy: &g.casemgr.UserID, ReferredAt: referred, UpdatedAt: referred}
	g.event(g.casemgr, "trajectory.refer", "trajectory", t.ID)
	g.counts.trajectories++
	var ms []outcomes.TrajectoryMilestone
	defer func() {
		g.rows.AddTrajectory(t, ms)
		g.counts.trajectoryStates[t.State]++
		g.counts.milestones += len(ms)
	}()
	roll := r.IntN(100)
	switch {
	case roll < 3 || !dateOnly(referred).AddDate(0, 0, 7).Before(g.asOf):
		return nil // the provider has not answered yet
	case roll < 6:
		declined, err := outcomes.PlanDecline(t, genDeclineReason, at(r, referred.AddDate(0, 0, 1+r.IntN(5))))
		if err != nil {
			return fmt.Errorf("decline trajectory %s: %w", t.ID, err)
		}
		t = declined
		g.event(pr.user, "trajectory.decline", "trajectory", t.ID)
		return nil
	}
	started := at(r, referred.AddDate(0, 0, 3+r.IntN(10)))
	if dateOnly(started).After(g.asOf) {
		return nil // it would start after 31 December: the referral waits
	}
	start, err := outcomes.PlanStart(t, outcomes.StartFacts{Terms: pr.terms, Product: pr.product, Running: pr.running, Exposure: pr.exposure},
		started, started)
	if err != nil {
		return fmt.Errorf("start trajectory %s: %w", t.ID, err)
	}
	txn := uint64(0)
	nextTx := func(when time.Time) uuid.UUID {
		txn++
		return g.id('x', j*64+txn, when)
	}
	_, label := pr.user.AuditIdentity()
	c, ok, err := g.ledger.Reserve(pooling.ReserveInput{BudgetID: pr.budget, Category: pr.product.CategoryCode, Amount: pr.product.Price,
		Reference: t.ID, ContractID: pr.contract, ProviderID: pr.id}, g.id('c', j, started), nextTx(started), started, label)
	if err != nil {
		return err
	}
	if !ok {
		return nil // the budget cannot pay for it: the start is refused and the referral waits
	}
	g.event(pr.user, "commitment.reserve", "commitment", c.ID)
	g.counts.commitments++
	t, ms = start.Trajectory, start.Milestones
	pr.running++
	pr.exposure = start.Exposure
	g.event(pr.user, "trajectory.start", "trajectory", t.ID)
	ended := func() { pr.running-- }

	pending := map[string]bool{}
	startDate, lastDecision := *t.StartDate, started
	prev := startDate
	for mi := range ms {
		m := &ms[mi]
		achieved := prev.AddDate(0, 0, 10+r.IntN(31))
		if !achieved.Before(g.asOf.AddDate(0, 0, -2)) || achieved.After(m.Deadline) || r.IntN(100) < 3 {
			break
		}
		submitted := at(r, achieved.AddDate(0, 0, 1+r.IntN(7)))
		if submitted.After(g.asOf.Add(17 * time.Hour)) {
			submitted = at(r, g.asOf)
		}
		in := outcomes.SubmitInput{TrajectoryID: t.ID, MilestoneCode: m.Code, AchievedOn: achieved, Note: genNote}
		if m.EvidenceRequired {
			in.Evidence = []outcomes.File{{Name: m.Code + "-bewijs.pdf", Data: demoPDF}}
		}
		sub, err := outcomes.PlanSubmit(t, ms, false, in, g.settings, pr.user, g.id('k', j*8+uint64(mi), submitted), submitted)
		if err != nil {
			return fmt.Errorf("claim %s of trajectory %s: %w", m.Code, t.ID, err)
		}
		claim, history := sub.Claim, []outcomes.HistoryEntry{sub.History}
		g.event(pr.user, "claim.submit", "claim", claim.ID)
		decided := at(r, submitted.AddDate(0, 0, 2+r.IntN(14)))
		verdict := r.IntN(100)
		stop := true
		var h outcomes.HistoryEntry
		switch {
		case decided.After(g.asOf.Add(17 * time.Hour)):
			pending[m.Code] = true // waits for the verifier
		case verdict < 92:
			plan, err := outcomes.PlanApprove(claim, *m, g.settings, g.verifier, "", "verifier", decided)
			if err == nil && !plan.Final {
				err = fmt.Errorf("it needs a second verifier (the generator has one)")
			}
			if err != nil {
				return fmt.Errorf("approve claim %s: %w", claim.ID, err)
			}
			if _, err := g.ledger.Accrue(t.ID, claim.ID, nextTx(decided), m.Amount, decided, plan.History.Actor); err != nil {
				return err
			}
			g.counts.accruals++
			m.State = outcomes.VerifiedMilestone
			claim, h = plan.Claim, plan.History
			g.event(g.verifier, "claim.approve", "claim", claim.ID)
			prev, lastDecision, stop = achieved, decided, false
		case verdict < 96:
			if claim, h, err = outcomes.PlanReject(claim, g.verifier, "insufficient_evidence", genRejectNote, decided); err != nil {
				return fmt.Errorf("reject claim %s: %w", claim.ID, err)
			}
			g.event(g.verifier, "claim.reject", "claim", claim.ID)
		default:
			if claim, h, err = outcomes.PlanRequestChanges(claim, g.verifier, genChangesNote, decided); err != nil {
				return fmt.Errorf("ask changes to claim %s: %w", claim.ID, err)
			}
			g.event(g.verifier, "claim.request_changes", "claim", claim.ID)
			pending[m.Code] = true
		}
		if h.Action != "" {
			history = append(history, h)
		}
		g.rows.AddClaim(claim, history, sub.Evidence)
		g.counts.claims++
		g.counts.claimStates[claim.State]++
		g.counts.history += len(history)
		g.counts.evidence += len(sub.Evidence)
		if stop {
			break
		}
	}

	isPending := func(code string) bool { return pending[code] }
	release := func(when time.Time, actor access.Actor, before *time.Time) error {
		_, total := outcomes.PlanRelease(ms, isPending, before, when)
		if !total.IsPositive() {
			return nil
		}
		_, lbl := actor.AuditIdentity()
		if _, err := g.ledger.Release(t.ID, nextTx(when), total, when, lbl); err != nil {
			return err
		}
		pr.exposure = pr.exposure.Sub(total)
		g.counts.releases++
		return nil
	}
	complete := func(when time.Time, actor access.Actor) bool {
		done := false
		if t, done = outcomes.PlanComplete(t, outcomes.OpenCount(ms), when); done {
			g.event(actor, "trajectory.complete", "trajectory", t.ID)
			ended()
		}
		return done
	}
	if complete(lastDecision, g.verifier) {
		return nil
	}
	if len(pending) == 0 && r.IntN(100) < 6 {
		when := at(r, dateOnly(lastDecision).AddDate(0, 0, 5+r.IntN(30)))
		if !when.After(g.asOf.Add(17 * time.Hour)) {
			terminated, err := outcomes.PlanTerminate(t, genTermReason, int64(len(pending)), when)
			if err != nil {
				return fmt.Errorf("terminate trajectory %s: %w", t.ID, err)
			}
			if err := release(when, g.casemgr, nil); err != nil {
				return err
			}
			t = terminated
			g.event(g.casemgr, "trajectory.terminate", "trajectory", t.ID)
			ended()
			return nil
		}
	}
	// The hourly expiry run released every milestone whose deadline passed
	// before 31 December with nothing claimed or pending on it, on the day
	// after each deadline, and completed the trajectory when nothing was
	// left open.
	expiry := access.System("expiry")
	byDeadline := slices.Clone(ms)
	slices.SortStableFunc(byDeadline, func(a, b outcomes.TrajectoryMilestone) int { return a.Deadline.Compare(b.Deadline) })
	for _, m := range byDeadline {
		if i := slices.IndexFunc(ms, func(x outcomes.TrajectoryMilestone) bool { return x.Code == m.Code }); ms[i].State != outcomes.OpenMilestone {
			continue // released with an earlier one of the same deadline
		}
		if m.State != outcomes.OpenMilestone || pending[m.Code] || !m.Deadline.Before(g.asOf) {
			continue
		}
		day := m.Deadline.AddDate(0, 0, 1)
		if err := release(day.Add(time.Hour), expiry, &day); err != nil {
			return err
		}
		if complete(day.Add(time.Hour), expiry) {
			return nil
		}
	}
	return nil
}

// --- writing a batch ---

// write copies the batch in one transaction on conn: the rows, the ledger
// with its balances, an audit event for every change of state played, and
// one audit event per table for the batch.
func (g *generator) write(conn *sql.Conn, b, from, to int) error {
	ctx := g.ctx
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = sqlTx.Rollback() }()
	// Batch statements are slow by design; they are not slow queries to log.
	tx := g.db.Gorm.Session(&gorm.Session{NewDB: true, Context: ctx, Logger: logger.Discard})
	tx.Statement.ConnPool = sqlTx
	cp := copyOn(conn)
	counts := g.rows.Counts()
	ledgerCounts := map[string]int{"commitments": g.ledger.Reserved, "accruals": g.ledger.Accrued, "releases": g.ledger.Released}
	if err := g.rows.Flush(ctx, tx, cp); err != nil {
		return err
	}
	if err := g.ledger.Flush(ctx, tx, cp); err != nil {
		return err
	}
	n, err := writeEvents(ctx, tx, g.events, map[string]any{"seed": g.seed, "batch": b + 1})
	if err != nil {
		return err
	}
	g.counts.events += n
	g.events = g.events[:0]
	sys := access.System("generate")
	for _, table := range []string{"participants", "trajectories", "trajectory_milestones", "claims", "claim_history", "evidence"} {
		if err := g.batchEvent(ctx, tx, sys, table, from, to, counts[table]); err != nil {
			return err
		}
	}
	for _, what := range []string{"commitments", "accruals", "releases"} {
		if err := g.batchEvent(ctx, tx, sys, what, from, to, ledgerCounts[what]); err != nil {
			return err
		}
	}
	// The spending alert, as each start notes it.
	pool := pooling.NewService(g.db.Gorm)
	for _, pr := range g.providers {
		if g.alerted[pr.contract] {
			continue
		}
		committed, payable, paid, err := pool.Exposure(ctx, tx, pr.contract)
		if err != nil {
			return err
		}
		raised, err := contracts.NoteSpending(ctx, tx, pr.user, pr.contract, committed.Add(payable).Add(paid))
		if err != nil {
			return err
		}
		g.alerted[pr.contract] = raised
	}
	return sqlTx.Commit()
}

func (g *generator) batchEvent(ctx context.Context, tx *gorm.DB, sys access.Actor, what string, from, to, count int) error {
	if count == 0 {
		return nil
	}
	g.counts.events++
	return audit.Record(ctx, tx, sys, audit.Event{Action: "generate." + what, EntityType: "generate", EntityID: what,
		After: map[string]any{"seed": g.seed, "participants": g.n, "from": from + 1, "to": to, "count": count}})
}
