package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// webhookJSON is a subscription in API answers; the secret only in the
// answer that created it.
type webhookJSON struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Active         bool       `json:"active"`
	FailingSince   *time.Time `json:"failing_since"`
	DisabledReason string     `json:"disabled_reason"`
	CreatedAt      time.Time  `json:"created_at"`
	Secret         string     `json:"secret,omitempty"`
}

func webhookView(w *helpdesk.Webhook, secret bool) webhookJSON {
	out := webhookJSON{ID: w.ID, Name: w.Name, URL: w.URL, Events: w.Events, Active: w.Active, FailingSince: w.FailingSince,
		DisabledReason: w.DisabledReason, CreatedAt: w.CreatedAt.UTC()}
	if out.Events == nil {
		out.Events = []string{}
	}
	if secret {
		out.Secret = w.Secret
	}
	return out
}

// listWebhooks: GET /webhooks (admins) -> {webhooks, rule_signing_secret}.
func (h *Handler) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := h.Automation.Webhooks(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := make([]webhookJSON, 0, len(hooks))
	for i := range hooks {
		out = append(out, webhookView(&hooks[i], false))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": out, "rule_signing_secret": h.Automation.RuleWebhookSecret()})
}

// createWebhook: POST /webhooks {name, url, events?} -> 201 with the secret.
func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name   string   `json:"name"`
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &in); err != nil {
		return err
	}
	hook, err := h.Automation.CreateWebhook(r.Context(), caller(r), automation.WebhookInput{Name: in.Name, URL: in.URL, Events: in.Events})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(hook.ID, 10))
	return writeJSON(w, http.StatusCreated, webhookView(hook, true))
}

// updateWebhook: PATCH /webhooks/{id} {active} -> 204.
func (h *Handler) updateWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Active *bool `json:"active"`
	}
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &in); err != nil {
		return err
	}
	if in.Active == nil {
		return helpdesk.Invalid("active", "Send active: true or false.")
	}
	if err := h.Automation.SetWebhookActive(r.Context(), caller(r), id, *in.Active); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type deliveryJSON struct {
	ID           int64           `json:"id"`
	Event        string          `json:"event"`
	URL          string          `json:"url"`
	Status       string          `json:"status"`
	Attempts     int             `json:"attempts"`
	ResponseCode *int            `json:"response_code"`
	ResponseBody string          `json:"response_body"`
	Error        string          `json:"error"`
	Payload      json.RawMessage `json:"payload"`
	CreatedAt    time.Time       `json:"created_at"`
	LastAttempt  *time.Time      `json:"last_attempt"`
	DeliveredAt  *time.Time      `json:"delivered_at"`
}

// listDeliveries: GET /webhooks/{id}/deliveries -> {deliveries}, newest first.
func (h *Handler) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ds, err := h.Automation.Deliveries(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryJSON{ID: d.ID, Event: d.Event, URL: d.URL, Status: d.Status, Attempts: d.Attempts,
			ResponseCode: d.ResponseCode, ResponseBody: d.ResponseBody, Error: d.Error, Payload: d.Payload,
			CreatedAt: d.CreatedAt.UTC(), LastAttempt: d.LastAttempt, DeliveredAt: d.DeliveredAt})
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}

// redeliver: POST /webhooks/{id}/deliveries/{delivery}/redeliver -> 202.
func (h *Handler) redeliver(w http.ResponseWriter, r *http.Request) error {
	did, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	if err := h.Automation.Redeliver(r.Context(), caller(r), did); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
