package app

import (
	"crypto/tls"
	"fmt"

	"github.com/riverqueue/river"

	"switchboard/internal/intake"
	"switchboard/internal/notify"
)

// Mail is this node's mail intake and notification parts.
type Mail struct {
	Store     *intake.Store
	Processor *intake.Processor
	Notifier  *notify.Notifier
	SMTP      *intake.SMTPServer // nil when SWITCHBOARD_SMTP_ADDR=off
	IMAP      *intake.Poller
	Sweeper   *intake.Sweeper
	Dispatch  *intake.Dispatcher
}

// wireMail builds intake and notify, registers their workers and the
// ticket-change hook, and adds the SMTP listener and IMAP poller as
// background parts. It runs before the River client exists; mailJobs
// completes it.
func (a *App) wireMail(cw *changedWorker) error {
	cfg, log := a.Env.Config, a.Env.Log
	relay, err := notify.NewRelay(cfg.SMTPRelay)
	if err != nil {
		return err
	}
	n := &notify.Notifier{DB: a.DB, Domain: cfg.MailDomain, Secret: cfg.SecretKey, BaseURL: cfg.BaseURL,
		Log: log.With("part", "notify")}
	if relay != nil {
		n.Sender = relay
	}
	trust := &intake.Trust{On: cfg.MailAuth, Resolver: intake.NewResolver(cfg.DNSServer), AuthServIDs: cfg.AuthServIDs,
		Relays: cfg.TrustedRelays, OrgDomains: cfg.OrgDomains, DB: a.DB}
	m := &Mail{Store: &intake.Store{DB: a.DB, Tickets: a.Tickets, Trust: trust}, Notifier: n}
	m.Processor = &intake.Processor{DB: a.DB, Tickets: a.Tickets, Domain: cfg.MailDomain, Secret: cfg.SecretKey,
		Log: log.With("part", "intake"), Trust: trust, Ack: n.AckTx}
	river.AddWorker(a.Workers, &intake.ProcessWorker{P: m.Processor})
	river.AddWorker(a.Workers, &notify.AckWorker{N: n})
	river.AddWorker(a.Workers, &notify.RefusalWorker{N: n})
	river.AddWorker(a.Workers, &notify.MentionWorker{N: n})
	river.AddWorker(a.Workers, &notify.SendWorker{N: n})
	cw.handlers = append(cw.handlers, n.OnChanged)
	// SLA alarms, P1 pages and flagged hand-overs are mailed in
	// the transaction that records them.
	if a.SLA != nil {
		a.SLA.Alert = n.AlertTx
	}
	if a.Triage != nil {
		a.Triage.Alert = n.AlertTx
	}
	a.background = append(a.background, n)
	m.IMAP = &intake.Poller{Store: m.Store, Secret: cfg.SecretKey, MaxBytes: cfg.MaxMessage, Log: log.With("part", "imap")}
	a.background = append(a.background, m.IMAP)
	m.Sweeper = &intake.Sweeper{DB: a.DB, Log: log.With("part", "intake")}
	a.background = append(a.background, m.Sweeper)
	// Accepted mail is processed on this node without a job round trip;
	// stopped after the listeners, it hands what waits to River.
	m.Dispatch = &intake.Dispatcher{P: m.Processor, Log: log.With("part", "intake")}
	m.Store.Dispatch = m.Dispatch
	a.background = append(a.background, m.Dispatch)
	if cfg.SMTPAddr != "off" {
		m.SMTP = &intake.SMTPServer{Addr: cfg.SMTPAddr, Domain: cfg.MailDomain, Secret: cfg.SecretKey,
			MaxBytes: cfg.MaxMessage, Store: m.Store, Log: log.With("part", "smtp"), Health: a.Health}
		if cfg.SMTPTLSCert != "" {
			cert, err := tls.LoadX509KeyPair(cfg.SMTPTLSCert, cfg.SMTPTLSKey)
			if err != nil {
				return fmt.Errorf("SWITCHBOARD_SMTP_TLS_CERT/KEY: %w", err)
			}
			m.SMTP.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		// Last in the list, so stopped first: the listener closes before the
		// parts behind it, after HTTP and before River.
		a.background = append(a.background, m.SMTP)
	}
	a.Mail = m
	return nil
}

// mailJobs hands the River client to the mail parts once it exists.
func (a *App) mailJobs() {
	a.Mail.Store.Jobs = a.Jobs
	a.Mail.Processor.Jobs = a.Jobs
	a.Mail.Notifier.Jobs = a.Jobs
	a.Mail.Sweeper.Jobs = a.Jobs
	a.Mail.Dispatch.Jobs = a.Jobs
	if a.HTTP != nil {
		a.HTTP.Mail = a.Mail.Store
	}
}
