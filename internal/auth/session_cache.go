package auth

import (
	"sync"
	"time"
)

// AuthChannel is the NOTIFY channel on which the database announces, after
// commit, any change that could end a session or alter what it carries:
// sessions deleted, users changed, team membership, restricted teams,
// availability (triggers in migration 00060).
const AuthChannel = "sb_auth"

// cacheMaxAge bounds how long a checked session is trusted without asking
// the database again, even when no change was announced.
const cacheMaxAge = 10 * time.Second

// cacheMaxEntries bounds memory; past it the cache starts over.
const cacheMaxEntries = 20000

// sessionCache remembers recently checked sessions so that a page view
// costs no session query. It is only used while the node hears AuthChannel
// (Listening(true)): without invalidation nothing is cached. Every
// announcement drops everything; a lookup that began before a drop does not
// store its (possibly stale) result, which gen tracks.
type sessionCache struct {
	mu      sync.Mutex
	live    bool
	gen     uint64
	entries map[[32]byte]cachedSession
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
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[h]
	if !ok || !c.live {
		return e, false
	}
	if now.Sub(e.checkedAt) > cacheMaxAge || !now.Before(e.expiresAt) || now.Sub(e.lastSeen) >= idle {
		delete(c.entries, h)
		return e, false
	}
	return e, true
}

// begin is called before a database lookup; put stores its result only
// if nothing was dropped in between.
func (c *sessionCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *sessionCache) put(gen uint64, h [32]byte, e cachedSession) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= cacheMaxEntries {
		c.entries = map[[32]byte]cachedSession{}
	}
	c.entries[h] = e
}

// forget drops every cached session.
func (c *sessionCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// listening turns the cache on while the node hears AuthChannel and off
// (emptied) when it does not, since announcements could then be missed.
func (c *sessionCache) listening(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = on
	clear(c.entries)
}
