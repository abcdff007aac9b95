package intake_test

import (
	"testing"
)

// TestReplyIsOneTransaction: everything a mailed reply writes — the message,
// its sender joining the ticket, the people copied, their event and the
// mail's outcome — is written by one transaction (all rows carry the same
// xmin), so a crash leaves all of it or none.
func TestReplyIsOneTransaction(t *testing.T) {
	t.Parallel()
	e := setup(t, nil)
	e.mustSend("rita@example.com", []string{"it@" + domain},
		msg("Rita <rita@example.com>", "it@"+domain, "Printer jams", "jam-root@example.com", "The printer jams."))
	e.idle()
	// A vendor answers the thread (proof of having our mail) and copies a colleague.
	e.mustSend("vendor@partner.example", []string{"it@" + domain},
		msg("Vendor <vendor@partner.example>", "it@"+domain, "Re: Printer jams", "jam-reply@partner.example",
			"Try the rear tray.", "In-Reply-To: <jam-root@example.com>", "Cc: Bo <bo@partner.example>"))
	e.idle()
	xids := map[string]string{
		"message":   e.str(`SELECT xmin::text FROM messages WHERE email_message_id = 'jam-reply@partner.example'`),
		"mail":      e.str(`SELECT xmin::text FROM inbound_mail WHERE message_id = 'jam-reply@partner.example'`),
		"sender":    e.str(`SELECT p.xmin::text FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'vendor@partner.example'`),
		"copied":    e.str(`SELECT p.xmin::text FROM ticket_participants p JOIN users u ON u.id = p.user_id WHERE u.email = 'bo@partner.example'`),
		"cc event":  e.str(`SELECT xmin::text FROM ticket_events WHERE kind = 'participant_added' ORDER BY id DESC LIMIT 1`),
		"the reply": e.str(`SELECT xmin::text FROM ticket_events WHERE kind = 'replied' ORDER BY id DESC LIMIT 1`),
	}
	if st := e.str(`SELECT status FROM inbound_mail WHERE message_id = 'jam-reply@partner.example'`); st != "message" {
		t.Fatalf("reply status %q, want message", st)
	}
	for what, x := range xids {
		if x == "" || x != xids["message"] {
			t.Errorf("%s written by transaction %q, the message by %q: want one transaction", what, x, xids["message"])
		}
	}
}
