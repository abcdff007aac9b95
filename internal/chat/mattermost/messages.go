package mattermost

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// hookPost is what Mattermost's outgoing webhook sends for a message (form
// or JSON, as the webhook is set up). It does not say which thread the
// message is in: the post itself, read through the REST API, does.
type hookPost struct {
	Token     string `json:"token"`
	TeamID    string `json:"team_id"`
	ChannelID string `json:"channel_id"`
	UserID    string `json:"user_id"`
	UserName  string `json:"user_name"`
	PostID    string `json:"post_id"`
	Text      string `json:"text"`
}

// Messages is POST /chat/mattermost/messages, the outgoing webhook of the
// channels where people file tickets: a message in a ticket's thread
// becomes a reply on the ticket by its linked author. The webhook's own
// token is checked (401 when wrong, 404 while none is set up); messages
// elsewhere, and the bot's own posts, are ignored.
func (c *Connector) Messages(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	var in hookPost
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, "Bad request.", http.StatusBadRequest)
			return
		}
	} else {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad form.", http.StatusBadRequest)
			return
		}
		f := r.PostForm
		in = hookPost{Token: f.Get("token"), TeamID: f.Get("team_id"), ChannelID: f.Get("channel_id"), UserID: f.Get("user_id"),
			UserName: f.Get("user_name"), PostID: f.Get("post_id"), Text: f.Get("text")}
	}
	st, err := c.Chat.Settings(r.Context(), "mattermost")
	if err != nil {
		c.Log.Error("mattermost settings", "err", err)
		http.Error(w, "Mattermost is not available.", http.StatusServiceUnavailable)
		return
	}
	if st.HookToken == "" {
		http.Error(w, "The Mattermost webhook is not set up.", http.StatusNotFound)
		return
	}
	if in.Token == "" || subtle.ConstantTimeCompare([]byte(in.Token), []byte(st.HookToken)) != 1 {
		c.Log.Warn("mattermost webhook refused: bad token")
		http.Error(w, "Bad token.", http.StatusUnauthorized)
		return
	}
	if in.PostID == "" || in.UserID == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	var p struct {
		RootID string         `json:"root_id"`
		UserID string         `json:"user_id"`
		Props  map[string]any `json:"props"`
	}
	if err := c.api(r.Context(), http.MethodGet, "/api/v4/posts/"+url.PathEscape(in.PostID), nil, &p); err != nil {
		c.Log.Warn("mattermost webhook: cannot read the post", "post", in.PostID, "err", err)
		http.Error(w, "Cannot read the post.", http.StatusBadGateway)
		return
	}
	if p.RootID == "" || p.Props["from_bot"] == "true" || p.Props["from_webhook"] == "true" || p.UserID != in.UserID {
		w.WriteHeader(http.StatusOK)
		return
	}
	// Mattermost may send a message twice (a retried webhook): once only.
	// Marked only once the post could be read, so a failed read is retried.
	if first, err := c.Chat.FirstTime(r.Context(), "mattermost-post:"+in.PostID); err != nil || !first {
		w.WriteHeader(http.StatusOK)
		return
	}
	req := chat.Request{User: helpdesk.ChatUser{Connector: "mattermost", Workspace: in.TeamID, ID: in.UserID, Name: in.UserName},
		Channel: in.ChannelID, Thread: p.RootID, Text: strings.TrimSpace(in.Text)}
	reply, show := c.Chat.ThreadMessage(r.Context(), req)
	w.Header().Set("Content-Type", "application/json")
	if !show {
		_, _ = w.Write([]byte("{}"))
		return
	}
	// The answer (the how-to, or why the reply was refused) goes in the
	// thread; it carries no ticket data.
	_ = json.NewEncoder(w).Encode(map[string]string{"text": reply.Text, "response_type": "comment"})
}
