// Package matrix is the Matrix connector of ChatOps (mautrix-go): a bot
// account that joins the configured rooms, takes "!it …" commands from
// their timelines, follows ticket threads (m.thread relations) both ways,
// and answers each person in a direct room of their own.
package matrix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// Connector talks to one Matrix homeserver as the bot account.
type Connector struct {
	Chat *chat.Service
	// HTTP is used for every call but the long-polling /sync, which needs
	// a longer timeout of its own.
	HTTP *http.Client
	Log  *slog.Logger
	// PollTimeout is how long one /sync waits for news on the server (25 s
	// when zero).
	PollTimeout time.Duration

	cancel context.CancelFunc
	done   chan struct{}
}

// Name is the connector's key.
func (c *Connector) Name() string { return "matrix" }

// Label is its display name.
func (c *Connector) Label() string { return "Matrix" }

// client builds a client from the current settings: the admin console's
// changes apply at the next call without a restart.
func (c *Connector) client(ctx context.Context) (*mautrix.Client, helpdesk.ChatConnectorSettings, error) {
	st, err := c.Chat.Settings(ctx, "matrix")
	if err != nil {
		return nil, st, err
	}
	if st.APIURL == "" || st.Token == "" {
		return nil, st, &chat.Permanent{Err: errors.New("set the Matrix homeserver URL and access token")}
	}
	cli, err := mautrix.NewClient(st.APIURL, id.UserID(st.BotUser), st.Token)
	if err != nil {
		return nil, st, &chat.Permanent{Err: fmt.Errorf("matrix homeserver URL: %w", err)}
	}
	if c.HTTP != nil {
		cli.Client = c.HTTP
	}
	// River retries deliveries; the client must not retry (and sleep) too.
	cli.DefaultHTTPRetries = 0
	return cli, st, nil
}

// Direct reports whether room is a direct room the bot shares with one
// person.
func (c *Connector) Direct(room string) bool {
	user, err := c.Chat.DB.ChatDirectRoomUser(context.Background(), "matrix", room)
	if err != nil {
		c.Log.Warn("matrix direct room lookup", "room", room, "err", err)
	}
	return user != "" && err == nil
}

// txnID makes a Matrix transaction id from a delivery's idempotency key:
// the homeserver answers a repeated transaction with the event it already
// made, so a retry after a lost answer posts nothing new.
func txnID(key string) string {
	if key == "" {
		return ""
	}
	h := sha256.Sum256([]byte(key))
	return "sb-" + hex.EncodeToString(h[:16])
}

// Post sends a message (in a thread when thread is set) and returns its
// event id.
func (c *Connector) Post(ctx context.Context, room, thread string, m chat.Message) (string, error) {
	cli, _, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: render(m)}
	if thread != "" {
		content.RelatesTo = (&event.RelatesTo{}).SetThread(id.EventID(thread), id.EventID(thread))
	}
	return c.send(ctx, cli, room, content, chat.DeliveryKey(ctx))
}

// Update edits a message in place (an m.replace edit, which clients show
// as the message's new text).
func (c *Connector) Update(ctx context.Context, room, eventID string, m chat.Message) error {
	cli, _, err := c.client(ctx)
	if err != nil {
		return err
	}
	body := render(m)
	content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: "* " + body,
		NewContent: &event.MessageEventContent{MsgType: event.MsgNotice, Body: body}}
	content.SetEdit(id.EventID(eventID))
	_, err = c.send(ctx, cli, room, content, chat.DeliveryKey(ctx))
	return err
}

func (c *Connector) send(ctx context.Context, cli *mautrix.Client, room string, content *event.MessageEventContent, key string) (string, error) {
	var extra []mautrix.ReqSendEvent
	if t := txnID(key); t != "" {
		extra = append(extra, mautrix.ReqSendEvent{TransactionID: t})
	}
	resp, err := cli.SendMessageEvent(ctx, id.RoomID(room), event.EventMessage, content, extra...)
	if err != nil {
		return "", classify(fmt.Errorf("matrix send to %s: %w", room, err))
	}
	return string(resp.EventID), nil
}

// Test asks the homeserver who the token belongs to.
func (c *Connector) Test(ctx context.Context) (string, error) {
	cli, st, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	who, err := cli.Whoami(ctx)
	if err != nil {
		return "", classify(fmt.Errorf("matrix whoami: %w", err))
	}
	if st.BotUser != "" && string(who.UserID) != st.BotUser {
		return "", fmt.Errorf("the access token belongs to %s, not to the bot user %s", who.UserID, st.BotUser)
	}
	joined, err := cli.JoinedRooms(ctx)
	if err != nil {
		return "", classify(fmt.Errorf("matrix joined rooms: %w", err))
	}
	return fmt.Sprintf("Connected as %s (in %d rooms).", who.UserID, len(joined.JoinedRooms)), nil
}

// classify sorts a homeserver error for the delivery job: 429 waits as
// long as the server asked, other client errors (unknown room, revoked
// token, not allowed) cannot be fixed by retrying, the rest are retried.
func classify(err error) error {
	var he mautrix.HTTPError
	if !errors.As(err, &he) || he.Response == nil {
		return err
	}
	code := he.Response.StatusCode
	switch {
	case code == http.StatusTooManyRequests:
		return &chat.RateLimited{After: retryAfter(he)}
	case code >= 400 && code < 500:
		return &chat.Permanent{Err: err}
	}
	return err
}

// retryAfter reads the wait a 429 asked for: retry_after_ms in the body,
// else Retry-After, else a second.
func retryAfter(he mautrix.HTTPError) time.Duration {
	if he.RespError != nil {
		if ms, ok := he.RespError.ExtraData["retry_after_ms"].(float64); ok && ms >= 0 {
			return time.Duration(ms) * time.Millisecond
		}
	}
	if n, err := strconv.Atoi(strings.TrimSpace(he.Response.Header.Get("Retry-After"))); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}

// slashIt finds "/it" written as a command in shared text (help, how-to),
// which in Matrix is typed "!it".
var slashIt = regexp.MustCompile("(^|[\\s`(])/it\\b")

// render turns a message into plain text: Matrix has no buttons, so a
// link button becomes its link and an action button the command that does
// the same.
func render(m chat.Message) string {
	text := slashIt.ReplaceAllString(m.Text, "${1}!it")
	var extra []string
	for _, b := range m.Buttons {
		switch {
		case b.URL != "":
			extra = append(extra, b.Label+": "+b.URL)
		case b.Action == chat.ActionTake:
			extra = append(extra, b.Label+": `!it take #"+b.Value+"`")
		case b.Action == chat.ActionAck:
			extra = append(extra, b.Label+": `!it ack #"+b.Value+"`")
		}
	}
	if len(extra) > 0 {
		text += "\n" + strings.Join(extra, " · ")
	}
	return text
}
