// Package slack is the Slack connector of ChatOps: the slash command /it,
// interactivity (buttons) and the Events API (thread replies, mentions),
// every request verified with the signing secret and its timestamp, and
// Web API calls through slack-go.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// DefaultAPIURL is Slack's Web API (SWITCHBOARD_SLACK_API_URL overrides it).
const DefaultAPIURL = "https://slack.com/api/"

// Connector talks to one Slack workspace's app.
type Connector struct {
	Chat *chat.Service
	HTTP *http.Client
	Log  *slog.Logger
}

// Name is the connector's key.
func (c *Connector) Name() string { return "slack" }

// Label is its display name.
func (c *Connector) Label() string { return "Slack" }

// Direct reports whether channel is a direct message (Slack's D… ids).
func (c *Connector) Direct(channel string) bool { return strings.HasPrefix(channel, "D") }

func (c *Connector) settings(ctx context.Context) (helpdesk.ChatConnectorSettings, error) {
	st, err := c.Chat.Settings(ctx, "slack")
	if st.APIURL == "" {
		st.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(st.APIURL, "/") {
		st.APIURL += "/"
	}
	return st, err
}

// client is a Web API client with the current settings.
func (c *Connector) client(ctx context.Context) (*slack.Client, error) {
	st, err := c.settings(ctx)
	if err != nil {
		return nil, err
	}
	if st.Token == "" {
		return nil, &chat.Permanent{Err: errors.New("no Slack bot token is set")}
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return slack.New(st.Token, slack.OptionAPIURL(st.APIURL), slack.OptionHTTPClient(hc)), nil
}

// blocks renders a message as Block Kit: the text, then its buttons.
func blocks(m chat.Message) []slack.Block {
	out := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, m.Text, false, false), nil, nil)}
	if len(m.Buttons) == 0 {
		return out
	}
	var els []slack.BlockElement
	for _, b := range m.Buttons {
		id := b.Action
		if id == "" {
			id = "open"
		}
		btn := slack.NewButtonBlockElement(id, b.Value, slack.NewTextBlockObject(slack.PlainTextType, b.Label, false, false))
		if b.URL != "" {
			btn = btn.WithURL(b.URL)
		}
		if b.Style == "primary" {
			btn = btn.WithStyle(slack.StylePrimary)
		}
		els = append(els, btn)
	}
	return append(out, slack.NewActionBlock("ticket", els...))
}

// Post sends a message (in a thread when thread is set) and returns its ts.
func (c *Connector) Post(ctx context.Context, channel, thread string, m chat.Message) (string, error) {
	api, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(blocks(m)...)}
	if thread != "" {
		opts = append(opts, slack.MsgOptionTS(thread))
	}
	_, ts, err := api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", classify("post to "+channel, err)
	}
	return ts, nil
}

// PostDirect sends a message to a person's direct conversation with the
// bot: chat.postMessage takes a user id as the channel for that.
func (c *Connector) PostDirect(ctx context.Context, chatUser string, m chat.Message) (string, error) {
	return c.Post(ctx, chatUser, "", m)
}

// Update replaces a message's text and buttons in place.
func (c *Connector) Update(ctx context.Context, channel, id string, m chat.Message) error {
	api, err := c.client(ctx)
	if err != nil {
		return err
	}
	_, _, _, err = api.UpdateMessageContext(ctx, channel, id, slack.MsgOptionText(m.Text, false), slack.MsgOptionBlocks(blocks(m)...))
	return classify("update in "+channel, err)
}

// Test calls auth.test with the current token.
func (c *Connector) Test(ctx context.Context) (string, error) {
	api, err := c.client(ctx)
	if err != nil {
		return "", err
	}
	res, err := api.AuthTestContext(ctx)
	if err != nil {
		return "", classify("auth.test", err)
	}
	return fmt.Sprintf("Connected as %s to %s.", res.User, res.Team), nil
}

// ephemeral shows text to one person in a channel (answers to thread
// messages and mentions, which have no response of their own).
func (c *Connector) ephemeral(ctx context.Context, channel, thread, user, text string) {
	api, err := c.client(ctx)
	if err == nil {
		opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
		if thread != "" {
			opts = append(opts, slack.MsgOptionTS(thread))
		}
		_, err = api.PostEphemeralContext(ctx, channel, user, opts...)
	}
	if err != nil {
		c.Log.Warn("slack ephemeral reply", "channel", channel, "err", err)
	}
}

// permanentErrors are Slack error codes that retrying does not fix.
var permanentErrors = map[string]bool{"channel_not_found": true, "not_in_channel": true, "is_archived": true,
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true, "msg_too_long": true,
	"message_not_found": true, "cant_update_message": true, "missing_scope": true, "invalid_blocks": true}

// classify turns slack-go's errors into chat's: 429 with its Retry-After,
// permanent API errors, and the rest (5xx, network) to retry.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &chat.RateLimited{After: rl.RetryAfter}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && se.Err == "not_in_channel" {
		return &chat.Permanent{Err: fmt.Errorf("slack %s: %w (%w)", op, chat.ErrNotInChannel, err)}
	}
	if errors.As(err, &se) && permanentErrors[se.Err] {
		return &chat.Permanent{Err: fmt.Errorf("slack %s: %w", op, err)}
	}
	return fmt.Errorf("slack %s: %w", op, err)
}
