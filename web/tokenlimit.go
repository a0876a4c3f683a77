package web

import (
	"sync"
	"time"
)

// badTokenLimit is how many wrong API tokens one address may send in a
// minute; after that every API request from it answers 429 until the
// minute that began with its first wrong token is over.
const badTokenLimit = 30

// failureLimit counts failures per key (a client address) in a window that
// starts at the key's first failure. Only failures count, so a busy client
// with a right token is never slowed. The lock guards a map update, never a
// request's work.
type failureLimit struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]failures
}

type failures struct {
	since time.Time
	n     int
}

func newFailureLimit(limit int, window time.Duration) *failureLimit {
	return &failureLimit{limit: limit, window: window, now: time.Now, seen: map[string]failures{}}
}

// blocked says whether key has used up its failures; if so, also how long
// until it may try again.
func (l *failureLimit) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.seen[key]
	if !ok {
		return false, 0
	}
	left := l.window - l.now().Sub(f.since)
	return left > 0 && f.n >= l.limit, left
}

// fail counts one failure for key.
func (l *failureLimit) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f, ok := l.seen[key]
	if !ok || now.Sub(f.since) >= l.window {
		if len(l.seen) >= 10_000 {
			l.sweep(now)
		}
		f = failures{since: now}
	}
	f.n++
	l.seen[key] = f
}

// sweep forgets the keys whose window is over.
func (l *failureLimit) sweep(now time.Time) {
	for k, f := range l.seen {
		if now.Sub(f.since) >= l.window {
			delete(l.seen, k)
		}
	}
}
