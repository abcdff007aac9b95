// Package security watches sign-ins and API use for dangerous activity
// (issue 14): a new device or address for an account, sign-ins outside the
// person's usual hours in their own time zone, password spraying (failures
// across many accounts from one source), an API token suddenly used from a
// new network, and bursts of admin actions. Each detection is an event with
// its evidence; high-risk ones open one ticket for the Security team per
// account or source while it is open (later detections add to it), mail
// the person a "was this you?" with a one-click lock link, and, where
// configured, force a second factor or end the person's sessions.
package security

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/notify"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Thresholds. Usual hours are learned from the person's own sign-ins once
// there are enough of them; before that, a working day of 07:00–20:00 in
// their time zone.
const (
	defaultStart = 7
	defaultEnd   = 20
	learnAfter   = 10 // successful sign-ins before an hour counts as usual
	sprayWindow  = 15 * time.Minute
	sprayMin     = 10 // distinct accounts failing from one source
)

// Detector turns recorded sign-ins into security events and tickets.
type Detector struct {
	DB      *postgres.DB
	Tickets *ticket.Service
	Log     *slog.Logger
	// Mail queues a "was this you?" mail in a transaction (notify's
	// WasThisYouTx); nil sends none. Key signs its lock links; BaseURL
	// starts them.
	Mail    func(ctx context.Context, tx *postgres.Tx, m notify.WasThisYou) error
	Key     []byte
	BaseURL string
	// Now is the clock (tests set it); nil: time.Now.
	Now func() time.Time

	networks seenNetworks
}

func (d *Detector) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// OnSignIn is auth.Throttle's hook; stop=true when the configured
// response ends the person's sessions, so this sign-in gets none either.
// Detection's own errors never fail a sign-in: they are logged.
func (d *Detector) OnSignIn(ctx context.Context, rec auth.SignInRecord) (stop bool) {
	var err error
	if rec.OK && rec.User != nil {
		stop, err = d.success(ctx, rec)
	} else if !rec.OK {
		err = d.failure(ctx, rec)
	}
	if err != nil && d.Log != nil {
		d.Log.Warn("threat detection", "sign_in", rec.ID, "err", err)
	}
	return stop
}

func (d *Detector) success(ctx context.Context, rec auth.SignInRecord) (bool, error) {
	u := rec.User
	h, err := d.DB.PriorSignIns(ctx, u.ID, rec.ID, rec.IP)
	if err != nil {
		return false, err
	}
	if h.Total == 0 {
		return false, nil // the first sign-in ever: nothing to compare with
	}
	at := d.now().In(u.Location())
	var kinds []string
	if !rec.DeviceKnown {
		kinds = append(kinds, "new_device")
	}
	if h.FromIP == 0 {
		kinds = append(kinds, "new_address")
	}
	odd := !usualHour(at, h.Times, u.Location())
	if odd {
		kinds = append(kinds, "odd_hours")
	}
	if len(kinds) == 0 {
		return false, nil
	}
	risk := "medium"
	if odd && (h.FromIP == 0 || !rec.DeviceKnown) {
		risk = "high" // a stranger's device or network at an hour the person never works
	}
	evidence := map[string]any{
		"account": u.Email, "address": rec.IP, "user_agent": rec.UserAgent, "signals": kinds,
		"local_time": at.Format("2006-01-02 15:04"), "time_zone": u.Location().String(),
		"known_device": rec.DeviceKnown, "earlier_sign_ins": h.Total, "earlier_from_address": h.FromIP,
	}
	what := fmt.Sprintf("A sign-in from %s at %s (%s time)", rec.IP, at.Format("Mon 2 Jan 15:04"), u.Location())
	if !rec.DeviceKnown {
		what += " on a browser not seen before"
	}
	return d.raise(ctx, u, strings.Join(kinds, "+"), risk, rec.IP, fmt.Sprintf("user:%d", u.ID),
		fmt.Sprintf("Suspicious sign-in to %s", u.Email), evidence, what)
}

