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

// TestRequesterEmailCacheAcrossNodes: tickets filed for requester_email
// find the person from a cache, yet a person deactivated through one node
// can no longer be named there at once, nor on another node within moments.
func TestRequesterEmailCacheAcrossNodes(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	a := apptest.New(t, apptest.Options{Conn: conn})
	b := apptest.New(t, apptest.Options{Conn: conn})
	// A's clock stands still, so its cached entries never age out: only the
	// announcement of B's change can refuse the requester on A, and the wait
	// below can be generous without passing when announcements are broken.
	frozen := time.Now()
	a.App.Directory.Now = func() time.Time { return frozen }
	listening(t, a, b)
	ctx := context.Background()
	agent := a.User(helpdesk.RoleAgent)
	secret, _, err := a.App.Tokens.Create(ctx, agent, auth.NewToken{Name: "script"})
	if err != nil {
		t.Fatal(err)
	}
	onA := &client{t: t, base: a.URL, token: secret, user: agent}
	onB := &client{t: t, base: b.URL, token: secret, user: agent}
	emp := a.User(helpdesk.RoleRequester)
	file := func(c *client) int {
		return c.do("POST", "/api/v1/tickets", map[string]any{"subject": "Laptop fan loud", "description": "Since today.",
			"requester_email": emp.Email}).status
	}
	hits := a.App.Directory.CacheHits()
	testwait.Until(t, testwait.Long, "a repeated requester_email answered from the cache", func() bool {
		if s := file(onA); s != http.StatusCreated {
			t.Fatalf("file for %s on A: %d", emp.Email, s)
		}
		return a.App.Directory.CacheHits() > hits
	})
	if s := file(onB); s != http.StatusCreated {
		t.Fatalf("file for %s on B: %d", emp.Email, s)
	}
	admin := b.SignIn(b.User(helpdesk.RoleAdmin))
	if r := admin.PostForm(fmt.Sprintf("/admin/people/%d/deactivate", emp.ID), nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("deactivate on B: %d", r.StatusCode)
	}
	if s := file(onB); s != http.StatusUnprocessableEntity {
		t.Errorf("ticket for a deactivated requester on the node that deactivated them: %d, want 422", s)
	}
	testwait.Until(t, testwait.Long, "deactivation on B refuses the requester on A", func() bool {
		return file(onA) == http.StatusUnprocessableEntity
	})
}
