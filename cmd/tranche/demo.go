package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// demoPassword is every demo user's password; the demo is for trying
// Tranche out, never for real data.
const demoPassword = "tranche-demo-2005"

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--reset] [--seed N]")
	reset := fs.Bool("reset", false, "drop everything in the database first (all data is lost)")
	seed := fs.Uint64("seed", 2005, "seed of the scenario's random choices")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	db, stop, err := openEmptyDB(ctx, e, "demo", "the demo", *reset)
	if err != nil {
		return err
	}
	defer stop()
	return loadDemo(ctx, e, db, *seed)
}

// openEmptyDB opens the database for a command that loads data into it
// (demo, generate), as the schema's owner: with reset it drops everything first; it applies the
// migrations and refuses, naming --reset, a database that holds data
// already. what names what the command loads, for the message.
func openEmptyDB(ctx context.Context, e *env, command, what string, reset bool) (*database.DB, func(), error) {
	db, stop, err := openOwnerDB(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*database.DB, func(), error) {
		stop()
		return nil, nil, err
	}
	if reset {
		if err := db.Gorm.WithContext(ctx).Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`).Error; err != nil {
			return fail(fmt.Errorf("reset: %w", err))
		}
	}
	if _, err := migrateAndGrant(ctx, e, db, nil); err != nil {
		return fail(err)
	}
	empty, err := databaseEmpty(ctx, db)
	if err != nil {
		return fail(err)
	}
	if !empty {
		fmt.Fprintf(e.stderr, "tranche %s: the database holds data already; %s loads only into an empty database.\n", command, what)
		fmt.Fprintf(e.stderr, "Use `tranche %s --reset` to drop everything and load %s (all data is lost).\n", command, what)
		return fail(errUsage)
	}
	return db, stop, nil
}

// databaseEmpty reports whether the database has no users, streams or providers yet.
func databaseEmpty(ctx context.Context, db *database.DB) (bool, error) {
	var used struct{ N int64 }
	err := db.Gorm.WithContext(ctx).Raw(`SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM funding_streams) + (SELECT count(*) FROM providers) AS n`).Scan(&used).Error
	return used.N == 0, err
}

// loadDemo loads the scenario into a migrated, empty database and prints the logins.
func loadDemo(ctx context.Context, e *env, db *database.DB, seed uint64) error {
	start := time.Now()
	d := &demo{ctx: ctx, db: db, rnd: rand.New(rand.NewPCG(seed, 2005)), today: dateOnly(time.Now().UTC())}
	d.clock = d.today.Add(9 * time.Hour)
	if err := d.load(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Loaded the demo scenario in %s: %d participants, %d trajectories, %d claims.\n\n",
		time.Since(start).Round(100*time.Millisecond), d.counts.participants, d.counts.trajectories, d.counts.claims)
	fmt.Fprintf(e.stdout, "Log in at http://localhost:8080 with password %q as:\n", demoPassword)
	for _, l := range d.logins {
		fmt.Fprintf(e.stdout, "  %-44s %s\n", l[0], l[1])
	}
	return nil
}

type demo struct {
	ctx    context.Context
	db     *database.DB
	rnd    *rand.Rand
	today  time.Time
	clock  time.Time
	logins [][2]string

	pool *pooling.Service
	con  *contracts.Service
	out  *outcomes.Service
	acc  *access.Service

	admin, procurement, casemanager, verifier, verifier2, finance, finance2, auditor access.Actor
	procurement2, evaluator1, evaluator2                                             access.Actor
	proc                                                                             *procurement.Service
	providers                                                                        map[string]access.Actor // by login
	budget                                                                           uuid.UUID
	plan                                                                             []*demoContract
	counts                                                                           struct{ participants, trajectories, claims int }
}

func (d *demo) now() time.Time { return d.clock }

func (d *demo) at(day time.Time) {
	d.clock = day.Add(9*time.Hour + time.Duration(d.rnd.IntN(8*3600))*time.Second)
}

func (d *demo) load() error {
	d.acc = access.NewService(d.db.Gorm)
	d.pool = pooling.NewService(d.db.Gorm).WithClock(d.now)
	d.con = contracts.NewService(d.db.Gorm).UseFunds(d.pool)
	d.out = outcomes.NewService(d.db.Gorm, pooling.NewService(d.db.Gorm)).WithClock(d.now)
	d.proc = procurement.NewService(d.db.Gorm, d.pool).WithClock(d.now)
	steps := []func() error{d.users, d.procurementUsers, d.funding, d.contracts, d.settings, d.people, d.runningTenders}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) user(email, name string, roles []access.Role, kvk string) (access.Actor, error) {
	u, err := d.acc.CreateUser(d.ctx, access.System("demo"), access.NewUser{Email: email, Name: name, Password: demoPassword, Roles: roles, ProviderKVK: kvk})
	if err != nil {
		return access.Actor{}, fmt.Errorf("demo user %s: %w", email, err)
	}
	roleNames := ""
	for i, r := range roles {
		if i > 0 {
			roleNames += ", "
		}
		roleNames += string(r)
	}
	d.logins = append(d.logins, [2]string{email, roleNames})
	return d.acc.ActorByID(d.ctx, u.ID)
}

func (d *demo) users() error {
	var err error
	type u struct {
		dst   *access.Actor
		email string
		name  string
		role  access.Role
	}
	for _, x := range []u{
		{&d.admin, "beheer@enschede.example", "Applicatiebeheer", access.Admin},
		{&d.procurement, "inkoop@enschede.example", "Ingrid Inkoop", access.Procurement},
		{&d.casemanager, "loods@enschede.example", "Lotte Loods", access.CaseManager},
		{&d.verifier, "toetsing@enschede.example", "Tom Toetser", access.Verifier},
		{&d.verifier2, "toetsing2@enschede.example", "Tessa Toetser", access.Verifier},
		{&d.finance, "financien@enschede.example", "Frank Financiën", access.Finance},
		{&d.finance2, "financien2@enschede.example", "Femke Financiën", access.Finance},
		{&d.auditor, "accountant@enschede.example", "Anouk Accountant", access.Auditor},
	} {
		if *x.dst, err = d.user(x.email, x.name, []access.Role{x.role}, ""); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) funding() error {
	y := d.today.Year()
	from, to := fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-12-31", y)
	type s struct {
		funder, name, code, amount string
		earmark                    []string
	}
	budget, err := d.pool.CreateBudget(d.ctx, d.procurement, pooling.CreateBudgetInput{Name: fmt.Sprintf("Integratie en participatie %d", y), PeriodStart: from, PeriodEnd: to})
	if err != nil {
		return err
	}
	d.budget = budget.ID
	for _, x := range []s{
		{"Ministerie van Justitie", "Rijksbijdrage inburgering", "INB", "1200000.00", []string{"language", "civic_integration"}},
		{"Ministerie van SZW", "Re-integratiebudget (werkdeel)", "WWB-W", "800000.00", []string{"reintegration", "dual_trajectory"}},
		{"Ministerie van OCW", "Volwasseneneducatie (WEB)", "WEB", "400000.00", []string{"language"}},
		{"Europese Unie (EFRO, INTERREG IIIA)", "Vrouwenprogramma Euregio", "EFRO-VP", "150000.00", []string{"social_guidance"}},
		{"Gemeente Enschede", "Eigen middelen", "EM", "250000.00", nil},
	} {
		st, err := d.pool.CreateFundingStream(d.ctx, d.procurement, pooling.CreateFundingStreamInput{Funder: x.funder, Name: x.name,
			ReportingCode: fmt.Sprintf("%s-%d", x.code, y), Amount: x.amount, ValidFrom: from, ValidTo: to, Earmark: x.earmark, Unrestricted: x.earmark == nil})
		if err != nil {
			return fmt.Errorf("demo stream %s: %w", x.code, err)
		}
		if _, err := d.pool.Allocate(d.ctx, d.procurement, pooling.AllocateInput{BudgetID: budget.ID, FundingStreamID: st.ID, Amount: x.amount}); err != nil {
			return err
		}
	}
	return nil
}

func pct(s string) *decimal.Decimal {
	v := decimal.RequireFromString(s)
	return &v
}

func ms(code, name, domain, share string, months int, evidence bool, pre ...string) contracts.Milestone {
	return contracts.Milestone{Code: code, Name: name, OutcomeDomain: domain, Share: pct(share), DeadlineMonths: months,
		EvidenceRequired: evidence, Prerequisites: contracts.Codes(pre)}
}

// demoContract is what each provider sells, with its weight among referrals.
type demoContract struct {
	provider  string // login
	title     string
	capacityN int
	product   contracts.Product
	referrals int
	id        uuid.UUID
}

func (d *demo) contractPlan() []*demoContract {
	return []*demoContract{
		{provider: "roc", title: "Taaltrajecten NT2", capacityN: 90, referrals: 70,
			product: contracts.Product{Code: "NT2-A2", Name: "Taaltraject NT2 tot A2", CategoryCode: "language", Price: decimal.RequireFromString("2450.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake en leerplan", contracts.DomainIntake, "10", 3, false),
					ms("a2", "Taalniveau A2 behaald", contracts.DomainLanguage, "40", 14, true, "intake"),
					ms("knm", "Examen Kennis van de Nederlandse Maatschappij", contracts.DomainLanguage, "20", 16, true, "intake"),
					ms("start", "Startkwalificatie of werk", contracts.DomainParticipation, "30", 24, true, "a2"),
				}}},
		{provider: "saxion", title: "Duale trajecten hoger opgeleiden", capacityN: 30, referrals: 20,
			product: contracts.Product{Code: "DUAAL", Name: "Duaal traject taal en werk", CategoryCode: "dual_trajectory", Price: decimal.RequireFromString("3800.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake", contracts.DomainIntake, "10", 3, false),
					ms("b1", "Taalniveau B1 behaald", contracts.DomainLanguage, "30", 14, true, "intake"),
					ms("stage", "Werkervaringsplaats gestart", contracts.DomainLabour, "30", 14, true, "intake"),
					ms("baan", "Baan gevonden", contracts.DomainLabour, "30", 24, true, "stage"),
				}}},
		{provider: "welzijn", title: "Vrouwenprogramma (maatschappelijke begeleiding)", capacityN: 45, referrals: 30,
			product: contracts.Product{Code: "MB-V", Name: "Maatschappelijke begeleiding vrouwen", CategoryCode: "social_guidance", Price: decimal.RequireFromString("1200.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake en persoonlijk plan", contracts.DomainIntake, "20", 3, false),
					ms("netwerk", "Sociaal netwerk opgebouwd", contracts.DomainSocial, "40", 10, false, "intake"),
					ms("meedoen", "Deelname aan vrijwilligerswerk of opleiding", contracts.DomainParticipation, "40", 15, true, "netwerk"),
				}}},
		{provider: "vluchtelingenwerk", title: "Inburgering en begeleiding statushouders", capacityN: 45, referrals: 35,
			product: contracts.Product{Code: "INB", Name: "Inburgeringstraject met begeleiding", CategoryCode: "civic_integration", Price: decimal.RequireFromString("1800.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake", contracts.DomainIntake, "15", 3, false),
					ms("knm", "Examen KNM behaald", contracts.DomainLanguage, "35", 12, true, "intake"),
					ms("participatie", "Participatieverklaring en maatschappelijke stage", contracts.DomainParticipation, "50", 18, true, "intake"),
				}}},
		{provider: "tactus", title: "Verslavingszorg bij inburgering", capacityN: 15, referrals: 12,
			product: contracts.Product{Code: "ZORG", Name: "Behandeltraject verslavingszorg", CategoryCode: "care", Price: decimal.RequireFromString("3000.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake en behandelplan", contracts.DomainIntake, "20", 2, false),
					ms("behandeling", "Behandeling afgerond", contracts.DomainSocial, "40", 9, true, "intake"),
					ms("stabiel", "Zes maanden stabiel", contracts.DomainParticipation, "40", 16, true, "behandeling"),
				}}},
		{provider: "twentewerkt", title: "Re-integratie naar werk", capacityN: 45, referrals: 40,
			product: contracts.Product{Code: "REINT", Name: "Re-integratietraject", CategoryCode: "reintegration", Price: decimal.RequireFromString("4000.00"),
				Milestones: []contracts.Milestone{
					ms("intake", "Intake", contracts.DomainIntake, "15", 2, false),
					ms("baan", "Baan gestart", contracts.DomainLabour, "35", 10, true, "intake"),
					ms("duurzaam", "Baan behouden 26 weken", contracts.DomainLabour, "50", 18, true, "baan"),
				}}},
	}
}

func (d *demo) contracts() error {
	d.providers = map[string]access.Actor{}
	d.plan = d.contractPlan()
	for i, p := range demoProviders {
		_, err := d.con.RegisterProvider(d.ctx, d.procurement, contracts.ProviderInput{KVK: p.kvk, LegalName: p.name, IBAN: demoIBAN(1000 + i),
			AddressLine1: p.street, Postcode: p.postcode, City: p.city, ContactName: "Contactpersoon " + p.name,
			ContactEmail: p.login + "@demo-aanbieder.example", ContactPhone: "053 000 00" + fmt.Sprint(10+i)})
		if err != nil {
			return fmt.Errorf("demo provider %s: %w", p.name, err)
		}
		a, err := d.user(p.login+"@demo-aanbieder.example", "Medewerker "+p.name, []access.Role{access.Provider}, p.kvk)
		if err != nil {
			return err
		}
		d.providers[p.login] = a
	}
	return d.boughtContracts()
}

func (d *demo) settings() error {
	_, err := d.out.UpdateSettings(d.ctx, d.admin, 10, "1000.00", 14)
	return err
}

// demoPDF is the evidence every demo claim carries.
var demoPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func (d *demo) people() error {
	y := d.today.Year()
	yearStart := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	var referrals []*demoContract
	for _, c := range d.plan {
		for i := 0; i < c.referrals; i++ {
			referrals = append(referrals, c)
		}
	}
	d.rnd.Shuffle(len(referrals), func(i, j int) { referrals[i], referrals[j] = referrals[j], referrals[i] })
	const participants = 250
	for i := 0; i < participants; i++ {
		female := d.rnd.IntN(100) < 55
		given := demoGivenMale[d.rnd.IntN(len(demoGivenMale))]
		gender := "male"
		if female {
			given, gender = demoGivenFemale[d.rnd.IntN(len(demoGivenFemale))], "female"
		}
		arrival := yearStart.AddDate(0, -d.rnd.IntN(30), -d.rnd.IntN(28))
		d.at(arrival.AddDate(0, 0, 10))
		if d.clock.After(d.today) {
			d.at(d.today)
		}
		dob := time.Date(1950+d.rnd.IntN(55), time.Month(1+d.rnd.IntN(12)), 1+d.rnd.IntN(28), 0, 0, 0, 0, time.UTC)
		p, err := d.out.CreateParticipant(d.ctx, d.casemanager, outcomes.ParticipantInput{GivenNames: given,
			FamilyName: demoFamily[d.rnd.IntN(len(demoFamily))], DateOfBirth: dob.Format(time.DateOnly), Gender: gender, BSN: demoBSN(i),
			ArrivalDate: arrival.Format(time.DateOnly), StatusGroup: demoStatusGroups[d.rnd.IntN(len(demoStatusGroups))], Municipality: "Enschede"})
		if err != nil {
			return fmt.Errorf("demo participant: %w", err)
		}
		d.counts.participants++
		if i >= len(referrals) {
			continue // not (yet) referred
		}
		if err := d.trajectory(p, referrals[i], yearStart); err != nil {
			return err
		}
	}
	return d.finish()
}

// trajectory refers a participant and plays out what happened since.
func (d *demo) trajectory(p outcomes.ParticipantView, c *demoContract, yearStart time.Time) error {
	span := int(d.today.Sub(yearStart).Hours()/24) - 14
	if span < 30 {
		span = 30
	}
	referred := yearStart.AddDate(0, 0, d.rnd.IntN(span))
	d.at(referred)
	tr, err := d.out.Refer(d.ctx, d.casemanager, outcomes.ReferInput{ParticipantID: p.ID, ContractID: c.id, ProductCode: c.product.Code})
	if err != nil {
		return fmt.Errorf("demo referral: %w", err)
	}
	d.counts.trajectories++
	provider := d.providers[c.provider]
	roll := d.rnd.IntN(100)
	switch {
	case roll < 4 || !referred.AddDate(0, 0, 7).Before(d.today):
		return nil // still waiting for the provider
	case roll < 8:
		d.at(referred.AddDate(0, 0, 3))
		_, err := d.out.Decline(d.ctx, provider, tr.ID, "geen plaats in de groep")
		return err
	}
	start := referred.AddDate(0, 0, 3+d.rnd.IntN(10))
	if start.After(d.today) {
		start = d.today
	}
	d.at(start)
	detail, err := d.out.Start(d.ctx, provider, tr.ID, start)
	if err != nil {
		return fmt.Errorf("demo start %s: %w", c.title, err)
	}
	at := start
	for _, m := range detail.Milestones {
		achieved := at.AddDate(0, 0, 14+d.rnd.IntN(25)+m.Position*30)
		if !achieved.Before(d.today.AddDate(0, 0, -2)) || achieved.After(m.Deadline) || d.rnd.IntN(100) < 12 {
			break
		}
		submitted := achieved.AddDate(0, 0, 1+d.rnd.IntN(7))
		if submitted.After(d.today) {
			submitted = d.today
		}
		d.at(submitted)
		var files []outcomes.File
		if m.EvidenceRequired || d.rnd.IntN(2) == 0 {
			files = []outcomes.File{{Name: m.Code + "-bewijs.pdf", Data: demoPDF}}
		}
		claim, err := d.out.Submit(d.ctx, provider, outcomes.SubmitInput{TrajectoryID: tr.ID, MilestoneCode: m.Code, AchievedOn: achieved,
			Note: "Behaald volgens het dossier.", Evidence: files})
		if err != nil {
			return fmt.Errorf("demo claim %s: %w", m.Code, err)
		}
		d.counts.claims++
		decided := submitted.AddDate(0, 0, 2+d.rnd.IntN(16))
		if decided.After(d.today) {
			return nil // waits for the verifier (some of these are overdue)
		}
		d.at(decided)
		verdict := d.rnd.IntN(100)
		if verdict >= 93 && submitted.Before(d.today.AddDate(0, 0, -21)) {
			verdict = 0 // old claims were decided long ago; only recent ones still wait
		}
		switch {
		case verdict < 78:
			if err := d.approve(claim.ID, decided); err != nil {
				return err
			}
		case verdict < 86:
			if _, err := d.out.RequestChanges(d.ctx, d.verifier, claim.ID, "Voeg het getekende bewijsstuk toe."); err != nil {
				return err
			}
			again := decided.AddDate(0, 0, 3+d.rnd.IntN(10))
			if again.After(d.today) {
				return nil
			}
			d.at(again)
			if _, err := d.out.Resubmit(d.ctx, provider, claim.ID, outcomes.ResubmitInput{Note: "Bewijsstuk toegevoegd.",
				Evidence: []outcomes.File{{Name: m.Code + "-getekend.pdf", Data: demoPDF}}}); err != nil {
				return err
			}
			if decidedAgain := again.AddDate(0, 0, 4+d.rnd.IntN(8)); decidedAgain.Before(d.today) {
				d.at(decidedAgain)
				if err := d.approve(claim.ID, decidedAgain); err != nil {
					return err
				}
			}
			return nil
		case verdict < 93:
			if _, err := d.out.Reject(d.ctx, d.verifier, claim.ID, "insufficient_evidence", "Het bewijs toont het resultaat niet aan."); err != nil {
				return err
			}
			if d.rnd.IntN(2) == 0 && decided.AddDate(0, 0, 5).Before(d.today) {
				d.at(decided.AddDate(0, 0, 5))
				if _, err := d.out.Object(d.ctx, provider, claim.ID, "Het examen is wel degelijk behaald; zie de uitslag."); err != nil {
					return err
				}
				if review := decided.AddDate(0, 0, 12+d.rnd.IntN(6)); review.Before(d.today) {
					d.at(review)
					if _, err := d.out.Reject(d.ctx, d.verifier2, claim.ID, "not_achieved", "Na heroverweging: de uitslag ontbreekt nog steeds."); err != nil {
						return err
					}
				}
			}
			return nil
		default:
			return nil // left waiting
		}
		at = achieved
	}
	return nil
}

// approve approves a claim; one above the second-approval amount gets its
// second approval a few days later, unless that lies ahead.
func (d *demo) approve(id uuid.UUID, on time.Time) error {
	c, err := d.out.Approve(d.ctx, d.verifier, id, "")
	if err != nil {
		return fmt.Errorf("demo approve: %w", err)
	}
	if second := on.AddDate(0, 0, 1+d.rnd.IntN(6)); c.State == outcomes.AwaitingSecondApproval && second.Before(d.today) {
		d.at(second)
		_, err = d.out.Approve(d.ctx, d.verifier2, id, "Tweede beoordeling: akkoord.")
	}
	return err
}

// finish ends a few trajectories, revokes a claim, and lets passed deadlines expire.
func (d *demo) finish() error {
	d.at(d.today)
	rows, _, err := d.out.ListTrajectories(d.ctx, d.casemanager, outcomes.TrajectoryFilter{State: outcomes.Active, Page: database.Page{Limit: 500}})
	if err != nil {
		return err
	}
	terminated := 0
	for _, r := range rows {
		if terminated == 5 {
			break
		}
		if _, err := d.out.Terminate(d.ctx, d.casemanager, r.ID, "Verhuisd naar een andere gemeente."); err == nil {
			terminated++
		}
	}
	if err := d.payments(); err != nil {
		return err
	}
	if err := d.everyClaimState(); err != nil {
		return err
	}
	_, err = d.out.ExpireMilestones(d.ctx, access.System("demo"), d.today)
	return err
}

// payments pays everything approved up to two months ago in a confirmed
// run, revokes one paid claim (a clawback), and gathers last month in a
// draft run that nets it and waits for approval.
func (d *demo) payments() error {
	bill := billing.NewService(d.db.Gorm, pooling.NewService(d.db.Gorm)).WithClock(d.now)
	y := d.today.Year()
	thisMonth := time.Date(y, d.today.Month(), 1, 0, 0, 0, 0, time.UTC)
	paidUntil := thisMonth.AddDate(0, -1, -1)
	d.at(thisMonth.AddDate(0, -1, 2))
	run, err := bill.CreateRun(d.ctx, d.finance, time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), paidUntil)
	if err != nil {
		return fmt.Errorf("demo payment run: %w", err)
	}
	if _, err := bill.ApproveRun(d.ctx, d.finance2, run.ID); err != nil {
		return err
	}
	if err := bill.GenerateStatementPDFs(d.ctx, run.ID, nil); err != nil {
		return err
	}
	if _, err := bill.ExportRun(d.ctx, d.finance, run.ID); err != nil {
		return err
	}
	d.at(thisMonth.AddDate(0, -1, 5))
	if _, err := bill.ConfirmRun(d.ctx, d.finance, run.ID); err != nil {
		return err
	}
	d.at(d.today.AddDate(0, 0, -3))
	paid, _, err := d.out.ListClaims(d.ctx, d.verifier, outcomes.ClaimFilter{States: []string{outcomes.Paid}, Page: database.Page{Limit: 500}})
	if err != nil {
		return err
	}
	sort.Slice(paid, func(i, j int) bool { return paid[i].ID.String() < paid[j].ID.String() })
	if len(paid) > 0 {
		if _, err := d.out.Revoke(d.ctx, d.verifier, paid[0].ID, "Bij controle bleek de deelnemer het examen niet te hebben afgelegd."); err != nil {
			return err
		}
	}
	d.at(d.today)
	_, err = bill.CreateRun(d.ctx, d.finance, thisMonth.AddDate(0, -1, 0), thisMonth.AddDate(0, 0, -1))
	return err
}

// everyClaimState makes sure that today's queue shows each kind of work: a
// claim sent back for changes, one waiting for its second approval and an
// objection, taken from the most recent submitted claims.
func (d *demo) everyClaimState() error {
	waiting, err := d.out.Queue(d.ctx, d.verifier, 0)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	var fresh []outcomes.ClaimRow
	for i := len(waiting) - 1; i >= 0; i-- {
		counts[waiting[i].State]++
		if waiting[i].State == outcomes.Submitted {
			fresh = append(fresh, waiting[i])
		}
	}
	take := func() (outcomes.ClaimRow, bool) {
		if len(fresh) == 0 {
			return outcomes.ClaimRow{}, false
		}
		c := fresh[0]
		fresh = fresh[1:]
		return c, true
	}
	if c, ok := take(); ok {
		if _, err := d.out.RequestChanges(d.ctx, d.verifier, c.ID, "Het bewijsstuk is onleesbaar; stuur een nieuwe scan."); err != nil {
			return err
		}
	}
	if counts[outcomes.Objected] == 0 {
		if c, ok := take(); ok {
			if _, err := d.out.Reject(d.ctx, d.verifier, c.ID, "date_incorrect", "De datum wijkt af van het examenregister."); err != nil {
				return err
			}
			if _, err := d.out.Object(d.ctx, d.providerOf(c.ProviderID), c.ID, "De datum in het register is die van de herkansing."); err != nil {
				return err
			}
		}
	}
	if counts[outcomes.AwaitingSecondApproval] == 0 {
		for i, c := range fresh {
			if c.Amount.GreaterThan(decimal.RequireFromString("1000.00")) {
				if _, err := d.out.Approve(d.ctx, d.verifier, c.ID, "Akkoord; tweede beoordeling nodig."); err != nil {
					return err
				}
				fresh = append(fresh[:i], fresh[i+1:]...)
				break
			}
		}
	}
	return nil
}

// providerOf returns the demo login of a provider organisation.
func (d *demo) providerOf(id uuid.UUID) access.Actor {
	for _, a := range d.providers {
		if a.OwnsProvider(id) {
			return a
		}
	}
	return access.Actor{}
}

func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}
