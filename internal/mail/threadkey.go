package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"regexp"
	"strconv"
	"strings"
)

// tagLen is the length of the reply-address signature: 10 base32 characters carry
// 50 bits, far more than anyone can guess by sending mail, yet short enough that the
// address still fits on one line in a mail client.
const tagLen = 10

var tagEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// replyTag signs local+number. The local part is lower-cased because mail systems
// may change its case on the way back, and a reply must still match.
func replyTag(secret []byte, local string, number int64) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard-reply\x00" + strings.ToLower(local) + "+" + strconv.FormatInt(number, 10)))
	return tagEncoding.EncodeToString(m.Sum(nil))[:tagLen]
}

// ReplyAddress returns the signed address put into Reply-To of mail about a ticket,
// e.g. it+1042.k3x9abcdqe@helpdesk.example. A reply to it threads onto the ticket
// even when the client drops In-Reply-To and the subject tag.
func ReplyAddress(secret []byte, local string, number int64, domain string) string {
	local = strings.ToLower(local)
	return local + "+" + strconv.FormatInt(number, 10) + "." + replyTag(secret, local, number) + "@" + strings.ToLower(domain)
}

// ParseReplyAddress checks an address made by ReplyAddress. ok is true only if the
// domain is ours and the signature is valid (compared in constant time), so a guessed
// or altered ticket number never lets a stranger write into someone else's ticket.
// addr may be a bare address or "Name <addr>".
func ParseReplyAddress(secret []byte, addr, domain string) (local string, number int64, ok bool) {
	lp, ok := replyLocal(addr, domain)
	if !ok {
		return "", 0, false
	}
	if local, n, ok := parseTicketLocal(secret, lp); ok {
		return local, n, true
	}
	// A per-recipient address: the ticket form plus ".<recipient tag>".
	if dot := strings.LastIndexByte(lp, '.'); dot > 0 && len(lp)-dot-1 == tagLen {
		return parseTicketLocal(secret, lp[:dot])
	}
	return "", 0, false
}

// replyLocal returns the lower-cased local part of addr when addr is on domain.
func replyLocal(addr, domain string) (string, bool) {
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = addr[i+1:]
		if j := strings.IndexByte(addr, '>'); j >= 0 {
			addr = addr[:j]
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || !strings.EqualFold(addr[at+1:], domain) || domain == "" {
		return "", false
	}
	return strings.ToLower(addr[:at]), true
}

// parseTicketLocal checks local+number.tag.
func parseTicketLocal(secret []byte, lp string) (string, int64, bool) {
	plus := strings.LastIndexByte(lp, '+')
	dot := strings.LastIndexByte(lp, '.')
	if plus <= 0 || dot < plus+2 || len(lp)-dot-1 != tagLen {
		return "", 0, false
	}
	local, numStr, tag := lp[:plus], lp[plus+1:dot], lp[dot+1:]
	// Only the canonical decimal form is signed: "+01042" or "+1_042" must not be
	// another spelling of the same ticket.
	n, err := strconv.ParseInt(numStr, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != numStr {
		return "", 0, false
	}
	if !hmac.Equal([]byte(tag), []byte(replyTag(secret, local, n))) {
		return "", 0, false
	}
	return local, n, true
}

// recipientTag signs a ticket's reply address for one recipient.
func recipientTag(secret []byte, local string, number int64, email string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard-reply-rcpt\x00" + strings.ToLower(local) + "+" + strconv.FormatInt(number, 10) +
		"\x00" + strings.ToLower(strings.TrimSpace(email))))
	return tagEncoding.EncodeToString(m.Sum(nil))[:tagLen]
}

// RecipientReplyAddress is ReplyAddress made for one recipient: the ticket's
// address plus a tag over the recipient's address, so a reply proves which
// person the mail was sent to (a staff member's emailed reply must come back
// on their own address, not one copied from someone else's mail).
func RecipientReplyAddress(secret []byte, local string, number int64, email, domain string) string {
	local = strings.ToLower(local)
	return local + "+" + strconv.FormatInt(number, 10) + "." + replyTag(secret, local, number) + "." +
		recipientTag(secret, local, number, email) + "@" + strings.ToLower(domain)
}

// IsRecipientReplyAddress reports whether addr is the reply address of a
// ticket made for email by RecipientReplyAddress.
func IsRecipientReplyAddress(secret []byte, addr, domain, email string) bool {
	lp, ok := replyLocal(addr, domain)
	dot := strings.LastIndexByte(lp, '.')
	if !ok || dot <= 0 || len(lp)-dot-1 != tagLen {
		return false
	}
	local, n, ok := parseTicketLocal(secret, lp[:dot])
	return ok && hmac.Equal([]byte(lp[dot+1:]), []byte(recipientTag(secret, local, n, email)))
}

// replyAddrRe finds candidate reply addresses (local+number.tag@domain) in free text,
// e.g. the failed recipient or original headers inside a bounce.
var replyAddrRe = regexp.MustCompile(`(?i)[a-z0-9._-]+\+[0-9]{1,18}\.[a-z2-7]{` + strconv.Itoa(tagLen) + `}(\.[a-z2-7]{` + strconv.Itoa(tagLen) + `})?@[a-z0-9.-]+`)

var subjectTagRe = regexp.MustCompile(`\[\s*#\s*([0-9]{1,18})\s*\]`)

// SubjectTicketNumber finds our "[#1042]" tag anywhere in a subject, so that it
// survives any reply/forward prefixes ("Re: AW: Fwd:") and mailing-list tags. The
// caller must still check that the sender belongs to that ticket.
func SubjectTicketNumber(subject string) (int64, bool) {
	m := subjectTagRe.FindStringSubmatch(subject)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// replyPrefixRe matches one reply/forward prefix in the languages our users' clients
// speak: Re, Fwd/Fw, AW/WG (German), SV/VS (Nordic), TR (French), RIF/R (Italian),
// Antw/Doorst (Dutch), RV (Spanish), Odp/PD (Polish), optionally counted ("RE[2]:").
var replyPrefixRe = regexp.MustCompile(`(?i)^\s*(re|fwd?|aw|wg|sv|vs|tr|rif|antw|doorst|rv|odp|pd|enc|res|ynt|vl|r)\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*`)

// CleanSubject strips reply/forward prefixes and our ticket tag, for display and for
// fuzzy matching of a subject against a ticket's.
func CleanSubject(subject string) string {
	s := subjectTagRe.ReplaceAllString(subject, " ")
	s = strings.Join(strings.Fields(s), " ")
	for range 20 {
		t := replyPrefixRe.ReplaceAllString(s, "")
		if t == s {
			break
		}
		s = t
	}
	return strings.TrimSpace(s)
}
