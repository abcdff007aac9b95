package auth

import (
	"bytes"
	"encoding/base64"
	"math"
	"strconv"
	"sync"
)

// cookieCache remembers which session id a session cookie decoded to, so
// that a request with a cookie seen before skips its decoding (base64, MAC,
// AES, JSON and gorilla's session maps: ~3 % of a page view's CPU). Only a
// cookie that decoded, and so was signed with our key, is ever stored, and
// only until its own timestamp plus the maximum age, when decoding would
// refuse it too. Whether the session itself still holds is asked as before.
type cookieCache struct {
	mu sync.Mutex
	m  map[string]cookieEntry
}

type cookieEntry struct {
	hash  [32]byte
	until int64 // Unix seconds after which the cookie is too old
}

// cookieCacheMax bounds memory (~200 bytes a cookie); past it the cache
// starts over.
const cookieCacheMax = 20000

func (c *cookieCache) get(value string, now int64) ([32]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[value]
	if !ok || now > e.until {
		return [32]byte{}, false
	}
	return e.hash, true
}

func (c *cookieCache) put(value string, h [32]byte, until int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= cookieCacheMax {
		c.m = map[string]cookieEntry{}
	}
	c.m[value] = cookieEntry{hash: h, until: until}
}

// cookieUntil reads the timestamp securecookie signed into value
// (base64url of "date|value|mac") and returns the last second the cookie
// decodes with maxAge seconds allowed (0: no limit).
func cookieUntil(value string, maxAge int64) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return 0, false
	}
	date, _, ok := bytes.Cut(b, []byte("|"))
	if !ok {
		return 0, false
	}
	t, err := strconv.ParseInt(string(date), 10, 64)
	if err != nil {
		return 0, false
	}
	if maxAge <= 0 {
		return math.MaxInt64, true
	}
	return t + maxAge, true
}
