package matrix_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// A Matrix room that is a team's channel gets one card per urgent ticket,
// which says how to take it (Matrix has no buttons); when an agent takes
// the ticket with "!it take" the card is edited in place (an m.replace
// edit of the same event) to show the assignee. "!it ack #N" is the
// Acknowledge button: an acknowledged event "via Matrix by …" and a note in
// the card's thread.
func TestMatrixTeamChannelCard(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "cardbot")
	bo := newPerson(t, hs, "netagent")
	room, err := bo.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "Network team"})
	if err != nil {
		t.Fatal(err)
	}
	e := node(t, hs, bot, bo, room.RoomID)
	admin := e.User(helpdesk.RoleAdmin)
	agent := e.User(helpdesk.RoleAgent)
	link(e, bo, bot.cli.UserID, room.RoomID, agent)

	var teamID int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name) VALUES ('net', 'Network') RETURNING id`).Scan(&teamID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)`, teamID, agent.ID); err != nil {
		t.Fatal(err)
	}
	if res := e.SignIn(admin).PostForm("/admin/chat/channels", url.Values{"connector": {"matrix"},
		"channel": {string(room.RoomID)}, "team": {fmt.Sprint(teamID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add channel: %d\n%s", res.StatusCode, res.Body)
	}
	tk, err := e.App.Tickets.Create(ctx, admin, ticket.CreateInput{Subject: "Core switch down in Berlin", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	e.Settle()
	if _, err := e.App.DB.RawPool().Exec(ctx, `UPDATE tickets SET team_id = $1, assignee_id = NULL WHERE id = $2`, teamID, tk.ID); err != nil {
		t.Fatal(err)
	}
	p1 := helpdesk.P1
	if _, err := e.App.Tickets.Update(ctx, admin, tk.Number, ticket.Changes{Priority: &p1}); err != nil {
		t.Fatal(err)
	}
	take := fmt.Sprintf("!it take #%d", tk.Number)
	ack := fmt.Sprintf("!it ack #%d", tk.Number)
	card := bo.wait("the P1 card in the team room", func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot.cli.UserID && evt.RoomID == room.RoomID && m.RelatesTo == nil &&
			strings.Contains(m.Body, "Core switch down in Berlin") && strings.Contains(m.Body, take) &&
			strings.Contains(m.Body, ack)
	})

	bo.say(room.RoomID, "", take)
	bo.wait("the card edited to show the assignee", func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot.cli.UserID && m.RelatesTo != nil && m.RelatesTo.GetReplaceID() == card.ID &&
			m.NewContent != nil && strings.Contains(m.NewContent.Body, agent.Name)
	})
	got, err := e.App.Tickets.Get(ctx, agent, tk.Number)
	if err != nil || got.AssigneeID == nil || *got.AssigneeID != agent.ID {
		t.Fatalf("ticket after !it take = %+v, %v", got, err)
	}

	// Acknowledge, as the card says.
	bo.say(room.RoomID, "", ack)
	bo.wait("the answer to !it ack", fromBot(bot.cli.UserID, fmt.Sprintf("You acknowledged *#%d*", tk.Number)))
	bo.wait("the acknowledgement in the card's thread", func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot.cli.UserID && m.RelatesTo != nil && m.RelatesTo.GetThreadParent() == card.ID &&
			strings.Contains(m.Body, agent.Name+" acknowledged it via Matrix")
	})
	evs, err := e.App.DB.Events(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	acked := 0
	for _, ev := range evs {
		if ev.Kind == "acknowledged" && ev.ActorID != nil && *ev.ActorID == agent.ID && strings.Contains(ev.Reason, "via Matrix by") {
			acked++
		}
	}
	if acked != 1 {
		t.Errorf("%d acknowledged events via Matrix by the agent, want 1: %+v", acked, evs)
	}
}
