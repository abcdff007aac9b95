package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

type articleBody struct {
	ID         int64   `json:"id"`
	Title      string  `json:"title"`
	Visibility string  `json:"visibility"`
	Published  bool    `json:"published"`
	Category   *string `json:"category"`
	Body       string  `json:"body"`
}

// TestKBArticles: staff write articles (published unless told otherwise),
// requesters may not; a search answers with the caller's visibility, and a
// staff-only article or a draft is a 404 for a requester by id.
func TestKBArticles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var pub, staff, draft articleBody
	b.agent.must(http.StatusCreated, "POST", "/api/v1/kb/articles", map[string]any{"title": "Reset the VPN client",
		"body": "Quit the **VPN** client and start it again.", "category": "Network", "visibility": "employees"}).decode(t, &pub)
	b.agent.must(http.StatusCreated, "POST", "/api/v1/kb/articles", map[string]any{"title": "VPN gateway runbook",
		"body": "Fail over the VPN gateway.", "visibility": "staff"}).decode(t, &staff)
	b.agent.must(http.StatusCreated, "POST", "/api/v1/kb/articles", map[string]any{"title": "VPN changes next month",
		"body": "A new VPN client.", "visibility": "employees", "published": false}).decode(t, &draft)
	if !pub.Published || pub.Category == nil || *pub.Category != "Network" || draft.Published || staff.Visibility != "staff" {
		t.Fatalf("created %+v %+v %+v", pub, staff, draft)
	}
	r := b.req.do("POST", "/api/v1/kb/articles", map[string]any{"title": "x", "body": "y", "visibility": "employees"})
	if r.status != http.StatusForbidden {
		t.Fatalf("requester writes: %d %s", r.status, r.body)
	}
	r.problem(t)
	bad := b.agent.must(http.StatusUnprocessableEntity, "POST", "/api/v1/kb/articles", map[string]any{"title": "", "body": "y", "visibility": "everyone"}).problem(t)
	if len(bad.Errors) != 2 {
		t.Errorf("field errors = %+v, want title and visibility", bad.Errors)
	}

	search := func(c *client) map[int64]bool {
		var out struct{ Articles []articleBody }
		c.must(http.StatusOK, "GET", "/api/v1/kb/articles?q=vpn", nil).decode(t, &out)
		seen := map[int64]bool{}
		for _, a := range out.Articles {
			seen[a.ID] = true
		}
		return seen
	}
	if s := search(b.req); !s[pub.ID] || s[staff.ID] || s[draft.ID] {
		t.Errorf("requester's search = %v, want only %d", s, pub.ID)
	}
	if s := search(b.agent); !s[pub.ID] || !s[staff.ID] || s[draft.ID] {
		t.Errorf("agent's search = %v, want %d and %d (drafts are not searched)", s, pub.ID, staff.ID)
	}
	for _, id := range []int64{staff.ID, draft.ID, 99999} {
		b.req.must(http.StatusNotFound, "GET", fmt.Sprintf("/api/v1/kb/articles/%d", id), nil).problem(t)
	}
	var got articleBody
	b.req.must(http.StatusOK, "GET", fmt.Sprintf("/api/v1/kb/articles/%d", pub.ID), nil).decode(t, &got)
	if got.Body != "Quit the **VPN** client and start it again." {
		t.Errorf("body = %q", got.Body)
	}
}
