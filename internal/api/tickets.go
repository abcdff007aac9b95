package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

type createTicketRequest struct {
	Subject        string `json:"subject"`
	Description    string `json:"description"`
	RequesterEmail string `json:"requester_email"`
	Category       string `json:"category"`
	Urgency        string `json:"urgency"`
	Impact         string `json:"impact"`
}

// createTicket: POST /tickets -> 201 with the ticket and its Location.
func (h *Handler) createTicket(w http.ResponseWriter, r *http.Request) error {
	var in createTicketRequest
	body, err := decodeJSON(w, r, h.MaxJSONBody, &in)
	if err != nil {
		return err
	}
	k, done, err := h.beginIdempotent(w, r, body)
	if done || err != nil {
		return err
	}
	actor := caller(r)
	ci := ticket.CreateInput{Subject: in.Subject, Description: in.Description, Impact: helpdesk.Impact(in.Impact),
		Urgency: helpdesk.Urgency(in.Urgency), Source: helpdesk.SourceAPI}
	if err := h.resolveNames(r.Context(), actor, &ci, in); err != nil {
		if helpdesk.ErrorCode(err) != helpdesk.EINVALID {
			return err
		}
		// Report the service's field problems too, not one batch at a time.
		fields := append(helpdesk.FieldErrors(err), helpdesk.FieldErrors(h.Tickets.ValidateCreate(ci))...)
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: helpdesk.ErrorMessage(err), Fields: fields}
	}
	// Create returns the ticket complete, as GET shows it, so the answer
	// needs no read-back. With an Idempotency-Key it is stored in the
	// creating transaction; without one the transaction does no more than
	// create.
	var answer []byte
	if k != nil {
		ci.AfterInsert = func(ctx context.Context, tx *postgres.Tx, t *helpdesk.Ticket) error {
			var err error
			if answer, err = json.Marshal(ticketView(t)); err != nil {
				return err
			}
			return k.store(ctx, tx, http.StatusCreated, ticketURL(t.Number), answer)
		}
	}
	t, err := h.Tickets.Create(r.Context(), actor, ci)
	if err != nil {
		return h.finish(w, r, k, err)
	}
	if answer == nil {
		if answer, err = json.Marshal(ticketView(t)); err != nil {
			return err
		}
	}
	w.Header().Set("Location", ticketURL(t.Number))
	writeRaw(w, http.StatusCreated, answer)
	return nil
}

// resolveNames turns the requester's email and the category's name into
// ids; unknown ones are field errors. A requester naming anyone but
// themself is refused before any lookup, so the answer is the same for an
// existing and an unknown address and cannot be used to probe for accounts.
func (h *Handler) resolveNames(ctx context.Context, actor *helpdesk.User, ci *ticket.CreateInput, in createTicketRequest) error {
	var v helpdesk.Validation
	if in.RequesterEmail != "" && !actor.IsStaff() {
		if !strings.EqualFold(strings.TrimSpace(in.RequesterEmail), actor.Email) {
			return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only staff may file tickets for someone else.")
		}
		in.RequesterEmail = "" // themself
	}
	if in.RequesterEmail != "" {
		u, err := h.userByEmail(ctx, in.RequesterEmail)
		switch {
		case err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND:
			return err
		case err != nil || !u.Active:
			v.Add("requester_email", "No active user with that email.")
		default:
			ci.RequesterID = u.ID
		}
	}
	if in.Category != "" {
		c, err := h.DB.CategoryByName(ctx, in.Category)
		switch {
		case err != nil && helpdesk.ErrorCode(err) != helpdesk.ENOTFOUND:
			return err
		case err != nil:
			v.Add("category", "No category with that name.")
		default:
			ci.CategoryID = &c.ID
		}
	}
	return v.Err()
}

// listParams are the query parameters GET /tickets accepts.
var listParams = []string{"status", "team", "assignee", "requester", "category", "priority", "q", "sort", "limit", "cursor"}

// listTickets: GET /tickets -> {tickets, next_cursor}.
func (h *Handler) listTickets(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilter(r.URL.Query(), caller(r))
	if err != nil {
		return err
	}
	page, err := h.DB.ListTickets(r.Context(), f)
	if err != nil {
		return err
	}
	out := ticketList{Tickets: make([]ticketJSON, 0, len(page.Tickets))}
	for i := range page.Tickets {
		out.Tickets = append(out.Tickets, ticketView(&page.Tickets[i]))
	}
	if err := h.withLinks(r.Context(), out.Tickets); err != nil {
		return err
	}
	if page.NextCursor != "" {
		out.NextCursor = &page.NextCursor
	}
	return writeJSON(w, http.StatusOK, out)
}

