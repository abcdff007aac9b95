package slack_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
)

// An employee links their Slack account, files a ticket with /it new, and
// follows it in the thread the bot starts: an agent's reply in the web UI
// appears in the thread, and the employee's answer in the thread becomes a
// reply on the ticket. Unlinked people get the how-to and no data.
func TestSlackEmployeeFlow(t *testing.T) {
	e := setup(t)
	ana := who{"U_ANA", "ana"}
	employee := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)

	if out := e.command(ana, "C_HELP", "mine"); !strings.Contains(out, "/it link") || strings.Contains(out, "#") {
		t.Fatalf("unlinked /it mine = %q, want the how-to and no tickets", out)
	}
	e.link(ana, employee)

	out := e.command(ana, "C_HELP", "new The VPN drops every few minutes\nSince this morning, on the office Wi-Fi.")
	var number int64
	if _, err := fmt.Sscanf(out[strings.Index(out, "#")+1:], "%d", &number); err != nil || !strings.Contains(out, "Filed") {
		t.Fatalf("/it new = %q", out)
	}
	tk, err := e.App.Tickets.Get(e.ctx, employee, number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Subject != "The VPN drops every few minutes" || tk.Source != helpdesk.SourceSlack || tk.RequesterID != employee.ID {
		t.Fatalf("ticket = %+v", tk)
	}
	evs, err := e.App.DB.Events(e.ctx, tk.ID)
	if err != nil || len(evs) == 0 || evs[0].Kind != helpdesk.EventCreated || evs[0].Reason != "via Slack by @ana" {
		t.Fatalf("created event = %+v (%v), want reason via Slack by @ana", evs, err)
	}

	// The bot opens the ticket's thread where it was asked for.
	var root url.Values
	waitFor(t, "the ticket's thread in #C_HELP", func() bool {
		var ok bool
		root, ok = e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "C_HELP" && strings.Contains(f.Get("text"), fmt.Sprintf("#%d", number))
		})
		return ok
	})
	rootTS := e.rootTS(tk.ID)

	// An agent answers in the web UI; the answer appears in the thread.
	res := e.SignIn(agent).PostForm(fmt.Sprintf("/desk/tickets/%d/messages", number), url.Values{"body": {"Please restart the VPN client."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	waitFor(t, "the agent's reply in the thread", func() bool {
		_, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("thread_ts") == rootTS && strings.Contains(f.Get("text"), "Please restart the VPN client.")
		})
		return ok
	})
	_ = root

	// The employee answers in the thread: a reply on the ticket, by them.
	e.event("Ev1", map[string]any{"type": "message", "user": ana.id, "text": "Restarted, it works now. Thanks!",
		"channel": "C_HELP", "ts": "1700000100.000001", "thread_ts": rootTS})
	msgs, err := e.App.DB.Messages(e.ctx, tk.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.BodyText != "Restarted, it works now. Thanks!" || last.AuthorID == nil || *last.AuthorID != employee.ID || last.Source != helpdesk.SourceSlack {
		t.Fatalf("last message = %+v", last)
	}
	// Slack retries an event it thinks was lost (signed anew): it is not
	// added twice.
	e.eventAt("Ev1", map[string]any{"type": "message", "user": ana.id, "text": "Restarted, it works now. Thanks!",
		"channel": "C_HELP", "ts": "1700000100.000001", "thread_ts": rootTS}, time.Now().Add(2*time.Second))
	if again, _ := e.App.DB.Messages(e.ctx, tk.ID, true); len(again) != len(msgs) {
		t.Errorf("a retried event added a second reply")
	}
	// The employee's own words are not echoed back into the thread.
	e.Settle()
	if _, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return strings.Contains(f.Get("text"), "Restarted, it works now")
	}); ok {
		t.Errorf("the employee's thread reply was posted back into the thread")
	}

	if out := e.command(ana, "C_HELP", fmt.Sprintf("status #%d", number)); !strings.Contains(out, "The VPN drops") {
		t.Errorf("/it status #%d = %q", number, out)
	}
	if out := e.command(ana, "C_HELP", "mine"); !strings.Contains(out, fmt.Sprintf("#%d", number)) {
		t.Errorf("/it mine = %q", out)
	}
}

// rootTS is the Slack ts of the ticket's requester thread.
func (e *env) rootTS(ticketID int64) string {
	e.T.Helper()
	var ts string
	waitFor(e.T.(*testing.T), "the thread to be recorded", func() bool {
		th, err := e.App.DB.ChatThreadsOfTicket(e.ctx, ticketID)
		if err == nil && len(th) > 0 {
			ts = th[0].Thread
			return true
		}
		return false
	})
	return ts
}
