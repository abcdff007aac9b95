package mail

import (
	"bytes"
	"net/textproto"
	"regexp"
	"strings"
)

// bounceSubjectRe matches the subjects real MTAs put on bounces (the sisimai corpus
// covers ~80 of them). Deliberately phrases, not single words like "failed", so that a
// person reporting "backup failed" is not mistaken for a bounce.
var bounceSubjectRe = regexp.MustCompile(`(?i)(` +
	`undeliver(able|ed)|undelivered mail|returned mail|return(ed)? to sender|` +
	`delivery (status notification|failure|failed|has failed|problem|report|notification)|` +
	`(mail|message) delivery (failed|failure|has failed|problem|status)|` +
	`failure notice|non[- ]?deliver(y|able)|nondeliverable|not delivered|could not be delivered|` +
	`delivery (was )?unsuccessful|mail system error|mail could not be delivered|` +
	`warning: could not send|unzustellbar|nicht zustellbar|non remis|non distribuable|` +
	`no se puede entregar|不達|未送達|returned: |` +
	`\bbounced?\b.*(mail|message|notification)|email bounce|mail bounce|` +
	`delayed mail|delivery (delay|delayed)|message (delayed|delay)|` +
	`permanent (error|failure)|unable to deliver|message not delivered|` +
	`mail failure|failed delivery|delivery notification|notice of delivery failure|` +
	`rejected:|message rejected|mail rejected|action required: message rejected|` +
	`error sending message|email address (not found|could not be found)|address not found|` +
	`complaint about message from|\bnot (a )?member\b|loop alert|mail loop|loop detected|too many hops|` +
	`メールエラー|配信エラー|送信エラー|エラー通知` +
	`)`)

// bounceBodyRe is only consulted for mail with a null envelope sender (Return-Path: <>),
// which people never send from: then typical MTA wording is enough evidence.
var bounceBodyRe = regexp.MustCompile(`(?i)(could not be delivered|couldn't be delivered|` +
	`delivery (to the following recipients? )?(has )?failed|undeliverable|permanent(ly)? (error|failure|fatal)|` +
	`user unknown|unknown user|mailbox (is )?(full|unavailable|not found|does not exist)|` +
	`no such (user|recipient|mailbox)|recipient address rejected|` +
	`message (was )?(not delivered|rejected|returned)|returned to sender|` +
	`was not delivered|delivery failed|unable to deliver|over quota|` +
	`this is the mail system at host|this is the qmail-send program|` +
	`host or domain name not found|550[ -]5\.|5\.[0-7]\.[0-9]{1,3}\b)`)

// sesNotificationRe recognises Amazon SES bounce/complaint/delivery notifications
// relayed by SNS as JSON (sometimes JSON-in-JSON, hence the optional backslashes).
var sesNotificationRe = regexp.MustCompile(`\\?"(notificationType|eventType)\\?"\s*:\s*\\?"(Bounce|Complaint|Delivery)\\?"`)

var daemonLocals = map[string]bool{
	"mailer-daemon": true, "mailerdaemon": true, "mailer_daemon": true, "mail-daemon": true,
	"postmaster": true, "mdaemon": true, "mailer": true, "bounce": true, "bounces": true,
	"mail.delivery.system": true, "nobody": true, "mail-delivery-system": true, "post_master": true,
}

