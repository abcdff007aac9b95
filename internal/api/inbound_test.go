package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
)

// An inbound webhook as a monitoring tool uses it: the first alert opens a
// ticket through the mapping (requester by email, translated urgency, the
// hook's team); the same call again with its Idempotency-Key changes
// nothing; a later call about the same alert id adds a note and resolves
// the ticket; a wrong token, an unknown hook and an oversized body are
// refused before anything is written; after a rotation only the new
// token works. Every answer is checked against openapi.json.
func TestInboundWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	mapping := `{"external_id": "/alert/id", "subject": "/alert/title", "description": "/alert/text",
		"requester_email": "/reporter", "urgency": "/alert/severity", "status": "/state", "comment": "/update",
		"values": {"urgency": {"page": "critical"}, "status": {"ok": "resolved"}}}`
	if _, _, err := b.e.App.Automation.CreateInbound(ctx, b.lead.user, automation.InboundInput{Name: "x", Mapping: mapping}); err == nil {
		t.Fatal("a lead created an inbound webhook")
	}
	_, _, err := b.e.App.Automation.CreateInbound(ctx, b.admin.user, automation.InboundInput{Name: "Monitoring",
		Mapping: `{"subject": "title"}`})
	if fe := helpdesk.FieldErrors(err); len(fe) != 1 || fe[0].Field != "mapping" || !strings.Contains(fe[0].Message, "JSON Pointer") {
		t.Fatalf("a mapping with a bad pointer: %v", err)
	}
	hook, token, err := b.e.App.Automation.CreateInbound(ctx, b.admin.user, automation.InboundInput{Name: "Monitoring",
		Team: "desk", Mapping: mapping})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/inbound/" + strconv.FormatInt(hook.ID, 10)
	tool := &client{t: t, base: b.e.URL, token: token}
	count := func() int {
		var n int
		if err := b.e.App.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()

	alert := map[string]any{"alert": map[string]any{"id": 4711, "title": "Disk full on fs01", "text": "97% used",
		"severity": "page"}, "reporter": b.req.user.Email}
	var res struct {
		Ticket   int64    `json:"ticket"`
		Created  bool     `json:"created"`
		Replayed bool     `json:"replayed"`
		Changed  []string `json:"changed"`
	}
	tool.must(http.StatusCreated, "POST", path, alert, "Idempotency-Key: evt-1").decode(t, &res)
	if !res.Created || res.Ticket == 0 {
		t.Fatalf("first alert: %+v", res)
	}
	var tk struct {
		ticketBody
		Urgency string `json:"urgency"`
	}
	b.admin.must(http.StatusOK, "GET", "/api/v1/tickets/"+strconv.FormatInt(res.Ticket, 10), nil).decode(t, &tk)
	if tk.Subject != "Disk full on fs01" || tk.Urgency != "critical" || tk.Requester != b.req.user.Email ||
		tk.Team == nil || *tk.Team != "desk" {
		t.Errorf("ticket from the alert: %+v", tk)
	}
	first := res.Ticket
	r := tool.must(http.StatusOK, "POST", path, alert, "Idempotency-Key: evt-1")
	r.decode(t, &res)
	if !res.Replayed || res.Ticket != first || r.header.Get("Idempotent-Replayed") != "true" || count() != before+1 {
		t.Errorf("replayed call: %+v, %d tickets (want %d)", res, count(), before+1)
	}

	update := map[string]any{"alert": map[string]any{"id": 4711, "title": "Disk full on fs01"}, "state": "ok",
		"update": "Cleaned up the logs, 41% used."}
	tool.must(http.StatusOK, "POST", path, update, "Idempotency-Key: evt-2").decode(t, &res)
	if res.Created || res.Ticket != first || strings.Join(res.Changed, ",") != "status,comment" {
		t.Errorf("update: %+v", res)
	}
	b.admin.must(http.StatusOK, "GET", "/api/v1/tickets/"+strconv.FormatInt(first, 10), nil).decode(t, &tk)
	var msgs struct {
		Messages []struct {
			Body     string `json:"body"`
			Internal bool   `json:"internal"`
		} `json:"messages"`
	}
	b.admin.must(http.StatusOK, "GET", "/api/v1/tickets/"+strconv.FormatInt(first, 10)+"/messages", nil).decode(t, &msgs)
	last := msgs.Messages[len(msgs.Messages)-1]
	if tk.Status != "resolved" || !strings.Contains(last.Body, "41% used") || !last.Internal || count() != before+1 {
		t.Errorf("after the update: status %s, last message %+v, %d tickets", tk.Status, last, count())
	}

	p := tool.must(http.StatusUnprocessableEntity, "POST", path, map[string]any{"alert": map[string]any{"id": 1}}).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "subject" {
		t.Errorf("call without a subject: %+v", p.Errors)
	}
	wrong := &client{t: t, base: b.e.URL, token: token + "x"}
	wrong.must(http.StatusUnauthorized, "POST", path, alert)
	tool.must(http.StatusUnauthorized, "POST", "/api/v1/inbound/99999", alert)
	big, _ := json.Marshal(map[string]any{"alert": map[string]any{"id": 9, "title": "big", "text": strings.Repeat("x", automation.MaxInboundBody)}})
	if r := tool.send("POST", path, "application/json", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized call: %d", r.status)
	}
	if r := tool.send("POST", path, "application/json", bytes.Repeat([]byte("{"), 10)); r.status != http.StatusUnprocessableEntity {
		t.Errorf("broken JSON: %d", r.status)
	}
	if count() != before+1 {
		t.Errorf("refused calls wrote tickets: %d, want %d", count(), before+1)
	}

	fresh, err := b.e.App.Automation.RotateInbound(ctx, b.admin.user, hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	second := map[string]any{"alert": map[string]any{"id": 4712, "title": "Printer offline"}}
	tool.must(http.StatusUnauthorized, "POST", path, second)
	(&client{t: t, base: b.e.URL, token: fresh}).must(http.StatusCreated, "POST", path, second)
}
