package procurement

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/contracts"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// The open procedure from publication to contracts: questions answered
// without the asker's name, three bids, a four-eyes opening, blind
// scoring, consensus, ranking, a four-eyes award, notices, an objection
// during the standstill, and the conclusion into one draft contract per
// awarded bid, which activates.
func TestOpenProcedureFromPublicationToContracts(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-2026-01"))
	lot := d.Lots[0]
	if _, err := e.svc.SetCommittee(ctx, e.buyer, d.ID, []uuid.UUID{e.eval1.UserID, e.eval2.UserID}); err != nil {
		t.Fatal(err)
	}

	// Questions and answers.
	q, err := e.svc.AskQuestion(ctx, e.bidders[0], d.ID, "Mag een traject ook in de avond?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AnswerQuestion(ctx, e.buyer, q.ID, "Ja, ook in de avond."); err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.Questions(ctx, e.bidders[1], d.ID)
	if err != nil || len(other) != 1 || other[0].ProviderID != nil || *other[0].Answer != "Ja, ook in de avond." {
		t.Fatalf("another provider reads the answer without the asker: %+v, %v", other, err)
	}
	own, _ := e.svc.Questions(ctx, e.bidders[0], d.ID)
	if len(own) != 1 || own[0].ProviderID == nil {
		t.Fatalf("the asker sees its own question as its own: %+v", own)
	}
	e.clock.Set(d.QuestionsDeadline)
	_, err = e.svc.AskQuestion(ctx, e.bidders[2], d.ID, "Te laat?")
	wantCode(t, "question at the question deadline", err, DeadlinePassed)

	// Three bids; the first provider replaces its bid once.
	e.submit(t, e.bidders[0], e.bid(lot.ID, "1100.00", 40))
	b0 := e.submit(t, e.bidders[0], e.bid(lot.ID, "1000.00", 40))
	b1 := e.submit(t, e.bidders[1], e.bid(lot.ID, "1250.00", 40))
	b2 := e.submit(t, e.bidders[2], e.bid(lot.ID, "800.00", 40))
	over := e.bid(lot.ID, "2500.01", 40)
	_, err = e.svc.SubmitBid(ctx, e.bidders[2], over)
	wantField(t, "a price above the maximum", err, "price", PriceAboveMaximum.Code)

	// The opening: not before the deadline, not by one person alone.
	_, err = e.svc.OpenTender(ctx, e.buyer, d.ID)
	wantCode(t, "opening before the deadline", err, DeadlineNotPassed)
	e.clock.Set(d.SubmissionDeadline)
	_, err = e.svc.SubmitBid(ctx, e.bidders[2], e.bid(lot.ID, "700.00", 40))
	wantCode(t, "a bid at the deadline", err, DeadlinePassed)
	if _, err := e.svc.OpenTender(ctx, e.buyer, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.OpenTender(ctx, e.buyer, d.ID)
	wantCode(t, "the same user opening twice", err, SameUser)
	rec, err := e.svc.OpenTender(ctx, e.buyer2, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.RequestedByName != "Gebruiker inkoop1" || rec.OpenedByName != "Gebruiker inkoop2" || len(rec.Lots) != 1 || len(rec.Lots[0].Bids) != 3 {
		t.Fatalf("opening record: %+v", rec)
	}
	hashes := map[string]decimal.Decimal{}
	for _, ob := range rec.Lots[0].Bids {
		hashes[ob.SHA256] = ob.Price
	}
	for _, b := range []BidDetail{b0, b1, b2} {
		if p, ok := hashes[b.Hash]; !ok || !p.Equal(b.Price) {
			t.Fatalf("the record lacks bid %s with hash %s and price %s: %v", b.ID, b.Hash, b.Price, hashes)
		}
	}

	// Blind scoring: an evaluator sees only their own scores until every
	// member has scored every bid.
	scores := map[uuid.UUID][2]string{b0.ID: {"8", "7"}, b1.ID: {"9", "9"}, b2.ID: {"6", "5"}}
	for id, s := range scores {
		for i, c := range []string{"plan", "results"} {
			if _, err := e.svc.ScoreBid(ctx, e.eval1, id, c, dec(s[i]), ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	ev, err := e.svc.Evaluation(ctx, e.eval2, lot.ID)
	if err != nil || ev.Scored || len(ev.Scores) != 0 || ev.Given != 6 || ev.Expected != 12 {
		t.Fatalf("evaluator 2 before scoring sees %+v (%v)", ev, err)
	}
	_, err = e.svc.RecordConsensus(ctx, e.buyer, b0.ID, "plan", dec("8"), "Sterk plan.")
	wantCode(t, "consensus before every score is in", err, ScoringOpen)
	_, err = e.svc.ScoreBid(ctx, e.eval1, b0.ID, "price", dec("5"), "")
	wantField(t, "scoring the price", err, "criterion", NotQuality.Code)
	_, err = e.svc.ScoreBid(ctx, e.buyer, b0.ID, "plan", dec("5"), "")
	wantCode(t, "procurement scoring", err, fault.Forbidden)
	_, err = e.svc.ScoreBid(ctx, e.eval2, b0.ID, "plan", dec("10.5"), "")
	wantField(t, "a score above 10", err, "score", ScoreInvalid.Code)
	for id := range scores {
		for _, c := range []string{"plan", "results"} {
			if _, err := e.svc.ScoreBid(ctx, e.eval2, id, c, dec("7"), "eigen oordeel"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ev, _ = e.svc.Evaluation(ctx, e.eval1, lot.ID); !ev.Scored || len(ev.Scores) != 12 {
		t.Fatalf("after every score is in, evaluator 1 sees %d scores (scored %v)", len(ev.Scores), ev.Scored)
	}
	_, err = e.svc.CompleteEvaluation(ctx, e.buyer, d.ID)
	wantCode(t, "completing without consensus", err, EvaluationOpen)
	for id, s := range scores {
		for i, c := range []string{"plan", "results"} {
			if _, err := e.svc.RecordConsensus(ctx, e.eval1, id, c, dec(s[i]), "De commissie is het eens."); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err = e.svc.ScoreBid(ctx, e.eval2, b0.ID, "plan", dec("1"), "")
	wantCode(t, "a score after the consensus", err, ConsensusFixed)
	if _, err := e.svc.CompleteEvaluation(ctx, e.buyer, d.ID); err != nil {
		t.Fatal(err)
	}
	ev, _ = e.svc.Evaluation(ctx, e.buyer, lot.ID)
	if len(ev.Ranking) != 3 || ev.Ranking[0].BidID != b1.ID || !ev.Ranking[0].TotalPoints.Equal(dec("79.6")) ||
		ev.Ranking[1].BidID != b0.ID || ev.Ranking[2].BidID != b2.ID {
		t.Fatalf("ranking: %+v", ev.Ranking)
	}

	// The award, four-eyes.
	if _, err := e.svc.ProposeAward(ctx, e.buyer, lot.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ApproveAward(ctx, e.buyer, lot.ID)
	wantCode(t, "the proposer approving", err, SameUser)
	_, err = e.svc.Notice(ctx, e.bidders[0], b0.ID)
	wantCode(t, "a notice before the approval", err, AwardMissing)
	decided := e.clock.Now()
	if _, err := e.svc.ApproveAward(ctx, e.buyer2, lot.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.GetTender(ctx, e.buyer, d.ID); got.State != Awarded {
		t.Fatalf("tender after the award: %s", got.State)
	}
	n, err := e.svc.Notice(ctx, e.bidders[0], b0.ID)
	if err != nil || n.Own == nil || n.Own.Rank != 2 || n.Own.Winner || len(n.Winners) != 1 || n.Winners[0].BidID != b1.ID ||
		!n.StandstillEnd.Equal(dateOnly(decided).AddDate(0, 0, 20)) || len(n.OwnScores) != 2 || len(n.WinnerScores) != 2 {
		t.Fatalf("notice to the second: %+v, %v", n, err)
	}
	for _, ws := range n.WinnerScores {
		if ws.Rationale != "" {
			t.Fatalf("a notice carries the winner's rationale: %+v", ws)
		}
	}
	_, err = e.svc.Notice(ctx, e.bidders[1], b0.ID)
	wantCode(t, "another bidder's notice", err, BidNotFound)

	// An objection suspends the lot until procurement decides it.
	obj, err := e.svc.LodgeObjection(ctx, e.bidders[0], b0.ID, "De score op het plan van aanpak is onjuist.")
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.svc.Conclude(ctx, e.buyer, d.ID)
	if err != nil || len(c.Created) != 0 || len(c.Waiting) != 1 || c.Waiting[0].Reason != "objection" {
		t.Fatalf("conclusion during the standstill with an objection: %+v, %v", c, err)
	}
	if _, err := e.svc.DecideObjection(ctx, e.buyer, obj.ID, Rejected, "De score is goed onderbouwd."); err != nil {
		t.Fatal(err)
	}
	c, _ = e.svc.Conclude(ctx, e.buyer, d.ID)
	if len(c.Created) != 0 || len(c.Waiting) != 1 || c.Waiting[0].Reason != "standstill" {
		t.Fatalf("conclusion on the standstill's last day: %+v", c)
	}
	e.clock.Set(dateOnly(decided).AddDate(0, 0, 21))
	_, err = e.svc.LodgeObjection(ctx, e.bidders[2], b2.ID, "Te laat.")
	wantCode(t, "an objection after the standstill", err, StandstillOver)
	c, err = e.svc.Conclude(ctx, e.buyer, d.ID)
	if err != nil || len(c.Created) != 1 || c.Created[0].BidID != b1.ID || c.Tender.State != Concluded {
		t.Fatalf("conclusion after the standstill: %+v, %v", c, err)
	}
	again, err := e.svc.Conclude(ctx, e.buyer, d.ID)
	if err != nil || len(again.Created) != 0 {
		t.Fatalf("concluding again: %+v, %v", again, err)
	}

	// The contract holds the bid's terms and activates.
	k, err := e.contracts.GetContract(ctx, e.buyer, c.Created[0].ContractID)
	if err != nil {
		t.Fatal(err)
	}
	p := k.Current.Products[0]
	if k.ProviderID != e.providers[1] || k.Reference != "T-2026-01-L1-01" || k.Status != contracts.Draft || k.Capacity != 40 ||
		!k.Ceiling.Equal(dec("50000")) || *k.BudgetID != e.budget || !p.Price.Equal(dec("1250")) || len(p.Milestones) != 3 ||
		!p.Milestones[1].Tranche.Equal(dec("750")) || !k.PeriodStart.Equal(d.ContractStart) {
		t.Fatalf("contract from the award: %+v / %+v", k.Contract, p)
	}
	if o, ok, err := e.svc.ContractOrigin(ctx, k.ID); err != nil || !ok || o.BidID != b1.ID || o.LotNumber != 1 || o.Reference != "T-2026-01" {
		t.Fatalf("origin: %+v %v %v", o, ok, err)
	}
	if _, err := e.contracts.ActivateContract(ctx, e.buyer, k.ID); err != nil {
		t.Fatalf("the concluded contract does not activate: %v", err)
	}
}

// Before the opening nothing reveals a bid: not its content, not its
// price, not that there are bids at all, to any role, through any read;
// the audit trail holds who bid and the content's hash only.
func TestBidsAreSealedUntilTheOpening(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-SEAL"))
	lot := d.Lots[0]
	if _, err := e.svc.SetCommittee(ctx, e.buyer, d.ID, []uuid.UUID{e.eval1.UserID, e.eval2.UserID}); err != nil {
		t.Fatal(err)
	}
	in := e.bid(lot.ID, "1234.56", 17)
	in.Answers["plan"] = "Geheim plan met coaching"
	in.Attachments = []Attachment{{Criterion: "results", Name: "resultaten.pdf", Data: []byte("%PDF-1.4 resultaten")}}
	b := e.submit(t, e.bidders[0], in)

	readers := map[string]access.Actor{"procurement": e.buyer, "auditor": e.auditor, "evaluator": e.eval1, "other provider": e.bidders[1]}
	check := func(phase string) {
		for name, who := range readers {
			_, err := e.svc.GetBid(ctx, who, b.ID)
			wantCode(t, phase+": "+name+" reads the bid", err, BidNotFound)
			_, _, err = e.svc.BidAttachment(ctx, who, b.ID, 1)
			wantCode(t, phase+": "+name+" reads the attachment", err, BidNotFound)
			list, err := e.svc.ListBids(ctx, who, lot.ID)
			if who.IsProvider() {
				if err != nil || len(list) != 0 {
					t.Fatalf("%s: %s lists %d bids (%v)", phase, name, len(list), err)
				}
			} else {
				wantCode(t, phase+": "+name+" lists the bids", err, TenderSealed)
			}
			if td, err := e.svc.GetTender(ctx, who, d.ID); err != nil || td.BidCount != nil {
				t.Fatalf("%s: %s sees a bid count %v (%v)", phase, name, td.BidCount, err)
			}
			if _, err := e.svc.OpeningRecord(ctx, who, d.ID); err == nil {
				t.Fatalf("%s: %s reads an opening record", phase, name)
			}
			if _, err := e.svc.Evaluation(ctx, who, lot.ID); err == nil {
				t.Fatalf("%s: %s reads the evaluation", phase, name)
			}
			_, err = e.svc.ScoreBid(ctx, who, b.ID, "plan", dec("5"), "")
			if err == nil {
				t.Fatalf("%s: %s scores a sealed bid", phase, name)
			}
		}
		_, err := e.svc.GetBid(ctx, e.casemanager, b.ID)
		wantCode(t, phase+": a case manager reads the bid", err, fault.Forbidden)
	}
	check("open for bids")
	own, err := e.svc.GetBid(ctx, e.bidders[0], b.ID)
	if err != nil || !own.Price.Equal(dec("1234.56")) || own.Answers["plan"] != "Geheim plan met coaching" || len(own.Attachments) != 1 {
		t.Fatalf("the author reads its bid: %+v, %v", own, err)
	}
	e.clock.Set(d.SubmissionDeadline)
	check("closed")
	pending, err := e.svc.OpenTender(ctx, e.buyer, d.ID)
	if err != nil || !pending.Pending || len(pending.Lots) != 0 {
		t.Fatalf("the first opening call shows %+v (%v)", pending, err)
	}
	check("opening asked")

	// The audit trail: who, where and the hash; never the price or text.
	var payloads []string
	if err := e.owner.Raw(`SELECT coalesce(before::text, '') || coalesce(after::text, '') FROM audit_events`).Scan(&payloads).Error; err != nil {
		t.Fatal(err)
	}
	var bidEvent string
	for _, p := range payloads {
		for _, secret := range []string{"1234.56", "1234,56", "Geheim plan", "resultaten.pdf", `"capacity"`} {
			if strings.Contains(p, secret) {
				t.Fatalf("the audit trail shows %q before the opening: %s", secret, p)
			}
		}
		if strings.Contains(p, b.Hash) {
			bidEvent = p
		}
	}
	if bidEvent == "" || !strings.Contains(bidEvent, e.providers[0].String()) {
		t.Fatalf("the audit trail lacks the bid's submission with its hash %s", b.Hash)
	}

	if _, err := e.svc.OpenTender(ctx, e.buyer2, d.ID); err != nil {
		t.Fatal(err)
	}
	for _, who := range []access.Actor{e.buyer, e.auditor, e.eval1} {
		if got, err := e.svc.GetBid(ctx, who, b.ID); err != nil || !got.Price.Equal(dec("1234.56")) {
			t.Fatalf("after the opening %s reads %+v (%v)", who.Email, got, err)
		}
		if td, _ := e.svc.GetTender(ctx, who, d.ID); td.BidCount == nil || *td.BidCount != 1 {
			t.Fatalf("after the opening the count is %v", td.BidCount)
		}
	}
	_, err = e.svc.GetBid(ctx, e.bidders[1], b.ID)
	wantCode(t, "after the opening another provider reads the bid", err, BidNotFound)
	if _, data, err := e.svc.BidAttachment(ctx, e.auditor, b.ID, 1); err != nil || string(data) != "%PDF-1.4 resultaten" {
		t.Fatalf("the auditor reads the attachment after the opening: %q %v", data, err)
	}
}

// At the deadline bids race the clock: each submission reads the server's
// clock under the tender's share lock, so those that read a time before
// the deadline are in (and in the opening record), the others refused.
// Nine submissions race; the clock gives five of them a time before the
// deadline, whichever they are.
func TestBidsRacingTheDeadline(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-RACE", languageLot(40, "2500.00", 1), languageLot(40, "2500.00", 1), languageLot(40, "2500.00", 1)))
	var mu sync.Mutex
	calls := 0
	e.svc.now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls <= 5 {
			return d.SubmissionDeadline.Add(-time.Microsecond)
		}
		return d.SubmissionDeadline
	}
	var wg sync.WaitGroup
	errs := make(chan error, 9)
	for _, lot := range d.Lots {
		for _, who := range e.bidders {
			wg.Go(func() {
				_, err := e.svc.SubmitBid(ctx, who, e.bid(lot.ID, "1000.00", 10))
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	accepted, late := 0, 0
	for err := range errs {
		switch {
		case err == nil:
			accepted++
		case fault.HasCode(err, DeadlinePassed):
			late++
		default:
			t.Fatalf("a racing bid: %v", err)
		}
	}
	if accepted != 5 || late != 4 {
		t.Fatalf("%d accepted and %d refused; the clock allowed 5 and refused 4", accepted, late)
	}
	var stored, after int64
	e.owner.Table("bids").Where("tender_id = ?", d.ID).Count(&stored)
	e.owner.Table("bids").Where("tender_id = ? AND submitted_at >= ?", d.ID, d.SubmissionDeadline).Count(&after)
	if stored != 5 || after != 0 {
		t.Fatalf("%d bids stored, %d at or after the deadline", stored, after)
	}
	e.svc.now = e.clock.Now
	rec := e.open(t, d)
	inRecord := 0
	for _, l := range rec.Lots {
		inRecord += len(l.Bids)
	}
	if inRecord != 5 {
		t.Fatalf("the opening record lists %d bids, 5 were accepted", inRecord)
	}
}

// A bid that read the clock before the deadline and is still writing when
// the opening starts holds the opening back until it commits, so the
// record has it; the database shows the opening waiting for the lock.
func TestOpeningWaitsForABidInFlight(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-INFLIGHT"))
	e.clock.Set(d.SubmissionDeadline)
	if _, err := e.svc.OpenTender(ctx, e.buyer, d.ID); err != nil {
		t.Fatal(err)
	}
	inside, release := make(chan struct{}), make(chan struct{})
	bidSvc := *e.svc
	bidSvc.now = func() time.Time {
		close(inside)
		<-release
		return d.SubmissionDeadline.Add(-time.Second)
	}
	bidDone := make(chan error, 1)
	go func() {
		_, err := bidSvc.SubmitBid(ctx, e.bidders[0], e.bid(d.Lots[0].ID, "999.00", 5))
		bidDone <- err
	}()
	<-inside
	openDone := make(chan Opening, 1)
	go func() {
		o, err := e.svc.OpenTender(ctx, e.buyer2, d.ID)
		if err != nil {
			t.Error(err)
		}
		openDone <- o
	}()
	e.waitForLockWait(t)
	close(release)
	if err := <-bidDone; err != nil {
		t.Fatalf("the bid in flight: %v", err)
	}
	o := <-openDone
	if len(o.Lots) != 1 || len(o.Lots[0].Bids) != 1 || !o.Lots[0].Bids[0].Price.Equal(dec("999")) {
		t.Fatalf("the opening record misses the bid that was in flight: %+v", o)
	}
	_, err := e.svc.SubmitBid(ctx, e.bidders[1], e.bid(d.Lots[0].ID, "900.00", 5))
	wantCode(t, "a bid after the opening", err, TenderTransition)
}

// Concluding at once from many requests makes exactly one contract per
// awarded bid.
func TestConcludeConcurrentlyMakesOneContractPerAwardedBid(t *testing.T) {
	e := newEnv(t)
	d := e.awarded(t, "T-CONC", 2)
	e.clock.Set(e.clock.Now().AddDate(0, 0, 30))
	var wg sync.WaitGroup
	created := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			c, err := e.svc.Conclude(ctx, e.buyer, d.ID)
			if err != nil {
				t.Error(err)
			}
			created <- len(c.Created)
		})
	}
	wg.Wait()
	close(created)
	total := 0
	for n := range created {
		total += n
	}
	var contracts, links int64
	e.owner.Table("contracts").Count(&contracts)
	e.owner.Table("bid_contracts").Where("tender_id = ?", d.ID).Count(&links)
	if total != 2 || contracts != 2 || links != 2 {
		t.Fatalf("8 concurrent conclusions reported %d new contracts; %d contracts and %d links exist, want 2", total, contracts, links)
	}
}

// awarded runs a tender with a lot that awards two providers to the end
// of its award decision; the bidders scored 8, 6 and 4 on everything.
func (e *env) awarded(t *testing.T, ref string, awardees int) TenderDetail {
	t.Helper()
	d := e.published(t, e.tenderInput(ref, languageLot(40, "2500.00", awardees)))
	lot := d.Lots[0]
	if _, err := e.svc.SetCommittee(ctx, e.buyer, d.ID, []uuid.UUID{e.eval1.UserID, e.eval2.UserID}); err != nil {
		t.Fatal(err)
	}
	var bids []BidDetail
	for i, who := range e.bidders {
		bids = append(bids, e.submit(t, who, e.bid(lot.ID, []string{"1000.00", "1100.00", "1200.00"}[i], 30)))
	}
	e.open(t, d)
	for i, b := range bids {
		score := dec([]string{"8", "6", "4"}[i])
		for _, c := range []string{"plan", "results"} {
			for _, ev := range []access.Actor{e.eval1, e.eval2} {
				if _, err := e.svc.ScoreBid(ctx, ev, b.ID, c, score, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for i, b := range bids {
		score := dec([]string{"8", "6", "4"}[i])
		for _, c := range []string{"plan", "results"} {
			if _, err := e.svc.RecordConsensus(ctx, e.buyer, b.ID, c, score, "eens"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := e.svc.CompleteEvaluation(ctx, e.buyer, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ProposeAward(ctx, e.buyer, lot.ID); err != nil {
		t.Fatal(err)
	}
	ev, err := e.svc.ApproveAward(ctx, e.buyer2, lot.ID)
	if err != nil {
		t.Fatal(err)
	}
	ranks, err := awardRanks(ctx, e.db, lot.ID)
	if err != nil {
		t.Fatal(err)
	}
	winners := 0
	for _, r := range ranks {
		if r.Winner {
			winners++
			if want := min(40/awardees, 30); r.AwardedVolume != want { // the bids offered 30
				t.Fatalf("each of %d winners gets %d of 40: %+v", awardees, want, r)
			}
		}
	}
	if winners != awardees || ev.Award.StandstillEnd == nil {
		t.Fatalf("%d winners, want %d; award %+v", winners, awardees, ev.Award)
	}
	got, _ := e.svc.GetTender(ctx, e.buyer, d.ID)
	return got
}

// An objection that is upheld withdraws the lot's award: the tender is
// back in evaluation and a new decision is proposed.
func TestUpheldObjectionWithdrawsTheAward(t *testing.T) {
	e := newEnv(t)
	d := e.awarded(t, "T-OBJ", 1)
	lot := d.Lots[0]
	list, _ := e.svc.ListBids(ctx, e.bidders[2], lot.ID)
	obj, err := e.svc.LodgeObjection(ctx, e.bidders[2], list[0].ID, "Onze referenties zijn niet gelezen.")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.LodgeObjection(ctx, e.bidders[1], list[0].ID, "Niet de mijne.")
	wantCode(t, "objecting with another provider's bid", err, BidNotFound)
	_, err = e.svc.DecideObjection(ctx, e.buyer, obj.ID, "maybe", "?")
	wantField(t, "an unknown decision", err, "decision", DecisionInvalid.Code)
	if _, err := e.svc.DecideObjection(ctx, e.buyer, obj.ID, Upheld, "De referenties worden opnieuw beoordeeld."); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.DecideObjection(ctx, e.buyer, obj.ID, Rejected, "toch niet")
	wantCode(t, "deciding twice", err, ObjectionDecided)
	got, _ := e.svc.GetTender(ctx, e.buyer, d.ID)
	ev, _ := e.svc.Evaluation(ctx, e.buyer, lot.ID)
	if got.State != Evaluated || ev.Award != nil {
		t.Fatalf("after an upheld objection the tender is %s with award %+v", got.State, ev.Award)
	}
	_, err = e.svc.Conclude(ctx, e.buyer, d.ID)
	wantCode(t, "concluding without an award", err, TenderTransition)
	if _, err := e.svc.ProposeAward(ctx, e.buyer2, lot.ID); err != nil {
		t.Fatalf("a new award decision: %v", err)
	}
}

// Tender terms are checked as a whole, lots' schedules by contracts' rules.
func TestTenderTermsAreChecked(t *testing.T) {
	e := newEnv(t)
	bad := e.tenderInput("T BAD")
	bad.BudgetID = uuid.New()
	bad.QuestionsDeadline = bad.SubmissionDeadline.Add(time.Hour)
	bad.Criteria[0].Weight = dec("50")
	lot := languageLot(40, "2500.00", 1)
	lot.Milestones[0].Share = decp("20") // shares sum to 110
	lot.Milestones[2].OutcomeDomain = "labour"
	bad.Lots = []LotInput{lot}
	_, err := e.svc.CreateTender(ctx, e.buyer, bad)
	got := codesOf(err)
	for f, code := range map[string]string{
		"reference": TenderReferenceBad.Code, "budget_id": BudgetUnknown.Code, "questions_deadline": DeadlineOrder.Code,
		"criteria": WeightsNot100.Code, "lots[0].milestones": contracts.ShareSum.Code,
		"lots[0].milestones[2].outcome_domain": contracts.DomainNotInCategory.Code,
	} {
		if got[f] != code {
			t.Errorf("%s = %q, want %q", f, got[f], code)
		}
	}
	_, err = e.svc.CreateTender(ctx, e.bidders[0], e.tenderInput("T-PROV"))
	wantCode(t, "a provider creating a tender", err, fault.Forbidden)
	if _, err := e.svc.CreateTender(ctx, e.buyer, e.tenderInput("T-DUP")); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CreateTender(ctx, e.buyer, e.tenderInput("T-DUP"))
	wantField(t, "a reference taken", err, "reference", TenderReferenceTaken.Code)

	// Over the budget: a warning, not a refusal.
	big := e.tenderInput("T-BIG", languageLot(500, "2500.00", 1)) // 1 250 000.00
	d, err := e.svc.CreateTender(ctx, e.buyer, big)
	if err != nil || len(d.Warnings) != 1 || d.Warnings[0].Code != "lots_exceed_budget" {
		t.Fatalf("lots over the budget: %+v, %v", d.Warnings, err)
	}
	// Drafts are not the providers' to see.
	_, err = e.svc.GetTender(ctx, e.bidders[0], d.ID)
	wantCode(t, "a provider reading a draft", err, TenderNotFound)
	if list, _, _ := e.svc.ListTenders(ctx, e.bidders[0], TenderFilter{}); len(list) != 0 {
		t.Fatalf("a provider lists %d draft tenders", len(list))
	}
}

// An amendment changes a published tender's terms before the deadline, is
// recorded, moves the deadline when too few days are left, and marks the
// bids in for their bidders' confirmation.
func TestAmendmentMarksBidsForConfirmation(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-AMEND"))
	b := e.submit(t, e.bidders[0], e.bid(d.Lots[0].ID, "2000.00", 10))
	e.clock.Set(d.SubmissionDeadline.Add(-2 * 24 * time.Hour))
	in := e.tenderInput("T-AMEND", languageLot(60, "2400.00", 2))
	_, err := e.svc.AmendTender(ctx, e.buyer, d.ID, in, "Meer trajecten, lagere maximumprijs.")
	wantField(t, "a material amendment two days before the deadline", err, "submission_deadline", AmendmentTooLate.Code)
	_, err = e.svc.AmendTender(ctx, e.buyer, d.ID, in, "")
	wantField(t, "an amendment without a note", err, "note", AmendmentNoteRequired.Code)
	in.SubmissionDeadline = e.clock.Now().AddDate(0, 0, MinDaysAfterAmendment)
	in.QuestionsDeadline = e.clock.Now().Add(24 * time.Hour)
	a, err := e.svc.AmendTender(ctx, e.buyer, d.ID, in, "Meer trajecten, lagere maximumprijs.")
	if err != nil {
		t.Fatal(err)
	}
	if a.Amendments != 1 || len(a.History) != 1 || !slices.Contains(a.History[0].Changed, "lots") || a.Lots[0].ID != d.Lots[0].ID ||
		!a.Lots[0].MaxPrice.Equal(dec("2400")) || !a.SubmissionDeadline.Equal(in.SubmissionDeadline) {
		t.Fatalf("amended tender: %+v", a)
	}
	got, _ := e.svc.GetBid(ctx, e.bidders[0], b.ID)
	if !got.NeedsConfirmation {
		t.Fatal("the bid in is not marked for confirmation")
	}
	if _, err := e.svc.ConfirmBid(ctx, e.bidders[0], b.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ConfirmBid(ctx, e.bidders[0], b.ID)
	wantCode(t, "confirming twice", err, NothingToConfirm)
	// The bid above the new maximum would be refused now, and a lot cannot go.
	_, err = e.svc.SubmitBid(ctx, e.bidders[0], e.bid(d.Lots[0].ID, "2450.00", 10))
	wantField(t, "a replacement above the new maximum", err, "price", PriceAboveMaximum.Code)
	_, err = e.svc.AmendTender(ctx, e.buyer, d.ID, e.tenderInput("T-AMEND", []LotInput{}...), "Minder percelen.")
	if err == nil {
		t.Fatal("an amendment without lots was accepted")
	}
	// Withdrawn, the bid is gone from the opening; after the deadline nothing changes.
	if _, err := e.svc.WithdrawBid(ctx, e.bidders[0], b.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(in.SubmissionDeadline)
	_, err = e.svc.WithdrawBid(ctx, e.bidders[0], b.ID)
	wantCode(t, "withdrawing after the deadline", err, DeadlinePassed)
	_, err = e.svc.AmendTender(ctx, e.buyer, d.ID, in, "Te laat.")
	wantCode(t, "amending after the deadline", err, DeadlinePassed)
	if rec := e.open(t, a); len(rec.Lots[0].Bids) != 0 {
		t.Fatalf("a withdrawn bid is in the opening record: %+v", rec.Lots[0].Bids)
	}
}

func TestCancelAndStates(t *testing.T) {
	e := newEnv(t)
	d, err := e.svc.CreateTender(ctx, e.buyer, e.tenderInput("T-CANCEL"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.CancelTender(ctx, e.buyer, d.ID, "")
	wantField(t, "cancelling without a reason", err, "reason", CancelReasonNeeded.Code)
	_, err = e.svc.OpenTender(ctx, e.buyer, d.ID)
	wantCode(t, "opening a draft", err, TenderTransition)
	if c, err := e.svc.CancelTender(ctx, e.buyer, d.ID, "Budget ingetrokken"); err != nil || c.State != Cancelled || *c.CancelReason != "Budget ingetrokken" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	_, err = e.svc.PublishTender(ctx, e.buyer, d.ID)
	wantCode(t, "publishing a cancelled tender", err, TenderTransition)
	_, err = e.svc.CancelTender(ctx, e.buyer, d.ID, "nogmaals")
	wantCode(t, "cancelling twice", err, TenderTransition)
	late := e.tenderInput("T-LATE")
	late.QuestionsDeadline = start.Add(-time.Hour)
	ld, _ := e.svc.CreateTender(ctx, e.buyer, late)
	_, err = e.svc.PublishTender(ctx, e.buyer, ld.ID)
	wantField(t, "publishing with the question deadline past", err, "questions_deadline", DeadlineInPast.Code)
	// The committee: evaluators only.
	_, err = e.svc.SetCommittee(ctx, e.buyer, ld.ID, []uuid.UUID{e.eval1.UserID, e.buyer2.UserID})
	wantField(t, "a procurement user on the committee", err, "members[1]", EvaluatorInvalid.Code)
}

// An open house admits every application that meets its criteria at the
// fixed price, each approved by two procurement users, into a contract.
func TestOpenHouseAdmission(t *testing.T) {
	e := newEnv(t)
	in := e.tenderInput("OH-2026")
	in.Procedure = OpenHouse
	in.SubmissionDeadline = start.AddDate(0, 6, 0)
	in.Criteria = []CriterionInput{{Code: "keurmerk", Name: "Blik op Werk keurmerk", Kind: AdmissionCriterion}}
	in.Lots = []LotInput{languageLot(100, "2200.00", 1)}
	d := e.published(t, in)
	lot := d.Lots[0]
	app := BidInput{LotID: lot.ID, Capacity: 25, VATExempt: true, Declaration: true, Answers: map[string]string{"keurmerk": "Keurmerk sinds 2019"}}
	fixed := app
	fixed.Price = dec("2100.00")
	_, err := e.svc.SubmitBid(ctx, e.bidders[0], fixed)
	wantField(t, "another price than the fixed one", err, "price", PriceNotFixed.Code)
	a := e.submit(t, e.bidders[0], app)
	if !a.Price.Equal(dec("2200")) {
		t.Fatalf("an application pays the fixed price, got %s", a.Price)
	}
	// Procurement reads applications as they come: there is no competition.
	if got, err := e.svc.GetBid(ctx, e.buyer, a.ID); err != nil || got.Answers["keurmerk"] == "" {
		t.Fatalf("procurement reads the application: %v", err)
	}
	_, err = e.svc.GetBid(ctx, e.bidders[1], a.ID)
	wantCode(t, "another provider reads the application", err, BidNotFound)
	_, err = e.svc.OpenTender(ctx, e.buyer, d.ID)
	wantCode(t, "opening an open house", err, WrongProcedure)

	if adm, err := e.svc.AdmitApplication(ctx, e.buyer, a.ID); err != nil || !adm.Pending {
		t.Fatalf("first approval: %+v, %v", adm, err)
	}
	_, err = e.svc.AdmitApplication(ctx, e.buyer, a.ID)
	wantCode(t, "the same user confirming", err, SameUser)
	adm, err := e.svc.AdmitApplication(ctx, e.buyer2, a.ID)
	if err != nil || adm.Pending || adm.ContractID == nil {
		t.Fatalf("second approval: %+v, %v", adm, err)
	}
	k, err := e.contracts.GetContract(ctx, e.buyer, *adm.ContractID)
	if err != nil || k.Capacity != 25 || !k.Ceiling.Equal(dec("55000")) || k.ProviderID != e.providers[0] || k.Reference != "OH-2026-L1-01" {
		t.Fatalf("the admitted application's contract: %+v, %v", k.Contract, err)
	}
	_, err = e.svc.AdmitApplication(ctx, e.buyer2, a.ID)
	wantCode(t, "admitting twice", err, AdmissionApproved)
	_, err = e.svc.WithdrawBid(ctx, e.bidders[0], a.ID)
	wantCode(t, "withdrawing an admitted application", err, AdmissionApproved)

	// A second applicant is refused; its changed application drops a first approval.
	b := e.submit(t, e.bidders[1], app)
	if _, err := e.svc.AdmitApplication(ctx, e.buyer, b.ID); err != nil {
		t.Fatal(err)
	}
	e.submit(t, e.bidders[1], app) // replaced: the first approval goes
	if adm, err := e.svc.AdmitApplication(ctx, e.buyer2, b.ID); err != nil || !adm.Pending {
		t.Fatalf("after a change the application needs its first approval again: %+v, %v", adm, err)
	}
	if r, err := e.svc.RefuseApplication(ctx, e.buyer, b.ID, "Geen keurmerk aangetoond."); err != nil || *r.ExcludedReason != "not_admitted" {
		t.Fatalf("refusal: %+v, %v", r, err)
	}
	_, err = e.svc.Conclude(ctx, e.buyer, d.ID)
	wantCode(t, "concluding an open house before its end", err, TenderTransition)
	e.clock.Set(in.SubmissionDeadline)
	if c, err := e.svc.Conclude(ctx, e.buyer, d.ID); err != nil || c.Tender.State != Concluded {
		t.Fatalf("concluding the open house: %+v, %v", c, err)
	}
}

// waitForLockWait polls until PostgreSQL shows a session of the test's
// database waiting for a row lock; a minute without one fails the test.
func (e *env) waitForLockWait(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; {
		var waiting int64
		if err := e.db.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no session waited for the tender's lock within a minute")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A bid that arrives while an amendment holds the tender is checked
// against the amended terms, not the ones it read before it waited.
func TestBidWaitingForAnAmendmentMeetsItsTerms(t *testing.T) {
	e := newEnv(t)
	d := e.published(t, e.tenderInput("T-AMEND-RACE"))
	inside, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	amending := *e.svc
	amending.now = func() time.Time {
		once.Do(func() {
			close(inside)
			<-release
		})
		return e.clock.Now()
	}
	amended := make(chan error, 1)
	go func() {
		in := e.tenderInput("T-AMEND-RACE", languageLot(40, "2000.00", 1))
		in.SubmissionDeadline = start.AddDate(0, 0, 10)
		_, err := amending.AmendTender(ctx, e.buyer, d.ID, in, "Lagere maximumprijs.")
		amended <- err
	}()
	<-inside // the amendment holds the tender's lock
	bid := make(chan error, 1)
	go func() {
		_, err := e.svc.SubmitBid(ctx, e.bidders[0], e.bid(d.Lots[0].ID, "2200.00", 10))
		bid <- err
	}()
	e.waitForLockWait(t)
	close(release)
	if err := <-amended; err != nil {
		t.Fatalf("the amendment: %v", err)
	}
	wantField(t, "a bid above the amended maximum", <-bid, "price", PriceAboveMaximum.Code)
}
