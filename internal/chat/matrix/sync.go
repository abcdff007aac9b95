package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// syncLock is the advisory lock key that makes one node the bot: two
// nodes syncing would each answer every command.
const syncLock = 0x5b_16_4d_58 // "sb", issue 16, "MX"

// idle is how long a node waits before it looks again when Matrix is not
// configured or another node is the bot.
const idle = 15 * time.Second

// Run is the bot: while Matrix is configured and this node holds the sync
// lock, it joins the configured rooms and follows the homeserver's event
// stream. It returns when ctx ends.
func (c *Connector) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := c.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := idle
		if err != nil && !errors.Is(err, errIdle) {
			c.Log.Warn("matrix bot stopped; trying again", "err", err)
			wait = 5 * time.Second
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// errIdle says there is nothing to do for now (not configured, or another
// node is the bot).
var errIdle = errors.New("idle")

func (c *Connector) runOnce(ctx context.Context) error {
	cli, st, err := c.client(ctx)
	if chat.IsPermanent(err) {
		return errIdle
	} else if err != nil {
		return err
	}
	release, ok, err := c.Chat.DB.TryHoldLock(ctx, syncLock)
	if err != nil {
		return err
	}
	if !ok {
		return errIdle
	}
	defer release()
	if cli.UserID == "" {
		who, err := cli.Whoami(ctx)
		if err != nil {
			return fmt.Errorf("matrix whoami: %w", err)
		}
		cli.UserID = who.UserID
	}
	for _, r := range st.Rooms {
		if _, err := cli.JoinRoom(ctx, r, nil); err != nil {
			c.Log.Warn("matrix bot cannot join room", "room", r, "err", err)
		}
	}
	c.Log.Info("matrix bot syncing", "user", cli.UserID, "rooms", len(st.Rooms))
	poll := c.PollTimeout
	if poll <= 0 {
		poll = 25 * time.Second
	}
	long := &http.Client{Timeout: poll + 30*time.Second}
	if c.HTTP != nil {
		long.Transport = c.HTTP.Transport
	}
	for ctx.Err() == nil {
		since, err := c.Chat.DB.ChatSyncSince(ctx, "matrix")
		if err != nil {
			return err
		}
		resp, err := cli.FullSyncRequest(ctx, mautrix.ReqSync{Since: since, Timeout: int(poll / time.Millisecond), Client: long})
		if err != nil {
			return fmt.Errorf("matrix sync: %w", err)
		}
		c.handle(ctx, cli, resp, since == "", st.Rooms)
		if err := c.Chat.DB.SetChatSyncSince(ctx, "matrix", resp.NextBatch); err != nil {
			return err
		}
		// Settings changed in the admin console: start over with them.
		now, err := c.Chat.Settings(ctx, "matrix")
		if err != nil {
			return err
		}
		if now.APIURL != st.APIURL || now.Token != st.Token || now.BotUser != st.BotUser || !slices.Equal(now.Rooms, st.Rooms) {
			return nil
		}
	}
	return nil
}

// handle works one sync answer: invitations to direct rooms are accepted,
// and messages in joined rooms are read. The very first sync only marks
// where the stream starts: old history is not replayed as commands.
func (c *Connector) handle(ctx context.Context, cli *mautrix.Client, resp *mautrix.RespSync, first bool, rooms []string) {
	for room, inv := range resp.Rooms.Invite {
		c.invited(ctx, cli, room, inv, slices.Contains(rooms, string(room)))
	}
	if first {
		return
	}
	for room, j := range resp.Rooms.Join {
		c.membersChanged(ctx, cli, room, j)
		for _, evt := range j.Timeline.Events {
			evt.RoomID = room
			c.message(ctx, cli, evt)
		}
	}
}

// membersChanged forgets a direct room as soon as a third person is
// invited to or joins it: replies of restricted teams then go there as a
// link only.
func (c *Connector) membersChanged(ctx context.Context, cli *mautrix.Client, room id.RoomID, j *mautrix.SyncJoinedRoom) {
	for _, evt := range append(slices.Clone(j.State.Events), j.Timeline.Events...) {
		if evt.Type != event.StateMember {
			continue
		}
		_ = evt.Content.ParseRaw(evt.Type)
		if m := evt.Content.AsMember(); m.Membership != event.MembershipJoin && m.Membership != event.MembershipInvite {
			continue
		}
		user, err := c.Chat.DB.ChatDirectRoomUser(ctx, "matrix", string(room))
		if err != nil || user == "" {
			return // not a direct room (or unknown now: the next change checks again)
		}
		if who := evt.GetStateKey(); who != user && who != string(cli.UserID) {
			if err := c.Chat.DB.ForgetChatDirectRoom(ctx, "matrix", string(room)); err != nil {
				c.Log.Warn("matrix direct room", "room", room, "err", err)
			}
			return
		}
	}
}

// onlyMembers reports whether the bot and person are the room's only
// joined members.
func onlyMembers(ctx context.Context, cli *mautrix.Client, room id.RoomID, person id.UserID) bool {
	m, err := cli.JoinedMembers(ctx, room)
	if err != nil {
		return false
	}
	_, bot := m.Joined[cli.UserID]
	_, them := m.Joined[person]
	return len(m.Joined) == 2 && bot && them
}

// invited joins a direct room someone opened with the bot and remembers it
// as theirs, and joins a configured room it could not enter before the
// invitation; other invitations wait for an admin to add the room.
func (c *Connector) invited(ctx context.Context, cli *mautrix.Client, room id.RoomID, inv *mautrix.SyncInvitedRoom, configured bool) {
	if configured {
		if _, err := cli.JoinRoomByID(ctx, room); err != nil {
			c.Log.Warn("matrix bot cannot join room", "room", room, "err", err)
		}
		return
	}
	for _, evt := range inv.State.Events {
		if evt.Type != event.StateMember || evt.GetStateKey() != string(cli.UserID) {
			continue
		}
		_ = evt.Content.ParseRaw(evt.Type)
		m := evt.Content.AsMember()
		if m.Membership != event.MembershipInvite || !m.IsDirect {
			continue
		}
		if _, err := cli.JoinRoomByID(ctx, room); err != nil {
			c.Log.Warn("matrix bot cannot join direct room", "room", room, "err", err)
			return
		}
		// is_direct is the inviter's word: the room counts as direct only
		// while the bot and the inviter are all of its members.
		if !onlyMembers(ctx, cli, room, evt.Sender) {
			c.Log.Info("matrix room invited as direct has other members; treated as shared", "room", room)
			return
		}
		if err := c.Chat.DB.PutChatDirectRoom(ctx, "matrix", string(evt.Sender), string(room)); err != nil {
			c.Log.Warn("matrix direct room", "room", room, "err", err)
		}
		return
	}
}

// message handles one timeline event: "!it …" runs a command; any other
// text in a ticket's thread becomes a reply on the ticket.
func (c *Connector) message(ctx context.Context, cli *mautrix.Client, evt *event.Event) {
	if evt.Type != event.EventMessage || evt.Sender == cli.UserID {
		return
	}
	if err := evt.Content.ParseRaw(evt.Type); err != nil {
		return
	}
	msg := evt.Content.AsMessage()
	if msg.MsgType != event.MsgText || (msg.RelatesTo != nil && msg.RelatesTo.GetReplaceID() != "") {
		return
	}
	// Two syncs can overlap when a node takes over: handle each event once.
	if first, err := c.Chat.FirstTime(ctx, "matrix-event:"+string(evt.ID)); err != nil || !first {
		return
	}
	req := chat.Request{User: helpdesk.ChatUser{Connector: "matrix", ID: string(evt.Sender), Name: string(evt.Sender)},
		Channel: string(evt.RoomID), Text: strings.TrimSpace(msg.Body)}
	if msg.RelatesTo != nil {
		req.Thread = string(msg.RelatesTo.GetThreadParent())
	}
	if text, ok := command(req.Text); ok {
		req.Text = text
		c.answer(ctx, cli, req, evt.ID, c.Chat.Command(ctx, req))
		return
	}
	if reply, show := c.Chat.ThreadMessage(ctx, req); show {
		c.answer(ctx, cli, req, evt.ID, reply)
	}
}

// command returns the command of a "!it …" message.
func command(body string) (string, bool) {
	if len(body) < 3 || !strings.EqualFold(body[:3], "!it") {
		return "", false
	}
	rest := body[3:]
	if rest != "" && rest[0] != ' ' && rest[0] != '\n' && rest[0] != '\t' {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// Start runs the bot in the background until Stop.
func (c *Connector) Start(ctx context.Context) error {
	ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	c.done = make(chan struct{})
	go func() {
		defer close(c.done)
		c.Run(ctx)
	}()
	return nil
}

// Stop ends the bot's sync and waits for it (or for ctx).
func (c *Connector) Stop(ctx context.Context) error {
	if c.cancel == nil {
		return nil
	}
	c.cancel()
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
