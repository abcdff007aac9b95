package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"strconv"
	"strings"
)

// ApprovalLocal is the local part of approval reply addresses.
const ApprovalLocal = "approval"

// approvalTag signs one approval for one approver; its own HMAC label keeps
// it apart from ticket reply addresses and return paths.
func approvalTag(secret []byte, approvalID int64, email string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("switchboard-approval\x00" + strconv.FormatInt(approvalID, 10) + "\x00" +
		strings.ToLower(strings.TrimSpace(email))))
	return tagEncoding.EncodeToString(m.Sum(nil))[:16]
}

// ApprovalAddress is the Reply-To of an approval request mailed to one
// approver, approval+<id>-<signature>@domain: the signature covers the
// approval and the approver's address, so a reply decides only when it
// comes back from the person it was sent to.
func ApprovalAddress(secret []byte, approvalID int64, approverEmail, domain string) string {
	return ApprovalLocal + "+" + strconv.FormatInt(approvalID, 10) + "-" + approvalTag(secret, approvalID, approverEmail) +
		"@" + strings.ToLower(domain)
}

// IsApprovalAddress reports whether addr has the form of an approval
// address on domain, signed or not (mail to it is never a new ticket).
func IsApprovalAddress(addr, domain string) bool {
	lp, ok := replyLocal(addr, domain)
	return ok && strings.HasPrefix(lp, ApprovalLocal+"+")
}

// ParseApprovalAddress checks addr, made by ApprovalAddress for sender, and
// returns the approval id; a guessed or altered address, or one made for
// someone else, is not ok.
func ParseApprovalAddress(secret []byte, addr, domain, sender string) (int64, bool) {
	lp, ok := replyLocal(addr, domain)
	rest, found := strings.CutPrefix(lp, ApprovalLocal+"+")
	if !ok || !found {
		return 0, false
	}
	num, tag, found := strings.Cut(rest, "-")
	if !found {
		return 0, false
	}
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return 0, false
	}
	return id, hmac.Equal([]byte(tag), []byte(approvalTag(secret, id, sender)))
}

// ApprovalAnswer reads an approver's mail reply: the first word of the
// first line that is not quoted says approve (approve, approved)
// or decline (decline, declined, reject, rejected, deny, denied); the rest of
// the reply before the quote is the comment. ok is false when the reply
// says neither.
func ApprovalAnswer(text string) (approve bool, comment string, ok bool) {
	visible, _ := FoldQuoted(text)
	lines := strings.Split(strings.ReplaceAll(visible, "\r\n", "\n"), "\n")
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		word = strings.ToLower(strings.Trim(word, ".,:;!-"))
		switch word {
		// No "yes", "no" or "ok": "No problem, go ahead" and "OK but not
		// until Q3" say the opposite of their first word, and a decision
		// cannot be taken back.
		case "approve", "approved":
			approve = true
		case "decline", "declined", "reject", "rejected", "deny", "denied":
		default:
			return false, "", false
		}
		more := append([]string{strings.TrimSpace(strings.TrimLeft(rest, ".,:;!- "))}, lines[i+1:]...)
		return approve, strings.TrimSpace(strings.Join(more, "\n")), true
	}
	return false, "", false
}
