package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// ruleJSON is a rule in API answers and requests.
type ruleJSON struct {
	ID        int64                 `json:"id"`
	Name      string                `json:"name"`
	Trigger   string                `json:"trigger"`
	Every     *string               `json:"every"`
	Condition string                `json:"condition"`
	Actions   []helpdesk.RuleAction `json:"actions"`
	Enabled   bool                  `json:"enabled"`
	Position  int                   `json:"position"`
	Team      *string               `json:"team"`
	Version   int                   `json:"version"`
	CreatedAt time.Time             `json:"created_at"`
	UpdatedAt time.Time             `json:"updated_at"`
}

func ruleView(r *helpdesk.Rule) ruleJSON {
	out := ruleJSON{ID: r.ID, Name: r.Name, Trigger: r.Trigger, Condition: r.Condition, Actions: r.Actions,
		Enabled: r.Enabled, Position: r.Position, Team: opt(r.TeamSlug), Version: r.Version,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if out.Actions == nil {
		out.Actions = []helpdesk.RuleAction{}
	}
	if r.Every > 0 {
		s := r.Every.String()
		out.Every = &s
	}
	return out
}

// ruleRequest is POST and PATCH /rules: absent fields keep their value on
// PATCH (and their default on POST).
type ruleRequest struct {
	Name      *string                `json:"name"`
	Trigger   *string                `json:"trigger"`
	Every     *string                `json:"every"`
	Condition *string                `json:"condition"`
	Actions   *[]helpdesk.RuleAction `json:"actions"`
	Enabled   *bool                  `json:"enabled"`
	Position  *int                   `json:"position"`
	Team      *string                `json:"team"`
}

func (q *ruleRequest) onto(in *automation.RuleInput) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&in.Name, q.Name)
	set(&in.Trigger, q.Trigger)
	set(&in.Every, q.Every)
	set(&in.Condition, q.Condition)
	set(&in.Team, q.Team)
	if q.Actions != nil {
		in.Actions = *q.Actions
	}
	if q.Enabled != nil {
		in.Enabled = *q.Enabled
	}
	if q.Position != nil {
		in.Position = *q.Position
	}
}

// listRules: GET /rules -> {rules: [...]}, in evaluation order.
func (h *Handler) listRules(w http.ResponseWriter, r *http.Request) error {
	rules, err := h.Automation.List(r.Context(), caller(r))
	if err != nil {
		return err
	}
	out := make([]ruleJSON, 0, len(rules))
	for i := range rules {
		out = append(out, ruleView(&rules[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"rules": out})
}

// createRule: POST /rules -> 201 with the rule.
func (h *Handler) createRule(w http.ResponseWriter, r *http.Request) error {
	var q ruleRequest
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &q); err != nil {
		return err
	}
	var in automation.RuleInput
	q.onto(&in)
	rule, err := h.Automation.Create(r.Context(), caller(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/rules/"+strconv.FormatInt(rule.ID, 10))
	return writeJSON(w, http.StatusCreated, ruleView(rule))
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNoRoute
	}
	return id, nil
}

// getRule: GET /rules/{id}.
func (h *Handler) getRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rule, _, err := h.Automation.Get(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ruleView(rule))
}

// updateRule: PATCH /rules/{id}: the fields sent replace the rule's (a new
// version).
func (h *Handler) updateRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q ruleRequest
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &q); err != nil {
		return err
	}
	old, _, err := h.Automation.Get(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	in := automation.ToInput(old)
	q.onto(&in)
	rule, err := h.Automation.Update(r.Context(), caller(r), id, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ruleView(rule))
}

// daysRequest is the optional body of a dry-run or a manual run.
type daysRequest struct {
	Days int `json:"days"`
}

// optionalJSON decodes the body into dst unless it is empty.
func (h *Handler) optionalJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r, h.MaxJSONBody)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	_, err = decodeJSON(w, r, h.MaxJSONBody, dst)
	return err
}

type planJSON struct {
	Ticket  int64                `json:"ticket"`
	Changes []helpdesk.RunChange `json:"changes"`
	Actions []helpdesk.RunResult `json:"actions"`
}

