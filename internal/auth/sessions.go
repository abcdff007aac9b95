package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// CookieName is the session cookie's name.
const CookieName = "sb_session"

// Sessions keeps sign-ins: the gorilla/sessions cookie (signed and
// encrypted) holds only a random id; the sessions table holds its SHA-256,
// so deleting rows signs people out at once and a database leak cannot be
// replayed as cookies.
type Sessions struct {
	DB     *postgres.DB
	Store  *sessions.CookieStore
	Idle   time.Duration // sign out after this long without a request
	Max    time.Duration // sign out this long after sign-in, whatever happens
	Secure bool
	cache  sessionCache
	// cookies maps cookies already decoded to their session id's hash.
	cookies cookieCache
}

// NewSessions derives the cookie keys from the server secret.
func NewSessions(db *postgres.DB, secret []byte, idle, maxAge time.Duration, secure bool) *Sessions {
	hashKey := sha256.Sum256(append([]byte("session-hash:"), secret...))
	encKey := sha256.Sum256(append([]byte("session-enc:"), secret...))
	store := sessions.NewCookieStore(hashKey[:], encKey[:])
	store.Options = &sessions.Options{Path: "/", MaxAge: int(maxAge.Seconds()), HttpOnly: true, Secure: secure,
		SameSite: http.SameSiteLaxMode}
	store.MaxAge(int(maxAge.Seconds()))
	for _, c := range store.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(stringsSerializer{})
		}
	}
	return &Sessions{DB: db, Store: store, Idle: idle, Max: maxAge, Secure: secure}
}

// Current is the signed-in user of a request and their session.
type Current struct {
	User *helpdesk.User
	// Availability is the agent's header switch, loaded with the session so
	// every staff page saves a query.
	Availability helpdesk.Availability
}

// SignIn starts a new password session for user, replacing any session the
// request carried: a new id at every sign-in, so a planted cookie is
// worthless.
func (s *Sessions) SignIn(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64) error {
	return s.SignInWith(ctx, w, r, userID, SignInInfo{})
}

// SignInInfo describes how a session began, for the "Signed-in devices"
// page.
type SignInInfo struct {
	Method   string // password (default), sso, passkey, password+totp, …
	DeviceID int64  // the known device (Devices.Remember); 0 when none
}

// SignInWith is SignIn recording how the person signed in.
func (s *Sessions) SignInWith(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64, info SignInInfo) (err error) {
	defer helpdesk.WrapOp(&err, "sign in user %d", userID)
	if old, ok := s.idHash(r); ok {
		_ = s.DB.DeleteSession(ctx, old[:]) // the new session replaces it either way
		s.Forget()
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(id))
	if info.Method == "" {
		info.Method = "password"
	}
	var device *int64
	if info.DeviceID != 0 {
		device = &info.DeviceID
	}
	if err := s.DB.InsertSession(ctx, postgres.NewSession{IDHash: sum[:], UserID: userID, MaxAge: s.Max,
		UserAgent: truncate(r.UserAgent(), 300), IP: ClientIP(r), Method: info.Method, DeviceID: device}); err != nil {
		return err
	}
	sess, _ := s.Store.New(r, CookieName)
	sess.Values["sid"] = id
	return sess.Save(r, w)
}

// Load returns the request's user, or nil when there is no valid session:
// unknown, expired, idle too long, or the user is deactivated. A session
// checked in the last few seconds comes from the node's cache (see
// sessionCache); the caller gets its own copy either way.
func (s *Sessions) Load(ctx context.Context, r *http.Request) (*Current, error) {
	return s.load(ctx, r, true)
}

// Check is Load without sliding the idle window: a long-lived request (the
// live-update stream) asks whether its session still holds, and an open tab
// alone must not keep a session alive past its idle limit.
func (s *Sessions) Check(ctx context.Context, r *http.Request) (_ *Current, err error) {
	defer helpdesk.WrapOp(&err, "check session")
	return s.load(ctx, r, false)
}

