package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/api"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// TestTokens: every kind of bad token gets the same 401; read tokens only
// read; revoking takes effect on the next request; expiring or deactivating
// in the database directly, as another node would, within moments (the node
// hears of it on auth.AuthChannel and drops its cached tokens).
func TestTokens(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	db := b.e.App.DB

	anon := &client{t: t, base: b.e.URL, user: &helpdesk.User{Role: "anonymous"}}
	first := anon.must(http.StatusUnauthorized, "GET", "/api/v1/tickets", nil)
	if first.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	first.problem(t)
	same := func(name string, r reply) {
		t.Helper()
		if r.status != http.StatusUnauthorized || string(r.body) != string(first.body) {
			t.Errorf("%s: %d %s, want the same 401 as no token", name, r.status, r.body)
		}
	}
	soon := func(name string, c *client) {
		t.Helper()
		var r reply
		// 5 s: under the 10 s age of the token cache, so only the invalidation can do it.
		testwait.Until(t, 5*time.Second, name, func() bool {
			r = c.do("GET", "/api/v1/tickets", nil)
			return r.status == http.StatusUnauthorized
		})
		same(name, r)
	}
	for name, tok := range map[string]string{
		"garbage":         "hello",
		"right shape":     auth.TokenPrefix + strings.Repeat("a", 52),
		"token plus junk": b.req.token + "x",
	} {
		c := *b.req
		c.token = tok
		same(name, c.do("GET", "/api/v1/tickets", nil))
	}

	// Read scope: GET yes, POST/PATCH 403, nothing written.
	ro := b.client(b.req.user, auth.ScopeRead)
	ro.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	before := b.count(t, "SELECT count(*) FROM tickets")
	ro.must(http.StatusForbidden, "POST", "/api/v1/tickets", map[string]any{"subject": "s", "description": "d"})
	if b.count(t, "SELECT count(*) FROM tickets") != before {
		t.Error("read token created a ticket")
	}

	// last_used_at is recorded.
	if n := b.count(t, "SELECT count(*) FROM api_tokens WHERE user_id = $1 AND last_used_at IS NOT NULL", b.req.user.ID); n != 1 {
		t.Errorf("%d tokens with last_used_at, want 1 (the read token)", n)
	}

	// Revoked.
	rv := b.client(b.req.user, auth.ScopeReadWrite)
	rv.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	toks, err := b.e.App.Tokens.List(ctx, b.req.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.e.App.Tokens.Revoke(ctx, b.other.user.ID, toks[0].ID); helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND {
		t.Errorf("revoking someone else's token: %v", err)
	}
	if err := b.e.App.Tokens.Revoke(ctx, b.req.user.ID, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	same("revoked", rv.do("GET", "/api/v1/tickets", nil))

	// Expired.
	ex := b.client(b.req.user, auth.ScopeReadWrite)
	ex.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	if _, err := db.RawPool().Exec(ctx, "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1", b.req.user.ID); err != nil {
		t.Fatal(err)
	}
	soon("expired", ex)

	// Deactivated user: the agent's token stops.
	b.agent.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	if _, err := db.RawPool().Exec(ctx, "UPDATE users SET active = false WHERE id = $1", b.agent.user.ID); err != nil {
		t.Fatal(err)
	}
	soon("deactivated", b.agent)

	// Creating tokens validates its input.
	past := time.Now().Add(-time.Hour)
	_, _, err = b.e.App.Tokens.Create(ctx, b.req.user, auth.NewToken{Name: "", Scope: "admin", ExpiresAt: &past})
	if got := len(helpdesk.FieldErrors(err)); got != 3 {
		t.Errorf("bad token input: %v", err)
	}
}

// TestRateLimit: past the burst a token gets 429 with Retry-After, another
// token is unaffected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	a := b.e.App
	// One request per 100 s: Retry-After is then about 100 however slowly
	// the machine runs the first requests (at 0.5/s a 1 s stall changed it).
	h := api.New(api.Options{DB: a.DB, Tickets: a.Tickets, Tokens: a.Tokens, RatePerSecond: 0.01, Burst: 3})
	r := chi.NewRouter()
	r.Mount("/api", h)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	c, other := *b.req, *b.other
	c.base, other.base = srv.URL, srv.URL
	for range 3 {
		c.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
	}
	got := c.do("GET", "/api/v1/tickets", nil)
	if secs, _ := strconv.Atoi(got.header.Get("Retry-After")); got.status != http.StatusTooManyRequests || secs < 50 || secs > 100 {
		t.Errorf("4th request: %d Retry-After=%q", got.status, got.header.Get("Retry-After"))
	}
	got.problem(t)
	other.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
}

// TestIdempotency: the same key and body create one ticket, also when sent
// concurrently; the same key with another body is refused.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	b := setup(t)
	body := map[string]any{"subject": "Monitor flickers", "description": "Since the update."}
	first := b.req.must(http.StatusCreated, "POST", "/api/v1/tickets", body, "Idempotency-Key: k-1")
	again := b.req.must(http.StatusCreated, "POST", "/api/v1/tickets", body, "Idempotency-Key: k-1")
	if string(first.body) != string(again.body) || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("Location") != first.header.Get("Location") {
		t.Errorf("replay differs:\n%s\n%s", first.body, again.body)
	}
	p := b.req.must(http.StatusUnprocessableEntity, "POST", "/api/v1/tickets",
		map[string]any{"subject": "Other", "description": "x"}, "Idempotency-Key: k-1").problem(t)
	if fieldNames(p) != "Idempotency-Key" {
		t.Errorf("mismatch problem: %+v", p)
	}
	// Keys are per user: another user may use the same one.
	b.other.must(http.StatusCreated, "POST", "/api/v1/tickets", body, "Idempotency-Key: k-1")

	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = b.req.do("POST", "/api/v1/tickets", map[string]any{"subject": "Race", "description": "x"},
				"Idempotency-Key: race").status
		})
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusCreated {
			t.Errorf("concurrent statuses %v", statuses)
			break
		}
	}
	if n := b.count(t, "SELECT count(*) FROM tickets WHERE subject = 'Race'"); n != 1 {
		t.Errorf("%d tickets from one key sent 8 times", n)
	}
	if n := b.count(t, "SELECT count(*) FROM tickets WHERE subject = 'Monitor flickers'"); n != 2 {
		t.Errorf("%d 'Monitor flickers' tickets, want 2 (one per user)", n)
	}

	// Replies too.
	path := first.header.Get("Location") + "/messages"
	b.req.must(http.StatusCreated, "POST", path, map[string]any{"body": "any news?"}, "Idempotency-Key: m-1")
	b.req.must(http.StatusCreated, "POST", path, map[string]any{"body": "any news?"}, "Idempotency-Key: m-1")
	if n := b.count(t, "SELECT count(*) FROM messages WHERE body_text = 'any news?'"); n != 1 {
		t.Errorf("%d replies from one key", n)
	}
}

