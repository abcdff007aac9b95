package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"switchboard/internal/chat"
	"switchboard/internal/helpdesk"
)

// maxBody bounds what a Slack request may send.
const maxBody = 1 << 20

// verify reads the body of a request from Slack and checks its signature
// and timestamp (at most five minutes off) with the signing secret, and
// that the same signed request was not seen before. On failure it has
// answered (401, or 404 while Slack is not set up) and returns false.
func (c *Connector) verify(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	ctx := r.Context()
	st, err := c.settings(ctx)
	if err != nil {
		c.Log.Error("slack settings", "err", err)
		http.Error(w, "Slack is not available.", http.StatusServiceUnavailable)
		return nil, false
	}
	if st.Secret == "" {
		http.Error(w, "Slack is not set up.", http.StatusNotFound)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "Request too large.", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, st.Secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		c.Log.Warn("slack request refused", "err", err)
		http.Error(w, "Bad or expired signature.", http.StatusUnauthorized)
		return nil, false
	}
	// A valid signature is unique to its timestamp and body: seeing it a
	// second time within the five minutes is a replay.
	first, err := c.Chat.FirstTime(ctx, "slack-sig:"+r.Header.Get("X-Slack-Signature"))
	if err != nil {
		c.Log.Error("slack replay check", "err", err)
		http.Error(w, "Try again.", http.StatusServiceUnavailable)
		return nil, false
	}
	if !first {
		c.Log.Warn("slack request replayed")
		http.Error(w, "Replayed request.", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}

// answer writes a slash-command or interaction answer only the asker sees.
func answer(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"response_type": "ephemeral", "text": text})
}

// Commands is POST /chat/slack/commands: the /it slash command.
func (c *Connector) Commands(w http.ResponseWriter, r *http.Request) {
	body, ok := c.verify(w, r)
	if !ok {
		return
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	req := chat.Request{User: helpdesk.ChatUser{Connector: "slack", Workspace: f.Get("team_id"), ID: f.Get("user_id"),
		Name: f.Get("user_name")}, Channel: f.Get("channel_id"), Text: f.Get("text")}
	if req.User.ID == "" {
		http.Error(w, "No user.", http.StatusBadRequest)
		return
	}
	if strings.EqualFold(strings.TrimSpace(req.Text), "new") && f.Get("trigger_id") != "" {
		if reply, opened := c.openNewTicket(r.Context(), req, f.Get("trigger_id")); opened {
			w.WriteHeader(http.StatusOK)
			return
		} else if reply != "" {
			answer(w, reply)
			return
		}
	}
	answer(w, c.Chat.Command(r.Context(), req).Text)
}

// mentionRE is a leading "<@U123>" of an app mention.
var mentionRE = regexp.MustCompile(`^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*`)

// Events is POST /chat/slack/events: the Events API. Messages in a
// ticket's thread become replies; "@bot <command>" runs a command. Slack's
// retries of an event already handled are acknowledged and ignored.
func (c *Connector) Events(w http.ResponseWriter, r *http.Request) {
	body, ok := c.verify(w, r)
	if !ok {
		return
	}
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		http.Error(w, "Bad event.", http.StatusBadRequest)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		var v slackevents.ChallengeResponse
		_ = json.Unmarshal(body, &v)
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(v.Challenge))
		return
	case slackevents.CallbackEvent:
	default:
		w.WriteHeader(http.StatusOK)
		return
	}
	cb, _ := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if cb != nil && cb.EventID != "" {
		first, err := c.Chat.FirstTime(r.Context(), "slack-event:"+cb.EventID)
		if err != nil {
			http.Error(w, "Try again.", http.StatusServiceUnavailable)
			return
		}
		if !first {
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	ctx := r.Context()
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		if e.BotID != "" || e.SubType != "" || e.User == "" || e.ThreadTimeStamp == "" || mentionRE.MatchString(e.Text) {
			break // bots (ourselves included), edits, top-level chatter, mentions (app_mention has them)
		}
		req := chat.Request{User: helpdesk.ChatUser{Connector: "slack", Workspace: ev.TeamID, ID: e.User},
			Channel: e.Channel, Thread: e.ThreadTimeStamp, Text: e.Text}
		if reply, ok := c.Chat.ThreadMessage(ctx, req); ok && reply.Text != "" {
			c.ephemeral(ctx, e.Channel, e.ThreadTimeStamp, e.User, reply.Text)
		}
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" {
			break
		}
		req := chat.Request{User: helpdesk.ChatUser{Connector: "slack", Workspace: ev.TeamID, ID: e.User},
			Channel: e.Channel, Thread: e.ThreadTimeStamp, Text: mentionRE.ReplaceAllString(e.Text, "")}
		c.ephemeral(ctx, e.Channel, e.ThreadTimeStamp, e.User, c.Chat.Command(ctx, req).Text)
	}
	w.WriteHeader(http.StatusOK)
}

// Interactions is POST /chat/slack/interactions: button presses on team
// channel cards and the new-ticket modal.
func (c *Connector) Interactions(w http.ResponseWriter, r *http.Request) {
	body, ok := c.verify(w, r)
	if !ok {
		return
	}
	f, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(f.Get("payload")), &cb); err != nil {
		http.Error(w, "Bad payload.", http.StatusBadRequest)
		return
	}
	user := helpdesk.ChatUser{Connector: "slack", Workspace: cb.Team.ID, ID: cb.User.ID, Name: cb.User.Name}
	ctx := r.Context()
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		if len(cb.ActionCallback.BlockActions) == 0 {
			break
		}
		a := cb.ActionCallback.BlockActions[0]
		if a.ActionID != chat.ActionTake && a.ActionID != chat.ActionAck && a.ActionID != chat.ActionApprove &&
			a.ActionID != chat.ActionDecline {
			break // "Open" is a link; Slack tells us anyway
		}
		reply := c.Chat.Action(ctx, chat.Request{User: user, Channel: cb.Channel.ID}, a.ActionID, a.Value)
		c.respond(ctx, cb.ResponseURL, reply.Text)
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID != newTicketCallback {
			break
		}
		if errs := c.submitNewTicket(ctx, user, cb.View); len(errs) > 0 {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(slack.NewErrorsViewSubmissionResponse(errs))
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// respond answers an interaction through its response_url, to the presser
// only.
func (c *Connector) respond(ctx context.Context, responseURL, text string) {
	if responseURL == "" || text == "" {
		return
	}
	b, _ := json.Marshal(map[string]any{"response_type": "ephemeral", "replace_original": false, "text": text})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, responseURL, bytes.NewReader(b))
	if err != nil {
		c.Log.Warn("slack response_url", "err", err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err == nil {
		_ = res.Body.Close()
		if res.StatusCode >= 300 {
			err = errors.New(res.Status)
		}
	}
	if err != nil {
		c.Log.Warn("slack response_url", "err", err)
	}
}
