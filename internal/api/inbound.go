package api

import (
	"net/http"
	"strings"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// inbound: POST /inbound/{id} — another tool's JSON, mapped into a new
// ticket or an update of the ticket its external id opened. Authenticated
// by the hook's own token (Authorization: Bearer sbin_…), not by a user's
// API token; bounded to automation.MaxInboundBody; an Idempotency-Key
// header makes a retried call answer the same and change nothing.
func (h *Handler) inbound(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		return helpdesk.Errorf(helpdesk.EUNAUTH, "Send the inbound webhook's token as Authorization: Bearer <token>.")
	}
	body, err := readBody(w, r, automation.MaxInboundBody)
	if err != nil {
		return err
	}
	res, err := h.Automation.Receive(r.Context(), id, strings.TrimSpace(token), strings.TrimSpace(r.Header.Get("Idempotency-Key")), body)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created && !res.Replayed {
		status = http.StatusCreated
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	changed := res.Changed
	if changed == nil {
		changed = []string{}
	}
	return writeJSON(w, status, map[string]any{"ticket": res.Ticket, "created": res.Created, "replayed": res.Replayed,
		"changed": changed})
}
