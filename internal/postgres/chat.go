package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// ChatOps store: linked accounts, one-time link offers, connector settings
// and replay protection. Hand-written like the incident store; threads,
// channels and deliveries are in chat_delivery.go.

// ChatConnectorRow is a connector's saved settings with its secrets still
// sealed (the chat package opens them with the server key).
type ChatConnectorRow struct {
	Name         string
	APIURL       string
	SealedSecret []byte
	SealedToken  []byte
	SealedHook   []byte // Mattermost outgoing webhook token
	BotUser      string // Matrix: the bot's user id
	Rooms        string // Matrix: rooms to join, one a line
	UpdatedAt    time.Time
}

// ChatConnector reads a connector's saved settings; ENOTFOUND when the
// admin never saved any.
func (db *DB) ChatConnector(ctx context.Context, name string) (*ChatConnectorRow, error) {
	var r ChatConnectorRow
	err := db.pool.QueryRow(ctx, `SELECT name, api_url, sealed_secret, sealed_token, sealed_hook_token, bot_user, rooms, updated_at
		FROM chat_connectors WHERE name = $1`, name).Scan(&r.Name, &r.APIURL, &r.SealedSecret, &r.SealedToken, &r.SealedHook,
		&r.BotUser, &r.Rooms, &r.UpdatedAt)
	if err != nil {
		return nil, mapError(err)
	}
	return &r, nil
}

// PutChatConnector saves a connector's settings. A nil sealed value keeps
// the stored one (the form leaves secrets blank to keep them).
func (db *DB) PutChatConnector(ctx context.Context, r ChatConnectorRow) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO chat_connectors (name, api_url, sealed_secret, sealed_token, bot_user, rooms, sealed_hook_token)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (name) DO UPDATE SET api_url = EXCLUDED.api_url,
			sealed_secret = COALESCE(EXCLUDED.sealed_secret, chat_connectors.sealed_secret),
			sealed_token = COALESCE(EXCLUDED.sealed_token, chat_connectors.sealed_token),
			sealed_hook_token = COALESCE(EXCLUDED.sealed_hook_token, chat_connectors.sealed_hook_token),
			bot_user = EXCLUDED.bot_user, rooms = EXCLUDED.rooms,
			updated_at = now()`, r.Name, r.APIURL, r.SealedSecret, r.SealedToken, r.BotUser, r.Rooms, r.SealedHook)
	return mapError(err)
}

// ChatLinkedUser returns the Switchboard user a chat account is linked to;
// ENOTFOUND when it is not linked.
func (db *DB) ChatLinkedUser(ctx context.Context, cu helpdesk.ChatUser) (*helpdesk.User, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM chat_links WHERE connector = $1 AND workspace = $2 AND chat_user = $3`,
		cu.Connector, cu.Workspace, cu.ID).Scan(&id)
	if err != nil {
		return nil, mapError(err)
	}
	return db.User(ctx, id)
}

// ChatAccountsOf lists the chat accounts linked to a user on a connector
// (to mention an assignee by their chat handle).
func (db *DB) ChatAccountsOf(ctx context.Context, connector string, userID int64) ([]helpdesk.ChatUser, error) {
	rows, err := db.pool.Query(ctx, `SELECT connector, workspace, chat_user, chat_name FROM chat_links
		WHERE connector = $1 AND user_id = $2 ORDER BY created_at`, connector, userID)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.ChatUser, error) {
		var c helpdesk.ChatUser
		err := r.Scan(&c.Connector, &c.Workspace, &c.ID, &c.Name)
		return c, err
	})
	return out, mapError(err)
}

