package intake_test

import (
	"context"
	"testing"

	"switchboard/internal/intake"
)

// TestRoutedByXOriginalTo: a mail fetched from a shared mailbox whose only
// intake address is in X-Original-To (To names a list, no envelope) is
// routed to that address's team.
func TestRoutedByXOriginalTo(t *testing.T) {
	t.Parallel()
	e := setup(t, map[string]string{"SWITCHBOARD_SMTP_ADDR": "off"})
	raw := msg("Carol <carol@example.com>", "all-staff@example.org", "Phishing mail", "xot-1@example.com",
		"I got a suspicious mail.", "X-Original-To: security@"+domain)
	if _, dup, err := e.app.Mail.Store.Accept(context.Background(), intake.Received{Raw: []byte(raw), Via: "imap"}); err != nil || dup {
		t.Fatalf("accept: dup=%v err=%v", dup, err)
	}
	e.idle()
	if got := e.str(`SELECT coalesce(teams.slug, '') FROM tickets LEFT JOIN teams ON teams.id = tickets.team_id
		WHERE tickets.subject = 'Phishing mail'`); got != "security" {
		t.Errorf("ticket team = %q, want security", got)
	}
}