// bounceReason returns why p is a delivery failure report, or "". Only
// structure counts: a report part, a null reverse-path or a mail-system
// sender. Words in the subject or body add evidence to those, never replace
// them, so "Fwd: Undeliverable: …" or "I'm not a member of the VPN group"
// from a person is a ticket.
func bounceReason(p *Parsed) string {
	ct := headerLower(p, "Content-Type")
	switch {
	case strings.Contains(ct, "report-type=delivery-status"), strings.Contains(ct, `report-type="delivery-status"`),
		hasPartType(p, "message/delivery-status"), hasPartType(p, "message/global-delivery-status"):
		return "delivery status notification"
	case strings.Contains(ct, "feedback-report"), hasPartType(p, "message/feedback-report"):
		// A spam complaint (ARF) about our mail: treated like a bounce so it lands on
		// the ticket instead of opening a new one.
		return "feedback report (ARF)"
	case headerLower(p, "X-Apple-Unsubscribe") == "true":
		// Apple Mail's one-click unsubscribe: a request to stop mailing, not a ticket.
		return "unsubscribe request (feedback)"
	case sesNotificationRe.MatchString(headText(p.Text, 4096)):
		return "Amazon SES bounce notification"
	}
	from := strings.ToLower(p.From.Email)
	local := from
	if i := strings.LastIndexByte(from, '@'); i >= 0 {
		local = from[:i]
	}
	name := strings.ToLower(p.From.Name)
	rawFrom := strings.ToLower(p.Header("From"))
	daemon := daemonLocals[local] || strings.HasPrefix(local, "mailer-daemon") || strings.HasPrefix(local, "postmaster") ||
		strings.Contains(name, "mail delivery") || strings.Contains(name, "mailer-daemon") ||
		strings.Contains(name, "postmaster") || strings.Contains(rawFrom, "mailer-daemon") || strings.Contains(rawFrom, "<>")
	null := strings.ReplaceAll(p.Header("Return-Path"), " ", "") == "<>"
	if !daemon && !null {
		// A carrier's own report format: the returned mail attached, a
		// no-reply system sender and a bounce subject, all three.
		subj := strings.ToLower(strings.TrimSpace(p.Subject))
		switch {
		case returnsOriginal(p) && noReplyLocal(local) && bounceSubjectRe.MatchString(p.Subject):
			return "returned mail from " + p.From.Email
		case returnsOriginal(p) && strings.HasPrefix(subj, "complaint about message from"):
			return "complaint report (Hotmail format)"
		case p.Header("X-MLServer") != "" && bounceSubjectRe.MatchString(p.Subject):
			// fml and similar list servers report refused posts this way.
			return "mailing-list server error report"
		}
		return ""
	}
	if daemon {
		// Mail systems write as MAILER-DAEMON or postmaster only to report
		// on delivery.
		return "sender " + p.From.Email + " is a mail system"
	}
	who := "null reverse-path"
	switch {
	case p.Header("X-Failed-Recipients") != "":
		return who + " with X-Failed-Recipients"
	case bounceSubjectRe.MatchString(p.Subject):
		return who + " with a bounce subject"
	case bounceBodyRe.MatchString(headText(p.Text, 4096)):
		return who + " with delivery failure text"
	}
	return ""
}

// returnsOriginal reports whether a mail carries another mail or its header
// as a part, as reports on delivery do.
func returnsOriginal(p *Parsed) bool {
	for _, t := range []string{"message/rfc822", "text/rfc822-headers", "message/rfc822-headers"} {
		if hasPartType(p, t) {
			return true
		}
	}
	return false
}

func noReplyLocal(local string) bool {
	l := strings.NewReplacer("-", "", "_", "", ".", "").Replace(local)
	return l == "noreply" || l == "donotreply" || l == "mailerdaemon" || l == "postmaster"
}

func headText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var (
	embeddedIDRe  = regexp.MustCompile(`(?im)^[ \t>]*message-id:[ \t]*<?([^\s<>]+@[^\s<>]+?)>?\s*$`)
	tempStatusRe  = regexp.MustCompile(`(?im)^\s*(status:\s*4\.\d|action:\s*delayed)`)
	permStatusRe  = regexp.MustCompile(`(?im)^\s*status:\s*5\.\d`)
	delaySubject  = regexp.MustCompile(`(?i)(delay|warning|temporar|will retry|still trying|not yet been delivered)`)
	lineAddrRe    = regexp.MustCompile(`(?m)^[ \t]*<([^\s<>@]+@[^\s<>]+)>:?`)
	rcptPhraseRe  = regexp.MustCompile(`(?i)(?:rcpt to:\s*|recipient(?: address)?:\s*|failed recipient:\s*|to:\s*|delivery to\s+|address:\s*)<?([^\s<>@"',;:()]+@[a-z0-9.-]+\.[a-z]{2,})>?`)
	dsnRecipientR = regexp.MustCompile(`(?i)^(final|original)-recipient$`)
	jsonRcptRe    = regexp.MustCompile(`\\?"emailAddress\\?"\s*:\s*\\?"([^"\\\s]+@[^"\\\s]+)\\?"`)
	jsonIDRe      = regexp.MustCompile(`\\?"name\\?"\s*:\s*\\?"Message-I[Dd]\\?"\s*,\s*\\?"value\\?"\s*:\s*\\?"<?([^"\\<>\s]+)>?\\?"`)
)

