package phishing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	swmail "switchboard/internal/mail"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Service runs phishing reports: analysis, campaigns, teach-back, figures.
type Service struct {
	DB      *postgres.DB
	Jobs    *postgres.JobClient
	Tickets *ticket.Service
	Log     *slog.Logger
	// OrgDomains are the organisation's own mail domains (the mail domain
	// and SWITCHBOARD_MAIL_ORG_DOMAINS).
	OrgDomains  []string
	AuthServIDs []string
	Resolver    swmail.Resolver // fresh DKIM checks; nil: none
	// Policy, when set, gives the sender-trust settings in force (an
	// admin's saved ones override the environment): its authserv-ids
	// replace AuthServIDs and its domains follow the mail domain, which
	// stays OrgDomains[0].
	Policy func(ctx context.Context) (authServIDs, orgDomains []string)
	Now    func() time.Time
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// analysisBudget bounds one analysis, DKIM key lookups included.
const analysisBudget = 30 * time.Second

// Process finds, analyses and groups one report, then thanks its reporter.
// It is idempotent: a retry analyses again (the same result), finds the
// campaign already set and the reporter already thanked.
func (s *Service) Process(ctx context.Context, ticketID int64) error {
	w, err := s.DB.PhishWork(ctx, ticketID)
	if postgres.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("load report %d: %w", ticketID, err)
	}
	setup, err := s.DB.PhishSetup(ctx)
	if err != nil {
		return fmt.Errorf("load phishing setup: %w", err)
	}
	sus := &Suspect{Raw: w.Suspect, How: w.How, Partial: w.How == FoundInline}
	if w.Suspect == nil {
		found, err := FindSuspect(w.Report)
		if errors.Is(err, ErrNoSuspect) || w.Report == nil || err != nil {
			return s.noSuspect(ctx, w)
		}
		sus = found
	}
	cfg := Config{OrgDomains: s.OrgDomains, AuthServIDs: s.AuthServIDs, Resolver: s.Resolver}
	if s.Policy != nil && len(s.OrgDomains) > 0 {
		ids, doms := s.Policy(ctx)
		cfg.AuthServIDs, cfg.OrgDomains = ids, append([]string{s.OrgDomains[0]}, doms...)
	}
	for _, u := range setup.Staff {
		cfg.Staff = append(cfg.Staff, Person{Name: u.Name, Email: u.Email})
	}
	in := Input{Suspect: sus}
	if dom := domainOf(SenderOf(sus.Raw)); dom != "" {
		seen, err := s.DB.PhishSenderSeen(ctx, dom, w.ReportedAt)
		if err != nil {
			return err
		}
		in.SenderSeen = &seen
	}
	actx, cancel := context.WithTimeout(ctx, analysisBudget)
	a, err := Analyse(actx, cfg, in)
	cancel()
	if err != nil {
		return s.noSuspect(ctx, w)
	}
	if err := s.save(ctx, w, sus, a); err != nil {
		return fmt.Errorf("save analysis of report %d: %w", w.Number, err)
	}
	campaign, n, err := s.DB.GroupPhishReport(ctx, w.TicketID, func(c postgres.PhishCandidate) bool {
		return Match(a.Indicators, indicatorsFromStore(c)) != ""
	})
	if err != nil {
		return fmt.Errorf("group report %d: %w", w.Number, err)
	}
	owner, err := s.owner(ctx, setup)
	if err != nil || owner == nil {
		s.log().Warn("no staff member to act for the security team; campaign and thank-you skipped", "ticket", w.Number)
		return err
	}
	if n >= 2 {
		if err := s.ensureCampaign(ctx, owner, setup, campaign, a); err != nil {
			return fmt.Errorf("campaign %d: %w", campaign, err)
		}
	}
	if w.ReporterID != nil && a.Verdict != VerdictPending {
		if err := s.teachBack(ctx, owner, w, a); err != nil {
			return fmt.Errorf("thank reporter of %d: %w", w.Number, err)
		}
	}
	return nil
}

// SenderOf is the From address of a mail, or "".
func SenderOf(raw []byte) string {
	msg, err := mail.ReadMessage(strings.NewReader(string(raw[:min(len(raw), 64<<10)]) + "\r\n\r\n"))
	if err != nil {
		return ""
	}
	if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
		return strings.ToLower(a.Address)
	}
	return ""
}