func (d *Detector) failure(ctx context.Context, rec auth.SignInRecord) error {
	n, err := d.DB.FailedAccountsFrom(ctx, rec.IP, d.now().Add(-sprayWindow))
	if err != nil || n != sprayMin {
		return err // raised once, when the count reaches the threshold
	}
	evidence := map[string]any{"address": rec.IP, "accounts_failed": n, "window": sprayWindow.String(),
		"last_account": rec.Email, "user_agent": rec.UserAgent}
	_, err = d.raise(ctx, nil, "spraying", "high", rec.IP, "ip:"+rec.IP,
		fmt.Sprintf("Password spraying from %s", rec.IP), evidence, "")
	return err
}

// usualHour reports whether the local hour of at is one the person signs
// in at: learned from their history once it is long enough.
func usualHour(at time.Time, history []time.Time, loc *time.Location) bool {
	if len(history) < learnAfter {
		return at.Hour() >= defaultStart && at.Hour() < defaultEnd
	}
	seen := 0
	for _, t := range history {
		diff := (t.In(loc).Hour() - at.Hour() + 24) % 24
		if diff <= 1 || diff == 23 {
			seen++
		}
	}
	return seen >= 2
}

// raise records the event; a high-risk one about a person (u) gets the
// responses (see respond), and goes to the Security team's ticket for key,
// opened if there is none. what is the event in a sentence, for the mail.
// stop reports that the person's sessions were ended.
func (d *Detector) raise(ctx context.Context, u *helpdesk.User, kind, risk, ip, key, subject string, evidence map[string]any,
	what string) (bool, error) {
	var userID int64
	if u != nil {
		userID = u.ID
	}
	ev := postgres.SecurityEvent{UserID: userID, Kind: kind, Risk: risk, IP: ip, Evidence: evidence}
	stop := false
	if risk == "high" && u != nil {
		done, s, err := d.respond(ctx, u, []string{what})
		if err != nil && d.Log != nil {
			d.Log.Warn("threat response", "user_id", u.ID, "err", err) // the ticket still opens
		}
		stop = s
		if len(done) > 0 {
			evidence["responses"] = done
		}
	}
	if risk == "high" && d.Tickets != nil {
		id, err := d.ticketFor(ctx, key, subject, kind, evidence)
		if err != nil {
			return stop, err
		}
		ev.TicketID = id
	}
	id, err := d.DB.RecordSecurityEvent(ctx, ev)
	if err == nil && userID != 0 {
		err = d.DB.LinkLocksToEvent(ctx, userID, id)
	}
	return stop, err
}

func (d *Detector) ticketFor(ctx context.Context, key, subject, kind string, evidence map[string]any) (int64, error) {
	team, filer, err := d.DB.SecurityDesk(ctx)
	if err != nil || filer == nil {
		return 0, err // no admin yet: the event alone records it
	}
	text := describe(kind, evidence)
	claimed, existing, err := d.DB.ClaimSecurityAlert(ctx, key)
	if err != nil {
		return 0, err
	}
	if !claimed {
		if existing == 0 {
			return 0, nil // being opened right now by a concurrent detection
		}
		n, err := d.DB.TicketNumberOf(ctx, existing)
		if err != nil {
			return 0, err
		}
		_, err = d.Tickets.AddMessage(ctx, filer, n, ticket.MessageInput{Body: "Again:\n\n" + text, Internal: true})
		return existing, err
	}
	in := ticket.CreateInput{Subject: subject, Description: text, Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyHigh}
	if team != 0 {
		in.TeamID = &team
	}
	t, err := d.Tickets.Create(ctx, filer, in)
	if err != nil {
		return 0, err
	}
	return t.ID, d.DB.SetSecurityAlertTicket(ctx, key, t.ID)
}

// describe is the evidence as ticket text.
func describe(kind string, evidence map[string]any) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Threat detection: %s.\n\n", strings.ReplaceAll(kind, "+", ", "))
	for _, k := range []string{"account", "address", "local_time", "time_zone", "signals", "known_device",
		"earlier_sign_ins", "earlier_from_address", "accounts_failed", "window", "last_account", "user_agent",
		"token", "network", "earlier_networks", "actions", "responses"} {
		if v, ok := evidence[k]; ok {
			fmt.Fprintf(&b, "- %s: %v\n", strings.ReplaceAll(k, "_", " "), v)
		}
	}
	return b.String()
}
