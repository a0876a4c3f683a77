package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/euregio/tranche/cmd/loadtest/load"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
)

// rig is a tranche server (child process) on its private PostgreSQL, with
// prepared providers and a client.
type rig struct {
	srv    *load.Server
	db     *database.DB
	fix    load.Fixture
	client *load.Client
	rnd    *rand.Rand
	logf   func(format string, args ...any)
	used   int // slots per provider handed out so far
}

// slotsPerRound is how many milestones each provider claims in one round.
const slotsPerRound = 10

// newRig starts the server on dir and prepares providers with enough
// milestones for rounds rounds.
func newRig(ctx context.Context, bin, dir string, rounds int, seed uint64, logf func(string, ...any)) (*rig, error) {
	srv, err := load.NewServer(bin, dir)
	if err != nil {
		return nil, err
	}
	r := &rig{srv: srv, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), logf: logf}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	if err := r.connect(ctx); err != nil {
		return r, err
	}
	r.fix, err = load.Prepare(ctx, r.db, "crash", 32, rounds*slotsPerRound)
	if err != nil {
		return r, fmt.Errorf("prepare: %w", err)
	}
	r.client = load.NewClient(srv.URL(), load.NewStats())
	return r, nil
}

func (r *rig) connect(ctx context.Context) error {
	if r.db != nil {
		r.db.Close()
	}
	url, err := r.srv.DatabaseURL()
	if err != nil {
		return err
	}
	r.db, err = database.Open(ctx, url, nil)
	return err
}

// close stops the server and its PostgreSQL, whatever state they are in.
func (r *rig) close() {
	if r.db != nil {
		r.db.Close()
	}
	if err := r.srv.Stop(); err != nil {
		r.logf("stop server: %v", err)
	}
	if err := r.srv.StopPostgres(); err != nil {
		r.logf("stop PostgreSQL: %v", err)
	}
}

// nextRound hands out fresh milestones to claim.
func (r *rig) nextRound() load.Fixture {
	f := r.fix
	f.Providers = make([]load.Provider, len(r.fix.Providers))
	for i, p := range r.fix.Providers {
		p.Slots = p.Slots[r.used:min(r.used+slotsPerRound, len(p.Slots))]
		f.Providers[i] = p
	}
	r.used += slotsPerRound
	return f
}

// restart brings the server back (which starts PostgreSQL again if it is
// down) and reconnects.
func (r *rig) restart(ctx context.Context) error {
	start := time.Now()
	if err := r.srv.Start(ctx); err != nil {
		return fmt.Errorf("restart after the crash: %w", err)
	}
	r.logf("server back in %s", time.Since(start).Round(time.Millisecond))
	return r.connect(ctx)
}

// check runs `tranche check` and fails if any invariant is broken.
func (r *rig) check(ctx context.Context) error {
	out, err := r.srv.Check(ctx)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, out)
	}
	return nil
}

func (r *rig) countClaims(ctx context.Context) (int, error) {
	var n int
	err := r.db.Pool.QueryRow(ctx, `SELECT count(*) FROM claims`).Scan(&n)
	return n, err
}

// victim says what is killed during the claim load.
type victim string

const (
	killServer   victim = "server"
	killPostgres victim = "postgres"
)

// kill sends SIGKILL to the server or to the PostgreSQL postmaster.
func (r *rig) kill(v victim) error {
	switch v {
	case killServer:
		r.srv.Kill()
		r.logf("killed tranche serve (SIGKILL)")
	case killPostgres:
		pid, err := r.srv.PostmasterPid()
		if err != nil {
			return err
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill postmaster %d: %w", pid, err)
		}
		r.logf("killed the PostgreSQL postmaster %d (SIGKILL)", pid)
	}
	return nil
}

// restartAfter brings the server back after v was killed. A server that
// outlived its database is stopped first, as an operator would.
func (r *rig) restartAfter(ctx context.Context, v victim) error {
	if v == killPostgres {
		if err := r.srv.Stop(); err != nil {
			r.logf("stop after the database died: %v", err)
		}
	}
	return r.restart(ctx)
}

