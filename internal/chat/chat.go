// Package chat is ChatOps: the helpdesk in the team's chat. Connectors
// (chat/slack, chat/mattermost) turn a chat system's requests into Requests
// and post Messages; this package decides what a command means, checks who
// may do it with the same ticket service the web UI uses, and delivers
// outbound messages as River jobs with idempotency keys.
package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
)

// Connector is one chat system as the rest of ChatOps needs it: post a
// message (a thread reply when thread is set), update one in place, and
// check that its settings work.
type Connector interface {
	// Name is the connector's key ("slack") and Label its display name.
	Name() string
	Label() string
	// Post returns the chat system's id of the new message (Slack's ts).
	Post(ctx context.Context, channel, thread string, m Message) (string, error)
	Update(ctx context.Context, channel, id string, m Message) error
	// Direct reports whether channel is a one-to-one conversation with the
	// bot (where a restricted ticket's text may be shown to its requester).
	Direct(channel string) bool
	// Test checks the connection with the current settings ("Test
	// connection" in the admin console) and says who the bot is.
	Test(ctx context.Context) (string, error)
}

// Message is an outbound chat message, connector-neutral.
type Message struct {
	Text    string   `json:"text"`
	Buttons []Button `json:"buttons,omitempty"`
}

// Button is an action under a message: Action buttons come back as
// interactions; URL buttons open a page.
type Button struct {
	Action string `json:"action,omitempty"` // ActionTake, ActionAck
	Label  string `json:"label"`
	Value  string `json:"value,omitempty"` // the ticket number
	URL    string `json:"url,omitempty"`
	Style  string `json:"style,omitempty"` // "primary"
}

// Button actions.
const (
	ActionTake = "take"
	ActionAck  = "ack"
)

// Request is one inbound command, thread message or button press, already
// verified by its connector.
type Request struct {
	User    helpdesk.ChatUser
	Channel string
	Thread  string // the thread it was written in, if any
	Text    string // the command after "/it", or the message
}

// Reply is what the person who asked sees.
type Reply struct {
	Text string
}

// RateLimited is returned by connectors when the chat API answered 429:
// the delivery waits After and tries again.
type RateLimited struct{ After time.Duration }

func (e *RateLimited) Error() string { return fmt.Sprintf("rate limited: retry after %s", e.After) }

// Permanent marks an error that retrying cannot fix (an unknown channel, a
// revoked token): the delivery is marked failed at once.
type Permanent struct{ Err error }

func (e *Permanent) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Permanent) Unwrap() error { return e.Err }

// IsPermanent reports whether err is Permanent.
func IsPermanent(err error) bool {
	var p *Permanent
	return errors.As(err, &p)
}

// Label returns the display name of a connector name.
func Label(name string) string {
	switch name {
	case "slack":
		return "Slack"
	case "mattermost":
		return "Mattermost"
	case "matrix":
		return "Matrix"
	}
	return name
}
