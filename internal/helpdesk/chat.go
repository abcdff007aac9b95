package helpdesk

import (
	"encoding/json"
	"time"
)

// Sources of tickets and messages that came from chat.
const (
	SourceSlack      Source = "slack"
	SourceMattermost Source = "mattermost"
	SourceMatrix     Source = "matrix"
)

// ChatUser is a person as a chat system names them.
type ChatUser struct {
	Connector string // "slack", "mattermost", "matrix"
	Workspace string // Slack team id, Mattermost team id; "" for Matrix
	ID        string // the chat system's user id
	Name      string // their handle, for "via Slack by @name"
}

// ChatChannel is a team channel: urgent tickets of the team are announced
// there. Private channels may receive the team's restricted tickets.
type ChatChannel struct {
	ID        int64
	Connector string
	Channel   string
	TeamID    int64
	TeamName  string
	Private   bool
}

// ChatThread is a chat message that stands for a ticket: the requester's
// thread or a team channel's card.
type ChatThread struct {
	TicketID  int64
	Connector string
	Channel   string
	Thread    string
	Kind      string // ChatThreadRequester or ChatThreadCard
}

// Kinds of chat threads.
const (
	ChatThreadRequester = "requester"
	ChatThreadCard      = "card"
)

// ChatDelivery is one outbound chat message and how its delivery went.
type ChatDelivery struct {
	ID        int64
	Connector string
	IdemKey   string
	TicketID  *int64
	Action    string // "post" or "update"
	Channel   string
	Thread    string // reply in this thread
	Target    string // update this message
	Bind      string // record the posted message as this kind of ChatThread
	Body      json.RawMessage
	Status    string // "pending", "sent", "failed"
	Attempts  int
	LastError string
	RemoteID  string
	CreatedAt time.Time
	SentAt    *time.Time
}

// ChatConnectorSettings is a connector's configuration as saved in the admin
// console; empty fields fall back to the environment.
type ChatConnectorSettings struct {
	Name      string
	APIURL    string
	Secret    string   // signing secret or command token (sealed at rest)
	Token     string   // bot token (sealed at rest)
	HookToken string   // Mattermost: the outgoing webhook's token (sealed at rest)
	BotUser   string   // Matrix: the bot's user id (@it-bot:example.org)
	Rooms     []string // Matrix: room ids or aliases the bot joins
	UpdatedAt time.Time
}
