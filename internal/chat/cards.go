package chat

import (
	"context"
	"fmt"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Team channels: each announced ticket is one message per channel (a
// "card") that is updated in place as the ticket changes.

// urgent reports whether a ticket is announced in its team's channels on
// its own (P1 and P2, and incidents).
func urgent(t *helpdesk.Ticket) bool {
	return t.Priority == helpdesk.P1 || t.Priority == helpdesk.P2 ||
		t.Source == helpdesk.SourceAlert || t.Source == helpdesk.SourceDetector
}

// channelsFor lists the team channels that may show ticket t: its team's,
// and for a restricted team only those marked private to it.
func (s *Service) channelsFor(ctx context.Context, t *helpdesk.Ticket) ([]helpdesk.ChatChannel, error) {
	if t.TeamID == nil {
		return nil, nil
	}
	all, err := s.DB.ChatChannels(ctx, "")
	if err != nil {
		return nil, err
	}
	restricted, err := s.DB.TeamRestricted(ctx, *t.TeamID)
	if err != nil {
		return nil, err
	}
	var out []helpdesk.ChatChannel
	for _, c := range all {
		if c.TeamID == *t.TeamID && (!restricted || c.Private) && s.connectors[c.Connector] != nil {
			out = append(out, c)
		}
	}
	return out, nil
}

// Announce posts ticket's card in its team channels, or updates the cards
// already there. force announces a ticket that is not urgent (an SLA
// warning, an escalation); why is said on the card.
func (s *Service) Announce(ctx context.Context, ticketID int64, force bool, why string) error {
	t, err := s.ticketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	chans, err := s.channelsFor(ctx, t)
	if err != nil {
		return err
	}
	for _, c := range chans {
		card, err := s.DB.ChatCard(ctx, c.Connector, c.Channel, t.ID)
		if err != nil {
			return err
		}
		d := &helpdesk.ChatDelivery{Connector: c.Connector, TicketID: &t.ID, Channel: c.Channel}
		switch {
		case card == "" && (force || urgent(t)):
			d.Action, d.Bind, d.IdemKey = "post", helpdesk.ChatThreadCard, fmt.Sprintf("card:%d:%s", t.ID, c.Channel)
		case card != "":
			d.Action, d.Target = "update", card
			d.IdemKey = fmt.Sprintf("card:%d:%s:%d:%s", t.ID, c.Channel, t.UpdatedAt.UnixNano(), why)
		default:
			continue
		}
		m, _, err := s.renderCard(ctx, t.ID, c.Connector, c.Channel)
		if err != nil {
			return err
		}
		if err := s.enqueue(ctx, d, m); err != nil {
			return err
		}
		if card != "" && why != "" {
			// Say what happened in the card's thread, too.
			note := &helpdesk.ChatDelivery{Connector: c.Connector, TicketID: &t.ID, Channel: c.Channel, Thread: card,
				Action: "post", IdemKey: fmt.Sprintf("card-note:%d:%s:%d:%s", t.ID, c.Channel, t.UpdatedAt.UnixNano(), why)}
			if err := s.enqueue(ctx, note, Message{Text: why}); err != nil {
				return err
			}
		}
	}
	return nil
}

// ticketByID reads a ticket without a viewer check (for channels, which
// are checked by channelsFor).
func (s *Service) ticketByID(ctx context.Context, id int64) (*helpdesk.Ticket, error) {
	n, err := s.DB.TicketNumberOf(ctx, id)
	if err != nil {
		return nil, err
	}
	t, _, err := s.DB.TicketByNumber(ctx, n)
	return t, err
}

// renderCard is the card of a ticket in a channel as the ticket is now. A
// ticket the channel may no longer show (moved to a restricted team or to
// a team the channel does not follow) becomes a card without its text.
func (s *Service) renderCard(ctx context.Context, ticketID int64, connector, channel string) (Message, bool, error) {
	t, err := s.ticketByID(ctx, ticketID)
	if postgres.IsNotFound(err) {
		return Message{}, false, nil
	} else if err != nil {
		return Message{}, false, err
	}
	chans, err := s.channelsFor(ctx, t)
	if err != nil {
		return Message{}, false, err
	}
	allowed := false
	for _, c := range chans {
		if c.Connector == connector && c.Channel == channel {
			allowed = true
		}
	}
	if !allowed {
		return Message{Text: fmt.Sprintf("*#%d* moved to a team this channel does not follow.", t.Number)}, true, nil
	}
	text, err := s.withSLA(ctx, t, fmt.Sprintf("*[%s] #%d* %s\n%s", t.Priority, t.Number, t.Subject, cardState(t)))
	if err != nil {
		return Message{}, false, err
	}
	num := strconv.FormatInt(t.Number, 10)
	m := Message{Text: text}
	if t.Status.IsOpen() {
		if t.AssigneeID == nil {
			m.Buttons = append(m.Buttons, Button{Action: ActionTake, Label: "Take", Value: num, Style: "primary"})
		}
		m.Buttons = append(m.Buttons, Button{Action: ActionAck, Label: "Acknowledge", Value: num})
	}
	m.Buttons = append(m.Buttons, Button{Label: "Open", URL: s.ticketURL(t.Number, true)})
	return m, true, nil
}

// cardState is the card's second line: status, owner and team (the SLA
// line follows it, see slaLine).
func cardState(t *helpdesk.Ticket) string {
	who := "unassigned"
	if t.AssigneeName != "" {
		who = "assigned to " + t.AssigneeName
	}
	team := ""
	if t.TeamName != "" {
		team = " · " + t.TeamName
	}
	return fmt.Sprintf("%s · %s%s", t.Status.Label(), who, team)
}
