package matrix_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// person is a Matrix account driven by the test: it joins every room it is
// invited to and keeps the messages it has seen.
type person struct {
	t     *testing.T
	cli   *mautrix.Client
	since string
	seen  []*event.Event
}

func newPerson(t *testing.T, hs *homeserver, name string) *person {
	t.Helper()
	cli, err := hs.register(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return &person{t: t, cli: cli}
}

// sync reads what happened since the last call, without waiting on the
// server.
func (p *person) sync() error {
	ctx := context.Background()
	resp, err := p.cli.SyncRequest(ctx, 0, p.since, "", false, "")
	if err != nil {
		return err
	}
	p.since = resp.NextBatch
	for room := range resp.Rooms.Invite {
		if _, err := p.cli.JoinRoomByID(ctx, room); err != nil {
			return fmt.Errorf("join %s: %w", room, err)
		}
	}
	for room, j := range resp.Rooms.Join {
		for _, evt := range j.Timeline.Events {
			if evt.Type != event.EventMessage {
				continue
			}
			evt.RoomID = room
			if err := evt.Content.ParseRaw(evt.Type); err == nil {
				p.seen = append(p.seen, evt)
			}
		}
	}
	return nil
}

// wait returns the first message seen that matches, syncing until one
// arrives.
func (p *person) wait(what string, match func(*event.Event, *event.MessageEventContent) bool) *event.Event {
	p.t.Helper()
	var got *event.Event
	testwait.UntilNil(p.t, testwait.Long, what, func() error {
		if err := p.sync(); err != nil {
			return err
		}
		for _, evt := range p.seen {
			if match(evt, evt.Content.AsMessage()) {
				got = evt
				return nil
			}
		}
		return fmt.Errorf("%d messages seen, none matches", len(p.seen))
	})
	return got
}

// say sends text to room, in thread when it is set.
func (p *person) say(room id.RoomID, thread id.EventID, text string) id.EventID {
	p.t.Helper()
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: text}
	if thread != "" {
		content.RelatesTo = (&event.RelatesTo{}).SetThread(thread, thread)
	}
	resp, err := p.cli.SendMessageEvent(context.Background(), room, event.EventMessage, content)
	if err != nil {
		p.t.Fatalf("send %q: %v", text, err)
	}
	return resp.EventID
}

// fromBot matches the bot's messages containing text.
func fromBot(bot id.UserID, text string) func(*event.Event, *event.MessageEventContent) bool {
	return func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot && strings.Contains(m.Body, text)
	}
}

// node starts Switchboard with a bot account configured for room and waits
// until the bot is in it and following its events.
func node(t *testing.T, hs *homeserver, bot, owner *person, room id.RoomID) *apptest.Env {
	t.Helper()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_MATRIX_HOMESERVER": hs.URL,
		"SWITCHBOARD_MATRIX_USER":       string(bot.cli.UserID),
		"SWITCHBOARD_MATRIX_TOKEN":      bot.cli.AccessToken,
		"SWITCHBOARD_MATRIX_ROOMS":      string(room),
	}})
	waitSyncing(t, e, bot, owner, room)
	return e
}

// waitSyncing waits until the bot is in room and follows its events.
func waitSyncing(t *testing.T, e *apptest.Env, bot, owner *person, room id.RoomID) {
	t.Helper()
	ctx := context.Background()
	testwait.UntilNil(t, testwait.Long, "the bot in the room, syncing", func() error {
		members, err := owner.cli.JoinedMembers(ctx, room)
		if err != nil {
			return err
		}
		if _, ok := members.Joined[bot.cli.UserID]; !ok {
			return errors.New("not joined yet")
		}
		since, err := e.App.DB.ChatSyncSince(ctx, "matrix")
		if err != nil || since == "" {
			return fmt.Errorf("no sync yet (%w)", err)
		}
		return nil
	})
}

// link links p's Matrix account to user: "!it link" in room, the link
// from the bot's direct message, confirmed while signed in.
func link(e *apptest.Env, p *person, bot id.UserID, room id.RoomID, user *helpdesk.User) {
	p.t.Helper()
	p.say(room, "", "!it link")
	offer := p.wait("the link", fromBot(bot, e.URL+"/chat/link/"))
	body := offer.Content.AsMessage().Body
	path := strings.TrimPrefix(strings.Fields(body[strings.Index(body, e.URL+"/chat/link/"):])[0], e.URL)
	if res := e.SignIn(user).PostForm(path, nil); res.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("confirm link: %d\n%s", res.StatusCode, res.Body)
	}
}

