package mattermost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"switchboard/internal/testwait"
	"sync"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

const cmdToken = "mm-command-token-1234"

// fakeMattermost is its REST API's posts endpoint: it checks the bot token,
// answers 429 first when asked to, and records what was posted.
type fakeMattermost struct {
	mu       sync.Mutex
	posts    []map[string]any
	throttle int
	calls    int
	// human holds posts written by people (root_id, user_id), which the
	// outgoing webhook names and the connector reads back.
	human map[string]map[string]any
}

func (f *fakeMattermost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.Header.Get("Authorization") != "Bearer mm-bot-token" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/api/v4/posts/"); ok && r.Method == http.MethodGet {
		p, found := f.human[id]
		if !found {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(p)
		return
	}
	if r.URL.Path != "/api/v4/posts" || r.Method != http.MethodPost {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if f.throttle > 0 {
		f.throttle--
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	var p map[string]any
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &p)
	p["id"] = fmt.Sprintf("post%d", len(f.posts)+1)
	f.posts = append(f.posts, p)
	_ = json.NewEncoder(w).Encode(p)
}

func (f *fakeMattermost) posted() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.posts...)
}

// The /it command is refused without the right token (401, nothing done);
// with it, a linked person files a ticket and the bot starts its thread
// through the REST API, after waiting out a 429.
func TestMattermostCommand(t *testing.T) {
	t.Parallel()
	f := &fakeMattermost{throttle: 1}
	mm := httptest.NewServer(f)
	defer mm.Close()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_MATTERMOST_TOKEN": cmdToken,
		"SWITCHBOARD_MATTERMOST_URL": mm.URL, "SWITCHBOARD_MATTERMOST_BOT_TOKEN": "mm-bot-token"}})
	send := func(token, text string) (int, string) {
		form := url.Values{"token": {token}, "team_id": {"team1"}, "user_id": {"mmuser1"}, "user_name": {"ana"},
			"channel_id": {"chan1"}, "command": {"/it"}, "text": {text}}
		res, err := http.PostForm(e.URL+"/chat/mattermost/commands", form)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var out struct {
			Text string `json:"text"`
		}
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out.Text
	}
	count := func() int {
		var n int
		if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM tickets`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if status, _ := send("wrong-token", "new Printer is broken"); status != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d, want 401", status)
	}
	if status, _ := send("", "new Printer is broken"); status != http.StatusUnauthorized {
		t.Fatalf("no token: %d, want 401", status)
	}
	if count() != 0 {
		t.Fatal("a refused command filed a ticket")
	}
	if status, out := send(cmdToken, "mine"); status != http.StatusOK || !strings.Contains(out, "/it link") {
		t.Fatalf("unlinked: %d %q", status, out)
	}
	_, out := send(cmdToken, "link")
	i := strings.Index(out, e.URL)
	if i < 0 {
		t.Fatalf("/it link = %q", out)
	}
	path := strings.TrimPrefix(strings.Fields(out[i:])[0], e.URL)
	c := e.SignIn(e.User(helpdesk.RoleRequester))
	if res := c.PostForm(path, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", res.StatusCode)
	}
	if status, out := send(cmdToken, "new Printer on floor 2 is jammed"); status != http.StatusOK || !strings.Contains(out, "Filed") {
		t.Fatalf("/it new: %d %q", status, out)
	}
	if count() != 1 {
		t.Fatalf("tickets = %d, want 1", count())
	}
	testwait.Until(t, testwait.Long, "the thread posted", func() bool { return len(f.posted()) > 0 })
	p := f.posted()[0]
	if p["channel_id"] != "chan1" || !strings.Contains(fmt.Sprint(p["message"]), "Printer on floor 2") {
		t.Errorf("post = %v", p)
	}
	if len(f.posted()) != 1 {
		t.Errorf("posted %d times", len(f.posted()))
	}
	// A forged button press (no valid signature) is refused.
	body := `{"user_id":"mmuser1","team_id":"team1","channel_id":"chan1","context":{"action":"take","value":"1000","sig":"forged"}}`
	res, err := http.Post(e.URL+"/chat/mattermost/actions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged action: %d, want 401", res.StatusCode)
	}
}
