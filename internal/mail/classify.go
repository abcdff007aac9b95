package mail

import (
	"regexp"
	"strings"
)

// Kind says what a message is for the purpose of ticket handling.
type Kind int

// The kinds, from "make or update a ticket and answer" to "drop".
const (
	// KindNormal is mail from a person: it creates or updates a ticket and may be answered.
	KindNormal Kind = iota
	// KindAutoReply is an out-of-office or other automatic answer: it never creates a
	// ticket, never changes a status and is never answered.
	KindAutoReply
	// KindMachine is auto-generated, bulk or list mail: it becomes a ticket or message
	// (monitoring alerts are real work) but is never answered.
	KindMachine
	// KindBounce is a delivery failure report (DSN, non-standard bounce, ARF complaint):
	// it records a failure on the ticket it refers to and creates nothing.
	KindBounce
	// KindLoop is our own mail coming back: it is dropped.
	KindLoop
)

// String names the kind for logs and events.
func (k Kind) String() string {
	switch k {
	case KindNormal:
		return "normal"
	case KindAutoReply:
		return "auto-reply"
	case KindMachine:
		return "machine"
	case KindBounce:
		return "bounce"
	case KindLoop:
		return "loop"
	}
	return "unknown"
}

// LoopHeader is set on every mail we send; seeing it on inbound mail means a loop.
const LoopHeader = "X-Switchboard-Loop"

// Classification is the verdict on one message.
type Classification struct {
	Kind Kind
	// Reason is a short human-readable why, stored in the ticket's event log.
	Reason string
	// SuppressReplies is true when nothing may be sent back (every kind but normal),
	// the core rule that keeps two robots from mailing each other forever.
	SuppressReplies bool
	// Bounce is set for KindBounce.
	Bounce *BounceInfo
}

// BounceInfo is what a bounce tells about the mail that failed.
type BounceInfo struct {
	OriginalMessageID string   // Message-ID of our mail that failed, bare
	FailedRecipients  []string // addresses that did not get it
	ReplyAddress      string   // a local+N.tag@ourDomain address found in the bounce; verify with ParseReplyAddress
	Permanent         bool     // false for delays and other temporary (4.x.x) failures
}

// Classify decides what kind of message p is. ourDomain is the domain of our intake
// addresses and of the Message-IDs we generate. The order matters: our loop header
// wins; a bounce is recognised before auto-reply markers because many MTAs stamp
// "Auto-Submitted: auto-replied" on their DSNs; and an auto-reply wins over list or
// bulk markers because vacation responders add Precedence: bulk to their answers.
func Classify(p *Parsed, ourDomain string) Classification {
	if p == nil {
		return Classification{Kind: KindLoop, Reason: "no message", SuppressReplies: true}
	}
	ourDomain = strings.ToLower(strings.TrimSpace(ourDomain))
	if p.Header(LoopHeader) != "" {
		return Classification{Kind: KindLoop, Reason: LoopHeader + " header present", SuppressReplies: true}
	}
	if reason := bounceReason(p); reason != "" {
		return Classification{Kind: KindBounce, Reason: reason, SuppressReplies: true, Bounce: bounceInfo(p, ourDomain)}
	}
	if ourDomain != "" && idDomain(p.MessageID) == ourDomain {
		return Classification{Kind: KindLoop, Reason: "Message-ID in our domain " + ourDomain, SuppressReplies: true}
	}
	if reason := autoReplyReason(p); reason != "" {
		return Classification{Kind: KindAutoReply, Reason: reason, SuppressReplies: true}
	}
	if reason := machineReason(p); reason != "" {
		return Classification{Kind: KindMachine, Reason: reason, SuppressReplies: true}
	}
	return Classification{Kind: KindNormal, Reason: "normal mail"}
}

func idDomain(id string) string {
	if i := strings.LastIndexByte(id, '@'); i >= 0 {
		return strings.ToLower(strings.TrimSpace(id[i+1:]))
	}
	return ""
}

