package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"strings"
)

// BounceLocal is the local part of our signed return paths (VERP).
const BounceLocal = "bounces"

// bounceTag signs one outbox mail's id; its own HMAC label keeps it apart
// from reply-address tags, so a return path never opens a ticket.
func bounceTag(secret []byte, outboxID int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard-verp\x00" + strconv.FormatInt(outboxID, 10)))
	return tagEncoding.EncodeToString(m.Sum(nil))[:16]
}

// BounceAddress is the envelope sender (return path) of one outgoing mail,
// bounces+<outbox id>-<signature>@domain: a delivery report comes back to it
// and names that mail even when the report quotes none of it.
func BounceAddress(secret []byte, outboxID int64, domain string) string {
	return BounceLocal + "+" + strconv.FormatInt(outboxID, 10) + "-" + bounceTag(secret, outboxID) + "@" + strings.ToLower(domain)
}

// ParseBounceAddress checks a return path made by BounceAddress and returns
// its outbox id; a guessed or altered one is not ok. addr may be "<addr>".
func ParseBounceAddress(secret []byte, addr, domain string) (int64, bool) {
	lp, ok := replyLocal(addr, domain)
	rest, found := strings.CutPrefix(lp, BounceLocal+"+")
	if !ok || !found {
		return 0, false
	}
	num, tag, found := strings.Cut(rest, "-")
	if !found {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, hmac.Equal([]byte(tag), []byte(bounceTag(secret, id)))
}

// IsBounceAddress reports whether addr is on our bounce local part, signed
// or not: mail to it is never a person writing to us.
func IsBounceAddress(addr, domain string) bool {
	lp, ok := replyLocal(addr, domain)
	return ok && strings.HasPrefix(lp, BounceLocal+"+")
}
