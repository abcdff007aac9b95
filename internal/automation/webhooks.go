package automation

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Webhook delivery headers. The signature is
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)): a receiver
// recomputes it and rejects old timestamps, so a captured delivery cannot be
// replayed later.
const (
	HeaderSignature = "X-Switchboard-Signature"
	HeaderTimestamp = "X-Switchboard-Timestamp"
	HeaderEvent     = "X-Switchboard-Event"
	HeaderDelivery  = "X-Switchboard-Delivery"
)

// DisableAfter is how long a subscription may fail without a success before
// it is turned off (with an admin alert in the audit log).
const DisableAfter = 24 * time.Hour

// deliveryTimeout bounds one attempt; the delivery runs in a River job, so a
// slow receiver only holds that job, never a ticket change.
const deliveryTimeout = 10 * time.Second

// Sign computes the signature header value of body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// RuleWebhookSecret is the key that signs rule actions' webhook calls
// (derived from the secret key; admins see it on the webhooks API).
func (s *Service) RuleWebhookSecret() string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("switchboard rule webhooks"))
	return hex.EncodeToString(m.Sum(nil))
}

// WebhookInput is a new subscription.
type WebhookInput struct {
	Name   string
	URL    string
	Events []string
}

func mustAdmin(actor *helpdesk.User) error {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only admins manage webhooks.")
	}
	return nil
}

// CreateWebhook adds a subscription with a new random secret (returned in
// the webhook, shown once).
func (s *Service) CreateWebhook(ctx context.Context, actor *helpdesk.User, in WebhookInput) (*helpdesk.Webhook, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, err
	}
	var v helpdesk.Validation
	w := helpdesk.Webhook{Name: strings.TrimSpace(in.Name), URL: strings.TrimSpace(in.URL), Events: in.Events, Active: true}
	if w.Name == "" {
		v.Add("name", "Give the webhook a name.")
	}
	if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		v.Add("url", "Give an http or https URL.")
	}
	for _, e := range in.Events {
		if e == helpdesk.TriggerSchedule || !slices.Contains(helpdesk.Triggers, e) {
			v.Add("events", "Events are ticket.created, ticket.updated, message.received, sla.at_risk, sla.breached.")
			break
		}
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	key := make([]byte, 24)
	_, _ = rand.Read(key)
	w.Secret = hex.EncodeToString(key)
	id, err := s.DB.InsertWebhook(ctx, &w, actor.ID)
	if err != nil {
		return nil, err
	}
	return s.DB.Webhook(ctx, id)
}

// Webhooks lists the subscriptions (admins).
func (s *Service) Webhooks(ctx context.Context, actor *helpdesk.User) ([]helpdesk.Webhook, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, err
	}
	return s.DB.Webhooks(ctx)
}

// Deliveries lists a subscription's latest deliveries (admins).
func (s *Service) Deliveries(ctx context.Context, actor *helpdesk.User, id int64) ([]helpdesk.Delivery, error) {
	if err := mustAdmin(actor); err != nil {
		return nil, err
	}
	if _, err := s.DB.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return s.DB.Deliveries(ctx, id, 100)
}

// Redeliver sends a delivery again, as a new job (admins).
func (s *Service) Redeliver(ctx context.Context, actor *helpdesk.User, deliveryID int64) error {
	if err := mustAdmin(actor); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.ResetDelivery(ctx, deliveryID); err != nil {
			return err
		}
		if s.Jobs == nil {
			return nil
		}
		_, err := s.Jobs.InsertTx(ctx, tx, jobs.WebhookDeliveryArgs{DeliveryID: deliveryID}, nil)
		return err
	})
}

// SetWebhookActive turns a subscription on again (after it was disabled
// for failing) or off (admins).
func (s *Service) SetWebhookActive(ctx context.Context, actor *helpdesk.User, id int64, active bool) error {
	if err := mustAdmin(actor); err != nil {
		return err
	}
	reason := ""
	if !active {
		reason = "turned off by " + actor.Email
	}
	return s.DB.SetWebhookActive(ctx, id, active, reason, actor.ID)
}

