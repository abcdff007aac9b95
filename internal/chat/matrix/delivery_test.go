package matrix_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// flakyProxy stands between the bot and the homeserver. Messages sent into
// one room are answered first 429 (M_LIMIT_EXCEEDED), then passed on with
// the answer lost (502 to the bot), then passed on normally.
type flakyProxy struct {
	proxy *httputil.ReverseProxy
	room  string
	mu    sync.Mutex
	sends []string // the path of each send into room, in order
}

func (f *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut || !strings.Contains(r.URL.Path, "/rooms/"+url.PathEscape(f.room)+"/send/") &&
		!strings.Contains(r.URL.Path, "/rooms/"+f.room+"/send/") {
		f.proxy.ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	f.sends = append(f.sends, r.URL.Path)
	n := len(f.sends)
	f.mu.Unlock()
	switch n {
	case 1:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":500}`))
	case 2:
		// The homeserver makes the event, but the bot never hears so.
		f.proxy.ServeHTTP(httptest.NewRecorder(), r)
		w.WriteHeader(http.StatusBadGateway)
	default:
		f.proxy.ServeHTTP(w, r)
	}
}

// A delivery that meets a 429 and then a lost answer is retried until it
// is sent, and appears exactly once: the retry reuses the transaction id
// made from its idempotency key, which the homeserver deduplicates.
func TestMatrixDeliveryRetriesAndPostsOnce(t *testing.T) {
	hs := needServer(t)
	ctx := context.Background()
	bot := newPerson(t, hs, "retrybot")
	cy := newPerson(t, hs, "cy")
	room, err := cy.cli.CreateRoom(ctx, &mautrix.ReqCreateRoom{Preset: "public_chat", Name: "Help desk"})
	if err != nil {
		t.Fatal(err)
	}
	target, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	fp := &flakyProxy{proxy: httputil.NewSingleHostReverseProxy(target), room: string(room.RoomID)}
	proxy := httptest.NewServer(fp)
	t.Cleanup(proxy.Close) // after the node, whose sync is still polling through it
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_MATRIX_HOMESERVER": proxy.URL,
		"SWITCHBOARD_MATRIX_USER":       string(bot.cli.UserID),
		"SWITCHBOARD_MATRIX_TOKEN":      bot.cli.AccessToken,
		"SWITCHBOARD_MATRIX_ROOMS":      string(room.RoomID),
	}})
	waitSyncing(t, e, bot, cy, room.RoomID)
	link(e, cy, bot.cli.UserID, room.RoomID, e.User(helpdesk.RoleRequester))

	cy.say(room.RoomID, "", "!it new The projector in room 4 shows no picture")
	var d helpdesk.ChatDelivery
	testwait.UntilNil(t, testwait.Long, "the thread's delivery to be sent", func() error {
		ds, err := e.App.DB.ChatDeliveries(ctx, "matrix", 10)
		if err != nil {
			return err
		}
		for _, x := range ds {
			if strings.HasPrefix(x.IdemKey, "thread:") {
				d = x
			}
		}
		if d.Status != "sent" {
			return fmt.Errorf("delivery = %+v", d)
		}
		return nil
	})
	e.Settle()
	if d.Attempts != 3 || d.RemoteID == "" {
		t.Errorf("delivery log = attempts %d, remote %q, want 3 attempts and an event id", d.Attempts, d.RemoteID)
	}
	fp.mu.Lock()
	sends := append([]string(nil), fp.sends...)
	fp.mu.Unlock()
	if len(sends) != 3 || sends[1] != sends[2] {
		t.Errorf("sends into the room = %q, want 3 with the retry under the same transaction id", sends)
	}
	roots := 0
	if err := cy.sync(); err != nil {
		t.Fatal(err)
	}
	for _, evt := range cy.seen {
		m := evt.Content.AsMessage()
		if evt.Sender == bot.cli.UserID && evt.RoomID == room.RoomID && evt.Type == event.EventMessage &&
			strings.Contains(m.Body, "The projector in room 4") {
			roots++
		}
	}
	if roots != 1 {
		t.Fatalf("the ticket's thread appears %d times in the room, want exactly once", roots)
	}
}
