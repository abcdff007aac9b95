// Package mattermost is the Mattermost connector of ChatOps: its
// Slack-compatible slash command /it, verified by the command's token,
// interactive message buttons, and posts through its REST API (v4).
package mattermost

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// Connector talks to one Mattermost server.
type Connector struct {
	Chat *chat.Service
	HTTP *http.Client
	Log  *slog.Logger
}

// Name is the connector's key.
func (c *Connector) Name() string { return "mattermost" }

// Label is its display name.
func (c *Connector) Label() string { return "Mattermost" }

// Direct is false: Mattermost channel ids do not say whether a channel is a
// direct message, so restricted tickets' text never goes to a thread there.
func (c *Connector) Direct(string) bool { return false }

func (c *Connector) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 15 * time.Second}
}

// api calls the REST API with the bot token and decodes the answer into out.
func (c *Connector) api(ctx context.Context, method, path string, in, out any) error {
	st, err := c.Chat.Settings(ctx, "mattermost")
	if err != nil {
		return err
	}
	if st.APIURL == "" || st.Token == "" {
		return &chat.Permanent{Err: errors.New("set the Mattermost URL and bot token")}
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(st.APIURL, "/")+path, body)
	if err != nil {
		return &chat.Permanent{Err: err}
	}
	req.Header.Set("Authorization", "Bearer "+st.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.client().Do(req)
	if err != nil {
		return fmt.Errorf("mattermost %s %s: %w", method, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	switch {
	case res.StatusCode == http.StatusTooManyRequests:
		return &chat.RateLimited{After: retryAfter(res.Header)}
	case res.StatusCode >= 500:
		return fmt.Errorf("mattermost %s %s: %s", method, path, res.Status)
	case res.StatusCode >= 400:
		return &chat.Permanent{Err: fmt.Errorf("mattermost %s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(raw))}
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// retryAfter reads how long Mattermost asked to wait: Retry-After in
// seconds, else its X-Ratelimit-Reset, else a second.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Get(k))); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return time.Second
}

type post struct {
	ID        string         `json:"id,omitempty"`
	ChannelID string         `json:"channel_id,omitempty"`
	RootID    string         `json:"root_id,omitempty"`
	Message   string         `json:"message"`
	Props     map[string]any `json:"props,omitempty"`
}

// render turns a message into a Mattermost post body: link buttons become
// links in the text, action buttons interactive-message actions that call
// back /chat/mattermost/actions with a signed context.
func (c *Connector) render(m chat.Message) (string, map[string]any) {
	text := m.Text
	var actions []map[string]any
	for _, b := range m.Buttons {
		if b.URL != "" {
			text += fmt.Sprintf("\n[%s](%s)", b.Label, b.URL)
			continue
		}
		actions = append(actions, map[string]any{"id": b.Action, "name": b.Label, "type": "button",
			"integration": map[string]any{"url": strings.TrimRight(c.Chat.BaseURL, "/") + "/chat/mattermost/actions",
				"context": map[string]string{"action": b.Action, "value": b.Value, "sig": c.sign(b.Action, b.Value)}}})
	}
	if len(actions) == 0 {
		return text, nil
	}
	return text, map[string]any{"attachments": []map[string]any{{"text": "", "actions": actions}}}
}

// sign makes the signature that proves a button's context came from us.
func (c *Connector) sign(action, value string) string {
	m := hmac.New(sha256.New, c.Chat.Secret)
	m.Write([]byte("mattermost-action:" + action + ":" + value))
	return hex.EncodeToString(m.Sum(nil))
}

// Post creates a post (a reply when thread is set) and returns its id.
func (c *Connector) Post(ctx context.Context, channel, thread string, m chat.Message) (string, error) {
	text, props := c.render(m)
	var out post
	if err := c.api(ctx, http.MethodPost, "/api/v4/posts", post{ChannelID: channel, RootID: thread, Message: text, Props: props}, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// Update patches a post's text and buttons.
func (c *Connector) Update(ctx context.Context, _, id string, m chat.Message) error {
	text, props := c.render(m)
	if props == nil {
		props = map[string]any{"attachments": []any{}}
	}
	return c.api(ctx, http.MethodPut, "/api/v4/posts/"+url.PathEscape(id)+"/patch", post{Message: text, Props: props}, nil)
}

// Test reads the bot's own user.
func (c *Connector) Test(ctx context.Context) (string, error) {
	var me struct {
		Username string `json:"username"`
	}
	if err := c.api(ctx, http.MethodGet, "/api/v4/users/me", nil, &me); err != nil {
		return "", err
	}
	return "Connected as @" + me.Username + ".", nil
}

// tokenOK checks the slash command's token against the configured one; it
// answers 404 while Mattermost is not set up and 401 on a wrong token.
func (c *Connector) tokenOK(w http.ResponseWriter, r *http.Request, got string) bool {
	st, err := c.Chat.Settings(r.Context(), "mattermost")
	if err != nil {
		c.Log.Error("mattermost settings", "err", err)
		http.Error(w, "Mattermost is not available.", http.StatusServiceUnavailable)
		return false
	}
	if st.Secret == "" {
		http.Error(w, "Mattermost is not set up.", http.StatusNotFound)
		return false
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.Secret)) != 1 {
		c.Log.Warn("mattermost request refused: bad token")
		http.Error(w, "Bad token.", http.StatusUnauthorized)
		return false
	}
	return true
}

// Commands is POST /chat/mattermost/commands: the /it slash command.
func (c *Connector) Commands(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		token = strings.TrimPrefix(r.Header.Get("Authorization"), "Token ")
	}
	if !c.tokenOK(w, r, token) {
		return
	}
	req := chat.Request{User: helpdesk.ChatUser{Connector: "mattermost", Workspace: r.PostForm.Get("team_id"),
		ID: r.PostForm.Get("user_id"), Name: r.PostForm.Get("user_name")},
		Channel: r.PostForm.Get("channel_id"), Thread: r.PostForm.Get("root_id"), Text: r.PostForm.Get("text")}
	if req.User.ID == "" {
		http.Error(w, "No user.", http.StatusBadRequest)
		return
	}
	reply := c.Chat.Command(r.Context(), req)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"response_type": "ephemeral", "text": reply.Text})
}

// Actions is POST /chat/mattermost/actions: a button of a team-channel
// card. The context must carry our signature of its action and value.
func (c *Connector) Actions(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID    string            `json:"user_id"`
		UserName  string            `json:"user_name"`
		ChannelID string            `json:"channel_id"`
		TeamID    string            `json:"team_id"`
		Context   map[string]string `json:"context"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		http.Error(w, "Bad request.", http.StatusBadRequest)
		return
	}
	want := c.sign(in.Context["action"], in.Context["value"])
	if subtle.ConstantTimeCompare([]byte(in.Context["sig"]), []byte(want)) != 1 || in.UserID == "" {
		http.Error(w, "Bad signature.", http.StatusUnauthorized)
		return
	}
	req := chat.Request{User: helpdesk.ChatUser{Connector: "mattermost", Workspace: in.TeamID, ID: in.UserID, Name: in.UserName},
		Channel: in.ChannelID}
	reply := c.Chat.Action(r.Context(), req, in.Context["action"], in.Context["value"])
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"ephemeral_text": reply.Text})
}
