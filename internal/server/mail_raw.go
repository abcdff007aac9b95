package server

import (
	"net/http"
	"strconv"

	"switchboard/internal/admin"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
)

// mailRaw downloads a stored inbound mail (the "ignored mail" list, bounces,
// refused mail) for admins: it hangs off the Mail page, which only admins
// see, so everyone else gets the 404 of every other /admin page.
func (s *Server) mailRaw(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	if !admin.IsAdmin(u) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	m, err := s.mailStore().Raw(r.Context(), u, id)
	if err != nil {
		return err
	}
	writeRawMail(w, m)
	return nil
}

// messageRaw downloads the mail a ticket message came from.
func (s *Server) messageRaw(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.phishRawAllowed(r, n); err != nil {
		return err
	}
	m, err := s.mailStore().RawForMessage(r.Context(), CurrentUser(r.Context()), n, id)
	if err != nil {
		return err
	}
	writeRawMail(w, m)
	return nil
}

func (s *Server) mailStore() *intake.Store {
	if s.Mail == nil {
		return &intake.Store{DB: s.DB, Tickets: s.Tickets}
	}
	return s.Mail
}

// writeRawMail sends the bytes as a download that a browser never renders:
// raw mail is attacker-written HTML and script as often as not.
func writeRawMail(w http.ResponseWriter, m *intake.RawMail) {
	h := w.Header()
	h.Set("Content-Type", "message/rfc822")
	h.Set("Content-Disposition", `attachment; filename="mail-`+strconv.FormatInt(m.ID, 10)+`.eml"`)
	h.Set("Content-Length", strconv.Itoa(len(m.Raw)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(m.Raw)
}