func (s *Sessions) load(ctx context.Context, r *http.Request, slide bool) (*Current, error) {
	h, ok := s.idHash(r)
	if !ok {
		return nil, nil
	}
	now := time.Now()
	e, ok, err := s.cache.load(h, sessionFresh(now, s.Idle), func() (cachedSession, bool, error) {
		e, err := s.lookup(ctx, h)
		e.checkedAt = now
		return e, e.cur.User != nil, err
	})
	if err != nil || !ok {
		return nil, err
	}
	// Sliding idle window; written at most once a minute to spare the database.
	if slide && now.Sub(e.lastSeen) > time.Minute {
		e.lastSeen = now
		_ = s.cache.write(h, e, func() error { return s.DB.TouchSession(ctx, h[:]) })
	}
	u := *e.cur.User
	cur := e.cur
	cur.User = &u
	return &cur, nil
}

// lookup reads the session with its user in one query: the user, the
// availability switch and the team scope the queue's visibility rules need.
// A zero result (nil User) means no valid session.
func (s *Sessions) lookup(ctx context.Context, h [32]byte) (cachedSession, error) {
	var e cachedSession
	su, err := s.DB.SessionUser(ctx, h[:], s.Idle)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return e, nil // unknown, expired, idle or deactivated: signed out
	} else if err != nil {
		return e, err
	}
	e.lastSeen, e.expiresAt = su.LastSeen, su.ExpiresAt
	e.cur = Current{User: &su.User, Availability: su.Availability}
	return e, nil
}

// Forget drops this node's cached sessions. The server calls it after every
// request that may have written, so a change made here (a sign-out, a
// deactivation) holds for the very next request; other nodes hear of it on
// AuthChannel.
func (s *Sessions) Forget() { s.cache.forget() }

// CacheHits is how many session checks this node answered from its cache.
func (s *Sessions) CacheHits() int64 { return s.cache.hits.Load() }

// Caching reports whether this node caches sessions (it hears AuthChannel).
func (s *Sessions) Caching() bool { return s.cache.caching() }

// Listening tells the sessions whether this node hears AuthChannel; only
// then are sessions cached.
func (s *Sessions) Listening(on bool) { s.cache.listening(on) }

// SignOut ends the request's session and clears the cookie.
func (s *Sessions) SignOut(ctx context.Context, w http.ResponseWriter, r *http.Request) (err error) {
	defer helpdesk.WrapOp(&err, "sign out")
	if h, ok := s.idHash(r); ok {
		if err := s.DB.DeleteSession(ctx, h[:]); err != nil {
			return err
		}
		s.Forget()
	}
	sess, _ := s.Store.New(r, CookieName)
	sess.Options.MaxAge = -1
	return sess.Save(r, w)
}

// SignOutEverywhere ends every session of the user ("sign out of all devices").
func (s *Sessions) SignOutEverywhere(ctx context.Context, userID int64) (err error) {
	defer helpdesk.WrapOp(&err, "sign user %d out everywhere", userID)
	err = s.DB.DeleteUserSessions(ctx, userID)
	s.Forget()
	return err
}

// CurrentHash is the stored hash of the request's session id (nil when
// there is none), to mark "this device" in a list of sessions.
func (s *Sessions) CurrentHash(r *http.Request) []byte {
	h, ok := s.idHash(r)
	if !ok {
		return nil
	}
	return h[:]
}

func (s *Sessions) idHash(r *http.Request) ([32]byte, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return [32]byte{}, false
	}
	now := time.Now().Unix() // securecookie's clock: Unix seconds
	if h, ok := s.cookies.get(c.Value, now); ok {
		return h, true
	}
	sess, err := s.Store.Get(r, CookieName)
	if err != nil || sess.IsNew {
		return [32]byte{}, false
	}
	id, _ := sess.Values["sid"].(string)
	if id == "" {
		return [32]byte{}, false
	}
	h := sha256.Sum256([]byte(id))
	if until, ok := cookieUntil(c.Value, int64(s.Max/time.Second)); ok {
		s.cookies.put(c.Value, h, until)
	}
	return h, true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