// crashDuringLoad kills the server or PostgreSQL with SIGKILL while 32
// provider clients submit claims, restarts, and checks that every
// acknowledged claim is there, every invariant holds, and that retrying
// each unacknowledged request with its Idempotency-Key replays or succeeds
// once, never creating a second live claim for a milestone.
func (r *rig) crashDuringLoad(ctx context.Context, v victim) error {
	fix := r.nextRound()
	before, err := r.countClaims(ctx)
	if err != nil {
		return err
	}
	loadCtx, abort := context.WithCancel(ctx)
	defer abort()
	done := make(chan *load.Result, 1)
	go func() {
		done <- load.Drive(loadCtx, r.client, fix, load.Plan{Duration: time.Minute, RetryFor: time.Minute})
	}()
	// Kill once a few dozen claims are in, after a random little while more.
	for {
		n, err := r.countClaims(ctx)
		if err != nil {
			return err
		}
		if n-before >= 40 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Duration(r.rnd.IntN(150)) * time.Millisecond)
	if err := r.kill(v); err != nil {
		return err
	}
	if v == killPostgres {
		// Let the clients meet the dead database for a moment.
		time.Sleep(200 * time.Millisecond)
	}
	abort()
	res := <-done
	r.logf("%d claims acknowledged, %d not", len(res.Acked()), len(res.Unacked()))
	if len(res.Acked()) == 0 {
		return errors.New("no claim was acknowledged before the crash")
	}
	if err := r.restartAfter(ctx, v); err != nil {
		return err
	}
	if err := r.check(ctx); err != nil {
		return fmt.Errorf("after the crash: %w", err)
	}
	if err := load.VerifyAfter(ctx, r.db, res); err != nil {
		return fmt.Errorf("after the crash: %w", err)
	}
	if err := r.retryUnacked(ctx, res.Unacked()); err != nil {
		return err
	}
	return r.check(ctx)
}

// retryUnacked sends every unacknowledged claim again under its key. A
// request's claim and the answer stored for its key commit together, so
// each retry must replay the first answer (the claim was committed before
// the crash) or succeed now (it was not): never be refused as already
// claimed, and never leave two live claims for a milestone.
func (r *rig) retryUnacked(ctx context.Context, unacked []load.ClaimResult) error {
	var replayed, fresh int
	var problems []string
	for _, c := range unacked {
		// A key may be held for a moment by a transaction PostgreSQL has
		// not yet found orphaned; Submit waits that out.
		res := r.client.Submit(ctx, c.Request, 15*time.Second)
		live, err := load.LiveClaims(ctx, r.db, c.Request.Slot)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case !res.Acked:
			problems = append(problems, fmt.Sprintf("retry of %s/%s: %d %s %v", c.Request.Slot.TrajectoryID, c.Request.Slot.Milestone, res.Status, res.Problem, res.Err))
		case live != 1:
			problems = append(problems, fmt.Sprintf("%s/%s has %d live claims after the retry", c.Request.Slot.TrajectoryID, c.Request.Slot.Milestone, live))
		case res.Replayed:
			replayed++
		default:
			fresh++
		}
	}
	r.logf("retried %d unacknowledged claims: %d replayed (committed before the crash), %d succeeded now (rolled back by it)",
		len(unacked), replayed, fresh)
	if len(problems) > 0 {
		return fmt.Errorf("retrying unacknowledged claims:\n%s", strings.Join(problems, "\n"))
	}
	dups, err := load.DuplicateClaims(ctx, r.db)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		return fmt.Errorf("milestones with more than one live claim after the retries: %s", strings.Join(dups, "; "))
	}
	return nil
}

// killMoment says when the server or PostgreSQL is killed during a confirmation.
type killMoment string

const (
	// killMidway kills once the confirmation has begun writing the ledger.
	killMidway killMoment = "while its transaction writes the ledger"
	// killAfterCommit kills as soon as the run is seen paid from outside,
	// that is right after the confirmation committed, answer sent or not.
	killAfterCommit killMoment = "right after its transaction committed"
)

