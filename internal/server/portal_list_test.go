package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

func TestPortalMyTicketsTabsSearchPages(t *testing.T) {
	t.Parallel()
	p := setup(t)
	for i := range 26 {
		p.file(p.alice, fmt.Sprintf("Ticket %02d", i), "routine")
	}
	p.file(p.alice, "Keyboard spills", "coffee everywhere")
	done := p.file(p.alice, "Old monitor", "fixed")
	if _, err := p.e.App.Tickets.SetStatus(p.ctx, p.alice, done.Number, helpdesk.StatusResolved, ""); err != nil {
		t.Fatal(err)
	}
	p.file(p.bob, "Bob's secret", "not Alice's")
	// Triage touches new tickets in the background; let it finish so that
	// the order below is the one a user would see.
	p.e.Settle()
	// Activity moves a ticket to the top.
	if _, err := p.e.App.Tickets.AddMessage(p.ctx, p.alice, p.t.Number, ticket.MessageInput{Body: "any news?"}); err != nil {
		t.Fatal(err)
	}
	r := p.client.Get("/tickets")
	wantStatus(t, r, http.StatusOK)
	rows := r.Doc.Find("#my-tickets tbody tr")
	if rows.Length() != 25 {
		t.Fatalf("%d rows on page 1, want 25", rows.Length())
	}
	if got := rows.First().Find(".subject").Text(); got != p.t.Subject {
		t.Errorf("first row %q, want the ticket with the newest activity", got)
	}
	for _, head := range []string{"Number", "Subject", "Status", "Priority", "Assignee", "Last update"} {
		if !strings.Contains(r.Text("#my-tickets thead"), head) {
			t.Errorf("no %s column", head)
		}
	}
	if strings.Contains(r.Body, "Bob's secret") || strings.Contains(r.Body, "Old monitor") {
		t.Error("open tab shows someone else's or a resolved ticket")
	}
	next, ok := r.Doc.Find(`.pager a[rel=next]`).Attr("href")
	if !ok {
		t.Fatal("no next page link")
	}
	r2 := p.client.Get(next)
	wantStatus(t, r2, http.StatusOK)
	if n := r2.Doc.Find("#my-tickets tbody tr").Length(); n != 3 {
		t.Errorf("%d rows on page 2, want 3 (28 open tickets)", n)
	}
	if r2.Has(`.pager a[rel=next]`) {
		t.Error("next link on the last page")
	}
	seen := map[string]bool{}
	for _, page := range []string{r.Text("#my-tickets tbody"), r2.Text("#my-tickets tbody")} {
		for _, f := range strings.Fields(page) {
			if strings.HasPrefix(f, "#") {
				if seen[f] {
					t.Errorf("%s on both pages", f)
				}
				seen[f] = true
			}
		}
	}
	closed := p.client.Get("/tickets?tab=closed")
	if n := closed.Doc.Find("#my-tickets tbody tr").Length(); n != 1 || !strings.Contains(closed.Text("#my-tickets"), "Old monitor") {
		t.Errorf("closed tab: %d rows: %q", n, closed.Text("#my-tickets"))
	}
	if closed.Doc.Find(`.tabs a[aria-current=page]`).Text() != "Closed" {
		t.Error("closed tab not marked current")
	}
	found := p.client.Get("/tickets?q=coffee")
	if n := found.Doc.Find("#my-tickets tbody tr").Length(); n != 1 || !strings.Contains(found.Text("#my-tickets"), "Keyboard spills") {
		t.Errorf("search: %d rows", n)
	}
	if found.Doc.Find("#q").AttrOr("value", "") != "coffee" {
		t.Error("search box does not keep the query")
	}
	if r := p.client.Get("/tickets?q=secret"); r.Has("#my-tickets") {
		t.Error("search finds another requester's ticket")
	}
	if r := p.client.Get("/tickets?cursor=garbage"); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad cursor: %d", r.StatusCode)
	}
}