// UnlinkChatUser removes a chat account's link.
func (db *DB) UnlinkChatUser(ctx context.Context, cu helpdesk.ChatUser) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM chat_links WHERE connector = $1 AND workspace = $2 AND chat_user = $3`,
		cu.Connector, cu.Workspace, cu.ID)
	return mapError(err)
}

// InsertChatLinkToken stores a one-time link offer by its hash.
func (db *DB) InsertChatLinkToken(ctx context.Context, hash []byte, cu helpdesk.ChatUser, expires time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO chat_link_tokens (token_hash, connector, workspace, chat_user, chat_name, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hash, cu.Connector, cu.Workspace, cu.ID, cu.Name, expires)
	return mapError(err)
}

// ChatLinkOffer returns the chat account an unused, unexpired link offer is
// for; ENOTFOUND otherwise.
func (db *DB) ChatLinkOffer(ctx context.Context, hash []byte) (*helpdesk.ChatUser, error) {
	var cu helpdesk.ChatUser
	err := db.pool.QueryRow(ctx, `SELECT connector, workspace, chat_user, chat_name FROM chat_link_tokens
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()`, hash).
		Scan(&cu.Connector, &cu.Workspace, &cu.ID, &cu.Name)
	if err != nil {
		return nil, mapError(err)
	}
	return &cu, nil
}

// ConsumeChatLinkOffer uses a link offer once: the chat account is linked to
// userID (replacing an earlier link of that account). ENOTFOUND when the
// offer is used, expired or unknown.
func (db *DB) ConsumeChatLinkOffer(ctx context.Context, hash []byte, userID int64) (*helpdesk.ChatUser, error) {
	var cu helpdesk.ChatUser
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.tx.QueryRow(ctx, `UPDATE chat_link_tokens SET used_at = now()
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
			RETURNING connector, workspace, chat_user, chat_name`, hash).
			Scan(&cu.Connector, &cu.Workspace, &cu.ID, &cu.Name)
		if err != nil {
			return mapError(err)
		}
		_, err = tx.tx.Exec(ctx, `INSERT INTO chat_links (connector, workspace, chat_user, chat_name, user_id)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (connector, workspace, chat_user) DO UPDATE SET user_id = EXCLUDED.user_id,
				chat_name = EXCLUDED.chat_name, created_at = now()`, cu.Connector, cu.Workspace, cu.ID, cu.Name, userID)
		return mapError(err)
	})
	if err != nil {
		return nil, err
	}
	return &cu, nil
}

// ChatSeenOnce records key (a request signature, an event id) and reports
// whether it is new. Keys older than ten minutes are forgotten: requests
// that old fail the timestamp check anyway.
func (db *DB) ChatSeenOnce(ctx context.Context, key string) (bool, error) {
	if _, err := db.pool.Exec(ctx, `DELETE FROM chat_seen WHERE seen_at < now() - interval '10 minutes'`); err != nil {
		return false, mapError(err)
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO chat_seen (key) VALUES ($1) ON CONFLICT DO NOTHING`, key)
	if err != nil {
		return false, mapError(err)
	}
	return tag.RowsAffected() == 1, nil
}

// ChatChannels lists the team channels of a connector ("" for all).
func (db *DB) ChatChannels(ctx context.Context, connector string) ([]helpdesk.ChatChannel, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.id, c.connector, c.channel, c.team_id, t.name, c.private
		FROM chat_channels c JOIN teams t ON t.id = c.team_id
		WHERE $1 = '' OR c.connector = $1 ORDER BY c.connector, t.name, c.channel`, connector)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.ChatChannel, error) {
		var c helpdesk.ChatChannel
		err := r.Scan(&c.ID, &c.Connector, &c.Channel, &c.TeamID, &c.TeamName, &c.Private)
		return c, err
	})
	return out, mapError(err)
}

// AddChatChannel makes channel a team channel; ECONFLICT when it already is
// one for that team.
func (db *DB) AddChatChannel(ctx context.Context, c helpdesk.ChatChannel) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO chat_channels (connector, channel, team_id, private)
		VALUES ($1, $2, $3, $4) RETURNING id`, c.Connector, c.Channel, c.TeamID, c.Private).Scan(&id)
	return id, mapError(err)
}