// crashDuringConfirmation approves a round of claims, takes them through a
// payment run up to export, kills the server or PostgreSQL at the given
// moment of its confirmation (sent with an Idempotency-Key), restarts, and
// checks that
// the run is either wholly paid or not at all, that a commit seen before
// the kill survived it, that retrying under the key replays the stored
// answer or confirms afresh, and that confirming once more changes nothing.
func (r *rig) crashDuringConfirmation(ctx context.Context, v victim, when killMoment) error {
	fix := r.nextRound()
	res := load.Drive(ctx, r.client, fix, load.Plan{Duration: time.Minute, RetryFor: 10 * time.Second})
	if len(res.Failures) > 0 {
		return fmt.Errorf("claims for the payment run: %s", strings.Join(res.Failures, "; "))
	}
	if err := r.approveAll(ctx, res.Acked()); err != nil {
		return err
	}
	fin1, fin2 := fix.Finance[0], fix.Finance[1]
	today := time.Now().UTC()
	a, err := r.client.JSON(ctx, "create_payment_run", http.MethodPost, "/api/v1/payment-runs", fin1,
		map[string]string{"period_start": fmt.Sprintf("%d-01-01", today.Year()-1), "period_end": today.Format(time.DateOnly)})
	if err != nil {
		return err
	}
	if a.Status/100 != 2 {
		return fmt.Errorf("create payment run: %d %s", a.Status, a.Body)
	}
	var run struct {
		ID    uuid.UUID `json:"id"`
		State string    `json:"state"`
	}
	if err := json.Unmarshal(a.Body, &run); err != nil || run.ID == uuid.Nil {
		return fmt.Errorf("create payment run: %q: %v", a.Body, err)
	}
	for _, step := range []struct{ action, token string }{{"approve", fin2}, {"export", fin1}} {
		a, err := r.client.JSON(ctx, step.action+"_payment_run", http.MethodPost, "/api/v1/payment-runs/"+run.ID.String()+"/"+step.action, step.token, nil)
		if err != nil {
			return err
		}
		if a.Status != http.StatusOK {
			return fmt.Errorf("%s payment run: %d %s", step.action, a.Status, a.Body)
		}
	}
	held, paid, err := r.runClaims(ctx, run.ID)
	if err != nil {
		return err
	}
	if held < len(res.Acked()) || paid != 0 {
		return fmt.Errorf("the exported run holds %d claims (%d paid); want at least the %d approved now, none paid", held, paid, len(res.Acked()))
	}

	confirmPath := "/api/v1/payment-runs/" + run.ID.String() + "/confirm"
	key := uuid.NewString()
	confirmed := make(chan load.Answer, 1)
	began := time.Now()
	go func() {
		a, err := r.client.JSON(ctx, "confirm_payment_run", http.MethodPost, confirmPath, fin1, nil, "Idempotency-Key", key)
		if err != nil {
			a = load.Answer{}
		}
		confirmed <- a
	}()
	seen, early, err := r.waitFor(ctx, when, run.ID, confirmed)
	if err != nil {
		return err
	}
	if err := r.kill(v); err != nil {
		return err
	}
	answer := early
	if answer == nil {
		a := <-confirmed
		answer = &a
	}
	r.logf("killed %s %s into confirming a run of %d claims, %s (moment seen: %v; answer: %d)",
		v, time.Since(began).Round(time.Millisecond), held, when, seen, answer.Status)
	if err := r.restartAfter(ctx, v); err != nil {
		return err
	}
	if err := r.check(ctx); err != nil {
		return fmt.Errorf("after the crash in the confirmation: %w", err)
	}
	_, paid, err = r.runClaims(ctx, run.ID)
	if err != nil {
		return err
	}
	state, err := r.runState(ctx, run.ID)
	if err != nil {
		return err
	}
	switch {
	case state == "paid" && paid == held:
		r.logf("the confirmation had committed before the kill: run paid, %d claims paid", paid)
	case state == "exported" && paid == 0:
		r.logf("the confirmation was rolled back by the kill: run exported, no claim paid")
	default:
		return fmt.Errorf("after the crash the run is %s with %d of %d claims paid: half a confirmation", state, paid, held)
	}
	if (answer.Status == http.StatusOK || (when == killAfterCommit && seen)) && state != "paid" {
		return errors.New("the confirmation committed (answered 200 or seen paid) before the kill, but the run is not paid after the restart")
	}

	// The retry under the same key: a replay of the stored answer if the
	// confirmation committed (answer and change commit together), a fresh
	// confirmation if it did not.
	retry, err := r.client.JSON(ctx, "confirm_payment_run", http.MethodPost, confirmPath, fin1, nil, "Idempotency-Key", key)
	if err != nil {
		return err
	}
	if retry.Status != http.StatusOK || retry.Replayed != (state == "paid") {
		return fmt.Errorf("retry under the key with the run %s before it: %d (replayed %v) %s; want 200, replayed %v",
			state, retry.Status, retry.Replayed, retry.Body, state == "paid")
	}
	again, err := r.client.JSON(ctx, "confirm_payment_run", http.MethodPost, confirmPath, fin1, nil)
	if err != nil {
		return err
	}
	if again.Status != http.StatusOK {
		return fmt.Errorf("confirm once more: %d %s", again.Status, again.Body)
	}
	_, paid, err = r.runClaims(ctx, run.ID)
	if err != nil {
		return err
	}
	if state, err = r.runState(ctx, run.ID); err != nil {
		return err
	}
	if state != "paid" || paid != held {
		return fmt.Errorf("after confirming again the run is %s with %d of %d claims paid", state, paid, held)
	}
	return r.check(ctx)
}

