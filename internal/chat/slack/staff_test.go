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

// Staff work a ticket from Slack with the web UI's permissions, each change
// recorded "via Slack by …"; a requester trying staff commands, and anyone
// asking about a ticket they cannot see, is refused and shown nothing.
func TestSlackStaffCommandsAndPermissions(t *testing.T) {
	e := setup(t)
	bo, ana := who{"U_BO", "bo"}, who{"U_ANA", "ana"}
	agent := e.User(helpdesk.RoleAgent)
	employee, other := e.User(helpdesk.RoleRequester), e.User(helpdesk.RoleRequester)
	e.link(bo, agent)
	e.link(ana, employee)
	tk, err := e.App.Tickets.Create(e.ctx, other, ticket.CreateInput{Subject: "Payroll export is broken", Description: "Since Monday."})
	if err != nil {
		t.Fatal(err)
	}
	parent, err := e.App.Tickets.Create(e.ctx, other, ticket.CreateInput{Subject: "Finance systems outage", Description: "All of it."})
	if err != nil {
		t.Fatal(err)
	}
	e.Settle()
	n := tk.Number

	// A requester: staff commands refused, someone else's ticket not shown.
	for _, cmd := range []string{fmt.Sprintf("take #%d", n), fmt.Sprintf("priority #%d P1", n), "oncall",
		fmt.Sprintf("note #%d hi", n), fmt.Sprintf("assign #%d me", n), fmt.Sprintf("link #%d #%d", n, parent.Number)} {
		if out := e.command(ana, "C_HELP", cmd); !strings.Contains(out, "Only IT staff") {
			t.Errorf("requester /it %s = %q, want refused", cmd, out)
		}
	}
	for _, cmd := range []string{fmt.Sprintf("status #%d", n), fmt.Sprintf("resolve #%d", n)} {
		if out := e.command(ana, "C_HELP", cmd); strings.Contains(out, "Payroll") || !strings.Contains(out, "No such ticket") {
			t.Errorf("requester /it %s = %q, want not found and nothing leaked", cmd, out)
		}
	}
	// An unlinked person gets the how-to, whatever they ask.
	if out := e.command(who{"U_NOBODY", "nobody"}, "C_HELP", fmt.Sprintf("status #%d", n)); strings.Contains(out, "Payroll") || !strings.Contains(out, "/it link") {
		t.Errorf("unlinked /it status = %q", out)
	}

	// The agent works the ticket.
	for _, step := range []struct{ cmd, want string }{
		{fmt.Sprintf("take #%d", n), agent.Name},
		{fmt.Sprintf("priority #%d P1", n), "P1"},
		{fmt.Sprintf("note #%d Checked the export job logs", n), "Internal note added"},
		{fmt.Sprintf("link #%d #%d", n, parent.Number), "Linked"},
		{fmt.Sprintf("assign #%d <@U_BO|bo>", n), agent.Name},
		{fmt.Sprintf("resolve #%d", n), "Resolved"},
		{"oncall", "On shift now"},
	} {
		if out := e.command(bo, "C_IT", step.cmd); !strings.Contains(out, step.want) {
			t.Errorf("/it %s = %q, want %q", step.cmd, out, step.want)
		}
	}
	got, err := e.App.Tickets.Get(e.ctx, agent, n)
	if err != nil {
		t.Fatal(err)
	}
	if got.AssigneeID == nil || *got.AssigneeID != agent.ID || got.Priority != helpdesk.P1 || got.Status != helpdesk.StatusResolved ||
		got.ParentID == nil || *got.ParentID != parent.ID {
		t.Errorf("ticket after the commands = %+v", got)
	}
	evs, err := e.App.DB.Events(e.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, ev := range evs {
		if strings.Contains(ev.Reason, "via Slack by @bo") {
			kinds[ev.Kind] = true
		}
	}
	for _, k := range []string{helpdesk.EventAssigned, helpdesk.EventFieldsChanged, helpdesk.EventNoted, helpdesk.EventLinked, helpdesk.EventStatusChanged} {
		if !kinds[k] {
			t.Errorf("no %s event via Slack by @bo (have %v)", k, kinds)
		}
	}
}

// A P1 in a team with a team channel gets one card there, with Take,
// Acknowledge and Open; Take from the card assigns the presser and the card
// is updated in place. A restricted team's ticket goes only to the channel
// marked private to that team, never to its public one.
func TestSlackTeamChannelCards(t *testing.T) {
	e := setup(t)
	bo := who{"U_BO", "bo"}
	admin := e.User(helpdesk.RoleAdmin)
	agent := e.User(helpdesk.RoleAgent)
	e.link(bo, agent)
	var teamID, secID int64
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `INSERT INTO teams (slug, name) VALUES ('net', 'Network') RETURNING id`).Scan(&teamID); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `INSERT INTO teams (slug, name, restricted) VALUES ('sec', 'Security', true) RETURNING id`).Scan(&secID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.RawPool().Exec(e.ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2), ($3, $2)`, teamID, agent.ID, secID); err != nil {
		t.Fatal(err)
	}
	ac := e.SignIn(admin)
	for _, ch := range []url.Values{
		{"connector": {"slack"}, "channel": {"C_NET"}, "team": {fmt.Sprint(teamID)}},
		{"connector": {"slack"}, "channel": {"C_SEC_PUBLIC"}, "team": {fmt.Sprint(secID)}},
		{"connector": {"slack"}, "channel": {"G_SEC"}, "team": {fmt.Sprint(secID)}, "private": {"1"}},
	} {
		if res := ac.PostForm("/admin/chat/channels", ch); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add channel %v: %d\n%s", ch, res.StatusCode, res.Body)
		}
	}
	p1 := helpdesk.P1
	mk := func(subject string, team int64) *helpdesk.Ticket {
		tk, err := e.App.Tickets.Create(e.ctx, admin, ticket.CreateInput{Subject: subject, Description: "x"})
		if err != nil {
			t.Fatal(err)
		}
		e.Settle()
		if _, err := e.App.DB.RawPool().Exec(e.ctx, `UPDATE tickets SET team_id = $1, assignee_id = NULL WHERE id = $2`, team, tk.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Tickets.Update(e.ctx, admin, tk.Number, ticket.Changes{Priority: &p1}); err != nil {
			t.Fatal(err)
		}
		return tk
	}
	net := mk("Core switch down in Berlin", teamID)
	sec := mk("Odd pop-up on the CFO laptop", secID)

	card, ok := url.Values(nil), false
	waitFor(t, "the P1 card in #C_NET", func() bool {
		card, ok = e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "C_NET" && strings.Contains(f.Get("text"), "Core switch down")
		})
		return ok
	})
	for _, label := range []string{`"action_id":"take"`, `"action_id":"ack"`, `"Open"`} {
		if !strings.Contains(card.Get("blocks"), label) {
			t.Errorf("card blocks lack %s: %s", label, card.Get("blocks"))
		}
	}
	waitFor(t, "the restricted ticket's card in the private channel", func() bool {
		_, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "G_SEC" && strings.Contains(f.Get("text"), "Odd pop-up")
		})
		return ok
	})
	e.Settle()
	if _, leaked := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return f.Get("channel") == "C_SEC_PUBLIC" || strings.Contains(f.Get("text"), "Odd pop-up") && f.Get("channel") != "G_SEC"
	}); leaked {
		t.Errorf("the restricted ticket was posted outside its private channel")
	}
	_ = sec

	// Take from the card: assigned, answered to the presser, card updated.
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
	if status := e.interact(bo, "C_NET", "take", fmt.Sprint(net.Number), hook.URL); status != http.StatusOK {
		t.Fatalf("take button: %d", status)
	}
	got, err := e.App.Tickets.Get(e.ctx, agent, net.Number)
	if err != nil || got.AssigneeID == nil || *got.AssigneeID != agent.ID {
		t.Fatalf("after Take: %+v %v", got, err)
	}
	mu.Lock()
	if len(answered) != 1 || !strings.Contains(answered[0], "You took") {
		t.Errorf("answer to the presser = %q", answered)
	}
	mu.Unlock()
	waitFor(t, "the card updated in place with the assignee", func() bool {
		_, ok := e.slack.find("chat.update", func(f url.Values) bool {
			return f.Get("channel") == "C_NET" && f.Get("ts") != "" && strings.Contains(f.Get("text"), "assigned to "+agent.Name)
		})
		return ok
	})
	// A requester pressing the button is refused.
	ana := who{"U_ANA", "ana"}
	e.link(ana, e.User(helpdesk.RoleRequester))
	if status := e.interact(ana, "C_NET", "ack", fmt.Sprint(net.Number), hook.URL); status != http.StatusOK {
		t.Fatalf("ack button: %d", status)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(answered) != 2 || !strings.Contains(answered[1], "Only IT staff") {
		t.Errorf("requester pressing Acknowledge got %q", answered)
	}
}