// fanout queues a delivery of one ticket event to every active
// subscription that wants it.
func (s *Service) fanout(ctx context.Context, tx *postgres.Tx, hooks []helpdesk.Webhook, e postgres.InboxEvent, trig string) error {
	var t *postgres.RuleTicket
	for i := range hooks {
		h := &hooks[i]
		if len(h.Events) > 0 && !slices.Contains(h.Events, trig) {
			continue
		}
		if t == nil {
			var err error
			if t, err = tx.RuleTicket(ctx, e.TicketID); err != nil {
				return err
			}
		}
		data := map[string]any{"ticket": TicketPayload(t), "event_id": e.EventID}
		switch trig {
		case helpdesk.TriggerUpdated:
			data["change"] = e.After
			data["before"] = e.Before
		case helpdesk.TriggerMessage:
			m, err := s.messageEnv(ctx, tx, e.After)
			if err != nil {
				return err
			}
			data["message"] = map[string]any{"body": m.Body, "internal": m.Internal, "author": m.Author, "source": m.Source}
		case helpdesk.TriggerSLAAtRisk, helpdesk.TriggerSLABreach:
			data["sla"] = e.After
		}
		if _, err := s.queueDelivery(ctx, tx, &h.ID, nil, h.URL, trig, data); err != nil {
			return err
		}
	}
	return nil
}

// Deliver makes one attempt at a delivery. A failure returns an error so
// River retries it with its backoff; final says this was the last attempt.
// A subscription failing for DisableAfter is turned off with an admin
// alert, and its deliveries stop.
func (s *Service) Deliver(ctx context.Context, id int64, final bool) error {
	d, err := s.DB.Delivery(ctx, id)
	if err != nil {
		if postgres.IsNotFound(err) {
			return nil
		}
		return err
	}
	if d.Status == "delivered" {
		return nil
	}
	secret := []byte(s.RuleWebhookSecret())
	if d.WebhookID != nil {
		h, err := s.DB.Webhook(ctx, *d.WebhookID)
		if err != nil {
			return err
		}
		if !h.Active {
			_, err := s.DB.RecordAttempt(ctx, id, postgres.Attempt{Error: "webhook disabled: " + h.DisabledReason, Final: true})
			return err
		}
		secret = []byte(h.Secret)
	}
	code, body, sendErr := s.send(ctx, d, secret)
	a := postgres.Attempt{Body: body, Delivered: sendErr == nil, Final: final && sendErr != nil}
	if code != 0 {
		a.Code = &code
	}
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	since, err := s.DB.RecordAttempt(ctx, id, a)
	if err != nil {
		return err
	}
	if sendErr == nil {
		return nil
	}
	if d.WebhookID != nil && since != nil && s.now().Sub(*since) >= DisableAfter {
		reason := fmt.Sprintf("every delivery failed since %s (last: %s)", since.UTC().Format(time.RFC3339), a.Error)
		if off, err := s.DB.DisableFailingWebhook(ctx, *d.WebhookID, reason); err != nil {
			return err
		} else if off {
			s.log().Error("webhook disabled after a day of failures", "webhook_id", *d.WebhookID, "url", d.URL)
		}
		return nil
	}
	return fmt.Errorf("deliver %d to %s: %w", id, d.URL, sendErr)
}

// send POSTs the payload, signed; a non-2xx answer is an error.
func (s *Service) send(ctx context.Context, d *helpdesk.Delivery, secret []byte) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Payload))
	if err != nil {
		return 0, "", err
	}
	ts := s.now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-Webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(secret, ts, d.Payload))
	req.Header.Set(HeaderEvent, d.Event)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	client := s.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 2048))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, string(b), fmt.Errorf("receiver answered %s", res.Status)
	}
	return res.StatusCode, string(b), nil
}