func headerLower(p *Parsed, name string) string {
	return strings.ToLower(strings.TrimSpace(p.Header(name)))
}

// autoReplySubjectRe matches the subjects of out-of-office and autoresponder mail in
// the languages common in our user base. Anchored at the start (after any Re:) so a
// person writing "my out of office does not work" is still a ticket.
var autoReplySubjectRe = regexp.MustCompile(`(?i)^(re:\s*)?(` +
	`auto(matic|matische|matisch|matique|matico|matica|matyczna)?[ -_]?(reply|response|respons|answer|antwort|antwoord|réponse|reponse|risposta|respuesta|svar|odpowiedź)\b|` + //nolint:misspell // reponse: French réponse typed without its accent
	`autoreply|autosvar|automatisch antwoord|` +
	`out of (the )?office|ooo:|abwesenheitsnotiz|abwesend|réponse automatique|absence|` +
	`away from (my|the) (mail|office|desk)|away until|on (vacation|holiday|leave)|` +
	`(vacation|holiday) (reply|message|notice|auto)|` +
	`fuera de la oficina|ausencia|assente|afwezig|frånvarande|fravær|poza biurem|` +
	`自動応答|自动回复|不在)`)

// autoReplyReason returns why p is an automatic answer to someone's mail, or "".
func autoReplyReason(p *Parsed) string {
	as := headerLower(p, "Auto-Submitted")
	switch {
	case strings.HasPrefix(as, "auto-replied"):
		return "Auto-Submitted: auto-replied"
	case p.Header("X-Autoreply") != "", p.Header("X-Autorespond") != "",
		p.Header("X-Autoreply-From") != "", p.Header("X-Mail-Autoreply") != "":
		return "autoresponder header"
	case headerLower(p, "Precedence") == "auto_reply", headerLower(p, "X-Precedence") == "auto_reply":
		return "Precedence: auto_reply"
	case strings.Contains(headerLower(p, "Content-Type"), "report-type=disposition-notification"),
		hasPartType(p, "message/disposition-notification"):
		// A read receipt answers our mail the way an out-of-office does.
		return "read receipt (MDN)"
	}
	// The subject alone never makes an auto-reply ("Out of office reply does
	// not work" is a ticket); with a bulk or junk precedence, which vacation
	// responders set, an auto-reply subject at the start does.
	if strings.Contains(headerLower(p, "X-Apple-Action"), "vacation") {
		return "X-Apple-Action: VACATION"
	}
	if !autoReplySubjectRe.MatchString(strings.TrimSpace(p.Subject)) {
		return ""
	}
	switch prec := headerLower(p, "Precedence"); {
	case prec == "bulk", prec == "junk", prec == "list":
		return "Precedence " + prec + " with an auto-reply subject"
	case strings.ReplaceAll(p.Header("Return-Path"), " ", "") == "<>":
		return "null reverse-path with an auto-reply subject"
	case p.Header("X-Auto-Response-Suppress") != "":
		return "X-Auto-Response-Suppress with an auto-reply subject"
	}
	return ""
}

// machineReason returns why p was sent by a program rather than a person, or "".
func machineReason(p *Parsed) string {
	as := headerLower(p, "Auto-Submitted")
	if as != "" && as != "no" && !strings.HasPrefix(as, "no ") && !strings.HasPrefix(as, "no;") {
		return "Auto-Submitted: " + as
	}
	switch prec := headerLower(p, "Precedence"); prec {
	case "bulk", "list", "junk":
		return "Precedence: " + prec
	}
	for _, h := range []string{"List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Subscribe", "List-Owner", "List-Archive"} {
		if p.Header(h) != "" {
			return h + " header (mailing list)"
		}
	}
	if p.Header("X-Auto-Response-Suppress") != "" {
		return "X-Auto-Response-Suppress header"
	}
	return ""
}

func hasPartType(p *Parsed, ctype string) bool {
	for _, a := range p.Attachments {
		if strings.EqualFold(a.DeclaredType, ctype) {
			return true
		}
	}
	return false
}
