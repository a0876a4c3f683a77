package load

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/euregio/tranche/billing"
	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/pooling"
	"github.com/google/uuid"
)

// Plan says how hard and how long to drive.
type Plan struct {
	// Duration stops the load after this long. Zero: the load ends when
	// every provider client has claimed all its milestones and the
	// verifiers have found nothing left to do, so what a short run does
	// depends on no clock.
	Duration    time.Duration
	MaxRequests int64         // and after this many requests by all clients together (0: no cap)
	RetryFor    time.Duration // how long a claim is retried on network errors and 5xx
	Verifiers   bool          // two verifiers approve from the queue
	PaymentRun  bool          // finance creates a payment run (see RunAfter)
	// RunAfter makes finance create the payment run as soon as the
	// verifiers have approved this many claims; zero: half-way through
	// Duration.
	RunAfter int64
	// DB, when set, lets finance create the run through the billing service
	// if the server has no payment-run API.
	DB *database.DB
}

// Result is what a drive did.
type Result struct {
	Started, Ended time.Time
	Requests       int64
	Claims         []ClaimResult // one per claim attempted, in no order
	Approved       int64         // approvals answered 200
	ApproveRaces   int64         // approvals refused because the other verifier was first (409)
	Failures       []string      // unexpected answers
	RunID          uuid.UUID     // the payment run finance created
	RunVia         string        // "api" or "service"
	RunLatency     time.Duration
	Exhausted      int // provider clients that ran out of claimable milestones
	Stats          *Stats
}

// Acked returns the acknowledged claims' ids.
func (r *Result) Acked() []uuid.UUID {
	var ids []uuid.UUID
	for _, c := range r.Claims {
		if c.Acked {
			ids = append(ids, c.ID)
		}
	}
	return ids
}

// Unacked returns the claims that got no 2xx.
func (r *Result) Unacked() []ClaimResult {
	var out []ClaimResult
	for _, c := range r.Claims {
		if !c.Acked {
			out = append(out, c)
		}
	}
	return out
}

// Drive runs one client per provider, each submitting claims one after the
// other, and (per plan) two verifiers and a finance client, until the
// duration or the request cap is reached or ctx ends. Ending ctx aborts the
// requests in flight (as a crash would): those claims stay unacknowledged.
func Drive(ctx context.Context, c *Client, f Fixture, plan Plan) *Result {
	res := &Result{Started: time.Now(), Stats: c.Stats}
	soft, stop := context.WithCancel(context.Background())
	if plan.Duration > 0 {
		soft, stop = context.WithTimeout(context.Background(), plan.Duration)
	}
	defer stop()
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-soft.Done():
		}
	}()
	var requests atomic.Int64
	take := func() bool {
		if soft.Err() != nil {
			return false
		}
		n := requests.Add(1)
		if plan.MaxRequests > 0 && n > plan.MaxRequests {
			stop()
			return false
		}
		return true
	}
	var mu sync.Mutex
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(res.Failures) < 50 {
			res.Failures = append(res.Failures, fmt.Sprintf(format, args...))
		}
	}
	var wg, providers, verifiers sync.WaitGroup
	providersDone := make(chan struct{})
	approvedEnough := make(chan struct{})
	var enough sync.Once
	approved := func() {
		if n := atomic.AddInt64(&res.Approved, 1); plan.RunAfter > 0 && n >= plan.RunAfter {
			enough.Do(func() { close(approvedEnough) })
		}
	}
	for _, p := range f.Providers {
		wg.Add(1)
		providers.Add(1)
		go func() {
			defer wg.Done()
			defer providers.Done()
			for _, slot := range p.Slots {
				if !take() {
					return
				}
				cr := NewClaimRequest(slot, p.Token)
				r := c.Submit(ctx, cr, plan.RetryFor)
				requests.Add(int64(r.Attempts - 1))
				mu.Lock()
				res.Claims = append(res.Claims, r)
				mu.Unlock()
				if !r.Acked && ctx.Err() == nil {
					fail("claim %s/%s: status %d %s %v", slot.TrajectoryID, slot.Milestone, r.Status, r.Problem, r.Err)
				}
			}
		}()
	}
	go func() {
		providers.Wait()
		close(providersDone)
	}()
	if plan.Verifiers {
		for i, tok := range f.Verifiers {
			wg.Add(1)
			verifiers.Add(1)
			go func() {
				defer wg.Done()
				defer verifiers.Done()
				verify(soft, c, i, len(f.Verifiers), tok, take, approved, providersDone, res, fail)
			}()
		}
	}
	verifiersDone := make(chan struct{})
	go func() {
		verifiers.Wait()
		close(verifiersDone)
	}()
	if plan.PaymentRun && len(f.Finance) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if plan.RunAfter > 0 {
				select {
				case <-soft.Done():
					return
				case <-approvedEnough:
				case <-verifiersDone:
					fail("payment run: the verifiers approved %d claims, fewer than the %d the run waits for", atomic.LoadInt64(&res.Approved), plan.RunAfter)
					return
				}
			} else {
				select {
				case <-soft.Done():
					return
				case <-time.After(plan.Duration / 2):
				}
			}
			if !take() {
				return
			}
			start := time.Now()
			id, via, err := createRun(soft, c, f.Finance[0], plan.DB)
			if err != nil {
				fail("payment run: %v", err)
				return
			}
			mu.Lock()
			res.RunID, res.RunVia, res.RunLatency = id, via, time.Since(start)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Ended = time.Now()
	res.Requests = requests.Load()
	if plan.MaxRequests > 0 && res.Requests > plan.MaxRequests {
		res.Requests = plan.MaxRequests
	}
	// Provider clients that claimed every milestone they had.
	for _, p := range f.Providers {
		n := 0
		for _, cl := range res.Claims {
			if cl.Request.Token == p.Token {
				n++
			}
		}
		if n == len(p.Slots) {
			res.Exhausted++
		}
	}
	return res
}

