package phishing

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// errThanked rolls back a thank-you that another run (or another report of
// the same reporter and campaign) already posted.
var errThanked = errors.New("reporter already thanked")

// teachBack posts the thank-you on the report as a public reply, so it is
// mailed to the reporter in the report's thread, once per reporter and
// campaign.
func (s *Service) teachBack(ctx context.Context, owner *helpdesk.User, w *postgres.PhishWork, a *Analysis) error {
	_, err := s.Tickets.AddMessage(ctx, owner, w.Number, ticket.MessageInput{Body: TeachBackText(a.Verdict, a.Subject, a.Clues()),
		AfterInsert: func(ctx context.Context, tx *postgres.Tx, _ *helpdesk.Message) error {
			ok, err := tx.MarkTeachBack(ctx, w.TicketID)
			if err != nil {
				return err
			}
			if !ok {
				return errThanked
			}
			return nil
		}})
	if errors.Is(err, errThanked) {
		return nil
	}
	return err
}

// TeachBackText is the thank-you a reporter gets: the verdict and the two
// or three clues that gave the mail away, in plain words, with every
// address and link defanged so nothing in it leads to the attacker.
func TeachBackText(verdict, subject string, clues []string) string {
	var b strings.Builder
	b.WriteString("Thank you for reporting this mail")
	if subject != "" {
		fmt.Fprintf(&b, " (\"%s\")", DefangText(truncate(subject, 120)))
	}
	b.WriteString(". Reports like yours keep everyone safe.\n\n")
	switch verdict {
	case VerdictMalicious:
		b.WriteString("**It was a phishing mail.** Please delete it. Do not click its links or open its attachments; if you already did, reply to this mail straight away and we will help.\n\n")
	case VerdictSuspicious:
		b.WriteString("**It looks suspicious.** Please delete it and do not click its links or open its attachments; if you already did, reply to this mail and we will help.\n\n")
	case VerdictSimulation:
		b.WriteString("**It was one of our own phishing exercises. Well spotted!** You can delete it.\n\n")
	default:
		b.WriteString("**It looks safe**, but you were right to ask: when in doubt, always report.\n\n")
	}
	if len(clues) > 0 && verdict != VerdictSafe {
		b.WriteString("What gave it away:\n\n")
		for _, c := range clues {
			fmt.Fprintf(&b, "- %s\n", DefangText(c))
		}
		b.WriteString("\n")
	}
	b.WriteString("Next time, the same clues will help you spot one on your own.\n")
	return b.String()
}

// NoticeText is the campaign-handled notice.
func NoticeText(subject string) string {
	s := "The phishing campaign you reported"
	if subject != "" {
		s += " (\"" + DefangText(truncate(subject, 120)) + "\")"
	}
	return s + " has been handled by the security team. Please delete the mail if you still have it. Thank you for reporting it!"
}

var mailAddr = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

var bareHost = regexp.MustCompile(`(?i)\b(?:[a-z0-9-]+\.)+(?:[a-z]{2,}|xn--[a-z0-9-]+)\b`)

// DefangText defangs every URL, address and host name in a text, so no mail
// client turns it into a link.
func DefangText(s string) string {
	s = textURL.ReplaceAllStringFunc(s, Defang)
	s = mailAddr.ReplaceAllStringFunc(s, DefangAddress)
	return bareHost.ReplaceAllStringFunc(s, func(h string) string { return strings.ReplaceAll(h, ".", "[.]") })
}

// CloseCampaign sends the "handled; delete the mail" notice to every
// reporter of the campaign whose incident is number (once per campaign),
// resolves the reports and the incident. It returns how many reports it
// resolved.
func (s *Service) CloseCampaign(ctx context.Context, actor *helpdesk.User, number int64) (int, error) {
	if ok, err := s.IsSecurity(ctx, actor); err != nil || !ok {
		return 0, notFoundOr(err)
	}
	inc, err := s.Tickets.Get(ctx, actor, number)
	if err != nil {
		return 0, err
	}
	c, err := s.DB.PhishCampaignByTicket(ctx, inc.ID)
	if err != nil {
		return 0, err
	}
	first, err := s.DB.MarkCampaignNotice(ctx, c.ID)
	if err != nil {
		return 0, err
	}
	msg := ""
	if first {
		msg = NoticeText(strings.TrimPrefix(inc.Subject, "Phishing campaign: "))
	}
	n, err := s.Tickets.ResolveChildren(ctx, actor, number, msg)
	if err != nil {
		return n, err
	}
	if err := s.Tickets.Record(ctx, actor, inc, helpdesk.EventPhishNotice, map[string]any{"notified": first, "resolved": n}, ""); err != nil {
		return n, err
	}
	if inc.Status.IsOpen() {
		if _, err := s.Tickets.SetStatus(ctx, actor, number, helpdesk.StatusResolved, "phishing campaign handled"); err != nil {
			return n, err
		}
	}
	return n, nil
}

func notFoundOr(err error) error {
	if err != nil {
		return err
	}
	return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
}
