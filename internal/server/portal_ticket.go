package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
	"switchboard/web"
)

// showTicket is the portal's ticket page. A ticket the viewer may not see
// is ENOTFOUND from the service: the same 404 page as a missing one.
func (s *Server) showTicket(w http.ResponseWriter, r *http.Request) error {
	return s.renderTicket(w, r, http.StatusOK, func(*web.TicketView) {})
}

// renderTicket loads the ticket for the viewer and renders its page;
// adjust fills in a form coming back with errors.
func (s *Server) renderTicket(w http.ResponseWriter, r *http.Request, status int, adjust func(*web.TicketView)) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	t, err := s.Tickets.Get(r.Context(), u, n)
	if err != nil {
		return err
	}
	v, err := s.ticketView(r.Context(), u, t)
	if err != nil {
		return err
	}
	adjust(&v)
	title := fmt.Sprintf("#%d %s", t.Number, t.Subject)
	s.render(w, r, status, web.PortalTicket(s.page(r, title, "tickets"), v))
	return nil
}

// ticketView gathers what the page shows. Conversation leaves internal
// notes out for requesters; only the requester may rate.
func (s *Server) ticketView(ctx context.Context, u *helpdesk.User, t *helpdesk.Ticket) (web.TicketView, error) {
	msgs, err := s.Tickets.Conversation(ctx, u, t)
	if err != nil {
		return web.TicketView{}, err
	}
	var rating *ticket.Rating
	if !t.Status.IsOpen() { // a reopened ticket waits for its next resolution
		if rating, err = s.Tickets.CurrentRating(ctx, t); err != nil {
			return web.TicketView{}, err
		}
	}
	maxMB := s.maxAttachment() >> 20
	v := web.TicketView{Ticket: *t, Messages: messageViews(t.Number, msgs, u.IsStaff()),
		CanAct:   t.RequesterID == u.ID || !u.IsStaff(),
		Reply:    web.ReplyForm{Number: t.Number, MaxMB: maxMB},
		RateForm: web.RateForm{Number: t.Number}}
	if rating != nil {
		v.Rating = &web.RatingView{Score: rating.Score, Comment: rating.Comment}
	}
	v.CanRate = rating == nil && t.RequesterID == u.ID && !t.Status.IsOpen() && t.ResolutionCount > 0
	return v, nil
}

// reply posts the viewer's public reply. A plain form gets 303 back to the
// ticket; htmx gets the new message to append plus an empty reply box.
func (s *Server) reply(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	ups, err := s.readUploads(w, r)
	body := r.PostFormValue("body")
	u := CurrentUser(r.Context())
	var m *helpdesk.Message
	if err == nil {
		m, err = s.Tickets.AddMessage(r.Context(), u, n, ticket.MessageInput{Body: body, Attachments: ups})
	}
	if isInvalid(err) {
		// The ticket must still be visible before anything about it is shown.
		if _, gerr := s.Tickets.Get(r.Context(), u, n); gerr != nil {
			return gerr
		}
		f := web.ReplyForm{Number: n, Body: body, Errors: fieldErrors(err), MaxMB: s.maxAttachment() >> 20}
		// Files never survive a refused post: say so when some were sent,
		// also when it was the files that could not be read.
		_, fileErr := f.Errors["attachments"]
		f.HadFiles = len(ups) > 0 || fileErr
		if isHTMX(r) {
			// htmx swaps only 2xx answers: put the form with its messages
			// back in place of the reply box.
			w.Header().Set("HX-Retarget", "#reply-form")
			w.Header().Set("HX-Reswap", "outerHTML")
			s.render(w, r, http.StatusOK, web.PortalReplyForm(f))
			return nil
		}
		return s.renderTicket(w, r, http.StatusUnprocessableEntity, func(v *web.TicketView) { v.Reply = f })
	} else if err != nil {
		return err
	}
	if isHTMX(r) {
		s.renderNewMessage(w, r, n, m)
		return nil
	}
	seeOther(w, r, fmt.Sprintf("/tickets/%d#message-%d", n, m.ID), "Your reply was sent.")
	return nil
}

// renderNewMessage answers an htmx reply with the stored message as every
// reader will see it (time, attachments) and a fresh reply box. m is the
// message AddMessage returned, as stored: it checked the viewer's access.
func (s *Server) renderNewMessage(w http.ResponseWriter, r *http.Request, n int64, m *helpdesk.Message) {
	u := CurrentUser(r.Context())
	f := web.ReplyForm{Number: n, MaxMB: s.maxAttachment() >> 20, OOB: true}
	s.render(w, r, http.StatusOK, web.PortalReplied(s.page(r, "", ""), n, messageView(n, *m, u.IsStaff()), f))
}

// resolve is "This is solved".
func (s *Server) resolve(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, helpdesk.StatusResolved, "requester confirmed it is solved", "Thanks! The ticket is resolved.")
}

// reopen puts a resolved ticket back to IT.
func (s *Server) reopen(w http.ResponseWriter, r *http.Request) error {
	return s.setStatus(w, r, helpdesk.StatusOpen, "requester reopened it", "The ticket is open again; IT will pick it up.")
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, to helpdesk.Status, reason, done string) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	_, err = s.Tickets.SetStatus(r.Context(), CurrentUser(r.Context()), n, to, reason)
	switch helpdesk.ErrorCode(err) {
	case "":
		seeOther(w, r, fmt.Sprintf("/tickets/%d", n), done)
	case helpdesk.EFORBIDDEN, helpdesk.ECONFLICT:
		seeOther(w, r, fmt.Sprintf("/tickets/%d", n), helpdesk.ErrorMessage(err))
	default:
		return err
	}
	return nil
}

// rate stores the 1–5 satisfaction rating of the current resolution.
func (s *Server) rate(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	score, _ := strconv.Atoi(r.PostFormValue("rating"))
	comment := r.PostFormValue("comment")
	err = s.Tickets.Rate(r.Context(), CurrentUser(r.Context()), n, score, comment)
	switch helpdesk.ErrorCode(err) {
	case "":
		seeOther(w, r, fmt.Sprintf("/tickets/%d", n), "Thank you for your rating.")
	case helpdesk.EINVALID:
		return s.renderTicket(w, r, http.StatusUnprocessableEntity, func(v *web.TicketView) {
			v.RateForm = web.RateForm{Number: n, Score: score, Comment: comment, Errors: fieldErrors(err)}
		})
	case helpdesk.EFORBIDDEN, helpdesk.ECONFLICT:
		seeOther(w, r, fmt.Sprintf("/tickets/%d", n), helpdesk.ErrorMessage(err))
	default:
		return err
	}
	return nil
}
