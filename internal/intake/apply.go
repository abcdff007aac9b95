package intake

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// addToTicket posts the mail on the ticket it threads to. It reports false
// when the mail should become a new ticket instead (a closed ticket gets a
// linked follow-up; a ticket the sender may not write to gets nothing).
// The message, its sender joining the ticket, the people copied, a late
// parent's event, the mail's outcome and its jobs commit in one transaction.
func (pr *Processor) addToTicket(ctx context.Context, row *postgres.InboundMail, p *mail.Parsed, c mail.Classification,
	hit threadHit, sender *helpdesk.User, emailID string, out *outcome) (bool, error) {
	t, err := pr.DB.MailTicketRef(ctx, hit.ticketID)
	if err != nil {
		return false, err
	}
	if t.Status == helpdesk.StatusClosed && !sender.IsStaff() {
		return false, nil
	}
	// An unverified sender is never made a participant. Without access of
	// their own, or when their domain says the mail is forged, their mail
	// is kept as a flagged internal note: staff see it, nobody is mailed it.
	// Anyone else writing from outside joins the ticket: only the reply
	// address or references (proof of having our mail) get here for
	// outsiders; the subject tag already required access.
	quarantine := false
	if out.flagged {
		_, gerr := pr.Tickets.Get(ctx, sender, t.Number)
		quarantine = gerr != nil || (out.auth != nil && out.auth.Result == mail.AuthFail)
	}
	join := !out.flagged && !sender.IsStaff() && sender.ID != t.RequesterID
	sp, err := pr.dir.senderPolicy(ctx, pr.DB)
	if err != nil {
		return false, err
	}
	// The outcome is built afresh in each attempt, so a failed one leaves
	// nothing behind in it.
	reason, jobs := out.reason, out.jobs
	settle := func(ctx context.Context, tx *postgres.Tx, msgID int64, marked bool) error {
		out.status, out.ticketID, out.msgID, out.jobs, out.marked = StatusMessage, &t.ID, &msgID, jobs, marked
		out.reason = c.Reason + "; threaded by " + hit.via
		if out.flagged {
			out.reason += "; sender not verified: flagged, nobody added as participant"
			if quarantine {
				out.reason += ", kept as an internal note"
			}
		} else if err := pr.participantsTx(ctx, tx, sp, t.ID, t.Number, t.RequesterID, p, sender); err != nil {
			return err
		}
		return pr.finishTx(ctx, tx, row.ID, out)
	}
	text, body := bodies(p)
	_, err = pr.Tickets.AddMessage(ctx, sender, t.Number, ticket.MessageInput{Body: text, BodyHTML: body,
		Source: helpdesk.SourceEmail, Attachments: pr.uploads(p, out), EmailMessageID: emailID, Unverified: quarantine,
		Join: join, SenderCheck: out.senderCheck(), SenderFlagged: out.flagged,
		AfterInsert: func(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message) error {
			if hit.via == viaLateParent {
				// Its replies came first and made the ticket; the mail that
				// started the conversation joins it, visibly.
				if err := insertEvent(ctx, tx, t.ID, t.Number, nil, helpdesk.EventLateParent, map[string]any{"message_id": emailID,
					"from": p.From.Email}, "the mail this conversation started with arrived after its replies"); err != nil {
					return err
				}
			}
			return settle(ctx, tx, m.ID, true)
		}})
	switch {
	case err == nil, errors.Is(err, errFinished):
		// Done, or another run finished this mail first and its outcome stands.
		out.done = true
		return true, nil
	}
	switch helpdesk.ErrorCode(err) {
	case helpdesk.ECONFLICT:
		// A retry: the first run posted it (or the same mail came twice under
		// different envelopes); only the rest is left to write.
		msgID, _, ok, lerr := pr.DB.MessageByEmailID(ctx, emailID)
		if lerr != nil || !ok {
			return false, err
		}
		out.reason = reason
		err = pr.DB.InTx(ctx, func(tx *postgres.Tx) error { return settle(ctx, tx, msgID, false) })
		if err == nil || errors.Is(err, errFinished) {
			out.done = true
			return true, nil
		}
		return false, err
	case helpdesk.ENOTFOUND, helpdesk.EINVALID:
		// Staff outside a restricted team, a merged ticket …: a new ticket is
		// the safe place; nothing leaks into a ticket the sender cannot see.
		out.reason, out.jobs = reason+"; could not add to ticket: "+helpdesk.ErrorMessage(err), jobs
		return false, nil
	}
	return false, err
}

