package auth

import (
	"time"

	"switchboard/internal/helpdesk"
)

// tokenCache remembers recently checked API tokens with their users, so
// that an API request costs no token query. Like sessions, only while the
// node hears AuthChannel, for at most cacheMaxAge, and dropped whole at
// every announcement (migration 00061 announces token changes; 00060 user
// changes such as deactivation).
type tokenCache struct {
	authCache[cachedToken]
}

type cachedToken struct {
	user      helpdesk.User
	token     Token
	checkedAt time.Time
}

// get returns the cached token for h if it is still good at now.
func (c *tokenCache) get(h [32]byte, now time.Time) (cachedToken, bool) {
	return c.lookup(h, tokenFresh(now))
}

// tokenFresh accepts a cached token still good at now.
func tokenFresh(now time.Time) func(cachedToken) bool {
	return func(e cachedToken) bool { return now.Sub(e.checkedAt) <= cacheMaxAge && e.token.Active(now) }
}