// verify approves claims from the queue: verifier i of n takes the
// submitted claims whose id hashes to i, and any claim waiting for a second
// approval that it did not approve first. It stops when ctx ends, or once
// the providers are done and the queue holds nothing left for it.
func verify(ctx context.Context, c *Client, i, n int, token string, take func() bool, approved func(), providersDone <-chan struct{},
	res *Result, fail func(string, ...any)) {
	mine := map[uuid.UUID]bool{}
	for ctx.Err() == nil {
		finished := false
		select {
		case <-providersDone:
			finished = true // this queue read is the last unless it finds work
		default:
		}
		if !take() {
			return
		}
		items, err := c.Queue(ctx, token)
		if err != nil {
			if ctx.Err() == nil {
				fail("verifier %d: %v", i+1, err)
				time.Sleep(100 * time.Millisecond)
			}
			continue
		}
		did := 0
		for _, it := range items {
			if ctx.Err() != nil {
				return
			}
			h := fnv.New32a()
			h.Write(it.ID[:])
			switch {
			case it.State == "submitted" && int(h.Sum32())%n == i:
			case it.State == "awaiting_second_approval" && !mine[it.ID]:
			default:
				continue
			}
			if !take() {
				return
			}
			a, err := c.JSON(ctx, "approve_claim", http.MethodPost, "/api/v1/claims/"+it.ID.String()+"/approve", token,
				map[string]string{"note": "Bewijs gecontroleerd."}, "Idempotency-Key", uuid.NewString())
			if err != nil {
				if ctx.Err() == nil {
					fail("verifier %d approve %s: %v", i+1, it.ID, err)
				}
				continue
			}
			did++
			switch {
			case a.Status == http.StatusOK:
				approved()
				mine[it.ID] = true
			case a.Status == http.StatusConflict || a.Status == http.StatusForbidden:
				atomic.AddInt64(&res.ApproveRaces, 1)
				mine[it.ID] = true
			default:
				fail("verifier %d approve %s: %d %s", i+1, it.ID, a.Status, a.Body)
			}
		}
		if did == 0 {
			if finished {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

// createRun creates a payment run for last year and this one up to today,
// through the API, or through the billing service when the server has no
// payment-run API and db is given.
func createRun(ctx context.Context, c *Client, token string, db *database.DB) (uuid.UUID, string, error) {
	today := time.Now().UTC()
	from := time.Date(today.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := c.JSON(ctx, "create_payment_run", http.MethodPost, "/api/v1/payment-runs", token,
		map[string]string{"period_start": from.Format(time.DateOnly), "period_end": today.Format(time.DateOnly)}, "Idempotency-Key", uuid.NewString())
	if err != nil {
		return uuid.Nil, "", err
	}
	if a.Status == http.StatusNotFound || a.Status == http.StatusMethodNotAllowed {
		if db == nil {
			return uuid.Nil, "", fmt.Errorf("%w: POST /api/v1/payment-runs", errNoRoute)
		}
		actor, err := actorByToken(ctx, db, token)
		if err != nil {
			return uuid.Nil, "", err
		}
		run, err := billing.NewService(db.Gorm, pooling.NewService(db.Gorm)).CreateRun(ctx, actor, from, today)
		if err != nil {
			return uuid.Nil, "", err
		}
		return run.ID, "service", nil
	}
	if a.Status/100 != 2 {
		return uuid.Nil, "", fmt.Errorf("POST /api/v1/payment-runs: %d %s", a.Status, a.Body)
	}
	var body struct {
		ID uuid.UUID `json:"id"`
	}
	if err := jsonUnmarshal(a.Body, &body); err != nil {
		return uuid.Nil, "", err
	}
	return body.ID, "api", nil
}

func actorByToken(ctx context.Context, db *database.DB, token string) (access.Actor, error) {
	return access.NewService(db.Gorm).ActorByToken(ctx, token)
}
