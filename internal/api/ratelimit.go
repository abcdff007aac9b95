package api

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per user (all of their API tokens), in this process's memory. With
// several app nodes behind a load balancer each node keeps its own buckets,
// so a client spread over N nodes gets up to N times the rate: a deliberate
// trade for not writing to PostgreSQL on every request. The limit protects
// the service from runaway scripts, not a billing quota.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[int64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[int64]*bucket{}}
}

// allow takes one request from id's bucket; when it is empty it reports how
// many whole seconds until one is available.
func (l *limiter) allow(id int64) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[id]
	if !ok {
		if len(l.buckets) >= 10_000 {
			l.sweep(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[id] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, int(math.Ceil((1 - b.tokens) / l.rate))
}

// sweep forgets buckets that have refilled: they behave like new ones.
func (l *limiter) sweep(now time.Time) {
	for id, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, id)
		}
	}
}

// SetRateLimit changes every user's rate and burst from now on (existing
// buckets keep their level); benchmarks and a future setting use it.
func (h *Handler) SetRateLimit(perSecond float64, burst int) {
	h.limiter.mu.Lock()
	defer h.limiter.mu.Unlock()
	h.limiter.rate, h.limiter.burst = perSecond, float64(burst)
}
