package slack_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// TestSlackApprovalButtons: the requester's manager, linked in Slack, gets
// the approval request as a direct message with Approve and Decline
// buttons; someone else pressing Approve decides nothing; the manager's
// press approves (via chat), and the ticket opens.
func TestSlackApprovalButtons(t *testing.T) {
	e := setup(t)
	req := e.User(helpdesk.RoleRequester)
	boss := e.User(helpdesk.RoleRequester)
	bo, eve := who{"U_BOSS", "boss"}, who{"U_EVE", "eve"}
	e.link(bo, boss)
	e.link(eve, e.User(helpdesk.RoleAgent))
	var catID int64
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `WITH t AS (INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id)
		INSERT INTO categories (name, team_id, approval) SELECT 'Software request', id, 'manager' FROM t RETURNING id`).Scan(&catID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.RawPool().Exec(e.ctx, `UPDATE users SET manager_id = $1 WHERE id = $2`, boss.ID, req.ID); err != nil {
		t.Fatal(err)
	}
	tk, err := e.App.Tickets.Create(e.ctx, req, ticket.CreateInput{Subject: "Figma seat", Description: "For the redesign.", CategoryID: &catID})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.App.Approvals.Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT id FROM approvals WHERE ticket_id = $1`, tk.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var dm url.Values
	waitFor(t, "the approval request in the manager's direct messages", func() bool {
		var ok bool
		dm, ok = e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "U_BOSS" && strings.Contains(f.Get("text"), "Figma seat")
		})
		return ok
	})
	for _, want := range []string{`"action_id":"approve"`, `"action_id":"decline"`, fmt.Sprintf(`"value":"%d"`, id)} {
		if !strings.Contains(dm.Get("blocks"), want) {
			t.Errorf("direct message blocks lack %s: %s", want, dm.Get("blocks"))
		}
	}
	var mu sync.Mutex
	var answered []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 4096)
		n, _ := r.Body.Read(b)
		mu.Lock()
		answered = append(answered, string(b[:n]))
		mu.Unlock()
	}))
	defer hook.Close()
	state := func() string {
		var s string
		if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT status || '/' || via FROM approvals WHERE id = $1`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if status := e.interact(eve, "U_EVE", "approve", fmt.Sprint(id), hook.URL); status != http.StatusOK {
		t.Fatalf("approve button: %d", status)
	}
	if s := state(); s != "pending/" {
		t.Fatalf("after a non-approver's press the approval is %s; want pending", s)
	}
	if status := e.interact(bo, "U_BOSS", "approve", fmt.Sprint(id), hook.URL); status != http.StatusOK {
		t.Fatalf("approve button: %d", status)
	}
	if s := state(); s != "approved/chat" {
		t.Fatalf("after the manager's press the approval is %s; want approved/chat", s)
	}
	var st string
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT status FROM tickets WHERE id = $1`, tk.ID).Scan(&st); err != nil || st != "open" {
		t.Fatalf("approved ticket is %s (%v); want open", st, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(answered) != 2 || !strings.Contains(answered[0], "No such approval") || !strings.Contains(answered[1], "You approved") {
		t.Errorf("answers to the pressers = %q", answered)
	}
}
