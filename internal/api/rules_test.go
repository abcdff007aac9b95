package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The rules API end to end, as a lead or admin scripts it: bad conditions
// are refused by field, a dry-run previews without writing, a run applies
// the same change, its log shows before and after, and a rollback undoes
// it. Every answer is checked against openapi.json by the client.
func TestRulesAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rule := map[string]any{"name": "Close pending", "trigger": "schedule", "every": "1h",
		"condition": `ticket.status == "pending"`, "actions": []map[string]any{{"type": "set", "field": "status", "value": "closed"}}}
	b.agent.must(http.StatusForbidden, "POST", "/api/v1/rules", rule)
	bad := map[string]any{}
	for k, v := range rule {
		bad[k] = v
	}
	bad["condition"] = `ticket.stauts == "pending"`
	p := b.admin.must(http.StatusUnprocessableEntity, "POST", "/api/v1/rules", bad).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "condition" {
		t.Errorf("bad condition: %+v", p.Errors)
	}
	onDesk := map[string]any{"team": "desk"}
	for k, v := range rule {
		onDesk[k] = v
	}
	p = b.lead.must(http.StatusUnprocessableEntity, "POST", "/api/v1/rules", onDesk).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "team" {
		t.Errorf("lead's rule for a team not led: %+v", p.Errors)
	}

	tk := b.req.create("Waiting on me")
	path := "/api/v1/tickets/" + strconv.FormatInt(tk.Number, 10)
	b.admin.must(http.StatusOK, "PATCH", path, map[string]any{"status": "pending"})
	var created struct {
		ID      int64 `json:"id"`
		Enabled bool  `json:"enabled"`
	}
	b.admin.must(http.StatusCreated, "POST", "/api/v1/rules", rule).decode(t, &created)
	if created.Enabled {
		t.Error("a rule saved without enabled is enabled")
	}
	base := "/api/v1/rules/" + strconv.FormatInt(created.ID, 10)
	b.lead.must(http.StatusNotFound, "GET", base, nil)
	var dry struct {
		Matched int `json:"matched"`
		Tickets []struct {
			Ticket  int64 `json:"ticket"`
			Changes []struct {
				Field string          `json:"field"`
				After json.RawMessage `json:"after"`
			} `json:"changes"`
		} `json:"tickets"`
	}
	b.admin.must(http.StatusOK, "POST", base+"/dry-run", map[string]any{"days": 7}).decode(t, &dry)
	if dry.Matched != 1 || len(dry.Tickets) != 1 || dry.Tickets[0].Ticket != tk.Number ||
		len(dry.Tickets[0].Changes) != 1 || string(dry.Tickets[0].Changes[0].After) != `"closed"` {
		t.Fatalf("dry-run = %+v", dry)
	}
	var got ticketBody
	b.admin.must(http.StatusOK, "GET", path, nil).decode(t, &got)
	if got.Status != "pending" {
		t.Fatalf("the dry-run changed the ticket: %s", got.Status)
	}
	var run struct {
		ID      int64 `json:"id"`
		Changes []struct {
			Ticket int64           `json:"ticket"`
			Field  string          `json:"field"`
			Before json.RawMessage `json:"before"`
			After  json.RawMessage `json:"after"`
		} `json:"changes"`
	}
	b.admin.must(http.StatusOK, "POST", base+"/run", nil).decode(t, &run)
	b.admin.must(http.StatusOK, "GET", "/api/v1/runs/"+strconv.FormatInt(run.ID, 10), nil).decode(t, &run)
	if len(run.Changes) != 1 || string(run.Changes[0].Before) != `"pending"` || string(run.Changes[0].After) != `"closed"` {
		t.Fatalf("run = %+v", run)
	}
	var runs struct {
		Runs []struct {
			ID int64 `json:"id"`
		} `json:"runs"`
	}
	b.admin.must(http.StatusOK, "GET", base+"/runs", nil).decode(t, &runs)
	if len(runs.Runs) != 1 || runs.Runs[0].ID != run.ID {
		t.Errorf("runs = %+v", runs)
	}
	var rb struct {
		Reverted  []json.RawMessage `json:"reverted"`
		Conflicts []json.RawMessage `json:"conflicts"`
	}
	b.admin.must(http.StatusOK, "POST", "/api/v1/runs/"+strconv.FormatInt(run.ID, 10)+"/rollback", nil).decode(t, &rb)
	b.admin.must(http.StatusOK, "GET", path, nil).decode(t, &got)
	if len(rb.Reverted) != 1 || len(rb.Conflicts) != 0 || got.Status != "pending" {
		t.Errorf("rollback: %d reverted, %d conflicts, ticket %s", len(rb.Reverted), len(rb.Conflicts), got.Status)
	}
	b.agent.must(http.StatusForbidden, "GET", "/api/v1/runs/"+strconv.FormatInt(run.ID, 10), nil)
	b.admin.must(http.StatusConflict, "POST", "/api/v1/runs/"+strconv.FormatInt(run.ID, 10)+"/rollback", nil)

	// Run it again and undo every run of the version in the last hour in
	// one call: the first run was undone already, so only the second is.
	var run2 struct {
		ID int64 `json:"id"`
	}
	b.admin.must(http.StatusOK, "POST", base+"/run", nil).decode(t, &run2)
	since := map[string]any{"from": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}
	b.agent.must(http.StatusForbidden, "POST", base+"/rollback", since)
	b.admin.must(http.StatusUnprocessableEntity, "POST", base+"/rollback", map[string]any{"version": 9, "from": since["from"]})
	var rr struct {
		Run      *int64            `json:"run"`
		Runs     []int64           `json:"runs"`
		Reverted []json.RawMessage `json:"reverted"`
	}
	b.admin.must(http.StatusOK, "POST", base+"/rollback", since).decode(t, &rr)
	b.admin.must(http.StatusOK, "GET", path, nil).decode(t, &got)
	if rr.Run == nil || len(rr.Runs) != 1 || rr.Runs[0] != run2.ID || len(rr.Reverted) != 1 || got.Status != "pending" {
		t.Errorf("range rollback = %+v, ticket %s", rr, got.Status)
	}
}
