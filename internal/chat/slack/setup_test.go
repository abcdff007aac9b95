package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"switchboard/internal/testwait"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// call is one Web API call the fake Slack received.
type call struct {
	Method string
	Form   url.Values
	Status int
	Err    string // Slack's error code when it answered ok: false
}

// fakeSlack is slack-go's slacktest server with chat.postMessage,
// chat.update, chat.postEphemeral and views.open recorded; fail lets a test
// script the answers of chat.postMessage (429, 500, …) before it succeeds.
type fakeSlack struct {
	srv   *slacktest.Server
	mu    sync.Mutex
	calls []call
	fail  []int // statuses chat.postMessage answers first, in order
	n     int
	// refuse makes chat.postMessage to a channel answer ok: false with
	// this error code (not_in_channel: the bot was removed from it).
	refuse map[string]string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	record := func(method string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(b))
			f.mu.Lock()
			status := http.StatusOK
			if method == "chat.postMessage" && len(f.fail) > 0 {
				status, f.fail = f.fail[0], f.fail[1:]
			}
			refused := ""
			if method == "chat.postMessage" {
				refused = f.refuse[form.Get("channel")]
			}
			f.calls = append(f.calls, call{Method: method, Form: form, Status: status, Err: refused})
			f.n++
			ts := fmt.Sprintf("1700000000.%06d", f.n)
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if refused != "" {
				_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": refused})
				return
			}
			switch status {
			case http.StatusTooManyRequests:
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(status)
				return
			case http.StatusOK:
			default:
				w.WriteHeader(status)
				return
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "channel": form.Get("channel"), "ts": ts,
				"message_ts": ts})
		}
	}
	f.srv = slacktest.NewTestServer(func(c slacktest.Customize) {
		for _, m := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "views.open"} {
			c.Handle("/"+m, record(m))
		}
	})
	f.srv.Start()
	t.Cleanup(f.srv.Stop)
	return f
}

// posted returns the successful calls of method.
func (f *fakeSlack) posted(method string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if c.Method == method && c.Status == http.StatusOK && c.Err == "" {
			out = append(out, c)
		}
	}
	return out
}

// count returns how many calls of method were made, answered any way.
func (f *fakeSlack) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// find returns the first successful call of method whose form matches.
func (f *fakeSlack) find(method string, match func(url.Values) bool) (url.Values, bool) {
	for _, c := range f.posted(method) {
		if match(c.Form) {
			return c.Form, true
		}
	}
	return nil, false
}

// env is a node with Slack configured against the fake.
type env struct {
	*apptest.Env
	slack *fakeSlack
	ctx   context.Context
}

func setup(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	f := newFakeSlack(t)
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_SLACK_SIGNING_SECRET": signingSecret,
		"SWITCHBOARD_SLACK_BOT_TOKEN":      "xoxb-test-token",
		"SWITCHBOARD_SLACK_API_URL":        f.srv.GetAPIURL(),
	}})
	return &env{Env: e, slack: f, ctx: context.Background()}
}

// sign returns Slack's signature headers for body at time ts.
func sign(secret, body string, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	_, _ = fmt.Fprintf(m, "v0:%s:%s", stamp, body)
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", stamp)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil)))
	return h
}

// send posts a body to a Slack endpoint with the given headers.
func (e *env) send(path, contentType, body string, h http.Header) (int, string) {
	e.T.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.URL+path, strings.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// who is a Slack user in the test workspace.
type who struct{ id, name string }

// command runs "/it text" as u in channel and returns Slack's view of the
// answer (the text only u sees).
func (e *env) command(u who, channel, text string) string {
	e.T.Helper()
	form := url.Values{"team_id": {"T1"}, "user_id": {u.id}, "user_name": {u.name}, "channel_id": {channel},
		"command": {"/it"}, "text": {text}}
	body := form.Encode()
	status, out := e.send("/chat/slack/commands", "application/x-www-form-urlencoded", body, sign(signingSecret, body, time.Now()))
	if status != http.StatusOK {
		e.T.Fatalf("/it %s: status %d: %s", text, status, out)
	}
	var res struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		e.T.Fatalf("/it %s: %v: %s", text, err, out)
	}
	return res.Text
}

// event posts an Events API callback signed now.
func (e *env) event(id string, inner map[string]any) int {
	e.T.Helper()
	return e.eventAt(id, inner, time.Now())
}

// eventAt posts an Events API callback signed at a given time (Slack's
// retries are signed anew).
func (e *env) eventAt(id string, inner map[string]any, at time.Time) int {
	e.T.Helper()
	b, _ := json.Marshal(map[string]any{"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": id,
		"event_time": time.Now().Unix(), "event": inner})
	status, out := e.send("/chat/slack/events", "application/json", string(b), sign(signingSecret, string(b), at))
	if status != http.StatusOK {
		e.T.Fatalf("event %s: status %d: %s", id, status, out)
	}
	return status
}

// interact presses a button as u.
func (e *env) interact(u who, channel, action, value, responseURL string) int {
	e.T.Helper()
	payload, _ := json.Marshal(map[string]any{"type": "block_actions", "team": map[string]string{"id": "T1"},
		"user": map[string]string{"id": u.id, "name": u.name}, "channel": map[string]string{"id": channel},
		"response_url": responseURL, "actions": []map[string]string{{"action_id": action, "block_id": "ticket", "value": value, "type": "button"}}})
	body := url.Values{"payload": {string(payload)}}.Encode()
	status, _ := e.send("/chat/slack/interactions", "application/x-www-form-urlencoded", body, sign(signingSecret, body, time.Now()))
	return status
}

// link links Slack user u to Switchboard user to through the one-time
// link flow: /it link, open it signed in, confirm.
func (e *env) link(u who, to *helpdesk.User) {
	e.T.Helper()
	out := e.command(u, "D1", "link")
	i := strings.Index(out, e.URL+"/chat/link/")
	if i < 0 {
		e.T.Fatalf("/it link gave no link: %q", out)
	}
	path := strings.TrimPrefix(strings.Fields(out[i:])[0], e.URL)
	c := e.SignIn(to)
	page := c.Get(path)
	if page.StatusCode != http.StatusOK || !page.Has("#chat-link form") {
		e.T.Fatalf("link page: %d\n%s", page.StatusCode, page.Body)
	}
	if res := c.PostForm(path, nil); res.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("confirm link: %d\n%s", res.StatusCode, res.Body)
	}
}

// waitFor polls cond until it holds, failing after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, testwait.Long, what, cond)
}

// ticketCount counts every ticket.
func (e *env) ticketCount() int {
	var n int
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
		e.T.Fatal(err)
	}
	return n
}

// nowish is the current time, for signing.
func nowish() time.Time { return time.Now() }

// refuseIn makes chat.postMessage to channel answer ok: false with code.
func (f *fakeSlack) refuseIn(channel, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse == nil {
		f.refuse = map[string]string{}
	}
	f.refuse[channel] = code
}
