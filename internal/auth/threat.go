package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"switchboard/internal/postgres"
)

// SettingThreatResponse is the settings key of what a high-risk detection
// does besides opening a Security ticket and mailing the person (issue 14):
// force a second factor, end the person's sessions. Both off by default.
const SettingThreatResponse = "threat_response"

// ThreatResponse is the stored form of SettingThreatResponse.
type ThreatResponse struct {
	ForceSecondFactor bool `json:"force_second_factor,omitempty"`
	EndSessions       bool `json:"end_sessions,omitempty"`
}

// LoadThreatResponse reads the configured responses (none when unset).
func LoadThreatResponse(ctx context.Context, db *postgres.DB) (ThreatResponse, error) {
	var t ThreatResponse
	raw, err := db.Setting(ctx, SettingThreatResponse)
	if err != nil || raw == nil {
		return t, err
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, fmt.Errorf("read %s: %w", SettingThreatResponse, err)
	}
	return t, nil
}

// LockLinkLifetime is how long a "no, lock my account" link works.
const LockLinkLifetime = 72 * time.Hour

// NewLockToken makes the secret part of a lock link: 32 random bytes, the
// expiry, and an HMAC of both under key, so a forged or altered link is
// refused before any lookup. It returns the token and the hash to store;
// only the hash is kept, and the database makes it single-use.
func NewLockToken(key []byte, expires time.Time) (string, []byte) {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	var exp [8]byte
	binary.BigEndian.PutUint64(exp[:], uint64(expires.Unix())) //nolint:gosec // a time after 1970
	enc := base64.RawURLEncoding
	tok := enc.EncodeToString(raw) + "." + enc.EncodeToString(exp[:]) + "." + enc.EncodeToString(lockMAC(key, raw, exp[:]))
	sum := sha256.Sum256(raw)
	return tok, sum[:]
}

// CheckLockToken verifies a lock token's signature and expiry and returns
// the hash to look up; ok=false for anything forged, altered or expired.
func CheckLockToken(key []byte, tok string, now time.Time) ([]byte, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(tok) > 200 {
		return nil, false
	}
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(parts[0])
	exp, err2 := enc.DecodeString(parts[1])
	mac, err3 := enc.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(raw) != 32 || len(exp) != 8 {
		return nil, false
	}
	if !hmac.Equal(mac, lockMAC(key, raw, exp)) {
		return nil, false
	}
	if int64(binary.BigEndian.Uint64(exp)) <= now.Unix() { //nolint:gosec // checked by the MAC: ours
		return nil, false
	}
	sum := sha256.Sum256(raw)
	return sum[:], true
}

func lockMAC(key, raw, exp []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("switchboard-lock-link\x00"))
	m.Write(raw)
	m.Write(exp)
	return m.Sum(nil)[:16]
}
