package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
	"switchboard/web"
)

// mailReview lists held mail (leads and admins) and dropped mail (admins)
// with their reasons and sender checks, each with its decisions.
func (s *Server) mailReview(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	l, err := s.mailStore().Review(r.Context(), u, 200)
	if err != nil {
		return err
	}
	v := web.MailReviewPage{Page: s.adminPage(r, "Mail review"), IsAdmin: u.Role == helpdesk.RoleAdmin,
		Held: l.Held, Dropped: l.Dropped}
	s.render(w, r, http.StatusOK, web.MailReview(v))
	return nil
}

// decisionFlash is what the reviewer is told after each decision.
var decisionFlash = map[string]string{
	intake.DecideRelease: "Released: the mail is being processed as it was sent.",
	intake.DecideTicket:  "The mail is being made a ticket.",
	intake.DecideReject:  "Discarded.",
}

// mailDecide applies one decision (release, ticket, reject) on a mail.
func (s *Server) mailDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	decision := r.PostForm.Get("decision")
	msg, ok := decisionFlash[decision]
	if !ok {
		return helpdesk.Errorf(helpdesk.EINVALID, "Choose release, make it a ticket or discard.")
	}
	err = s.mailStore().Decide(r.Context(), CurrentUser(r.Context()), id, decision)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		// Most often someone else decided first: say so on the list.
		seeOther(w, r, "/admin/mail/review", "That mail is no longer waiting for a decision.")
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/mail/review", msg)
	return nil
}

// mailReviewRaw downloads the mail behind a review row (leads: held mail only).
func (s *Server) mailReviewRaw(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.mailStore().ReviewRaw(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	writeRawMail(w, m)
	return nil
}
