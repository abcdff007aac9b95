package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
	"switchboard/web"
)

// deskTicketPage builds the workspace view model; every read goes through
// the ticket service, which applies the restricted-team rule.
func (s *Server) deskTicketPage(r *http.Request, number int64) (web.DeskTicketPage, error) {
	ctx, u := r.Context(), CurrentUser(r.Context())
	v, err := s.deskTimelinePage(r, number)
	if err != nil {
		return v, err
	}
	t := v.T
	kids, err := s.Tickets.Children(ctx, u, t)
	if err != nil {
		return v, err
	}
	for _, k := range kids {
		v.Children = append(v.Children, web.Child{Number: k.Number, Subject: k.Subject, Status: k.Status})
		// Resolving an incident offers to resolve its still-open children.
		v.OfferChildren = v.OfferChildren || (k.Status.IsOpen() && !t.Status.IsOpen())
	}
	if v.Tags, err = s.Tickets.Tags(ctx, u, t); err != nil {
		return v, err
	}
	if t.ParentID != nil {
		if p, err := s.DB.TicketNumber(ctx, *t.ParentID); err == nil {
			v.ParentNumber = p
		}
	}
	others, err := s.Tickets.Others(ctx, u, t)
	if err != nil {
		return v, err
	}
	for _, o := range others {
		v.Others = append(v.Others, web.PresenceRow{Name: o.Name, Replying: o.Replying})
	}
	canned, err := s.Tickets.CannedReplies(ctx, u)
	if err != nil {
		return v, err
	}
	chosen, _ := strconv.ParseInt(r.URL.Query().Get("canned"), 10, 64)
	for _, c := range canned {
		if c.TeamID != nil && (t.TeamID == nil || *c.TeamID != *t.TeamID) {
			continue // another team's reply
		}
		body := ticket.FillCanned(c.Body, t, u)
		v.Canned = append(v.Canned, web.CannedOption{ID: c.ID, Title: c.Title, Body: body})
		if c.ID == chosen {
			v.Body = body
		}
	}
	if err := s.suggestArticles(r, &v); err != nil {
		return v, err
	}
	if err := s.phishPanels(r, &v); err != nil {
		return v, err
	}
	opts, err := s.deskOptions(ctx)
	if err != nil {
		return v, err
	}
	// The option lists are cached for a few seconds; a team, category or
	// agent created since must still show as the current value, or saving
	// the form would silently clear it.
	v.Teams = withCurrent(opts.teams.List, t.TeamSlug, t.TeamName)
	v.Categories = withCurrent(opts.categories.List, t.CategoryName, t.CategoryName)
	v.Staff = withCurrent(opts.staff.List, t.AssigneeEmail, t.AssigneeName)
	return v, nil
}

// deskTimelinePage is the part of the workspace the live timeline fragment
// shows: the ticket, its messages and events.
func (s *Server) deskTimelinePage(r *http.Request, number int64) (web.DeskTicketPage, error) {
	ctx, u := r.Context(), CurrentUser(r.Context())
	t, err := s.Tickets.Get(ctx, u, number)
	if err != nil {
		return web.DeskTicketPage{}, err
	}
	msgs, err := s.Tickets.Conversation(ctx, u, t)
	if err != nil {
		return web.DeskTicketPage{}, err
	}
	events, err := s.Tickets.Events(ctx, u, t)
	if err != nil {
		return web.DeskTicketPage{}, err
	}
	return web.DeskTicketPage{Page: s.page(r, "#"+strconv.FormatInt(t.Number, 10)+" "+t.Subject, "desk"), T: t,
		Timeline: web.BuildTimeline(messageViews(t.Number, msgs, true), events), Now: time.Now(), Errors: map[string]string{}}, nil
}

// deskTicket is GET /desk/tickets/{number}. Opening the ticket clears the
// viewer's mentions on it.
func (s *Server) deskTicket(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	v, err := s.deskTicketPage(r, n)
	if err != nil {
		return err
	}
	if err := s.Tickets.SeenMentions(r.Context(), v.Page.User, v.T); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskTicket(v))
	return nil
}

// deskTimeline is GET /desk/tickets/{number}/timeline, the live fragment
// every open workspace fetches on each change of its ticket.
func (s *Server) deskTimeline(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	v, err := s.deskTimelinePage(r, n)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskTimeline(v))
	return nil
}

// deskWrite is POST /desk/tickets/{number}/messages: a reply or a note.
func (s *Server) deskWrite(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	body, internal := r.PostFormValue("body"), r.PostFormValue("internal") == "1"
	_, err = s.Tickets.Write(r.Context(), CurrentUser(r.Context()), n, body, internal)
	if isInvalid(err) {
		return s.deskRerender(w, r, n, err, func(v *web.DeskTicketPage) { v.Body, v.Internal = body, internal })
	} else if err != nil {
		return err
	}
	flash := "Reply sent."
	if internal {
		flash = "Note added."
	}
	seeOther(w, r, deskURL(n), flash)
	return nil
}

