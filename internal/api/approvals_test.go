package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
)

// TestApprovalsAPI: the manager (b.other) lists the request waiting for
// them and decides it; others get 404, a decline needs a comment, a second
// decision is 409. Every answer is checked against openapi.json.
func TestApprovalsAPI(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	db := b.e.App.DB.RawPool()
	if _, err := db.Exec(ctx, `UPDATE categories SET approval = 'manager' WHERE name = 'VPN'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, b.other.user.ID, b.req.user.ID); err != nil {
		t.Fatal(err)
	}
	var created ticketBody
	b.req.must(http.StatusCreated, "POST", "/api/v1/tickets", map[string]any{"subject": "VPN for the contractor",
		"description": "Three months.", "category": "VPN"}).decode(t, &created)
	if err := b.e.App.Approvals.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Approvals []struct {
			ID     int64  `json:"id"`
			Ticket int64  `json:"ticket"`
			Status string `json:"status"`
		} `json:"approvals"`
	}
	b.other.must(http.StatusOK, "GET", "/api/v1/approvals", nil).decode(t, &list)
	if len(list.Approvals) != 1 || list.Approvals[0].Ticket != created.Number || list.Approvals[0].Status != "pending" {
		t.Fatalf("manager's approvals = %+v; want the VPN request", list.Approvals)
	}
	path := "/api/v1/approvals/" + strconv.FormatInt(list.Approvals[0].ID, 10)
	b.req.must(http.StatusNotFound, "POST", path, map[string]any{"decision": "approve"})
	b.admin.must(http.StatusNotFound, "POST", path, map[string]any{"decision": "approve"})
	p := b.other.must(http.StatusUnprocessableEntity, "POST", path, map[string]any{"decision": "decline"}).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "comment" {
		t.Fatalf("decline without a comment: %+v", p.Errors)
	}
	var got struct {
		Status, Via, Comment string
	}
	b.other.must(http.StatusOK, "POST", path, map[string]any{"decision": "decline", "comment": "Use the shared jump host"}).decode(t, &got)
	if got.Status != "declined" || got.Via != "api" || got.Comment != "Use the shared jump host" {
		t.Fatalf("decision = %+v", got)
	}
	b.other.must(http.StatusConflict, "POST", path, map[string]any{"decision": "approve"})
	var tk struct{ Status string }
	b.req.must(http.StatusOK, "GET", created.path(), nil).decode(t, &tk)
	if tk.Status != "closed" {
		t.Fatalf("declined request is %s; want closed", tk.Status)
	}
}
