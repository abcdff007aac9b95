package mattermost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

const hookToken = "mm-outgoing-hook-token-5678"

// A ticket filed from Mattermost is followed in its thread both ways: an
// agent's web reply is posted into the thread, and the requester's answer
// in the thread (Mattermost's outgoing webhook) becomes a reply on the
// ticket, once, by them. A wrong webhook token gets 401 and does nothing.
func TestMattermostThreadReplies(t *testing.T) {
	t.Parallel()
	f := &fakeMattermost{human: map[string]map[string]any{}}
	mm := httptest.NewServer(f)
	defer mm.Close()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MATTERMOST_TOKEN": cmdToken,
		"SWITCHBOARD_MATTERMOST_URL": mm.URL, "SWITCHBOARD_MATTERMOST_BOT_TOKEN": "mm-bot-token",
		"SWITCHBOARD_MATTERMOST_WEBHOOK_TOKEN": hookToken}})
	ctx := context.Background()
	employee := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)
	command := func(text string) string {
		form := url.Values{"token": {cmdToken}, "team_id": {"team1"}, "user_id": {"mmuser1"}, "user_name": {"ana"},
			"channel_id": {"chan1"}, "command": {"/it"}, "text": {text}}
		res, err := http.PostForm(e.URL+"/chat/mattermost/commands", form)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var out struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return out.Text
	}
	out := command("link")
	path := strings.TrimPrefix(strings.Fields(out[strings.Index(out, e.URL):])[0], e.URL)
	if res := e.SignIn(employee).PostForm(path, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	out = command("new Laptop battery drains in an hour")
	var number int64
	if _, err := fmt.Sscanf(out[strings.Index(out, "#")+1:], "%d", &number); err != nil {
		t.Fatalf("/it new = %q", out)
	}
	testwait.Until(t, testwait.Long, "the ticket's thread posted", func() bool { return len(f.posted()) > 0 })
	root := f.posted()[0]["id"].(string)

	// The agent's web reply goes into the thread.
	if res := e.SignIn(agent).PostForm(fmt.Sprintf("/desk/tickets/%d/messages", number), url.Values{"body": {"Please run the battery report."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	testwait.Until(t, testwait.Long, "the agent's reply in the thread", func() bool {
		for _, p := range f.posted() {
			if p["root_id"] == root && strings.Contains(fmt.Sprint(p["message"]), "Please run the battery report.") {
				return true
			}
		}
		return false
	})

	// The requester answers in the thread.
	f.mu.Lock()
	f.human["hp1"] = map[string]any{"id": "hp1", "root_id": root, "user_id": "mmuser1", "channel_id": "chan1"}
	f.mu.Unlock()
	hook := func(token string) int {
		form := url.Values{"token": {token}, "team_id": {"team1"}, "channel_id": {"chan1"}, "user_id": {"mmuser1"},
			"user_name": {"ana"}, "post_id": {"hp1"}, "text": {"Report attached, 40% wear."}}
		res, err := http.PostForm(e.URL+"/chat/mattermost/messages", form)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	tk, err := e.App.Tickets.Get(ctx, employee, number)
	if err != nil {
		t.Fatal(err)
	}
	replies := func() []helpdesk.Message {
		msgs, err := e.App.DB.Messages(ctx, tk.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		var out []helpdesk.Message
		for _, m := range msgs {
			if m.BodyText == "Report attached, 40% wear." {
				out = append(out, m)
			}
		}
		return out
	}
	if status := hook("wrong"); status != http.StatusUnauthorized {
		t.Fatalf("wrong webhook token: %d, want 401", status)
	}
	if len(replies()) != 0 {
		t.Fatal("a refused webhook added a reply")
	}
	if status := hook(hookToken); status != http.StatusOK {
		t.Fatalf("webhook: %d", status)
	}
	if status := hook(hookToken); status != http.StatusOK {
		t.Fatalf("webhook again: %d", status)
	}
	got := replies()
	if len(got) != 1 || got[0].AuthorID == nil || *got[0].AuthorID != employee.ID || got[0].Source != helpdesk.SourceMattermost {
		t.Fatalf("thread replies on the ticket = %+v, want one by the requester from Mattermost", got)
	}
}