// newTicket files the mail as a ticket for its sender, routed by the intake
// address it came to, linked as a follow-up when it answered a closed ticket.
// The ticket, its follow-up link, the people copied, the mail's outcome and
// its acknowledgement job commit in one transaction: a crash leaves either
// all of it or none (and the job's retry starts over), and a burst of mail
// pays for one commit per ticket instead of several.
func (pr *Processor) newTicket(ctx context.Context, row *postgres.InboundMail, p *mail.Parsed, c mail.Classification,
	sender *helpdesk.User, emailID string, followup *threadHit, out *outcome) error {
	in := ticket.CreateInput{Subject: ticketSubject(p.Subject), Source: helpdesk.SourceEmail,
		Attachments: pr.uploads(p, out), EmailMessageID: emailID, SenderCheck: out.senderCheck(), SenderFlagged: out.flagged,
		// Triaged after commit, batched apart: this transaction's many
		// statements (thread claim, people copied, outcome) would hold a
		// born-triaged batch, and its agents' locks, for every other mail
		// and form (e2e bench: mail to triaged ticket 218-298/s born
		// triaged, 317-370/s this way, at the same CPU per ticket).
		TriageLater: true}
	in.Description, in.DescriptionHTM = bodies(p)
	addr, err := pr.intakeAddress(ctx, row.Rcpt, p)
	if err != nil {
		return err
	}
	if addr != nil {
		in.TeamID, in.CategoryID = addr.TeamID, addr.CategoryID
	}
	report := phishingAddress(addr)
	if report {
		// The forwarded suspect is never rendered or offered as a plain
		// attachment; the phishing panel shows it safely.
		in.Attachments, in.DescriptionHTM = nil, textToHTML(in.Description)
	}
	sp, err := pr.dir.senderPolicy(ctx, pr.DB)
	if err != nil {
		return err
	}
	// The outcome is built afresh in each path, so a failed attempt leaves
	// nothing behind in it (no second acknowledgement job).
	reason, jobs := out.reason, out.jobs
	in.AfterInsert = func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
		out.status, out.ticketID, out.msgID, out.reason, out.jobs = StatusTicket, &t.ID, nil, reason, jobs
		out.marked = true
		if followup == nil && !out.standalone {
			if err := claimThread(ctx, tx, t.ID, p, emailID); err != nil {
				return err
			}
		}
		out.emailID = emailID // finishTx links the raw mail to its message for download
		if followup != nil {
			out.reason = c.Reason + "; follow-up of a closed ticket"
			if err := tx.SetFollowup(ctx, t.ID, followup.ticketID); err != nil {
				return err
			}
			if err := insertEvent(ctx, tx, t.ID, t.Number, &sender.ID, helpdesk.EventLinked,
				map[string]any{"followup_of_id": followup.ticketID}, "reply to a closed ticket"); err != nil {
				return err
			}
		}
		if err := pr.participantsTx(ctx, tx, sp, t.ID, t.Number, sender.ID, p, sender); err != nil {
			return err
		}
		if report {
			job, err := markReport(ctx, tx, t.ID, sender.ID, row.ID)
			if err != nil {
				return err
			}
			out.jobs = append(out.jobs, job)
		}
		return pr.finishTx(ctx, tx, row.ID, withAck(out, c, t.ID, row.ID, sender))
	}
	_, err = pr.Tickets.Create(ctx, sender, in)
	switch {
	case err == nil:
		out.done = true
		return nil
	case errors.Is(err, errFinished):
		// Another run finished this mail first; its outcome stands.
		out.done = true
		return nil
	case helpdesk.ErrorCode(err) != helpdesk.ECONFLICT:
		return err
	}
	// A mail whose Message-ID is already on a message: the ticket exists (a
	// run before the transaction above, or the same mail delivered twice
	// under different envelopes), so only the outcome is left to write.
	msgID, ticketID, ok, lerr := pr.DB.MessageByEmailID(ctx, emailID)
	if lerr != nil || !ok {
		return err
	}
	err = pr.DB.InTx(ctx, func(tx *postgres.Tx) error {
		out.msgID = &msgID
		out.status, out.ticketID, out.reason, out.jobs, out.marked = StatusTicket, &ticketID, reason, jobs, false
		withAck(out, c, ticketID, row.ID, sender)
		if err := pr.participantsTx(ctx, tx, sp, ticketID, 0, sender.ID, p, sender); err != nil {
			return err
		}
		return pr.finishTx(ctx, tx, row.ID, out)
	})
	if err == nil || errors.Is(err, errFinished) {
		out.done = true
		return nil
	}
	return err
}

// withAck asks for the acknowledgement a new ticket from normal mail gets;
// finishTx writes it with the outcome.
func withAck(out *outcome, c mail.Classification, ticketID, inboundID int64, sender *helpdesk.User) *outcome {
	out.ack = nil
	if c.Kind == mail.KindNormal && !c.SuppressReplies && out.mayAnswer {
		out.ack = &jobs.AckArgs{TicketID: ticketID, InboundID: inboundID, To: sender.Email}
	}
	return out
}

