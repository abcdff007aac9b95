package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// portal is what most portal tests need: a node, a requester with a
// ticket, a second requester, an agent.
type portal struct {
	e      *apptest.Env
	alice  *helpdesk.User // requester who filed t
	bob    *helpdesk.User // another requester
	agent  *helpdesk.User
	t      *helpdesk.Ticket
	ctx    context.Context
	tpath  string
	client *apptest.Client // alice signed in
}

func setup(t *testing.T, opts ...apptest.Options) *portal {
	t.Helper()
	e := apptest.New(t, opts...)
	p := &portal{e: e, ctx: context.Background()}
	p.alice = e.User(helpdesk.RoleRequester)
	p.bob = e.User(helpdesk.RoleRequester)
	p.agent = e.User(helpdesk.RoleAgent)
	p.t = p.file(p.alice, "Printer on floor 3 jams", "It eats every **second** page.",
		helpdesk.Upload{Filename: "jam.txt", Data: []byte("paper jam log\n")})
	p.tpath = fmt.Sprintf("/tickets/%d", p.t.Number)
	p.client = e.SignIn(p.alice)
	return p
}

// file creates a ticket through the service, as the portal would.
func (p *portal) file(u *helpdesk.User, subject, body string, ups ...helpdesk.Upload) *helpdesk.Ticket {
	p.e.T.Helper()
	t, err := p.e.App.Tickets.Create(p.ctx, u, ticket.CreateInput{Subject: subject, Description: body, Attachments: ups})
	if err != nil {
		p.e.T.Fatalf("create ticket: %v", err)
	}
	return t
}

// attachmentIDs lists the attachment ids of ticket t, oldest first.
func (p *portal) attachmentIDs(t *helpdesk.Ticket) []int64 {
	p.e.T.Helper()
	rows, err := p.e.App.DB.RawPool().Query(p.ctx, "SELECT id FROM attachments WHERE ticket_id = $1 ORDER BY id", t.ID)
	if err != nil {
		p.e.T.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// wantStatus fails unless r has the status.
func wantStatus(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if r.StatusCode != want {
		body := r.Body
		if len(body) > 1500 {
			body = body[:1500]
		}
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, body)
	}
}

// wantNotFound checks the answer is exactly the page a missing ticket gets.
func wantNotFound(t *testing.T, r *apptest.Response, missing *apptest.Response) {
	t.Helper()
	wantStatus(t, r, http.StatusNotFound)
	if got, want := r.Text("main"), missing.Text("main"); got != want {
		t.Fatalf("%s %s: 404 page differs from a missing ticket's:\n%q\nvs\n%q", r.Request.Method, r.Request.URL.Path, got, want)
	}
}

func has(body, s string) bool { return strings.Contains(body, s) }

type goquerySel = goquery.Selection