func dryRunView(ruleID int64, d *automation.DryRun) map[string]any {
	tickets := make([]planJSON, 0, len(d.Tickets))
	for _, p := range d.Tickets {
		pj := planJSON{Ticket: p.Ticket, Changes: p.Changes, Actions: p.Actions}
		if pj.Changes == nil {
			pj.Changes = []helpdesk.RunChange{}
		}
		if pj.Actions == nil {
			pj.Actions = []helpdesk.RunResult{}
		}
		tickets = append(tickets, pj)
	}
	return map[string]any{"rule": ruleID, "days": d.Days, "since": d.Since.UTC(), "scanned": d.Scanned,
		"matched": d.Matched, "truncated": d.Truncated, "tickets": tickets}
}

// dryRun: POST /rules/{id}/dry-run {days?} -> the tickets the rule would
// have matched over the last days, each with its changes; nothing written.
func (h *Handler) dryRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q daysRequest
	if err := h.optionalJSON(w, r, &q); err != nil {
		return err
	}
	d, err := h.Automation.DryRun(r.Context(), caller(r), id, q.Days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, dryRunView(id, d))
}

// runRule: POST /rules/{id}/run {days?} -> the run that applied the rule
// for real to what its dry-run matches.
func (h *Handler) runRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q daysRequest
	if err := h.optionalJSON(w, r, &q); err != nil {
		return err
	}
	run, err := h.Automation.RunNow(r.Context(), caller(r), id, q.Days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, runView(run))
}

// runJSON is a run in API answers.
type runJSON struct {
	ID          int64                `json:"id"`
	RuleID      int64                `json:"rule_id"`
	Rule        string               `json:"rule"`
	RuleVersion int                  `json:"rule_version"`
	Kind        string               `json:"kind"`
	Trigger     string               `json:"trigger"`
	EventID     *int64               `json:"event_id"`
	RollbackOf  *int64               `json:"rollback_of"`
	Actor       *string              `json:"actor"`
	Tickets     int                  `json:"tickets"`
	Changes     []helpdesk.RunChange `json:"changes,omitempty"`
	Results     []helpdesk.RunResult `json:"results"`
	Conflicts   []helpdesk.RunChange `json:"conflicts"`
	CreatedAt   time.Time            `json:"created_at"`
}

func runView(run *helpdesk.Run) runJSON {
	out := runJSON{ID: run.ID, RuleID: run.RuleID, Rule: run.RuleName, RuleVersion: run.RuleVersion, Kind: run.Kind,
		Trigger: run.Trigger, EventID: run.EventID, RollbackOf: run.RollbackOf, Actor: opt(run.ActorName),
		Tickets: run.Tickets, Changes: run.Changes, Results: run.Results, Conflicts: run.Conflicts, CreatedAt: run.CreatedAt.UTC()}
	if out.Results == nil {
		out.Results = []helpdesk.RunResult{}
	}
	if out.Conflicts == nil {
		out.Conflicts = []helpdesk.RunChange{}
	}
	return out
}

// listRuns: GET /rules/{id}/runs -> {runs: [...]}, newest first.
func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	runs, err := h.Automation.Runs(r.Context(), caller(r), id, limit)
	if err != nil {
		return err
	}
	out := make([]runJSON, 0, len(runs))
	for i := range runs {
		out = append(out, runView(&runs[i]))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"runs": out})
}

// getRun: GET /runs/{id} -> the run with every change, before and after.
func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := h.Automation.Run(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	v := runView(run)
	if v.Changes == nil {
		v.Changes = []helpdesk.RunChange{}
	}
	return writeJSON(w, http.StatusOK, v)
}

// rollbackRun: POST /runs/{id}/rollback -> {run, reverted, conflicts}.
func (h *Handler) rollbackRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rb, err := h.Automation.RollbackRun(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	orEmpty := func(c []helpdesk.RunChange) []helpdesk.RunChange {
		if c == nil {
			return []helpdesk.RunChange{}
		}
		return c
	}
	return writeJSON(w, http.StatusOK, map[string]any{"run": rb.RunID, "rollback_of": id,
		"reverted": orEmpty(rb.Reverted), "conflicts": orEmpty(rb.Conflicts)})
}

// needAutomation answers 404 when the API was built without the rules
// engine (some tests build it bare).
func (h *Handler) needAutomation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.Automation == nil {
			h.fail(w, r, errNoRoute)
			return
		}
		next.ServeHTTP(w, r)
	})
}
