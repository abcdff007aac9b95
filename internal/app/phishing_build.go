package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/phishing"
)

// wirePhishing builds the phishing-report service and registers its
// analysis worker; it runs after wireMail (it shares the mail checks' DNS
// resolver and trusted authserv-ids) and before the River client exists.
func (a *App) wirePhishing() {
	cfg := a.Env.Config
	a.Phishing = &phishing.Service{DB: a.DB, Tickets: a.Tickets, Log: a.Env.Log.With("part", "phishing"),
		OrgDomains: append([]string{cfg.MailDomain}, cfg.OrgDomains...), AuthServIDs: cfg.AuthServIDs}
	if a.Mail != nil && a.Mail.Processor.Trust != nil {
		a.Phishing.Resolver = a.Mail.Processor.Trust.Resolver
		a.Phishing.Policy = a.Mail.Processor.Trust.Current
	}
	river.AddWorker(a.Workers, &funcWorker[jobs.PhishAnalyseArgs]{run: func(ctx context.Context, args jobs.PhishAnalyseArgs) error {
		return a.Phishing.Process(ctx, args.TicketID)
	}, limit: 2 * time.Minute})
}

// phishingHTTP hands the service to the web handlers once they exist.
func (a *App) phishingHTTP() {
	if a.HTTP != nil {
		a.HTTP.Phishing = a.Phishing
	}
}
