package devdata

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/phishing"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// demoPhishing shows the phishing reports: four employees report one
// credential-phishing campaign (a lookalike of the company's domain, each
// copy addressed to them), which becomes one campaign incident with four
// reports; a fifth reports an ordinary newsletter, which comes back as
// likely safe. Each report is analysed right here, as the worker would.
func demoPhishing(ctx context.Context, db *postgres.DB, tickets *ticket.Service, users map[string]*helpdesk.User) error {
	svc := &phishing.Service{DB: db, Tickets: tickets, Log: slog.New(slog.DiscardHandler), OrgDomains: []string{"example.com"}}
	// Delivered a little before the reports, so the figures have a time to first report.
	sent := time.Now().UTC().Add(-50 * time.Minute).Format(time.RFC1123Z)
	campaign := func(to, name string, n int) []byte {
		return []byte(strings.ReplaceAll(fmt.Sprintf(`From: IT Service Desk <it-support@examp1e-helpdesk.com>
To: %s <%s>
Subject: Action required: your mailbox password expires today
Date: %s
Message-ID: <demo-campaign-%d@examp1e-helpdesk.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Dear %s,</p>
<p>Your mailbox password expires today. To keep your mailbox, verify your account within 24 hours:</p>
<p><a href="https://login.examp1e-helpdesk.com/owa/reset?u=%d">https://login.example.com/owa/reset</a></p>
<p>IT Service Desk</p>
`, name, to, sent, n, name, 4100+n), "\n", "\r\n"))
	}
	newsletter := []byte(strings.ReplaceAll(`From: Travel Weekly <news@travelweekly.news>
To: paul.martin@example.com
Subject: Ten quiet beaches for the winter
Date: `+time.Now().UTC().Add(-3*time.Hour).Format(time.RFC1123Z)+`
Message-ID: <demo-newsletter@travelweekly.news>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Our winter issue is out: ten quiet beaches, and how to get there by train.
Read it at https://travelweekly.news/winter and unsubscribe at https://travelweekly.news/unsubscribe.
`, "\n", "\r\n"))
	n := 0
	for _, r := range demoRequesters[:4] {
		u := users[r.email]
		t, err := svc.Upload(ctx, u, phishing.UploadInput{Filename: "password-expires.eml", Data: campaign(u.Email, u.Name, n),
			Note: "This came in this morning and looks odd."})
		if err != nil {
			return fmt.Errorf("demo phishing report: %w", err)
		}
		if err := svc.Process(ctx, t.ID); err != nil {
			return fmt.Errorf("demo phishing analysis: %w", err)
		}
		n++
	}
	u := users[demoRequesters[1].email]
	t, err := svc.Upload(ctx, u, phishing.UploadInput{Filename: "beaches.eml", Data: newsletter, Note: "Is this newsletter safe?"})
	if err != nil {
		return fmt.Errorf("demo newsletter report: %w", err)
	}
	return svc.Process(ctx, t.ID)
}
