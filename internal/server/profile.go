package server

import (
	"net/http"

	"switchboard/web"
)

// profile shows who is signed in, with "sign out of all devices".
func (s *Server) profile(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, web.Profile(s.page(r, "Your profile", "profile")))
	return nil
}
