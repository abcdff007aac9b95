package auth

import (
	"testing"
	"time"
)

func TestSessionCache(t *testing.T) {
	now := time.Now()
	h := [32]byte{1}
	good := cachedSession{lastSeen: now, expiresAt: now.Add(time.Hour), checkedAt: now}
	const idle = time.Hour

	var c sessionCache
	c.put(c.begin(), h, good)
	if _, ok := c.get(h, now, idle); ok {
		t.Fatal("cached while not listening: a missed sign-out could never be heard")
	}

	c.listening(true)
	c.put(c.begin(), h, good)
	if _, ok := c.get(h, now, idle); !ok {
		t.Fatal("not cached while listening")
	}

	// A lookup that started before a drop must not store its result.
	gen := c.begin()
	c.forget()
	c.put(gen, h, good)
	if _, ok := c.get(h, now, idle); ok {
		t.Fatal("a lookup older than the last drop was stored")
	}

	for name, tc := range map[string]struct {
		e   cachedSession
		at  time.Time
		idl time.Duration
	}{
		"older than cacheMaxAge": {good, now.Add(cacheMaxAge + time.Second), idle},
		"past expiry":            {cachedSession{lastSeen: now, expiresAt: now.Add(time.Second), checkedAt: now}, now.Add(2 * time.Second), idle},
		"idle too long":          {good, now.Add(5 * time.Second), 5 * time.Second},
	} {
		c.put(c.begin(), h, tc.e)
		if _, ok := c.get(h, tc.at, tc.idl); ok {
			t.Errorf("%s: still served from the cache", name)
		}
	}

	// Losing the listener empties the cache and stops caching.
	c.put(c.begin(), h, good)
	c.listening(false)
	if _, ok := c.get(h, now, idle); ok {
		t.Fatal("served after the listener was lost")
	}
}