// waitFor polls PostgreSQL from outside until the confirmation reaches the
// moment to kill it at, and reports whether it saw that moment. When the
// answer arrives first (the confirmation was quicker than the polling) it
// stops and returns the answer too.
func (r *rig) waitFor(ctx context.Context, when killMoment, run uuid.UUID, answered <-chan load.Answer) (bool, *load.Answer, error) {
	q := `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'ledger_postings' AND l.mode = 'RowExclusiveLock' AND l.granted AND l.pid <> pg_backend_pid())`
	if when == killAfterCommit {
		q = `SELECT state = 'paid' FROM payment_runs WHERE id = '` + run.String() + `'`
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var hit bool
		if err := r.db.Pool.QueryRow(ctx, q).Scan(&hit); err != nil {
			return false, nil, err
		}
		if hit {
			return true, nil, nil
		}
		select {
		case a := <-answered:
			return false, &a, nil
		default:
		}
		time.Sleep(time.Millisecond)
	}
	return false, nil, fmt.Errorf("the moment %q was not seen within 30 s", when)
}

// runClaims counts the claims a run holds and how many of them are paid.
func (r *rig) runClaims(ctx context.Context, run uuid.UUID) (held, paid int, err error) {
	err = r.db.Pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'paid') FROM claims WHERE payment_run_id = $1`,
		run.String()).Scan(&held, &paid)
	return held, paid, err
}

func (r *rig) runState(ctx context.Context, run uuid.UUID) (string, error) {
	var s string
	err := r.db.Pool.QueryRow(ctx, `SELECT state FROM payment_runs WHERE id = $1`, run.String()).Scan(&s)
	return s, err
}

// approveAll approves the claims through the outcomes service as the two
// verifiers, four at a time (the HTTP path of approval is measured by the
// load test; here it only prepares a payment run).
func (r *rig) approveAll(ctx context.Context, ids []uuid.UUID) error {
	acc := access.NewService(r.db.Gorm)
	out := outcomes.NewService(r.db.Gorm, pooling.NewService(r.db.Gorm))
	var verifiers []access.Actor
	for _, tok := range r.fix.Verifiers {
		a, err := acc.ActorByToken(ctx, tok)
		if err != nil {
			return err
		}
		verifiers = append(verifiers, a)
	}
	ch := make(chan uuid.UUID)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ch {
				_, err := out.Approve(ctx, verifiers[i%len(verifiers)], id, "")
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("approve %s: %w", id, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		ch <- id
	}
	close(ch)
	wg.Wait()
	return firstErr
}

// scenarios runs the six crashes rounds times on one server in dir.
func scenarios(ctx context.Context, bin, dir string, rounds int, seed uint64, logf func(string, ...any)) (err error) {
	r, err := newRig(ctx, bin, dir, 6*rounds, seed, logf)
	if r != nil {
		defer r.close()
	}
	if err != nil {
		return err
	}
	for round := 1; round <= rounds; round++ {
		for _, s := range []struct {
			name string
			run  func(context.Context) error
		}{
			{"kill -9 the server during a claim load", func(ctx context.Context) error { return r.crashDuringLoad(ctx, killServer) }},
			{"kill -9 PostgreSQL during a claim load", func(ctx context.Context) error { return r.crashDuringLoad(ctx, killPostgres) }},
			{"kill -9 the server during a payment-run confirmation, " + string(killMidway), func(ctx context.Context) error { return r.crashDuringConfirmation(ctx, killServer, killMidway) }},
			{"kill -9 the server during a payment-run confirmation, " + string(killAfterCommit), func(ctx context.Context) error { return r.crashDuringConfirmation(ctx, killServer, killAfterCommit) }},
			{"kill -9 PostgreSQL during a payment-run confirmation, " + string(killMidway), func(ctx context.Context) error { return r.crashDuringConfirmation(ctx, killPostgres, killMidway) }},
			{"kill -9 PostgreSQL during a payment-run confirmation, " + string(killAfterCommit), func(ctx context.Context) error { return r.crashDuringConfirmation(ctx, killPostgres, killAfterCommit) }},
		} {
			start := time.Now()
			logf("round %d: %s", round, s.name)
			if err := s.run(ctx); err != nil {
				return fmt.Errorf("round %d, %s: %w\nserver log tail:\n%s", round, s.name, err, r.srv.LogTail(2000))
			}
			logf("round %d: %s: passed in %s", round, s.name, time.Since(start).Round(time.Millisecond))
		}
	}
	return nil
}

// tempDir makes a short data folder (the socket path must stay short).
func tempDir() (string, func(), error) {
	d, err := os.MkdirTemp("", "trc-")
	if err != nil {
		return "", nil, err
	}
	return d, func() { os.RemoveAll(d) }, nil
}