// parseFilter reads and checks the list parameters; list values are
// comma-separated.
func parseFilter(q url.Values, viewer *helpdesk.User) (postgres.TicketFilter, error) {
	f := postgres.TicketFilter{Viewer: viewer, Query: q.Get("q"), Cursor: q.Get("cursor"),
		Sort: postgres.TicketSort(q.Get("sort"))}
	var v helpdesk.Validation
	for name := range q {
		if !slices.Contains(listParams, name) {
			v.Add(name, "Unknown query parameter "+strconv.Quote(name)+".")
		}
	}
	for _, s := range list(q, "status") {
		if st := helpdesk.Status(s); st.Valid() {
			f.Statuses = append(f.Statuses, st)
		} else if !v.Has("status") {
			v.Add("status", "Status must be among new, open, pending, on_hold, resolved, closed.")
		}
	}
	for _, s := range list(q, "priority") {
		if p := helpdesk.Priority(strings.ToUpper(s)); p.Valid() {
			f.Priorities = append(f.Priorities, p)
		} else if !v.Has("priority") {
			v.Add("priority", "Priority must be among P1, P2, P3, P4.")
		}
	}
	f.TeamSlugs = list(q, "team")
	f.CategoryNames = list(q, "category")
	for _, a := range list(q, "assignee") {
		switch a {
		case "none":
			f.Unassigned = true
		case "me":
			f.AssigneeIDs = append(f.AssigneeIDs, viewer.ID)
		default:
			f.AssigneeEmails = append(f.AssigneeEmails, a)
		}
	}
	f.RequesterEmail = q.Get("requester")
	if f.Sort != "" && !f.Sort.Valid() {
		v.Add("sort", "Sort by updated, created or due.")
	}
	f.Limit = 25
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			v.Add("limit", "Limit must be a whole number from 1 to 100.")
		}
		f.Limit = n
	}
	return f, v.Err()
}

func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// number reads {number} from the path; anything not a ticket number is the
// same 404 as a missing ticket.
func number(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(chi.URLParam(r, "number"), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNoRoute
	}
	return n, nil
}

// getTicket: GET /tickets/{number}.
func (h *Handler) getTicket(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	t, err := h.Tickets.Get(r.Context(), caller(r), n)
	if err != nil {
		return err
	}
	v, err := h.linked(r.Context(), t)
	if err != nil {
		return err
	}
	if v.Phishing, err = h.phishingOf(r.Context(), caller(r), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// phishingOf is a report's verdict block, or nil for other tickets.
func (h *Handler) phishingOf(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) (*phishingJSON, error) {
	if h.Phishing == nil {
		return nil, nil
	}
	rep, err := h.Phishing.Report(ctx, viewer, t)
	if err != nil || rep == nil {
		return nil, err
	}
	reasons := rep.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	return &phishingJSON{Verdict: rep.Verdict, Score: rep.Score, Reasons: reasons}, nil
}

type updateTicketRequest struct {
	Status        optString `json:"status"`
	Priority      optString `json:"priority"`
	Category      optString `json:"category"`
	Team          optString `json:"team"`
	AssigneeEmail optString `json:"assignee_email"`
}

// updateTicket: PATCH /tickets/{number}; null clears category, team and
// assignee.
func (h *Handler) updateTicket(w http.ResponseWriter, r *http.Request) error {
	n, err := number(r)
	if err != nil {
		return err
	}
	var in updateTicketRequest
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &in); err != nil {
		return err
	}
	var v helpdesk.Validation
	var c ticket.Changes
	if in.Status.Set {
		if in.Status.Null {
			v.Add("status", "Status cannot be null.")
		}
		s := helpdesk.Status(in.Status.V)
		c.Status = &s
	}
	if in.Priority.Set {
		if in.Priority.Null {
			v.Add("priority", "Priority cannot be null.")
		}
		p := helpdesk.Priority(in.Priority.V)
		c.Priority = &p
	}
	if err := v.Err(); err != nil {
		return err
	}
	c.Category, c.Team, c.Assignee = in.Category.ptr(), in.Team.ptr(), in.AssigneeEmail.ptr()
	t, err := h.Tickets.Update(r.Context(), caller(r), n, c)
	if err != nil {
		return err
	}
	out, err := h.linked(r.Context(), t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// userByEmail asks the directory (cached) when there is one.
func (h *Handler) userByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	if h.Directory != nil {
		return h.Directory.UserByEmail(ctx, email)
	}
	return h.DB.UserByEmail(ctx, email)
}