// deskRerender shows the workspace again with 422 and the user's input.
func (s *Server) deskRerender(w http.ResponseWriter, r *http.Request, n int64, cause error, keep func(*web.DeskTicketPage)) error {
	v, err := s.deskTicketPage(r, n)
	if err != nil {
		return err
	}
	v.Errors = fieldErrors(cause)
	if keep != nil {
		keep(&v)
	}
	s.render(w, r, http.StatusUnprocessableEntity, web.DeskTicket(v))
	return nil
}

func deskURL(n int64) string { return "/desk/tickets/" + strconv.FormatInt(n, 10) }

// deskFields is POST /desk/tickets/{number}/fields: status, priority,
// category, team and assignee in one save, one event per changed field.
func (s *Server) deskFields(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Unreadable form.")
	}
	// changed reports whether the agent changed key on the form: a field
	// whose submitted value equals the value the page showed (was_KEY) is
	// left alone, so a stale page cannot overwrite newer changes.
	changed := func(key string) bool {
		if _, ok := r.PostForm[key]; !ok {
			return false
		}
		was, shown := r.PostForm["was_"+key]
		return !shown || strings.TrimSpace(was[0]) != strings.TrimSpace(r.PostFormValue(key))
	}
	var c ticket.Changes
	if changed("status") {
		st := helpdesk.Status(r.PostFormValue("status"))
		c.Status = &st
	}
	if changed("priority") {
		p := helpdesk.Priority(r.PostFormValue("priority"))
		c.Priority = &p
	}
	for key, dst := range map[string]**string{"category": &c.Category, "team": &c.Team, "assignee": &c.Assignee} {
		if changed(key) {
			val := strings.TrimSpace(r.PostFormValue(key))
			*dst = &val
		}
	}
	t, err := s.Tickets.Update(r.Context(), CurrentUser(r.Context()), n, c)
	if isInvalid(err) {
		return s.deskRerender(w, r, n, err, nil)
	} else if err != nil {
		return err
	}
	// A save that closed the ticket says so: the agent changed the status
	// from an open one (as the page showed it; a form without was_status
	// counts as open, as in changed) and the ticket is no longer open.
	was, shown := r.PostForm["was_status"]
	wasOpen := !shown || helpdesk.Status(strings.TrimSpace(was[0])).IsOpen()
	if c.Status != nil && wasOpen && !t.Status.IsOpen() {
		seeOther(w, r, deskURL(n), "Saved. The ticket is now "+t.Status.Label()+".")
		return nil
	}
	seeOther(w, r, deskURL(n), "Saved.")
	return nil
}

// deskTake is POST /desk/tickets/{number}/take: assign it to myself.
func (s *Server) deskTake(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	if _, err := s.Tickets.Update(r.Context(), u, n, ticket.Changes{Assignee: &u.Email}); err != nil {
		return err
	}
	seeOther(w, r, deskURL(n), "You took this ticket.")
	return nil
}

// deskMerge is POST /desk/tickets/{number}/merge.
func (s *Server) deskMerge(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	into, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("into")), "#"), 10, 64)
	t, err := s.Tickets.Merge(r.Context(), CurrentUser(r.Context()), n, into)
	if isInvalid(err) {
		return s.deskRerender(w, r, n, err, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, deskURL(t.Number), "Merged #"+strconv.FormatInt(n, 10)+" into this ticket.")
	return nil
}

// deskLink is POST /desk/tickets/{number}/link: make it a child of an
// incident (empty number: unlink).
func (s *Server) deskLink(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	parent, _ := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.PostFormValue("parent")), "#"), 10, 64)
	err = s.Tickets.Link(r.Context(), CurrentUser(r.Context()), n, parent)
	if isInvalid(err) {
		return s.deskRerender(w, r, n, err, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, deskURL(n), "Incident link saved.")
	return nil
}

// deskResolveChildren is POST /desk/tickets/{number}/resolve-children.
func (s *Server) deskResolveChildren(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	count, err := s.Tickets.ResolveChildren(r.Context(), CurrentUser(r.Context()), n, strings.TrimSpace(r.PostFormValue("body")))
	if err != nil {
		return err
	}
	seeOther(w, r, deskURL(n), strconv.Itoa(count)+" linked ticket(s) resolved.")
	return nil
}

// deskPresence is POST /desk/tickets/{number}/presence (viewing, replying,
// or leave) and GET for the fragment naming the others.
func (s *Server) deskPresence(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	if r.Method == http.MethodPost {
		if err := s.Tickets.SetPresence(r.Context(), u, n, r.PostFormValue("activity")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	t, err := s.Tickets.Get(r.Context(), u, n)
	if err != nil {
		return err
	}
	others, err := s.Tickets.Others(r.Context(), u, t)
	if err != nil {
		return err
	}
	rows := make([]web.PresenceRow, len(others))
	for i, o := range others {
		rows[i] = web.PresenceRow{Name: o.Name, Replying: o.Replying}
	}
	s.render(w, r, http.StatusOK, web.DeskPresence(n, rows))
	return nil
}

// withCurrent returns opts with value added when it is set and missing.
func withCurrent(opts []web.Option, value, label string) []web.Option {
	if value == "" {
		return opts
	}
	for _, o := range opts {
		if o.Value == value {
			return opts
		}
	}
	return append(append([]web.Option(nil), opts...), web.Option{Value: value, Label: label})
}