// A bot account joins the configured room. An employee there is unlinked
// and gets the how-to (in a direct room, not the shared one); they link
// their account, file a ticket with "!it new", an agent's reply in the web
// UI appears in the ticket's thread in the room, and the employee's answer
// in that thread becomes a reply on the ticket.
func TestMatrixEmployeeFlow(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "itbot")
	ana := newPerson(t, hs, "ana")
	room, err := ana.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "IT help"})
	if err != nil {
		t.Fatal(err)
	}
	e := node(t, hs, bot, ana, room.RoomID)
	employee := e.User(helpdesk.RoleRequester)
	agent := e.User(helpdesk.RoleAgent)

	// Unlinked: the how-to, in a direct room, and nothing filed.
	ana.say(room.RoomID, "", "!it mine")
	howto := ana.wait("the how-to", fromBot(bot.cli.UserID, "!it link"))
	if howto.RoomID == room.RoomID {
		t.Fatalf("the how-to went to the shared room")
	}
	dm := howto.RoomID

	// Link: the one-time link comes in the direct room only.
	ana.say(room.RoomID, "", "!it link")
	offer := ana.wait("the link", fromBot(bot.cli.UserID, e.URL+"/chat/link/"))
	if offer.RoomID != dm {
		t.Fatalf("the link went to %s, not the direct room %s", offer.RoomID, dm)
	}
	body := offer.Content.AsMessage().Body
	path := strings.TrimPrefix(strings.Fields(body[strings.Index(body, e.URL+"/chat/link/"):])[0], e.URL)
	c := e.SignIn(employee)
	if res := c.PostForm(path, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm link: %d\n%s", res.StatusCode, res.Body)
	}

	// File a ticket in the shared room: the bot opens its thread there.
	ana.say(room.RoomID, "", "!it new The printer on floor 3 jams on every page\nIt started after the toner change.")
	filed := ana.wait("the filed answer", fromBot(bot.cli.UserID, "Filed"))
	var number int64
	fb := filed.Content.AsMessage().Body
	if _, err := fmt.Sscanf(fb[strings.Index(fb, "#")+1:], "%d", &number); err != nil {
		t.Fatalf("filed answer = %q", fb)
	}
	tk, err := e.App.Tickets.Get(ctx, employee, number)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Subject != "The printer on floor 3 jams on every page" || tk.Source != helpdesk.SourceMatrix {
		t.Fatalf("ticket = %+v", tk)
	}
	evs, err := e.App.DB.Events(ctx, tk.ID)
	if err != nil || len(evs) == 0 || evs[0].Reason != "via Matrix by @ana:localhost" {
		t.Fatalf("created event = %+v (%v), want reason via Matrix by @ana:localhost", evs, err)
	}
	root := ana.wait("the ticket's thread in the room", func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot.cli.UserID && evt.RoomID == room.RoomID && strings.Contains(m.Body, fmt.Sprintf("#%d", number))
	})

	// An agent answers in the web UI: the answer appears in the thread.
	res := e.SignIn(agent).PostForm(fmt.Sprintf("/desk/tickets/%d/messages", number), url.Values{"body": {"Please open the rear tray and remove the torn sheet."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("agent reply: %d", res.StatusCode)
	}
	ana.wait("the agent's reply in the thread", func(evt *event.Event, m *event.MessageEventContent) bool {
		return evt.Sender == bot.cli.UserID && evt.RoomID == room.RoomID && m.RelatesTo != nil &&
			m.RelatesTo.GetThreadParent() == root.ID && strings.Contains(m.Body, "remove the torn sheet")
	})

	// The employee answers in the thread: a reply on the ticket, by them.
	ana.say(room.RoomID, root.ID, "Found it, printing works again. Thanks!")
	testwait.UntilNil(t, testwait.Long, "the thread answer on the ticket", func() error {
		msgs, err := e.App.DB.Messages(ctx, tk.ID, true)
		if err != nil {
			return err
		}
		last := msgs[len(msgs)-1]
		if last.BodyText != "Found it, printing works again. Thanks!" {
			return fmt.Errorf("last message %q", last.BodyText)
		}
		if last.AuthorID == nil || *last.AuthorID != employee.ID || last.Source != helpdesk.SourceMatrix {
			return fmt.Errorf("last message = %+v", last)
		}
		return nil
	})

	// A requester cannot use staff commands.
	ana.say(room.RoomID, "", fmt.Sprintf("!it take #%d", number))
	ana.wait("the refusal of take", fromBot(bot.cli.UserID, "Only IT staff"))
	ana.say(room.RoomID, "", fmt.Sprintf("!it ack #%d", number))
	ana.wait("the refusal of ack", fromBot(bot.cli.UserID, "Only IT staff can use `!it ack`"))
	evs, err = e.App.DB.Events(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Kind == "acknowledged" {
			t.Errorf("a requester's !it ack wrote %+v", ev)
		}
	}
}
