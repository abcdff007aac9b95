package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if CurrentUser(r.Context()) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther) //nolint:gosec // safeNext only lets a local path through
		return nil
	}
	return s.renderLogin(w, r, http.StatusOK, web.LoginForm{Next: r.URL.Query().Get("next")})
}

// renderLogin shows the sign-in page, with the single sign-on button when
// SSO is set up.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, f web.LoginForm) error {
	set, err := s.SSO.Settings(r.Context())
	if err != nil {
		return err
	}
	f.SSO, f.SSOOnly, f.Passkeys = set.Ready(), set.Ready() && set.Only, s.Passkeys != nil
	s.render(w, r, status, web.Login(s.page(r, "Sign in", ""), f))
	return nil
}

// login checks the password through the throttle (a known device passes
// the account's backoff), then asks for a second factor where one is set up
// or required, else starts a fresh session (new id).
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	email, password, next := r.PostFormValue("email"), r.PostFormValue("password"), r.PostFormValue("next")
	if set, err := s.SSO.Settings(r.Context()); err != nil {
		return err
	} else if !set.PasswordAllowed(email) {
		// The same answer for every address, so it tells nothing about accounts.
		return s.renderLogin(w, r, http.StatusForbidden, web.LoginForm{Email: email, Next: next,
			Error: "This helpdesk signs in with single sign-on only. Use the single sign-on button."})
	}
	u, _, err := s.Throttle.Check(r.Context(), s.DB, auth.Attempt{Email: email, Password: password,
		IP: auth.ClientIP(r), UserAgent: r.UserAgent(), Known: func(ctx context.Context, userID int64) bool {
			_, ok := s.Devices.Known(ctx, r, userID)
			return ok
		}})
	if err != nil {
		status := StatusOf(err)
		if status >= 500 {
			return err
		}
		if secs, ok := auth.RetryAfter(err); ok {
			w.Header().Set("Retry-After", strconv.Itoa(secs)) // the lock's real remaining time
		}
		return s.renderLogin(w, r, status, web.LoginForm{Email: email, Next: next, Error: helpdesk.ErrorMessage(err)})
	}
	return s.afterPassword(w, r, u, next) // second_factor.go
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.Sessions.SignOut(r.Context(), w, r); err != nil {
		return err
	}
	seeOther(w, r, "/login", "You are signed out.")
	return nil
}

// logoutEverywhere ends every session of the user, this one included.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	if err := s.Sessions.SignOutEverywhere(r.Context(), u.ID); err != nil {
		return err
	}
	_ = s.Sessions.SignOut(r.Context(), w, r)
	seeOther(w, r, "/login", "You are signed out on all devices.")
	return nil
}

// home sends each role to its start page.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u := CurrentUser(r.Context())
	switch {
	case u == nil:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	case u.IsStaff():
		http.Redirect(w, r, "/desk", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/tickets", http.StatusSeeOther)
	}
}

// startSession starts the session of a finished sign-in: the browser is
// remembered as a known device of the person (sb_device), and the session
// records how they signed in, for the "Signed-in devices" page.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, userID int64, method string) error {
	var device int64
	if s.Devices != nil {
		var err error
		if device, err = s.Devices.Remember(r.Context(), w, r, userID); err != nil {
			return fmt.Errorf("remember device: %w", err)
		}
	}
	return s.Sessions.SignInWith(r.Context(), w, r, userID, auth.SignInInfo{Method: method, DeviceID: device})
}

// watchSignIn records a sign-in that did not pass the password check (SSO,
// a passkey alone) and runs threat detection on it like on any other; an
// error when the configured response stops it.
func (s *Server) watchSignIn(r *http.Request, u *helpdesk.User, method string) error {
	if s.Throttle == nil {
		return nil
	}
	_, known := s.Devices.Known(r.Context(), r, u.ID)
	return s.Throttle.Observe(r.Context(), helpdesk.SignIn{UserID: u.ID, Email: u.Email, IP: auth.ClientIP(r),
		UserAgent: r.UserAgent(), DeviceKnown: known, Method: method, OK: true}, u)
}
