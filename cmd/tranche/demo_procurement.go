package main

import (
	"fmt"
	"time"

	"github.com/euregio/tranche/contracts/procurement"
	"github.com/euregio/tranche/internal/access"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// The demo's procurement: the contracts of the year were bought in a
// tender the autumn before (published, bid on, opened, scored, awarded and
// concluded), and two tenders run now: one open for bids, one in
// evaluation.

// demoCriteria are the published award criteria of every demo tender.
var demoCriteria = []procurement.CriterionInput{
	{Code: "price", Name: "Prijs", Kind: procurement.PriceCriterion, Weight: decimal.NewFromInt(40)},
	{Code: "plan", Name: "Plan van aanpak", Kind: procurement.QualityCriterion, Weight: decimal.NewFromInt(35)},
	{Code: "results", Name: "Elders behaalde resultaten", Kind: procurement.QualityCriterion, Weight: decimal.NewFromInt(25)},
}

func demoAnswers(name string) map[string]string {
	return map[string]string{"plan": name + " werkt in kleine groepen met een vaste begeleider en koppelt elk traject aan een werkplek.",
		"results": name + " behaalde de afgelopen drie jaar bij vergelijkbare trajecten de afgesproken resultaten bij ruim 70 % van de deelnemers."}
}

// demoLots turns the contract plan into the tender's lots: one per product,
// the plan's capacity as volume, a maximum price a tenth above the plan's.
func (d *demo) demoLots() []procurement.LotInput {
	var lots []procurement.LotInput
	for _, c := range d.plan {
		lots = append(lots, procurement.LotInput{Title: c.title, CategoryCode: c.product.CategoryCode, Volume: c.capacityN,
			MaxPrice: c.product.Price.Mul(decimal.RequireFromString("1.1")).Round(0), Awardees: 1, Milestones: c.product.Milestones})
	}
	return lots
}

func (d *demo) tenderInput(ref, title string, published, questions, deadline time.Time, lots []procurement.LotInput) procurement.TenderInput {
	y := d.today.Year()
	return procurement.TenderInput{Reference: ref, Title: title, Procedure: procurement.Open, BudgetID: d.budget,
		Description:     "Gemeente Enschede koopt trajecten in voor nieuwkomers, betaald per behaald resultaat.",
		PublicationDate: published, QuestionsDeadline: questions, SubmissionDeadline: deadline,
		ContractStart: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), ContractEnd: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC),
		Criteria: demoCriteria, Lots: lots}
}

// procurementUsers adds the second procurement officer and the committee.
func (d *demo) procurementUsers() error {
	var err error
	if d.procurement2, err = d.user("inkoop2@enschede.example", "Ivo Inkoop", []access.Role{access.Procurement}, ""); err != nil {
		return err
	}
	if d.evaluator1, err = d.user("beoordeling@enschede.example", "Bea Beoordelaar", []access.Role{access.Evaluator}, ""); err != nil {
		return err
	}
	d.evaluator2, err = d.user("beoordeling2@enschede.example", "Bram Beoordelaar", []access.Role{access.Evaluator}, "")
	return err
}

// boughtContracts runs last autumn's tender to its conclusion and activates
// the contracts it made; the plan's contracts are those.
func (d *demo) boughtContracts() error {
	y := d.today.Year()
	autumn := func(m time.Month, day int) time.Time { return time.Date(y-1, m, day, 0, 0, 0, 0, time.UTC) }
	d.at(autumn(8, 25))
	in := d.tenderInput(fmt.Sprintf("ENS-%d", y), fmt.Sprintf("Integratietrajecten %d", y), autumn(9, 1),
		autumn(9, 15).Add(12*time.Hour), autumn(10, 1).Add(12*time.Hour), d.demoLots())
	t, err := d.proc.CreateTender(d.ctx, d.procurement, in)
	if err != nil {
		return fmt.Errorf("demo tender: %w", err)
	}
	d.at(autumn(9, 1))
	if _, err := d.proc.PublishTender(d.ctx, d.procurement, t.ID); err != nil {
		return err
	}
	if _, err := d.proc.SetCommittee(d.ctx, d.procurement, t.ID, []uuid.UUID{d.evaluator1.UserID, d.evaluator2.UserID}); err != nil {
		return err
	}
	d.at(autumn(9, 8))
	q, err := d.proc.AskQuestion(d.ctx, d.providers["roc"], t.ID, "Mogen lessen ook in de avond worden gegeven?")
	if err != nil {
		return err
	}
	d.at(autumn(9, 18))
	if _, err := d.proc.AnswerQuestion(d.ctx, d.procurement, q.ID, "Ja. Lessen in de avond tellen mee voor de lesuren van het leerplan."); err != nil {
		return err
	}
	// Each provider bids on its own lot; Saxion bids on the language lot
	// too, dearer, and comes second.
	type bid struct {
		login string
		lot   int
		price decimal.Decimal
	}
	var bids []bid
	for i, c := range d.plan {
		bids = append(bids, bid{c.provider, i, c.product.Price})
	}
	bids = append(bids, bid{"saxion", 0, d.plan[0].product.Price.Add(decimal.NewFromInt(150))})
	for i, b := range bids {
		d.at(autumn(9, 20+i))
		if _, err := d.proc.SubmitBid(d.ctx, d.providers[b.login], procurement.BidInput{LotID: t.Lots[b.lot].ID, Price: b.price,
			Capacity: d.plan[b.lot].capacityN, VATExempt: true, Declaration: true, Answers: demoAnswers(b.login)}); err != nil {
			return fmt.Errorf("demo bid %s: %w", b.login, err)
		}
	}
	d.at(autumn(10, 1).Add(4 * time.Hour))
	if _, err := d.proc.OpenTender(d.ctx, d.procurement, t.ID); err != nil {
		return err
	}
	if _, err := d.proc.OpenTender(d.ctx, d.procurement2, t.ID); err != nil {
		return err
	}
	d.at(autumn(10, 8))
	if err := d.scoreTender(t, true); err != nil {
		return err
	}
	if _, err := d.proc.CompleteEvaluation(d.ctx, d.procurement, t.ID); err != nil {
		return err
	}
	d.at(autumn(10, 15))
	for _, l := range t.Lots {
		if _, err := d.proc.ProposeAward(d.ctx, d.procurement, l.ID); err != nil {
			return err
		}
		if _, err := d.proc.ApproveAward(d.ctx, d.procurement2, l.ID); err != nil {
			return err
		}
	}
	d.at(autumn(11, 20))
	c, err := d.proc.Conclude(d.ctx, d.procurement, t.ID)
	if err != nil {
		return err
	}
	if len(c.Created) != len(d.plan) {
		return fmt.Errorf("demo tender made %d contracts, want %d (waiting: %+v)", len(c.Created), len(d.plan), c.Waiting)
	}
	d.at(autumn(12, 1))
	for _, made := range c.Created {
		for i, l := range t.Lots {
			if l.ID == made.LotID {
				if _, err := d.con.ActivateContract(d.ctx, d.procurement, made.ContractID); err != nil {
					return err
				}
				d.plan[i].id = made.ContractID
				d.plan[i].product.Code = fmt.Sprintf("lot-%d", l.Number) // the product's code in a concluded contract
			}
		}
	}
	return nil
}

