package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// An automation rule with notify_chat fires on a new ticket: its message
// reaches Slack exactly once, and working the same job again (a River
// retry) posts nothing more. A restricted team's ticket shows its text only
// in the team's private channel; elsewhere it is the number and a link.
func TestSlackRuleNotifyChatPostsOnce(t *testing.T) {
	e := setup(t)
	admin := e.User(helpdesk.RoleAdmin)
	rule, err := e.App.Automation.Create(e.ctx, admin, automation.RuleInput{Name: "Printers to chat",
		Trigger: helpdesk.TriggerCreated, Enabled: true, Condition: `ticket.subject contains "printer"`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionNotifyChat, Channel: "#it-alerts"}}})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := e.App.Tickets.Create(e.ctx, admin, ticket.CreateInput{Subject: "The printer is on fire", Description: "smoke"})
	if err != nil {
		t.Fatal(err)
	}
	alert := func(f url.Values) bool {
		return f.Get("channel") == "#it-alerts" && strings.Contains(f.Get("text"), "The printer is on fire")
	}
	waitFor(t, "the rule's message in #it-alerts", func() bool {
		_, ok := e.slack.find("chat.postMessage", alert)
		return ok
	})
	if _, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return strings.Contains(f.Get("text"), fmt.Sprintf("#%d", tk.Number))
	}); !ok {
		t.Errorf("the message does not name ticket #%d", tk.Number)
	}

	// The job again, as River would retry it: nothing more is posted.
	var raw []byte
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT args FROM river_job WHERE kind = 'chat_notify'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var args jobs.ChatNotifyArgs
	if err := json.Unmarshal(raw, &args); err != nil {
		t.Fatal(err)
	}
	if err := e.App.Chat.Notify(e.ctx, args); err != nil {
		t.Fatal(err)
	}
	e.Settle()
	n := 0
	for _, c := range e.slack.posted("chat.postMessage") {
		if alert(c.Form) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the rule's message was posted %d times, want exactly once", n)
	}
	// The rule's run records the outcome: sent, with Slack's message id.
	var res helpdesk.RunResult
	waitFor(t, "the run's chat result to read sent", func() bool {
		runs, err := e.App.Automation.Runs(e.ctx, admin, rule.ID, 10)
		if err != nil || len(runs) != 1 || len(runs[0].Results) != 1 {
			return false
		}
		res = runs[0].Results[0]
		return res.Status == "sent"
	})
	if res.MessageID == "" || !strings.Contains(res.Result, "sent to #it-alerts") || res.Ticket != tk.Number {
		t.Errorf("run result = %+v", res)
	}

	// A restricted team's ticket: text only in its private channel.
	var secID int64
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `INSERT INTO teams (slug, name, restricted) VALUES ('sec', 'Security', true) RETURNING id`).Scan(&secID); err != nil {
		t.Fatal(err)
	}
	ac := e.SignIn(admin)
	if res := ac.PostForm("/admin/chat/channels", url.Values{"connector": {"slack"}, "channel": {"G_SEC"},
		"team": {fmt.Sprint(secID)}, "private": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add channel: %d\n%s", res.StatusCode, res.Body)
	}
	sec, err := e.App.Tickets.Create(e.ctx, admin, ticket.CreateInput{Subject: "Odd pop-up on the CFO laptop", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.RawPool().Exec(e.ctx, `UPDATE tickets SET team_id = $1 WHERE id = $2`, secID, sec.ID); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []string{"#it-alerts", "G_SEC"} {
		if err := e.App.Chat.Notify(e.ctx, jobs.ChatNotifyArgs{Channel: ch, Text: "#N Odd pop-up on the CFO laptop",
			TicketID: sec.ID, Number: sec.Number, RunID: 99999}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the restricted ticket's two messages", func() bool {
		_, a := e.slack.find("chat.postMessage", func(f url.Values) bool { return f.Get("channel") == "G_SEC" })
		_, b := e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "#it-alerts" && strings.Contains(f.Get("text"), fmt.Sprintf("#%d", sec.Number))
		})
		return a && b
	})
	if _, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return f.Get("channel") == "G_SEC" && strings.Contains(f.Get("text"), "Odd pop-up")
	}); !ok {
		t.Errorf("the private channel did not get the restricted ticket's text")
	}
	if _, leaked := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return f.Get("channel") != "G_SEC" && strings.Contains(f.Get("text"), "Odd pop-up")
	}); leaked {
		t.Errorf("the restricted ticket's text was posted outside its private channel")
	}
}

// Without a chat connector set up, a rule's notify_chat cannot be sent:
// the rule's run says so (not sent, and why) instead of "queued" for ever.
func TestRuleNotifyChatWithoutConnector(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	admin := e.User(helpdesk.RoleAdmin)
	rule, err := e.App.Automation.Create(ctx, admin, automation.RuleInput{Name: "Printers to chat",
		Trigger: helpdesk.TriggerCreated, Enabled: true, Condition: `ticket.subject contains "printer"`,
		Actions: []helpdesk.RuleAction{{Type: helpdesk.ActionNotifyChat, Channel: "#it-alerts"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.Create(ctx, admin, ticket.CreateInput{Subject: "The printer jams", Description: "again"}); err != nil {
		t.Fatal(err)
	}
	var res helpdesk.RunResult
	testwait.Until(t, testwait.Long, "the run's chat result to read failed", func() bool {
		runs, err := e.App.Automation.Runs(ctx, admin, rule.ID, 10)
		if err != nil || len(runs) != 1 || len(runs[0].Results) != 1 {
			return false
		}
		res = runs[0].Results[0]
		return res.Status == "failed"
	})
	if !strings.Contains(res.Result, "no chat connector configured") || res.MessageID != "" {
		t.Errorf("run result = %+v", res)
	}
}
