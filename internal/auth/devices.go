package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"switchboard/internal/postgres"
)

// DeviceCookie names the long-lived cookie that marks a browser as one a
// person signed in from before. It holds a random id; known_devices holds
// its SHA-256 per account. It grants nothing by itself: it only lets a
// correct password past the account's sign-in backoff (an attacker guessing
// passwords has no such cookie), and its absence is the "new device" signal.
const DeviceCookie = "sb_device"

// Devices recognises and remembers browsers.
type Devices struct {
	DB     *postgres.DB
	Secure bool
}

func deviceHash(r *http.Request) ([]byte, bool) {
	c, err := r.Cookie(DeviceCookie)
	if err != nil || len(c.Value) < 40 || len(c.Value) > 64 {
		return nil, false
	}
	sum := sha256.Sum256([]byte(c.Value))
	return sum[:], true
}

// Known returns the device id when the request's browser signed in to
// userID before.
func (d *Devices) Known(ctx context.Context, r *http.Request, userID int64) (int64, bool) {
	h, ok := deviceHash(r)
	if !ok || d == nil {
		return 0, false
	}
	id, ok, err := d.DB.KnownDevice(ctx, userID, h)
	return id, ok && err == nil
}

// Remember records the browser as a device of userID after a successful
// sign-in, giving it a cookie first if it has none; it returns the device id.
func (d *Devices) Remember(ctx context.Context, w http.ResponseWriter, r *http.Request, userID int64) (int64, error) {
	h, ok := deviceHash(r)
	if !ok {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return 0, err
		}
		v := base64.RawURLEncoding.EncodeToString(raw)
		http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: v, Path: "/", MaxAge: int((400 * 24 * time.Hour).Seconds()), //nolint:gosec // Secure follows the base URL's scheme: plain http only on loopback or behind TLS-ending proxies
			HttpOnly: true, Secure: d.Secure, SameSite: http.SameSiteLaxMode})
		sum := sha256.Sum256([]byte(v))
		h = sum[:]
	}
	return d.DB.RememberDevice(ctx, userID, h, truncate(r.UserAgent(), 300), ClientIP(r))
}
