package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// enqueueTx stores an outbound message and its delivery job inside tx. A
// message whose idempotency key was stored before is left alone: a retried
// follow-up job, or the same change seen twice, delivers once.
func (s *Service) enqueueTx(ctx context.Context, tx *postgres.Tx, d *helpdesk.ChatDelivery, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	d.Body = body
	inserted, err := tx.InsertChatDelivery(ctx, d)
	if err != nil {
		return fmt.Errorf("store chat delivery %s: %w", d.IdemKey, err)
	}
	if !inserted || s.Jobs == nil {
		return nil
	}
	if _, err := s.Jobs.InsertTx(ctx, tx, jobs.ChatDeliverArgs{DeliveryID: d.ID}, nil); err != nil {
		return fmt.Errorf("enqueue chat delivery %s: %w", d.IdemKey, err)
	}
	return nil
}

// enqueue is enqueueTx in a transaction of its own.
func (s *Service) enqueue(ctx context.Context, d *helpdesk.ChatDelivery, m Message) error {
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error { return s.enqueueTx(ctx, tx, d, m) })
}

// Deliver is the ChatDeliverArgs worker: it posts or updates one message.
// A delivery already sent is not sent again. A 429 waits as long as the chat
// API asked (River snoozes the job); other errors are retried with River's
// backoff and written to the delivery log; permanent ones stop at once.
func (s *Service) Deliver(ctx context.Context, id int64, lastAttempt bool) error {
	d, err := s.DB.ChatDelivery(ctx, id)
	if postgres.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if d.Status != "pending" {
		return nil
	}
	remote, err := s.send(ctx, d)
	if err == nil {
		return s.DB.ChatDeliverySent(ctx, d, remote)
	}
	var rl *RateLimited
	if errors.As(err, &rl) {
		if lerr := s.DB.ChatDeliveryAttempt(ctx, d.ID, err.Error(), false); lerr != nil {
			return lerr
		}
		return river.JobSnooze(max(rl.After, 0))
	}
	if errors.Is(err, ErrNotInChannel) {
		var m Message
		if jerr := json.Unmarshal(d.Body, &m); jerr == nil {
			done, ferr := s.directFallback(ctx, d, m)
			if ferr != nil {
				err = ferr
			} else if done {
				return nil
			}
		}
	}
	final := lastAttempt || IsPermanent(err)
	if lerr := s.DB.ChatDeliveryAttempt(ctx, d.ID, err.Error(), final); lerr != nil {
		return lerr
	}
	s.Log.Warn("chat delivery failed", "connector", d.Connector, "delivery", d.ID, "final", final, "err", err)
	if IsPermanent(err) {
		return river.JobCancel(err)
	}
	return fmt.Errorf("deliver chat message %d: %w", d.ID, err)
}

// send makes one attempt. Team-channel cards are rendered from the ticket
// as it is now, so a late or retried update never shows an older state.
func (s *Service) send(ctx context.Context, d *helpdesk.ChatDelivery) (string, error) {
	c := s.connectors[d.Connector]
	if c == nil {
		return "", &Permanent{Err: fmt.Errorf("the %s connector is not set up", d.Connector)}
	}
	var m Message
	if err := json.Unmarshal(d.Body, &m); err != nil {
		return "", &Permanent{Err: fmt.Errorf("bad message body: %w", err)}
	}
	card := d.Bind == helpdesk.ChatThreadCard || (d.Action == "update" && d.Target == "")
	if card && d.TicketID != nil {
		fresh, ok, err := s.renderCard(ctx, *d.TicketID, d.Connector, d.Channel)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", &Permanent{Err: errors.New("the ticket may no longer be shown in this channel")}
		}
		m = fresh
	}
	ctx = context.WithValue(ctx, deliveryKey{}, d.Connector+":"+d.IdemKey)
	switch d.Action {
	case "post":
		return c.Post(ctx, d.Channel, d.Thread, m)
	case "update":
		target := d.Target
		if target == "" && d.TicketID != nil {
			var err error
			if target, err = s.DB.ChatCard(ctx, d.Connector, d.Channel, *d.TicketID); err != nil {
				return "", err
			}
		}
		if target == "" {
			// The card's post is still queued: try again after it.
			return "", errors.New("the card to update is not posted yet")
		}
		return target, c.Update(ctx, d.Channel, target, m)
	}
	return "", &Permanent{Err: fmt.Errorf("unknown action %q", d.Action)}
}

// Deliveries lists a connector's recent deliveries for the admin's log;
// admins only.
func (s *Service) Deliveries(ctx context.Context, actor *helpdesk.User, connector string) ([]helpdesk.ChatDelivery, error) {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return s.DB.ChatDeliveries(ctx, connector, 100)
}

type deliveryKey struct{}

// DeliveryKey returns the idempotency key of the delivery being sent, for
// connectors whose chat API deduplicates by one (Matrix transaction ids):
// a post retried after a lost answer then appears once.
func DeliveryKey(ctx context.Context) string {
	k, _ := ctx.Value(deliveryKey{}).(string)
	return k
}
