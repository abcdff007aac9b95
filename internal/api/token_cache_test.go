package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

// listening waits until the nodes cache tokens (nodes cache nothing until
// they hear auth.AuthChannel, which would make the assertions below hold
// vacuously).
func listening(t *testing.T, nodes ...*apptest.Env) {
	t.Helper()
	testwait.Until(t, testwait.Long, "nodes caching tokens", func() bool {
		for _, e := range nodes {
			if !e.App.Tokens.Caching() {
				return false
			}
		}
		return true
	})
}

// fromCache checks that node e answers a repeated token check from its
// cache: with caching off the invalidation checks below would pass without
// testing anything. A late invalidation from an earlier change on the other
// node may empty the cache between two requests, so c repeats its request
// until one is a hit; with caching off none ever is.
func fromCache(t *testing.T, e *apptest.Env, before int64, c *client) {
	t.Helper()
	testwait.Until(t, 10*time.Second, "a repeated request answered from the token cache", func() bool {
		if e.App.Tokens.CacheHits() > before {
			return true
		}
		c.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
		return e.App.Tokens.CacheHits() > before
	})
}

// TestTokenCacheAcrossNodes: nodes cache checked tokens, yet revoking a
// token or deactivating its user through one node stops the token there at
// once and on another node on the same database within moments.
func TestTokenCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	a := apptest.New(t, apptest.Options{Conn: conn})
	b := apptest.New(t, apptest.Options{Conn: conn})
	listening(t, a, b)
	// A's clock stands still, so its cached tokens never age out: only B's
	// announcements can stop a token there, however slow the machine.
	frozen := time.Now()
	a.App.Tokens.Now = func() time.Time { return frozen }
	ctx := context.Background()
	on := func(e *apptest.Env, u *helpdesk.User, secret string) *client {
		return &client{t: t, base: e.URL, token: secret, user: u}
	}
	ok := func(c *client) bool { return c.do("GET", "/api/v1/tickets", nil).status == http.StatusOK }
	stopped := func(c *client) bool { return c.do("GET", "/api/v1/tickets", nil).status == http.StatusUnauthorized }

	// A requester revokes their token in the web UI of node B.
	req := a.User(helpdesk.RoleRequester)
	secret, tok, err := a.App.Tokens.Create(ctx, req, auth.NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	onA, onB := on(a, req, secret), on(b, req, secret)
	hits := a.App.Tokens.CacheHits()
	for _, c := range []*client{onA, onA, onB} { // the second request on A comes from its cache
		c.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	}
	fromCache(t, a, hits, onA)
	if r := b.SignIn(req).PostForm(fmt.Sprintf("/profile/tokens/%d/revoke", tok.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke on B: %d", r.StatusCode)
	}
	if !stopped(onB) {
		t.Error("revoked token still works on the node that revoked it")
	}
	testwait.Until(t, testwait.Long, "token revoked on B stops on A", func() bool { return stopped(onA) })

	// An admin deactivates an agent in the console of node B.
	agent := a.User(helpdesk.RoleAgent)
	secret, _, err = a.App.Tokens.Create(ctx, agent, auth.NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	onA, onB = on(a, agent, secret), on(b, agent, secret)
	hits = a.App.Tokens.CacheHits()
	for _, c := range []*client{onA, onA, onB} {
		c.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	}
	fromCache(t, a, hits, onA)
	admin := b.SignIn(b.User(helpdesk.RoleAdmin))
	if r := admin.PostForm(fmt.Sprintf("/admin/people/%d/deactivate", agent.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate on B: %d", r.StatusCode)
	}
	if !stopped(onB) {
		t.Error("a deactivated user's token still works on the node that deactivated them")
	}
	testwait.Until(t, testwait.Long, "deactivation on B stops the token on A", func() bool { return stopped(onA) })

	// A token that was never touched keeps working on both.
	other := a.User(helpdesk.RoleRequester)
	secret, _, err = a.App.Tokens.Create(ctx, other, auth.NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	if !ok(on(a, other, secret)) || !ok(on(b, other, secret)) {
		t.Error("an unrelated token stopped working")
	}
}
