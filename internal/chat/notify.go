package chat

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// connectorOrder is which connector a rule's message goes through when its
// channel is not one of the mapped team channels: the first configured.
var connectorOrder = []string{"slack", "mattermost"}

// Notify is the ChatNotifyArgs worker (an automation rule's notify_chat
// action). It stores the message as a delivery, so it is sent by the same
// retried, logged path as every other chat message; the idempotency key
// names the run, the ticket and the channel, so a retried job never posts
// twice. A restricted team's ticket shows its text only in a channel
// marked private to that team; anywhere else it is the number and a link.
// Without a configured connector nothing can be sent: the job is cancelled
// with that reason (River keeps it) and a warning is logged, rather than
// pretending the message went out.
func (s *Service) Notify(ctx context.Context, a jobs.ChatNotifyArgs) error {
	connector, err := s.notifyConnector(ctx, a.Channel)
	if err != nil {
		return fmt.Errorf("chat notify run %d: %w", a.RunID, err)
	}
	if connector == "" {
		s.Log.Warn("chat message not sent: no chat connector configured", "channel", a.Channel,
			"ticket", a.Number, "run_id", a.RunID)
		if err := s.recordNotSent(ctx, a, "no chat connector configured"); err != nil {
			return fmt.Errorf("chat notify run %d: %w", a.RunID, err)
		}
		return river.JobCancel(fmt.Errorf("rule run %d: message to %s not sent: no chat connector configured", a.RunID, a.Channel))
	}
	m := Message{Text: a.Text}
	if a.TicketID != 0 {
		t, err := s.ticketByID(ctx, a.TicketID)
		if err != nil {
			return fmt.Errorf("chat notify run %d ticket %d: %w", a.RunID, a.TicketID, err)
		}
		ok, err := s.mayShow(ctx, t, connector, a.Channel)
		if err != nil {
			return fmt.Errorf("chat notify run %d ticket %d: %w", a.RunID, a.TicketID, err)
		}
		if !ok {
			m.Text = fmt.Sprintf("Ticket #%d: %s", t.Number, s.ticketURL(t.Number, true))
		}
	}
	d := &helpdesk.ChatDelivery{Connector: connector, Channel: a.Channel, Action: "post",
		IdemKey: fmt.Sprintf("rule:%d:%d:%s", a.RunID, a.TicketID, a.Channel)}
	if a.TicketID != 0 {
		d.TicketID = &a.TicketID
	}
	if err := s.enqueue(ctx, d, m); err != nil {
		return fmt.Errorf("chat notify run %d: %w", a.RunID, err)
	}
	return nil
}

// mayShow reports whether a ticket's text may appear in a channel: always,
// unless its team is restricted; then only in the team's channels marked
// private (the team-channel rule of channelsFor).
func (s *Service) mayShow(ctx context.Context, t *helpdesk.Ticket, connector, channel string) (bool, error) {
	if t.TeamID == nil {
		return true, nil
	}
	restricted, err := s.DB.TeamRestricted(ctx, *t.TeamID)
	if err != nil || !restricted {
		return !restricted, err
	}
	chans, err := s.channelsFor(ctx, t)
	if err != nil {
		return false, err
	}
	for _, c := range chans {
		if c.Connector == connector && c.Channel == channel {
			return true, nil
		}
	}
	return false, nil
}

// notifyConnector picks the connector for a channel: the one the channel
// is mapped under as a team channel, else the first with a bot token. ""
// means none is configured.
func (s *Service) notifyConnector(ctx context.Context, channel string) (string, error) {
	all, err := s.DB.ChatChannels(ctx, "")
	if err != nil {
		return "", err
	}
	for _, c := range all {
		if c.Channel == channel && s.configured(ctx, c.Connector) {
			return c.Connector, nil
		}
	}
	for _, name := range connectorOrder {
		if s.configured(ctx, name) {
			return name, nil
		}
	}
	return "", nil
}

// configured reports whether a registered connector has a bot token to
// post with.
func (s *Service) configured(ctx context.Context, name string) bool {
	if s.connectors[name] == nil {
		return false
	}
	set, err := s.Settings(ctx, name)
	if err != nil {
		s.Log.Warn("read chat settings", "connector", name, "err", err)
		return false
	}
	return set.Token != ""
}

// noConnector is the connector name of a rule's message that had no
// connector to go through; the admin's per-connector delivery logs never
// list it, the rule's run does.
const noConnector = "none"

// recordNotSent stores a rule's message that cannot be sent as a failed
// delivery under its idempotency key, so the rule's run shows "not sent"
// and why, not "queued" for ever.
func (s *Service) recordNotSent(ctx context.Context, a jobs.ChatNotifyArgs, why string) error {
	d := &helpdesk.ChatDelivery{Connector: noConnector, Channel: a.Channel, Action: "post",
		IdemKey: fmt.Sprintf("rule:%d:%d:%s", a.RunID, a.TicketID, a.Channel), Body: []byte(`{}`)}
	if a.TicketID != 0 {
		d.TicketID = &a.TicketID
	}
	var inserted bool
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		inserted, err = tx.InsertChatDelivery(ctx, d)
		return err
	})
	if err != nil || !inserted {
		return err
	}
	return s.DB.ChatDeliveryAttempt(ctx, d.ID, why, true)
}
