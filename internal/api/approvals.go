package api

import (
	"net/http"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// approvalJSON is an approval in API answers.
type approvalJSON struct {
	ID          int64      `json:"id"`
	Ticket      int64      `json:"ticket"`
	Subject     string     `json:"subject"`
	Category    string     `json:"category"`
	Requester   string     `json:"requester"`
	Status      string     `json:"status"`
	Why         string     `json:"why"`
	RequestedAt time.Time  `json:"requested_at"`
	ExpiresAt   time.Time  `json:"expires_at"`
	DecidedAt   *time.Time `json:"decided_at"`
	DecidedBy   string     `json:"decided_by"`
	Via         string     `json:"via"`
	Comment     string     `json:"comment"`
}

func approvalView(a *helpdesk.Approval) approvalJSON {
	out := approvalJSON{ID: a.ID, Ticket: a.Number, Subject: a.Subject, Category: a.CategoryName, Requester: a.RequesterEm,
		Status: a.Status, Why: a.Why, RequestedAt: a.RequestedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(), DecidedBy: a.DecidedName,
		Via: a.Via, Comment: a.Comment}
	if a.DecidedAt != nil {
		t := a.DecidedAt.UTC()
		out.DecidedAt = &t
	}
	return out
}

// listApprovals: GET /approvals -> {approvals}: what waits for the
// caller's decision, oldest first.
func (h *Handler) listApprovals(w http.ResponseWriter, r *http.Request) error {
	pending, _, err := h.Approvals.ForApprover(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := make([]approvalJSON, 0, len(pending))
	for i := range pending {
		out = append(out, approvalView(&pending[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"approvals": out})
}

// decideApproval: POST /approvals/{id} {decision: approve|decline,
// comment} -> the decided approval. Only an approver (404 for anyone
// else), once (409); a decline needs a comment (422).
func (h *Handler) decideApproval(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Decision string `json:"decision"`
		Comment  string `json:"comment"`
	}
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &in); err != nil {
		return err
	}
	if in.Decision != "approve" && in.Decision != "decline" {
		return helpdesk.Invalid("decision", "Decision must be approve or decline.")
	}
	a, err := h.Approvals.Decide(r.Context(), caller(r), id,
		automation.Decision{Approve: in.Decision == "approve", Comment: in.Comment, Via: automation.ViaAPI})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, approvalView(a))
}

func (h *Handler) needApprovals(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.Approvals == nil {
			h.fail(w, r, errNoRoute)
			return
		}
		next.ServeHTTP(w, r)
	})
}
