package auth

import (
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	now := time.Now()
	h := [32]byte{2}
	good := cachedToken{token: Token{ID: 1}, checkedAt: now}

	var c tokenCache
	c.put(c.begin(), h, good)
	if _, ok := c.get(h, now); ok {
		t.Fatal("cached while not listening: a missed revocation could never be heard")
	}
	c.listening(true)
	c.put(c.begin(), h, good)
	if _, ok := c.get(h, now); !ok {
		t.Fatal("not cached while listening")
	}
	c.forget()
	if _, ok := c.get(h, now); ok {
		t.Fatal("served after an announcement")
	}

	soon := now.Add(time.Second)
	for name, tc := range map[string]struct {
		e  cachedToken
		at time.Time
	}{
		"older than cacheMaxAge": {good, now.Add(cacheMaxAge + time.Second)},
		"past its expiry":        {cachedToken{token: Token{ID: 1, ExpiresAt: &soon}, checkedAt: now}, now.Add(2 * time.Second)},
	} {
		c.put(c.begin(), h, tc.e)
		if _, ok := c.get(h, tc.at); ok {
			t.Errorf("%s: still served from the cache", name)
		}
	}
}
