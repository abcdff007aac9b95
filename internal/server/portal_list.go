package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/web"
)

// myTicketsPageSize is how many tickets one page of "My tickets" shows.
const myTicketsPageSize = 25

// myTickets is the requester's home: their own tickets (and those they take
// part in), open or closed, searchable, newest activity first, in keyset
// pages. Staff see the tickets they filed themselves.
func (s *Server) myTickets(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	q := r.URL.Query()
	m := web.MyTickets{Closed: q.Get("tab") == "closed", Query: q.Get("q"), Paged: q.Get("cursor") != ""}
	f := postgres.TicketFilter{Viewer: u, Query: m.Query, PublicSearch: true, Sort: postgres.SortUpdated,
		Cursor: q.Get("cursor"), Limit: myTicketsPageSize}
	if u.IsStaff() {
		f.RequesterIDs = []int64{u.ID}
	}
	if m.Closed {
		f.Statuses = []helpdesk.Status{helpdesk.StatusResolved, helpdesk.StatusClosed}
	} else {
		f.OpenOnly = true
	}
	page, err := s.DB.ListTickets(r.Context(), f)
	if err != nil {
		return err
	}
	m.Tickets, m.NextCursor = page.Tickets, page.NextCursor
	if s.Incidents != nil {
		if m.KnownIssues, err = s.Incidents.KnownIssues(r.Context()); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, web.PortalList(s.page(r, "My tickets", "tickets"), m))
	return nil
}