// scoreTender has both evaluators score every bid; with consensus the
// committee agrees on the first evaluator's scores.
func (d *demo) scoreTender(t procurement.TenderDetail, consensus bool) error {
	for _, l := range t.Lots {
		bids, err := d.proc.ListBids(d.ctx, d.procurement, l.ID)
		if err != nil {
			return err
		}
		for i, b := range bids {
			for _, c := range []string{"plan", "results"} {
				first := decimal.NewFromInt(int64(8 - i))
				if _, err := d.proc.ScoreBid(d.ctx, d.evaluator1, b.ID, c, first, ""); err != nil {
					return err
				}
				if !consensus {
					continue
				}
				if _, err := d.proc.ScoreBid(d.ctx, d.evaluator2, b.ID, c, first.Sub(decimal.NewFromInt(1)), ""); err != nil {
					return err
				}
			}
		}
		if !consensus {
			continue
		}
		for i, b := range bids {
			for _, c := range []string{"plan", "results"} {
				if _, err := d.proc.RecordConsensus(d.ctx, d.procurement, b.ID, c, decimal.NewFromInt(int64(8-i)),
					"De commissie volgt het plan van aanpak en de aangetoonde resultaten."); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// runningTenders adds next year's language tender, open for bids, and a
// reintegration tender opened last week, half scored.
func (d *demo) runningTenders() error {
	y := d.today.Year()
	lot := func(i int) []procurement.LotInput { return d.demoLots()[i : i+1] }
	d.at(d.today.AddDate(0, 0, -10))
	open, err := d.proc.CreateTender(d.ctx, d.procurement, d.tenderInput(fmt.Sprintf("ENS-%d-NT2", y+1), fmt.Sprintf("Taaltrajecten NT2 %d", y+1),
		d.today.AddDate(0, 0, -7), d.today.AddDate(0, 0, 7), d.today.AddDate(0, 0, 21), lot(0)))
	if err != nil {
		return err
	}
	if _, err := d.proc.PublishTender(d.ctx, d.procurement, open.ID); err != nil {
		return err
	}
	d.at(d.today.AddDate(0, 0, -3))
	if _, err := d.proc.SubmitBid(d.ctx, d.providers["roc"], procurement.BidInput{LotID: open.Lots[0].ID, Price: decimal.NewFromInt(2500),
		Capacity: 90, VATExempt: true, Declaration: true, Answers: demoAnswers("roc")}); err != nil {
		return err
	}
	d.at(d.today.AddDate(0, 0, -40))
	eval, err := d.proc.CreateTender(d.ctx, d.procurement, d.tenderInput(fmt.Sprintf("ENS-%d-REINT", y+1), fmt.Sprintf("Re-integratie %d", y+1),
		d.today.AddDate(0, 0, -35), d.today.AddDate(0, 0, -21), d.today.AddDate(0, 0, -7), lot(len(d.plan)-1)))
	if err != nil {
		return err
	}
	if _, err := d.proc.PublishTender(d.ctx, d.procurement, eval.ID); err != nil {
		return err
	}
	if _, err := d.proc.SetCommittee(d.ctx, d.procurement, eval.ID, []uuid.UUID{d.evaluator1.UserID, d.evaluator2.UserID}); err != nil {
		return err
	}
	for i, login := range []string{"twentewerkt", "saxion"} {
		d.at(d.today.AddDate(0, 0, -20+i))
		if _, err := d.proc.SubmitBid(d.ctx, d.providers[login], procurement.BidInput{LotID: eval.Lots[0].ID,
			Price: decimal.NewFromInt(int64(4000 + 200*i)), Capacity: 40, VATExempt: true, Declaration: true, Answers: demoAnswers(login)}); err != nil {
			return err
		}
	}
	d.at(d.today.AddDate(0, 0, -6))
	if _, err := d.proc.OpenTender(d.ctx, d.procurement, eval.ID); err != nil {
		return err
	}
	if _, err := d.proc.OpenTender(d.ctx, d.procurement2, eval.ID); err != nil {
		return err
	}
	d.at(d.today.AddDate(0, 0, -2))
	return d.scoreTender(eval, false)
}
