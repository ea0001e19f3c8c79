package web

import (
	"sync"
	"time"
)

// limiter allows n events per window for each key: a token bucket that
// refills n tokens per window. It lives in memory: a restart forgives
// everyone, which is acceptable for limits whose window is a minute.
type limiter struct {
	n      float64
	window time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: float64(n), window: window, buckets: map[string]*bucket{}}
}

// allow takes a token of key at now; when there is none it says how long
// until there is one.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	if l.calls%1024 == 0 {
		l.sweep(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.n, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.n, b.tokens+l.refill(now.Sub(b.at)))
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.n * float64(l.window))
	return false, wait
}

func (l *limiter) refill(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return l.n * float64(d) / float64(l.window)
}

// sweep forgets buckets that have refilled: they hold nothing a new bucket
// would not.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+l.refill(now.Sub(b.at)) >= l.n {
			delete(l.buckets, k)
		}
	}
}
