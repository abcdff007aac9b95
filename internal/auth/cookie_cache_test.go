package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A session cookie decoded once is recognised from the cache until its own
// timestamp plus the maximum age; a cookie that does not decode (another
// key, tampered) is never cached.
func TestSessionCookieCache(t *testing.T) {
	t.Parallel()
	s := NewSessions(nil, []byte("0123456789abcdef0123456789abcdef"), time.Hour, 2*time.Hour, false)
	cookieFor := func(s *Sessions, sid string) *http.Cookie {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		sess, _ := s.Store.New(req, CookieName)
		sess.Values["sid"] = sid
		if err := sess.Save(req, rec); err != nil {
			t.Fatal(err)
		}
		return rec.Result().Cookies()[0]
	}
	hashOf := func(c *http.Cookie) ([32]byte, bool) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.AddCookie(c)
		return s.idHash(req)
	}
	c := cookieFor(s, "session-one")
	first, ok := hashOf(c)
	if !ok {
		t.Fatal("a fresh cookie did not decode")
	}
	until, ok := cookieUntil(c.Value, 2*60*60)
	if now := time.Now().Unix(); !ok || until < now+2*60*60-5 || until > now+2*60*60+5 {
		t.Fatalf("cookie good until %d (%v), want about now + 2 h (%d)", until, ok, now+2*60*60)
	}
	if h, ok := s.cookies.get(c.Value, time.Now().Unix()); !ok || h != first {
		t.Fatal("a decoded cookie was not cached")
	}
	if again, ok := hashOf(c); !ok || again != first {
		t.Fatal("the cached cookie gave another session")
	}
	if _, ok := s.cookies.get(c.Value, until+1); ok {
		t.Error("a cookie past its maximum age still came from the cache")
	}
	// Signed with another key: refused and not cached.
	other := NewSessions(nil, []byte("another secret key of 32 bytes!!"), time.Hour, 2*time.Hour, false)
	forged := cookieFor(other, "session-one")
	if _, ok := hashOf(forged); ok {
		t.Fatal("a cookie signed with another key decoded")
	}
	if _, ok := s.cookies.get(forged.Value, time.Now().Unix()); ok {
		t.Error("a cookie that did not decode was cached")
	}
}
