package chat

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// EventAcknowledged is the event a team channel's Acknowledge button writes.
const EventAcknowledged = "acknowledged"

// OnChanged follows ticket changes (the ticket_changed job): staff replies
// go to the requester's chat threads, and team-channel cards are updated.
// It only stores deliveries; a chat outage never fails it.
func (s *Service) OnChanged(ctx context.Context, a jobs.ChangedArgs) error {
	switch a.Event {
	case helpdesk.EventReplied:
		return s.relayReply(ctx, a.TicketID, a.MessageID)
	case helpdesk.EventAssigned, helpdesk.EventStatusChanged, helpdesk.EventFieldsChanged:
		return s.Announce(ctx, a.TicketID, false, "")
	}
	return nil
}

// relayReply posts a public staff reply into the ticket's requester
// threads. A reply written in a thread is not echoed back into it.
func (s *Service) relayReply(ctx context.Context, ticketID, messageID int64) error {
	if messageID == 0 {
		return nil
	}
	threads, err := s.DB.ChatThreadsOfTicket(ctx, ticketID)
	if err != nil || len(threads) == 0 {
		return err
	}
	msgs, err := s.DB.Messages(ctx, ticketID, false)
	if err != nil {
		return err
	}
	var m *helpdesk.Message
	for i := range msgs {
		if msgs[i].ID == messageID {
			m = &msgs[i]
		}
	}
	if m == nil || m.Internal || !m.AuthorIsStaff {
		return nil
	}
	t, err := s.ticketByID(ctx, ticketID)
	if err != nil {
		return err
	}
	restricted := false
	if t.TeamID != nil {
		if restricted, err = s.DB.TeamRestricted(ctx, *t.TeamID); err != nil {
			return err
		}
	}
	for _, th := range threads {
		c := s.connectors[th.Connector]
		if th.Kind != helpdesk.ChatThreadRequester || c == nil || string(m.Source) == th.Connector {
			continue
		}
		text := fmt.Sprintf("*%s* (IT) replied on *#%d*:\n%s", m.AuthorName, t.Number, m.BodyText)
		if restricted && !c.Direct(th.Channel) {
			// A restricted team's words stay out of shared channels.
			text = fmt.Sprintf("IT replied on *#%d*. Read it at %s", t.Number, s.ticketURL(t.Number, false))
		}
		d := &helpdesk.ChatDelivery{Connector: th.Connector, TicketID: &t.ID, Action: "post", Channel: th.Channel,
			Thread: th.Thread, IdemKey: fmt.Sprintf("reply:%d:%s:%s", m.ID, th.Channel, th.Thread)}
		if err := s.enqueue(ctx, d, Message{Text: text}); err != nil {
			return err
		}
	}
	return nil
}

// ThreadMessage handles a message written in a chat thread. In a
// requester's ticket thread it becomes a reply on the ticket by the linked
// author; messages elsewhere are ignored. The reply, if any, is for the
// author only.
func (s *Service) ThreadMessage(ctx context.Context, req Request) (Reply, bool) {
	if req.Thread == "" || strings.TrimSpace(req.Text) == "" {
		return Reply{}, false
	}
	th, err := s.DB.ChatThreadByRef(ctx, req.User.Connector, req.Channel, req.Thread)
	if err != nil || th.Kind != helpdesk.ChatThreadRequester {
		return Reply{}, false
	}
	user, err := s.DB.ChatLinkedUser(ctx, req.User)
	if postgres.IsNotFound(err) {
		return Reply{Text: HowTo(req.User.Connector)}, true
	} else if err != nil {
		return s.failed(err), true
	}
	n, err := s.DB.TicketNumberOf(ctx, th.TicketID)
	if err != nil {
		return s.failed(err), true
	}
	ctx = ticket.WithVia(ctx, via(req.User))
	if _, err := s.Tickets.AddMessage(ctx, user, n, ticket.MessageInput{Body: req.Text,
		Source: helpdesk.Source(req.User.Connector)}); err != nil {
		return s.failed(err), true
	}
	return Reply{}, false
}

// Action handles a button press on a team-channel card.
func (s *Service) Action(ctx context.Context, req Request, action, value string) Reply {
	user, err := s.DB.ChatLinkedUser(ctx, req.User)
	if postgres.IsNotFound(err) {
		return Reply{Text: HowTo(req.User.Connector)}
	} else if err != nil {
		return s.failed(err)
	}
	if action == ActionApprove || action == ActionDecline {
		// Approvers are often not IT staff (managers): approvals.go.
		return s.approvalAction(ctx, req, user, action, value)
	}
	if !user.IsStaff() {
		return Reply{Text: "Only IT staff can do that."}
	}
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return Reply{Text: "That button is out of date."}
	}
	ctx = ticket.WithVia(ctx, via(req.User))
	switch action {
	case ActionTake:
		t, err := s.Tickets.Update(ctx, user, n, ticket.Changes{Assignee: &user.Email})
		if err != nil {
			return s.failed(err)
		}
		return Reply{Text: "You took " + describe(t)}
	case ActionAck:
		return s.ack(ctx, req, user, n)
	}
	return Reply{Text: "That button is out of date."}
}

// ack acknowledges ticket n for a staff member (the Acknowledge button,
// and "/it ack #N" where there are no buttons, as in Matrix): an
// acknowledged event, and a note in the ticket's team-channel cards. The
// caller has checked that user is staff; the ticket service checks that
// they may see the ticket.
func (s *Service) ack(ctx context.Context, req Request, user *helpdesk.User, n int64) Reply {
	t, err := s.Tickets.Get(ctx, user, n)
	if err != nil {
		return s.failed(err)
	}
	if err := s.Tickets.Record(ctx, user, t, EventAcknowledged, map[string]any{"by": user.Name}, ""); err != nil {
		return s.failed(err)
	}
	if err := s.Announce(ctx, t.ID, false, user.Name+" acknowledged it "+via(req.User)+"."); err != nil {
		return s.failed(err)
	}
	return Reply{Text: fmt.Sprintf("You acknowledged *#%d*.", n)}
}