// bounceInfo digs out which of our messages failed and for whom, from the structured
// report when there is one and from the embedded original or free text otherwise.
func bounceInfo(p *Parsed, ourDomain string) *BounceInfo {
	b := &BounceInfo{Permanent: true}
	var texts []string // where the original headers may be quoted
	seen := map[string]bool{}
	addRcpt := func(a string) {
		a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>.;,"))
		if a == "" || !strings.Contains(a, "@") || seen[a] || len(b.FailedRecipients) >= 50 {
			return
		}
		seen[a] = true
		b.FailedRecipients = append(b.FailedRecipients, a)
	}
	for _, v := range p.Headers["X-Failed-Recipients"] {
		for _, a := range strings.Split(v, ",") {
			addRcpt(a)
		}
	}
	for _, a := range p.Attachments {
		dt := strings.ToLower(a.DeclaredType)
		switch {
		case strings.HasSuffix(dt, "delivery-status"):
			s := string(a.Data)
			if tempStatusRe.MatchString(s) && !permStatusRe.MatchString(s) {
				b.Permanent = false
			}
			for _, r := range dsnRecipients(a.Data) {
				addRcpt(r)
			}
		case dt == "message/rfc822", dt == "text/rfc822-headers", dt == "message/rfc822-headers",
			dt == "message/global", dt == "message/global-headers":
			hdr, _ := splitHeaderBody(a.Data)
			h := parseHeaderBlock(hdr)
			if b.OriginalMessageID == "" {
				if ids := parseIDs(strings.Join(h["Message-Id"], " ")); len(ids) > 0 {
					b.OriginalMessageID = ids[0]
				}
			}
			texts = append(texts, string(hdr))
		case strings.HasPrefix(dt, "text/"), dt == "":
			texts = append(texts, headText(string(a.Data), 64<<10))
		}
	}
	texts = append(texts, headText(p.Text, 256<<10))
	if b.OriginalMessageID == "" {
		for _, t := range texts {
			if m := embeddedIDRe.FindStringSubmatch(t); m != nil && m[1] != p.MessageID {
				b.OriginalMessageID = m[1]
				break
			}
		}
	}
	if b.OriginalMessageID == "" {
		if m := jsonIDRe.FindStringSubmatch(p.Text); m != nil {
			b.OriginalMessageID = m[1]
		}
	}
	if b.OriginalMessageID == "" {
		// Some MTAs thread their bounce onto the failed mail instead of quoting it.
		if len(p.InReplyTo) > 0 {
			b.OriginalMessageID = p.InReplyTo[0]
		} else if len(p.References) > 0 {
			b.OriginalMessageID = p.References[len(p.References)-1]
		}
	}
	if len(b.FailedRecipients) == 0 {
		// Non-standard bounces: qmail/exim list "<addr>:" lines, others name the
		// recipient in a phrase. Only the report text before the quoted original counts.
		body := p.Text
		if i := embeddedIDRe.FindStringIndex(body); i != nil {
			body = body[:i[0]]
		}
		body = headText(body, 16<<10)
		for _, m := range jsonRcptRe.FindAllStringSubmatch(body, 20) {
			addRcpt(m[1])
		}
		for _, m := range lineAddrRe.FindAllStringSubmatch(body, 20) {
			addRcpt(m[1])
		}
		if len(b.FailedRecipients) == 0 {
			for _, m := range rcptPhraseRe.FindAllStringSubmatch(body, 20) {
				if !strings.EqualFold(m[1], p.From.Email) {
					addRcpt(m[1])
				}
			}
		}
	}
	if delaySubject.MatchString(p.Subject) && !permStatusRe.MatchString(strings.Join(texts, "\n")) {
		b.Permanent = false
	}
	if ourDomain != "" {
		for _, t := range append(texts, strings.Join(b.FailedRecipients, " ")) {
			for _, m := range replyAddrRe.FindAllString(t, 20) {
				if idDomain(m) == ourDomain {
					b.ReplyAddress = strings.ToLower(m)
					return b
				}
			}
		}
	}
	return b
}

// dsnRecipients reads the per-recipient blocks of a message/delivery-status part and
// returns the recipients whose Action is failed (or unspecified).
func dsnRecipients(data []byte) []string {
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	var out []string
	for _, block := range bytes.Split(data, []byte("\n\n")) {
		h := parseHeaderBlock(block)
		action := strings.ToLower(strings.TrimSpace(first(h["Action"])))
		if action != "" && action != "failed" && action != "delayed" {
			continue
		}
		for k, v := range h {
			if !dsnRecipientR.MatchString(k) || len(v) == 0 {
				continue
			}
			r := v[0]
			if i := strings.IndexByte(r, ';'); i >= 0 {
				r = r[i+1:]
			}
			if k == textproto.CanonicalMIMEHeaderKey("Final-Recipient") || len(h["Final-Recipient"]) == 0 {
				out = append(out, strings.TrimSpace(r))
			}
		}
	}
	return out
}