// intakeAddress finds which of our addresses the mail was sent to: the
// envelope recipients first (SMTP), else the To/Cc/Delivered-To/X-Original-To/
// Envelope-To headers (IMAP).
func (pr *Processor) intakeAddress(ctx context.Context, rcpt []string, p *mail.Parsed) (*helpdesk.IntakeAddress, error) {
	for _, a := range recipients(rcpt, p) {
		local, ok := localPart(a, pr.Domain)
		if !ok {
			continue
		}
		addr, err := pr.dir.address(ctx, pr.DB, local)
		if addr != nil || err != nil {
			return addr, err
		}
	}
	return nil, nil
}

// bounce records a delivery failure on the ticket it refers to and marks the
// failed addresses as bouncing; it never creates anything.
func (pr *Processor) bounce(ctx context.Context, inboundID int64, rcpt []string, p *mail.Parsed, c mail.Classification, out *outcome) error {
	out.status = StatusBounce
	b := c.Bounce
	if b == nil {
		b = &mail.BounceInfo{}
	}
	// Only a bounce of mail we sent (its Message-ID is one of our outbox's)
	// changes anything, and then only for the address that mail went to: a
	// forged bounce naming a user never stops their notifications.
	var sent *postgres.OutboxBounce
	// Our signed return path (VERP) names the mail exactly, whatever the
	// report quotes of it.
	for _, r := range rcpt {
		if id, ok := mail.ParseBounceAddress(pr.Secret, r, pr.Domain); ok {
			got, err := pr.DB.OutboxBouncedByID(ctx, id, "bounced: "+c.Reason)
			if err != nil {
				return err
			}
			if got != nil {
				sent = got
				break
			}
		}
	}
	for _, id := range append([]string{b.OriginalMessageID}, p.InReplyTo...) {
		if id == "" || sent != nil {
			continue
		}
		r, err := pr.DB.OutboxBounced(ctx, id, "bounced: "+c.Reason)
		if err != nil {
			return err
		}
		if r != nil {
			sent = r
			break
		}
	}
	if sent == nil {
		out.reason = c.Reason + "; not about mail we sent: nothing changed"
		return nil
	}
	if b.Permanent {
		failed := len(b.FailedRecipients) == 0
		for _, r := range b.FailedRecipients {
			failed = failed || strings.EqualFold(r, sent.To)
		}
		if _, ours := localPart(sent.To, pr.Domain); failed && !ours {
			if err := pr.DB.MarkBouncing(ctx, []string{strings.ToLower(sent.To)}); err != nil {
				return err
			}
		}
	}
	if sent.TicketID == nil {
		return nil
	}
	ticketID := *sent.TicketID
	out.ticketID = &ticketID
	out.event = &mailEvent{ticketID: ticketID, kind: helpdesk.EventMailFailed, after: map[string]any{
		"recipients": []string{sent.To}, "permanent": b.Permanent, "original_message_id": sent.MessageID,
		"inbound_id": inboundID}, reason: c.Reason}
	return nil
}

// uploads converts attachments, dropping (with a warning) what the ticket
// service would refuse, so one oversized file does not lose the whole mail.
func (pr *Processor) uploads(p *mail.Parsed, out *outcome) []helpdesk.Upload {
	limit := pr.Tickets.MaxAttachment
	if limit <= 0 {
		limit = 25 << 20
	}
	var ups []helpdesk.Upload
	for _, a := range p.Attachments {
		if len(a.Data) == 0 {
			continue
		}
		if int64(len(a.Data)) > limit {
			out.warnings = append(out.warnings, fmt.Sprintf("attachment %s (%d bytes) over the limit; kept only in the raw mail", a.Filename, len(a.Data)))
			continue
		}
		ups = append(ups, helpdesk.Upload{Filename: a.Filename, ContentType: a.ContentType, ContentID: a.ContentID,
			Inline: a.Inline, Data: a.Data})
	}
	return ups
}

// bodies returns the text and safe HTML to store: the full text (quoted
// history is folded at display with FoldQuoted) bounded to what the ticket
// service takes, and the sanitised HTML part or an escaped rendering of the text.
func bodies(p *mail.Parsed) (string, string) {
	text := strings.TrimSpace(p.Text)
	if text == "" {
		text = "(no text)"
		if len(p.Attachments) > 0 {
			text = "(no text; see attachments)"
		}
	}
	if len(text) > ticket.MaxBody {
		text = mail.Truncate(text, ticket.MaxBody-200) + "\n\n[Message shortened; the full text is in the raw mail.]"
	}
	if p.HTML != "" {
		return text, p.HTML
	}
	return text, textToHTML(text)
}

// textToHTML renders plain mail text as paragraphs, keeping line breaks.
func textToHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>\n"))
		b.WriteString("</p>\n")
	}
	return b.String()
}

// ticketSubject is the subject of a ticket made from mail: reply and forward
// prefixes and our tag removed, bounded to the ticket service's limit.
func ticketSubject(s string) string {
	s = mail.CleanSubject(s)
	if s == "" {
		return "(no subject)"
	}
	if utf8.RuneCountInString(s) > ticket.MaxSubject {
		s = string([]rune(s)[:ticket.MaxSubject-1]) + "…"
	}
	return s
}
