package mail

import "testing"

// ordinarySubjects are what employees write to an IT helpdesk, including the
// ones the review found dropped as bounce or auto-reply by their subject.
var ordinarySubjects = []string{
	"Fwd: Undeliverable: Quarterly report", "I'm not a member of the VPN group", "Network loop detected on floor 3",
	"Permanent error when opening SAP", "Out of office reply does not work", "Absence calendar not syncing",
	"Automatic reply settings missing in Outlook", "Delivery failure when sending to a customer",
	"Returned mail from the scanner", "Mail delivery failed for the whole sales team", "Message rejected by Teams",
	"Address not found in the global address list", "Delayed mail since this morning", "Unable to deliver to the printer queue",
	"Auto-reply keeps firing twice", "Undelivered Mail Returned to Sender after password change",
	"Laptop will not boot", "Password reset please", "New starter on Monday needs an account", "VPN drops every hour",
	"Printer on floor 2 jams", "Cannot open shared drive", "Teams camera not detected", "Outlook crashes on start",
	"Need access to the finance share", "Monitor flickering", "Wi-Fi slow in meeting room B", "Phone not receiving calls",
	"Excel macro blocked", "Request: second monitor", "MFA prompt loops", "Docking station not charging",
	"Cannot print PDF", "Software install: Visio", "Keyboard missing keys", "Account locked out",
	"Calendar invites not arriving", "SharePoint permission denied", "Backup failed again", "Disk almost full on my laptop",
	"Zoom audio echo", "Laptop stolen at the station", "Phishing mail received?", "Badge reader at door 3 broken",
	"Slow login in the morning", "Can't connect to the ERP", "Bounce back when emailing HR", "Mailbox full warning",
	"On vacation next week, need remote access", "Away from my desk, laptop updating forever",
}

// TestOrdinarySubjectsAreTickets: whatever a person writes in the subject,
// their mail becomes a ticket (a plain mail from a person, as it arrives).
func TestOrdinarySubjectsAreTickets(t *testing.T) {
	t.Parallel()
	if len(ordinarySubjects) < 50 {
		t.Fatalf("only %d subjects", len(ordinarySubjects))
	}
	for _, s := range ordinarySubjects {
		for _, prefix := range []string{"", "Re: ", "AW: "} {
			raw := "From: Ann Example <ann@corp.example>\r\nTo: it@helpdesk.example.com\r\nReturn-Path: <ann@corp.example>\r\n" +
				"Message-ID: <s1@corp.example>\r\nSubject: " + prefix + s + "\r\n\r\nPlease help.\r\n"
			p, err := Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if c := Classify(p, testDomain); c.Kind != KindNormal {
				t.Errorf("%q: %s (%s), want a ticket", prefix+s, c.Kind, c.Reason)
			}
		}
	}
}
