package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"switchboard/internal/auth"
)

// A requester cannot probe which addresses have accounts: naming another
// person, existing, deactivated or unknown, gets one and the same answer.
func TestLeakRequesterEmailProbe(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if _, err := b.e.App.DB.RawPool().Exec(context.Background(), `UPDATE users SET active = false WHERE id = $1`, b.agent.user.ID); err != nil {
		t.Fatal(err)
	}
	var answers []string
	for _, email := range []string{b.other.user.Email, b.agent.user.Email, "nobody-here@example.com", "not an address"} {
		r := b.req.do("POST", "/api/v1/tickets", map[string]any{"subject": "x", "description": "y", "requester_email": email})
		p := r.problem(t)
		answers = append(answers, fmt.Sprintf("%d %s %s %v", r.status, p.Title, p.Detail, p.Errors))
	}
	for i, a := range answers[1:] {
		if a != answers[0] {
			t.Errorf("answers differ:\n%s\n%s (case %d)", answers[0], a, i+1)
		}
	}
	// Their own address is fine.
	b.req.must(http.StatusCreated, "POST", "/api/v1/tickets", map[string]any{"subject": "x", "description": "y",
		"requester_email": b.req.user.Email})
}

// All of a user's tokens share one budget: more tokens buy no more
// requests, and Retry-After says when the next one may go.
func TestLeakRateLimitPerUser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.e.App.API.SetRateLimit(0.01, 5) // 5 at once, then one per 100 s
	var toks []*client
	for range 5 {
		toks = append(toks, b.client(b.req.user, auth.ScopeReadWrite))
	}
	ok, limited := 0, 0
	var retry string
	for round := range 3 {
		for _, c := range toks {
			r := c.do("GET", "/api/v1/tickets", nil)
			switch r.status {
			case http.StatusOK:
				ok++
			case http.StatusTooManyRequests:
				limited++
				retry = r.header.Get("Retry-After")
			default:
				t.Fatalf("round %d: status %d", round, r.status)
			}
		}
	}
	if ok != 5 || limited != 10 {
		t.Errorf("15 requests over 5 tokens of one user: %d passed, %d limited; want 5 and 10", ok, limited)
	}
	if s, err := strconv.Atoi(retry); err != nil || s < 50 || s > 100 {
		t.Errorf("Retry-After %q, want about 100 s", retry)
	}
	// Another user's budget is their own.
	b.other.must(http.StatusOK, "GET", "/api/v1/tickets", nil)
}
