package api

import (
	"net/http"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// rangeRollbackRequest is POST /rules/{id}/rollback.
type rangeRollbackRequest struct {
	Version int        `json:"version"`
	From    *time.Time `json:"from"`
	To      *time.Time `json:"to"`
}

// rollbackRange: POST /rules/{id}/rollback {version?, from, to?} -> {run,
// runs, reverted, conflicts}: every run of that rule version in the range
// undone in one rollback run.
func (h *Handler) rollbackRange(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q rangeRollbackRequest
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &q); err != nil {
		return err
	}
	in := automation.UndoRange{Version: q.Version}
	if q.From != nil {
		in.From = *q.From
	}
	if q.To != nil {
		in.To = *q.To
	}
	rb, err := h.Automation.RollbackRange(r.Context(), caller(r), id, in)
	if err != nil {
		return err
	}
	orEmpty := func(c []helpdesk.RunChange) []helpdesk.RunChange {
		if c == nil {
			return []helpdesk.RunChange{}
		}
		return c
	}
	var run *int64
	if rb.RunID != 0 {
		run = &rb.RunID
	}
	runs := rb.Runs
	if runs == nil {
		runs = []int64{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"run": run, "runs": runs,
		"reverted": orEmpty(rb.Reverted), "conflicts": orEmpty(rb.Conflicts)})
}
