package auth

import (
	"sync"
	"sync/atomic"
	"time"
)

// AuthChannel is the NOTIFY channel on which the database announces, after
// commit, any change that could end a session or an API token or alter what
// they carry: sessions deleted, users changed, team membership, restricted
// teams, availability (triggers in migration 00060), API tokens revoked,
// expired or deleted (00061).
const AuthChannel = "sb_auth"

// cacheMaxAge bounds how long a checked session or token is trusted without
// asking the database again, even when no change was announced.
const cacheMaxAge = 10 * time.Second

// cacheMaxEntries bounds memory; past it a cache starts over.
const cacheMaxEntries = 20000

// authCache remembers recently checked credentials (sessions, API tokens)
// by the hash that identifies them, so that a request costs no lookup. It
// is only used while the node hears AuthChannel (listening(true)): without
// invalidation nothing is cached. Every announcement drops everything; a
// lookup that began before a drop does not store its (possibly stale)
// result, which gen tracks.
type authCache[E any] struct {
	mu      sync.Mutex
	live    bool
	gen     uint64
	entries map[[32]byte]E
	// hits counts lookups answered from the cache, so tests can show that
	// caching is really on (an invalidation test passes vacuously without).
	hits atomic.Int64
}

// caching reports whether the cache is on (the node hears AuthChannel).
func (c *authCache[E]) caching() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// lookup returns the entry for h if the cache is live and fresh accepts
// it; an entry fresh rejects is dropped.
func (c *authCache[E]) lookup(h [32]byte, fresh func(E) bool) (E, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero E
	e, ok := c.entries[h]
	if !ok || !c.live {
		return zero, false
	}
	if !fresh(e) {
		delete(c.entries, h)
		return zero, false
	}
	c.hits.Add(1)
	return e, true
}

// begin is called before a database lookup; put stores its result only
// if nothing was dropped in between.
func (c *authCache[E]) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *authCache[E]) put(gen uint64, h [32]byte, e E) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= cacheMaxEntries {
		c.entries = map[[32]byte]E{}
	}
	c.entries[h] = e
}

// load returns h's entry from the cache while fresh accepts it, else from
// fetch; what fetch finds (ok) is stored unless a drop came in between.
func (c *authCache[E]) load(h [32]byte, fresh func(E) bool, fetch func() (E, bool, error)) (E, bool, error) {
	if e, ok := c.lookup(h, fresh); ok {
		return e, true, nil
	}
	gen := c.begin()
	e, ok, err := fetch()
	if err != nil || !ok {
		return e, false, err
	}
	c.put(gen, h, e)
	return e, true, nil
}

// write runs a bookkeeping update (last seen, last used) and stores e,
// which already shows it, unless a drop came in between.
func (c *authCache[E]) write(h [32]byte, e E, update func() error) error {
	gen := c.begin()
	if err := update(); err != nil {
		return err
	}
	c.put(gen, h, e)
	return nil
}

// forget drops every entry.
func (c *authCache[E]) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// listening turns the cache on while the node hears AuthChannel and off
// (emptied) when it does not, since announcements could then be missed.
func (c *authCache[E]) listening(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = on
	clear(c.entries)
}

// sessionCache remembers recently checked sessions so that a page view
// costs no session query.
type sessionCache struct {
	authCache[cachedSession]
}

type cachedSession struct {
	cur       Current
	lastSeen  time.Time
	expiresAt time.Time
	checkedAt time.Time
}

// get returns the cached session for h if it is still good at now under
// the idle limit.
func (c *sessionCache) get(h [32]byte, now time.Time, idle time.Duration) (cachedSession, bool) {
	return c.lookup(h, sessionFresh(now, idle))
}

// sessionFresh accepts a cached session still good at now under the idle
// limit.
func sessionFresh(now time.Time, idle time.Duration) func(cachedSession) bool {
	return func(e cachedSession) bool {
		return now.Sub(e.checkedAt) <= cacheMaxAge && now.Before(e.expiresAt) && now.Sub(e.lastSeen) < idle
	}
}

// Caches passes what a node hears on AuthChannel to each of its caches
// (sessions, tokens); it is what the live-update hub's Auth hook takes.
type Caches []interface {
	Forget()
	Listening(on bool)
}

// Forget drops every cache's entries.
func (cs Caches) Forget() {
	for _, c := range cs {
		c.Forget()
	}
}

// Listening tells every cache whether the node hears AuthChannel.
func (cs Caches) Listening(on bool) {
	for _, c := range cs {
		c.Listening(on)
	}
}
