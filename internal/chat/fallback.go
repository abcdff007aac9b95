package chat

import (
	"context"
	"errors"
	"fmt"

	"switchboard/internal/helpdesk"
)

// ErrNotInChannel is wrapped by a connector's error when the bot may not
// post in a channel (Slack's not_in_channel: it was never invited, or was
// removed).
var ErrNotInChannel = errors.New("the bot is not in the channel")

// DirectPoster is a connector that can message a person directly by their
// chat user id.
type DirectPoster interface {
	PostDirect(ctx context.Context, chatUser string, m Message) (string, error)
}

// directFallback sends a requester-facing thread post that the channel
// refused (the bot is not in it) to the requester directly instead, and
// records that in the delivery log. It reports false when the delivery is
// not such a post or the requester has no linked account there; the
// caller then fails the delivery as before.
func (s *Service) directFallback(ctx context.Context, d *helpdesk.ChatDelivery, m Message) (bool, error) {
	if d.Action != "post" || d.Thread == "" || d.Bind != "" || d.TicketID == nil {
		return false, nil
	}
	dp, ok := s.connectors[d.Connector].(DirectPoster)
	if !ok {
		return false, nil
	}
	th, err := s.DB.ChatThreadByRef(ctx, d.Connector, d.Channel, d.Thread)
	if err != nil || th.Kind != helpdesk.ChatThreadRequester || th.TicketID != *d.TicketID {
		return false, nil //nolint:nilerr // not a requester thread: no fallback
	}
	t, err := s.ticketByID(ctx, *d.TicketID)
	if err != nil {
		return false, err
	}
	to, err := s.DB.ChatAccountOf(ctx, d.Connector, t.RequesterID)
	if err != nil || to == "" {
		return false, err
	}
	m.Text = fmt.Sprintf("I cannot post in the thread of *#%d* (I am not in that channel any more), so here it is directly:\n%s",
		t.Number, m.Text)
	remote, err := dp.PostDirect(ctx, to, m)
	if err != nil {
		return false, fmt.Errorf("direct message instead of channel %s: %w", d.Channel, err)
	}
	note := fmt.Sprintf("not in channel %s: sent to %s as a direct message instead", d.Channel, to)
	if err := s.DB.ChatDeliverySentInstead(ctx, d.ID, remote, note); err != nil {
		return false, err
	}
	s.Log.Info("chat delivery sent as a direct message", "connector", d.Connector, "delivery", d.ID, "to", to)
	return true, nil
}
