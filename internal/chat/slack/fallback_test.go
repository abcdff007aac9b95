package slack_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
)

// When the bot is no longer in the channel of a requester's ticket thread
// (Slack answers not_in_channel), an agent's reply reaches the requester
// as a direct message instead, and the delivery log says so.
func TestSlackNotInChannelFallsBackToDirectMessage(t *testing.T) {
	e := setup(t)
	ana := who{"U_ANA", "ana"}
	employee := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)
	admin := e.User(helpdesk.RoleAdmin)
	e.link(ana, employee)

	out := e.command(ana, "C_HELP", "new Outlook keeps asking for my password")
	var number int64
	if _, err := fmt.Sscanf(out[strings.Index(out, "#")+1:], "%d", &number); err != nil {
		t.Fatalf("/it new = %q", out)
	}
	tk, err := e.App.Tickets.Get(e.ctx, employee, number)
	if err != nil {
		t.Fatal(err)
	}
	rootTS := e.rootTS(tk.ID)

	// The bot is removed from the channel; an agent answers on the web.
	e.slack.refuseIn("C_HELP", "not_in_channel")
	res := e.SignIn(agent).PostForm(fmt.Sprintf("/desk/tickets/%d/messages", number), url.Values{"body": {"Please sign out and in again."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	waitFor(t, "the reply as a direct message to the requester", func() bool {
		_, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == ana.id && f.Get("thread_ts") == "" &&
				strings.Contains(f.Get("text"), "Please sign out and in again.") &&
				strings.Contains(f.Get("text"), fmt.Sprintf("#%d", number))
		})
		return ok
	})
	// The thread post was tried first, and refused.
	tried := false
	e.slack.mu.Lock()
	for _, c := range e.slack.calls {
		if c.Method == "chat.postMessage" && c.Form.Get("thread_ts") == rootTS && c.Err == "not_in_channel" {
			tried = true
		}
	}
	e.slack.mu.Unlock()
	if !tried {
		t.Errorf("the reply was not tried in the thread first")
	}
	// The delivery log records it: sent, and how.
	var d *helpdesk.ChatDelivery
	waitFor(t, "the delivery marked sent as a direct message", func() bool {
		ds, err := e.App.Chat.Deliveries(e.ctx, admin, "slack")
		if err != nil {
			return false
		}
		for i := range ds {
			if ds[i].Thread == rootTS && ds[i].Status == "sent" {
				d = &ds[i]
				return true
			}
		}
		return false
	})
	if !strings.Contains(d.LastError, "direct message") || !strings.Contains(d.LastError, ana.id) {
		t.Errorf("delivery log says %q, want the direct message to %s", d.LastError, ana.id)
	}
}
