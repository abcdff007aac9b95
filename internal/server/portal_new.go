package server

import (
	"fmt"
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
	"switchboard/web"
)

// newTicketForm shows the blank new-ticket form.
func (s *Server) newTicketForm(w http.ResponseWriter, r *http.Request) error {
	f := web.NewTicketForm{}
	return s.renderNewTicket(w, r, http.StatusOK, f)
}

// createTicket files a ticket: 303 to its page, or the form again with 422
// and everything typed. The "Preview" button (without JavaScript) posts
// here too and gets the form back with the rendered description.
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) error {
	ups, upErr := s.readUploads(w, r)
	f := web.NewTicketForm{Subject: r.PostFormValue("subject"), Description: r.PostFormValue("description"),
		Category: r.PostFormValue("category"), Urgency: r.PostFormValue("urgency"), Impact: r.PostFormValue("impact"),
		HadFiles: len(ups) > 0}
	if upErr != nil {
		if !isInvalid(upErr) {
			return upErr
		}
		f.Errors, f.HadFiles = fieldErrors(upErr), true
		return s.renderNewTicket(w, r, http.StatusUnprocessableEntity, f)
	}
	if r.PostFormValue("action") == "preview" {
		f.Preview = ticket.RenderMarkdown(f.Description)
		return s.renderNewTicket(w, r, http.StatusOK, f)
	}
	in := ticket.CreateInput{Subject: f.Subject, Description: f.Description, Impact: helpdesk.Impact(f.Impact),
		Urgency: helpdesk.Urgency(f.Urgency), Source: helpdesk.SourcePortal, Attachments: ups}
	if f.Category != "" {
		id, err := strconv.ParseInt(f.Category, 10, 64)
		if err != nil {
			id = -1 // not a category: the service says so next to the field
		}
		in.CategoryID = &id
	}
	t, err := s.Tickets.Create(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		f.Errors = fieldErrors(err)
		return s.renderNewTicket(w, r, http.StatusUnprocessableEntity, f)
	} else if err != nil {
		return err
	}
	seeOther(w, r, fmt.Sprintf("/tickets/%d", t.Number), fmt.Sprintf("Ticket #%d is with IT now. You can follow it here.", t.Number))
	return nil
}

func (s *Server) renderNewTicket(w http.ResponseWriter, r *http.Request, status int, f web.NewTicketForm) error {
	cats, err := s.Tickets.Categories(r.Context())
	if err != nil {
		return err
	}
	f.Categories, f.MaxMB = cats, s.maxAttachment()>>20
	if f.Subject != "" && s.KB != nil {
		arts, err := s.KB.Suggest(r.Context(), CurrentUser(r.Context()), f.Subject)
		if err != nil {
			return err
		}
		f.Suggest = web.SuggestView{Subject: f.Subject, Articles: arts}
	}
	s.render(w, r, status, web.PortalNew(s.page(r, "New ticket", "new"), f))
	return nil
}

// preview renders Markdown exactly as a ticket would show it (goldmark,
// then bluemonday), as a fragment for htmx.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) error {
	// The form's own cap and a little for the other fields; longer is
	// refused unread, and RenderMarkdown bounds the rest.
	allowBody(w, r, 4*ticket.MaxBody)
	s.render(w, r, http.StatusOK, web.PortalPreview(ticket.RenderMarkdown(r.FormValue("description"))))
	return nil
}