// DeleteChatChannel stops announcing into a team channel.
func (db *DB) DeleteChatChannel(ctx context.Context, id int64) error {
	_, err := db.pool.Exec(ctx, `DELETE FROM chat_channels WHERE id = $1`, id)
	return mapError(err)
}

// TeamRestricted reports whether a team is restricted (its tickets hidden
// from staff outside it).
func (db *DB) TeamRestricted(ctx context.Context, teamID int64) (bool, error) {
	var r bool
	err := db.pool.QueryRow(ctx, `SELECT restricted FROM teams WHERE id = $1`, teamID).Scan(&r)
	return r, mapError(err)
}

// chatJSON decodes a delivery body, tolerating NULL.
func chatJSON(raw []byte) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return json.RawMessage(raw)
}

// SetCreatedReason says on a ticket's "created" event how it came in ("via
// Slack by @ana"); the insert itself writes the event without a reason.
func (tx *Tx) SetCreatedReason(ctx context.Context, ticketID int64, reason string) error {
	_, err := tx.tx.Exec(ctx, `UPDATE ticket_events SET reason = $2 WHERE ticket_id = $1 AND kind = 'created'`, ticketID, reason)
	return mapError(err)
}

// ChatLinkedUserByName finds a linked account by its chat handle (for
// "@ana" where the chat system sends names rather than ids).
func (db *DB) ChatLinkedUserByName(ctx context.Context, connector, workspace, name string) (*helpdesk.User, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT user_id FROM chat_links WHERE connector = $1 AND workspace = $2
		AND lower(chat_name) = lower($3) ORDER BY created_at DESC LIMIT 1`, connector, workspace, name).Scan(&id)
	if err != nil {
		return nil, mapError(err)
	}
	return db.User(ctx, id)
}

// ChatScanEvent is a ticket event the team-channel scan looks at.
type ChatScanEvent struct {
	ID       int64
	TicketID int64
	Kind     string
	Reason   string
}

// ChatEventsSince lists events of the given kinds after id, oldest first.
func (db *DB) ChatEventsSince(ctx context.Context, after int64, kinds []string, limit int) ([]ChatScanEvent, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, ticket_id, kind, reason FROM ticket_events
		WHERE id > $1 AND kind = ANY($2) ORDER BY id LIMIT $3`, after, kinds, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChatScanEvent, error) {
		var e ChatScanEvent
		err := r.Scan(&e.ID, &e.TicketID, &e.Kind, &e.Reason)
		return e, err
	})
	return out, mapError(err)
}

// LastEventID is the newest ticket event's id (0 when there is none).
func (db *DB) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM ticket_events`).Scan(&id)
	return id, mapError(err)
}

// ChatSLAMark is the newest SLA alarm of one target on a ticket, as the SLA
// scanner recorded it: its kind (sla_warning or sla_breached) and the
// deadline it was measured against.
type ChatSLAMark struct {
	Kind   string
	Target string // first_response or resolution
	Due    time.Time
}

// ChatSLAMarks lists the newest SLA alarm per target of a ticket, for the
// state line of its team-channel cards.
func (db *DB) ChatSLAMarks(ctx context.Context, ticketID int64) ([]ChatSLAMark, error) {
	rows, err := db.pool.Query(ctx, `SELECT DISTINCT ON (after->>'target') kind, after->>'target', (after->>'due')::timestamptz
		FROM ticket_events
		WHERE ticket_id = $1 AND kind IN ('sla_warning', 'sla_breached') AND after->>'target' IS NOT NULL AND after->>'due' IS NOT NULL
		ORDER BY after->>'target', id DESC`, ticketID)
	if err != nil {
		return nil, fmt.Errorf("chat SLA marks of ticket %d: %w", ticketID, mapError(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChatSLAMark, error) {
		var m ChatSLAMark
		err := r.Scan(&m.Kind, &m.Target, &m.Due)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("chat SLA marks of ticket %d: %w", ticketID, mapError(err))
	}
	return out, nil
}
