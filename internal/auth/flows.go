package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Flow kinds: the steps of a sign-in that span several requests.
const (
	FlowSecondFactor = "second_factor" // password accepted, a code or passkey is due
	FlowEnrol        = "enrol"         // password accepted, the role needs a factor that is not set up yet
	FlowPasskey      = "passkey"       // a WebAuthn ceremony's challenge
	FlowSSO          = "sso"           // state, nonce and PKCE verifier of an SSO round trip
)

// Flows keeps sign-in steps in flight. The browser holds a random id in a
// cookie named after the kind; the database holds its SHA-256 with the
// step's data, so every app node can finish what another began, and a flow
// bound to this browser's cookie cannot be finished from another browser.
type Flows struct {
	DB     *postgres.DB
	Secure bool
}

func flowCookie(kind string) string { return "sb_flow_" + kind }

// Start begins a flow of kind for userID (0: none yet) with data, valid for
// ttl, and sets its cookie.
func (f *Flows) Start(ctx context.Context, w http.ResponseWriter, kind string, userID int64, data []byte, ttl time.Duration) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	id := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(id))
	if err := f.DB.CreateAuthFlow(ctx, sum[:], helpdesk.AuthFlow{Kind: kind, UserID: userID, Data: data}, ttl); err != nil {
		return err
	}
	//nolint:gosec // Secure follows the base URL's scheme: plain http only on loopback or behind TLS-ending proxies
	http.SetCookie(w, &http.Cookie{Name: flowCookie(kind), Value: id, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: f.Secure, SameSite: http.SameSiteLaxMode})
	return nil
}

// Load returns the request's live flow of kind, counting an attempt when
// attempt is set; ENOTFOUND when there is none.
func (f *Flows) Load(ctx context.Context, r *http.Request, kind string, attempt bool) (helpdesk.AuthFlow, error) {
	h, ok := flowHash(r, kind)
	if !ok {
		return helpdesk.AuthFlow{}, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return f.DB.AuthFlow(ctx, h, kind, attempt)
}

// Take returns the request's flow of kind and ends it: it works once.
func (f *Flows) Take(ctx context.Context, w http.ResponseWriter, r *http.Request, kind string) (helpdesk.AuthFlow, error) {
	h, ok := flowHash(r, kind)
	if !ok {
		return helpdesk.AuthFlow{}, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	f.clearCookie(w, kind)
	return f.DB.TakeAuthFlow(ctx, h, kind)
}

// End forgets the request's flow of kind, if any.
func (f *Flows) End(ctx context.Context, w http.ResponseWriter, r *http.Request, kind string) error {
	f.clearCookie(w, kind)
	if h, ok := flowHash(r, kind); ok {
		return f.DB.DeleteAuthFlow(ctx, h)
	}
	return nil
}

func (f *Flows) clearCookie(w http.ResponseWriter, kind string) {
	//nolint:gosec // as in Start
	http.SetCookie(w, &http.Cookie{Name: flowCookie(kind), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: f.Secure, SameSite: http.SameSiteLaxMode})
}

func flowHash(r *http.Request, kind string) ([]byte, bool) {
	c, err := r.Cookie(flowCookie(kind))
	if err != nil || c.Value == "" || len(c.Value) > 100 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(c.Value))
	return sum[:], true
}
