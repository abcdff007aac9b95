package intake

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// Resolver is the one DNS client of sender authentication: every lookup
// has a deadline, and answers are cached, so a burst of mail from one domain
// asks DNS once and a slow DNS server cannot hold a mail worker for long.
// It satisfies mail.Resolver.
type Resolver struct {
	r       *net.Resolver
	timeout time.Duration
	ttl     time.Duration // how long an answer is kept
	negTTL  time.Duration // how long "no such name" is kept

	mu       sync.Mutex
	cache    map[string]cached
	inflight map[string]*asking
}

// asking is a lookup under way: concurrent mails from one domain wait for
// its answer instead of asking DNS again.
type asking struct {
	done chan struct{}
	v    any
	err  error
}

type cached struct {
	v   any
	err error
	exp time.Time
}

// maxCached bounds the cache; past it the cache starts over.
const maxCached = 20000

// NewResolver returns a resolver asking server ("host:port") or, when server
// is "", the system's resolvers.
func NewResolver(server string) *Resolver {
	r := &net.Resolver{}
	if server != "" {
		r.PreferGo = true
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}
	}
	return &Resolver{r: r, timeout: 5 * time.Second, ttl: 5 * time.Minute, negTTL: time.Minute, cache: map[string]cached{},
		inflight: map[string]*asking{}}
}

// lookup answers from the cache or asks DNS under the deadline. Temporary
// failures (timeouts, SERVFAIL) are not cached: the next mail asks again.
func lookup[T any](ctx context.Context, c *Resolver, key string, ask func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	if e, ok := c.cache[key]; ok && time.Now().Before(e.exp) {
		c.mu.Unlock()
		v, _ := e.v.(T)
		return v, e.err
	}
	if a, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-a.done:
			v, _ := a.v.(T)
			return v, a.err
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
	a := &asking{done: make(chan struct{})}
	c.inflight[key] = a
	c.mu.Unlock()
	// Others wait for this answer: one caller's cancellation must not
	// become theirs, so the question runs on its own deadline.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	v, err := ask(ctx)
	a.v, a.err = v, err
	var exp time.Time
	var de *net.DNSError
	switch {
	case err == nil:
		exp = time.Now().Add(c.ttl)
	case errors.As(err, &de) && de.IsNotFound:
		exp = time.Now().Add(c.negTTL)
	}
	c.mu.Lock()
	delete(c.inflight, key)
	if !exp.IsZero() {
		if len(c.cache) >= maxCached {
			c.cache = map[string]cached{}
		}
		c.cache[key] = cached{v: v, err: err, exp: exp}
	}
	c.mu.Unlock()
	close(a.done)
	return v, err
}

// LookupTXT returns the TXT records of name.
func (c *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	return lookup(ctx, c, "txt:"+name, func(ctx context.Context) ([]string, error) { return c.r.LookupTXT(ctx, name) })
}

// LookupMX returns the MX records of name.
func (c *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	return lookup(ctx, c, "mx:"+name, func(ctx context.Context) ([]*net.MX, error) { return c.r.LookupMX(ctx, name) })
}

// LookupIPAddr returns the addresses of host.
func (c *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	return lookup(ctx, c, "ip:"+host, func(ctx context.Context) ([]net.IPAddr, error) { return c.r.LookupIPAddr(ctx, host) })
}

// LookupAddr returns the names of addr (reverse lookup).
func (c *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return lookup(ctx, c, "ptr:"+addr, func(ctx context.Context) ([]string, error) { return c.r.LookupAddr(ctx, addr) })
}