// save stores the analysis with its indicators and an event on the ticket.
func (s *Service) save(ctx context.Context, w *postgres.PhishWork, sus *Suspect, a *Analysis) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	var keep []byte
	if w.Suspect == nil {
		keep = sus.Raw
	}
	res := postgres.PhishResult{TicketID: w.TicketID, How: sus.How, Suspect: keep, Verdict: a.Verdict, Score: a.Score,
		Reasons: a.Reasons, Analysis: body, Sender: a.From, SimHash: a.Indicators.SimHash, DeliveredAt: a.Date,
		Indicators: map[string][]string{"sender": a.Indicators.Senders, "host": a.Indicators.Hosts, "url": a.Indicators.URLs,
			"sha256": a.Indicators.Hashes}}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.SavePhishResult(ctx, res); err != nil {
			return err
		}
		return s.Tickets.RecordTx(ctx, tx, nil, &helpdesk.Ticket{ID: w.TicketID, Number: w.Number}, helpdesk.EventPhishAnalysed,
			map[string]any{"verdict": a.Verdict, "score": a.Score, "found": sus.How}, strings.Join(a.Reasons, "; "))
	})
}

// noSuspect records that a report held no mail to analyse.
func (s *Service) noSuspect(ctx context.Context, w *postgres.PhishWork) error {
	reason := "No reported mail was found in this report. Forward the suspicious mail as an attachment, or upload it on the Report phishing page."
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.SavePhishResult(ctx, postgres.PhishResult{TicketID: w.TicketID, Verdict: VerdictPending,
			Reasons: []string{reason}, Analysis: []byte("null")}); err != nil {
			return err
		}
		return s.Tickets.RecordTx(ctx, tx, nil, &helpdesk.Ticket{ID: w.TicketID, Number: w.Number}, helpdesk.EventPhishAnalysed,
			map[string]any{"verdict": VerdictPending, "found": ""}, reason)
	})
}

func indicatorsFromStore(c postgres.PhishCandidate) Indicators {
	return Indicators{Senders: c.Indicators["sender"], Hosts: c.Indicators["host"], URLs: c.Indicators["url"],
		Hashes: c.Indicators["sha256"], SimHash: c.SimHash}
}

// owner is the staff member who acts for the security team.
func (s *Service) owner(ctx context.Context, setup *postgres.PhishSetup) (*helpdesk.User, error) {
	if setup.OwnerID == 0 {
		return nil, nil
	}
	return s.DB.User(ctx, setup.OwnerID)
}

// ensureCampaign files the campaign's incident once it has two reports and
// links every report under it.
func (s *Service) ensureCampaign(ctx context.Context, owner *helpdesk.User, setup *postgres.PhishSetup, campaign int64, a *Analysis) error {
	tid, members, err := s.DB.CampaignTicket(ctx, campaign)
	if err != nil {
		return err
	}
	var number int64
	if tid == nil {
		subject := a.Subject
		if subject == "" {
			subject = "(no subject)"
		}
		urgency := helpdesk.UrgencyMedium
		if a.Verdict == VerdictMalicious {
			urgency = helpdesk.UrgencyHigh
		}
		t, err := s.Tickets.Create(ctx, owner, ticket.CreateInput{
			Subject:     truncate("Phishing campaign: "+strings.Join(strings.Fields(subject), " "), 190),
			Description: campaignDescription(a), Source: helpdesk.SourcePhishing, TeamID: setup.TeamID,
			Impact: helpdesk.ImpactDepartment, Urgency: urgency,
			AfterInsert: func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
				return tx.ClaimCampaignTicket(ctx, campaign, t.ID)
			}})
		switch {
		case err == nil:
			number = t.Number
			s.log().Info("phishing campaign opened", "incident", t.Number, "campaign", campaign)
		case helpdesk.ErrorCode(err) == helpdesk.ECONFLICT:
			// Another report of the campaign filed it first.
			if tid, members, err = s.DB.CampaignTicket(ctx, campaign); err != nil || tid == nil {
				return fmt.Errorf("reload campaign: %w", err)
			}
		default:
			return err
		}
	}
	if number == 0 {
		number = *tid
	}
	for _, m := range members {
		if m.Parent != nil {
			continue
		}
		if err := s.Tickets.Link(ctx, owner, m.Number, number); err != nil {
			return fmt.Errorf("link report %d: %w", m.Number, err)
		}
	}
	return nil
}

// campaignDescription is the incident's first message: what the campaign
// looks like, defanged.
func campaignDescription(a *Analysis) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Several people reported the same phishing mail. Its reports are linked below; the indicators are on this page.\n\n")
	fmt.Fprintf(&b, "- Subject: %s\n- From: %s\n- First verdict: %s (score %d)\n", DefangText(a.Subject), DefangAddress(a.From), a.Verdict, a.Score)
	for _, r := range a.Reasons {
		fmt.Fprintf(&b, "- %s\n", DefangText(r))
	}
	return b.String()
}

// Jobs enqueue the analysis of a report in the transaction that files it.
func (s *Service) enqueue(ctx context.Context, tx *postgres.Tx, ticketID int64) error {
	if s.Jobs == nil {
		return nil
	}
	_, err := s.Jobs.InsertTx(ctx, tx, jobs.PhishAnalyseArgs{TicketID: ticketID}, nil)
	return err
}
