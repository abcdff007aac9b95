package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/admin"
	"switchboard/web"
)

// resetForm is the page of a one-time set-password link. Unknown, used and
// expired links all get the same 404.
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	link, err := s.Admin.CheckPasswordLink(r.Context(), chi.URLParam(r, "token"))
	if err != nil {
		return err
	}
	s.renderReset(w, r, http.StatusOK, link, nil)
	return nil
}

func (s *Server) renderReset(w http.ResponseWriter, r *http.Request, status int, link *admin.PasswordLink, err error) {
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	s.render(w, r, status, web.Reset(web.ResetPage{Page: s.page(r, "Choose a password", ""), Name: link.Name,
		Email: link.Email, Invite: link.Invite, Form: web.NewForm(nil, err)}))
}

// reset sets the password and sends the person to sign in with it.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	link, err := s.Admin.CheckPasswordLink(r.Context(), token)
	if err != nil {
		return err
	}
	_, err = s.Admin.UsePasswordLink(r.Context(), token, r.PostFormValue("password"), r.PostFormValue("confirm"))
	if isInvalid(err) {
		s.renderReset(w, r, http.StatusUnprocessableEntity, link, err)
		return nil
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/login", "Your password is set. Sign in with it.")
	return nil
}
