package matrix

import (
	"context"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"switchboard/internal/chat"
	"switchboard/internal/postgres"
)

// answer sends a command's reply to the person who asked, and to nobody
// else: in their direct room with the bot, which is opened (an invitation
// to them) the first time. Matrix has no messages visible to one member of
// a shared room, so a link or a ticket list never goes there.
func (c *Connector) answer(ctx context.Context, cli *mautrix.Client, req chat.Request, cause id.EventID, r chat.Reply) {
	if r.Text == "" {
		return
	}
	room, err := c.directRoom(ctx, cli, req)
	if err != nil {
		c.Log.Warn("matrix answer: no direct room", "user", req.User.ID, "err", err)
		return
	}
	content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: render(chat.Message{Text: r.Text})}
	if room == req.Channel && req.Thread != "" {
		content.RelatesTo = (&event.RelatesTo{}).SetThread(id.EventID(req.Thread), cause)
	}
	// The transaction id names the command's event: answering it twice
	// shows one answer.
	if _, err := c.send(ctx, cli, room, content, "answer:"+string(cause)); err != nil {
		c.Log.Warn("matrix answer not sent", "user", req.User.ID, "room", room, "err", err)
	}
}

// directRoom returns the room to answer a person in: the room they wrote
// in when it is their direct room with the bot, else their direct room,
// created now if they have none.
func (c *Connector) directRoom(ctx context.Context, cli *mautrix.Client, req chat.Request) (string, error) {
	room, err := c.Chat.DB.ChatDirectRoom(ctx, "matrix", req.User.ID)
	if err == nil {
		return room, nil
	} else if !postgres.IsNotFound(err) {
		return "", err
	}
	resp, err := cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "trusted_private_chat", IsDirect: true,
		Invite: []id.UserID{id.UserID(req.User.ID)}, Name: "IT helpdesk"})
	if err != nil {
		return "", classify(err)
	}
	if err := c.Chat.DB.PutChatDirectRoom(ctx, "matrix", req.User.ID, string(resp.RoomID)); err != nil {
		return "", err
	}
	return string(resp.RoomID), nil
}
