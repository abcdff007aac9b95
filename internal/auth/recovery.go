package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
)

// RecoveryCodeCount is how many one-time recovery codes a person gets.
const RecoveryCodeCount = 10

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// recoveryAlphabet leaves out letters and digits people confuse (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes makes a set of codes like "k7m2p-x9qrt" (about 49 bits
// each) and their keyed hashes; only the hashes are stored.
func (f *Factors) newRecoveryCodes(userID int64) ([]string, [][]byte, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([][]byte, RecoveryCodeCount)
	raw := make([]byte, 10)
	for i := range codes {
		if _, err := rand.Read(raw); err != nil {
			return nil, nil, err
		}
		var b strings.Builder
		for j, c := range raw {
			if j == 5 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		codes[i] = b.String()
		hashes[i] = f.recoveryHash(userID, codes[i])
	}
	return codes, hashes, nil
}

// recoveryHash is an HMAC under a key derived from the server secret, bound
// to the user: a leaked table cannot be brute-forced offline.
func (f *Factors) recoveryHash(userID int64, code string) []byte {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	m := hmac.New(sha256.New, subKey(f.Secret, "recovery"))
	m.Write([]byte(strconv.FormatInt(userID, 10) + ":" + norm))
	return m.Sum(nil)
}

// NewRecoveryCodes replaces the user's recovery codes; the answer is shown
// once. Only someone with a factor set up gets codes.
func (f *Factors) NewRecoveryCodes(ctx context.Context, u *helpdesk.User) ([]string, error) {
	st, err := f.Status(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !st.Any() {
		return nil, helpdesk.Errorf(helpdesk.ECONFLICT, "Set up an authenticator app or a passkey first.")
	}
	codes, hashes, err := f.newRecoveryCodes(u.ID)
	if err != nil {
		return nil, err
	}
	return codes, f.DB.ReplaceRecoveryCodes(ctx, u.ID, hashes)
}
