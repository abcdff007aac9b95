package slack_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
)

// Slack answers 429 (Retry-After: 1), then 500, then 200: the message is
// posted exactly once, the delivery log shows the three attempts, and
// delivering it again (a retried job) posts nothing more.
func TestSlackDeliveryRetriesAndPostsOnce(t *testing.T) {
	e := setup(t)
	ana := who{"U_ANA", "ana"}
	e.link(ana, e.User(helpdesk.RoleRequester))
	e.slack.mu.Lock()
	e.slack.fail = []int{http.StatusTooManyRequests, http.StatusInternalServerError}
	e.slack.mu.Unlock()

	out := e.command(ana, "C_HELP", "new Laptop will not boot")
	if !strings.Contains(out, "Filed") {
		t.Fatalf("/it new = %q", out)
	}
	var d helpdesk.ChatDelivery
	waitFor(t, "the thread's delivery to be sent", func() bool {
		ds, err := e.App.DB.ChatDeliveries(e.ctx, "slack", 10)
		if err != nil || len(ds) != 1 {
			return false
		}
		d = ds[0]
		return d.Status == "sent"
	})
	if got := e.slack.count("chat.postMessage"); got != 3 {
		t.Errorf("chat.postMessage called %d times, want 3 (429, 500, 200)", got)
	}
	if got := len(e.slack.posted("chat.postMessage")); got != 1 {
		t.Fatalf("posted %d times, want exactly once", got)
	}
	if d.Attempts != 3 || d.RemoteID == "" || d.LastError != "" {
		t.Errorf("delivery log = attempts %d, remote %q, error %q", d.Attempts, d.RemoteID, d.LastError)
	}
	// At-least-once delivery may run a job again: nothing is posted twice.
	if err := e.App.Chat.Deliver(e.ctx, d.ID, false); err != nil {
		t.Fatal(err)
	}
	if got := len(e.slack.posted("chat.postMessage")); got != 1 {
		t.Errorf("a second run posted again (%d posts)", got)
	}
	// The admin's delivery log lists it.
	admin := e.User(helpdesk.RoleAdmin)
	page := e.SignIn(admin).Get("/admin/chat")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Text("#chat-deliveries"), fmt.Sprintf("%d", d.Attempts)) {
		t.Errorf("/admin/chat: %d, deliveries %q", page.StatusCode, page.Text("#chat-deliveries"))
	}
}