// TestBadInput: unknown fields are named, oversized bodies are 413, broken
// JSON is 400, and none of it writes anything.
func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	before := b.count(t, "SELECT count(*) FROM tickets")
	p := b.req.must(http.StatusUnprocessableEntity, "POST", "/api/v1/tickets",
		map[string]any{"subject": "s", "description": "d", "priorty": "P1"}).problem(t)
	if len(p.Errors) != 1 || p.Errors[0].Field != "priorty" || !strings.Contains(p.Errors[0].Message, "priorty") {
		t.Errorf("unknown field problem: %+v", p)
	}
	p = b.req.must(http.StatusUnprocessableEntity, "POST", "/api/v1/tickets",
		map[string]any{"subject": 42, "description": "d"}).problem(t)
	if fieldNames(p) != "subject" {
		t.Errorf("wrong type problem: %+v", p)
	}
	big := map[string]any{"subject": "s", "description": strings.Repeat("x", 2<<20)}
	if r := b.req.do("POST", "/api/v1/tickets", big); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body: %d", r.status)
	}
	if r := b.req.send("POST", "/api/v1/tickets", "application/json", []byte(`{"subject":`)); r.status != http.StatusBadRequest {
		t.Errorf("broken JSON: %d", r.status)
	}
	if r := b.req.send("POST", "/api/v1/tickets", "text/plain", []byte(`{}`)); r.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", r.status)
	}
	if n := b.count(t, "SELECT count(*) FROM tickets"); n != before {
		t.Errorf("bad input wrote %d tickets", n-before)
	}
	tk := b.req.create("Keyboard")
	path := tk.path()
	p = b.req.must(http.StatusUnprocessableEntity, "PATCH", path, map[string]any{"status": nil}).problem(t)
	if fieldNames(p) != "status" {
		t.Errorf("null status: %+v", p)
	}
	b.req.must(http.StatusNotFound, "GET", "/api/v1/tickets/abc", nil)
	b.req.must(http.StatusNotFound, "GET", "/api/v1/nothing", nil)
	if r := b.req.do("DELETE", path, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("DELETE: %d", r.status)
	}
	if r := b.req.upload(path+"/attachments", map[string]string{"colour": "red"}, map[string][]byte{"a.txt": []byte("a")}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("unknown form field: %d", r.status)
	}
	if r := b.req.upload(path+"/attachments", nil, nil); r.status != http.StatusUnprocessableEntity {
		t.Errorf("upload without file: %d", r.status)
	}
}
