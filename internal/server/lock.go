package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// Lock links (issue 14): a "was this you?" mail carries
// /security/lock/{token}. The token is signed and carries its expiry, so a
// forged or expired one is refused before any lookup; the database makes
// it single-use. Unknown, forged, used and expired links all get the same
// 404. GET only asks (link scanners open mail links); POST locks.

func (s *Server) lockLink(r *http.Request) ([]byte, *helpdesk.User, error) {
	notFound := helpdesk.Errorf(helpdesk.ENOTFOUND, "This link is no longer valid.")
	hash, ok := auth.CheckLockToken(s.Config.SecretKey, chi.URLParam(r, "token"), time.Now())
	if !ok {
		return nil, nil, notFound
	}
	u, err := s.DB.LockLinkUser(r.Context(), hash, time.Now())
	if err != nil {
		return nil, nil, err
	}
	return hash, u, nil
}

// lockForm: GET /security/lock/{token}.
func (s *Server) lockForm(w http.ResponseWriter, r *http.Request) error {
	_, u, err := s.lockLink(r)
	if err != nil {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	s.render(w, r, http.StatusOK, web.Lock(web.LockPage{Page: s.page(r, "Lock your account", ""), Name: u.Name, Email: u.Email}))
	return nil
}

// lock: POST /security/lock/{token} locks the account (one click).
func (s *Server) lock(w http.ResponseWriter, r *http.Request) error {
	hash, u, err := s.lockLink(r)
	if err != nil {
		return err
	}
	if _, err := s.DB.UseLockLink(r.Context(), hash, time.Now(), auth.ClientIP(r)); err != nil {
		return err
	}
	s.Sessions.Forget()
	s.Tokens.Forget()
	if s.Directory != nil {
		s.Directory.Forget()
	}
	Logger(r.Context()).Warn("account locked by its owner from a was-this-you mail", "user_id", u.ID)
	if s.OnOwnerLocked != nil {
		s.OnOwnerLocked(r.Context(), u, auth.ClientIP(r))
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, web.Lock(web.LockPage{Page: s.page(r, "Account locked", ""), Name: u.Name, Email: u.Email, Done: true}))
	return nil
}
