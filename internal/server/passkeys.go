package server

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// Passkeys (WebAuthn). Each ceremony is two JSON calls from
// static/passkey.js: begin returns the browser's options and starts a
// short flow holding the challenge; finish ends that flow (a challenge
// works once) and checks the authenticator's answer.

const passkeyFlowTTL = 5 * time.Minute

// writeJSON answers a passkey call.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// passkeyError answers a refused ceremony with its message; other errors
// go to the usual handler.
func passkeyError(w http.ResponseWriter, err error) error {
	status := StatusOf(err)
	if status >= 500 {
		return err
	}
	writeJSON(w, status, map[string]string{"error": helpdesk.ErrorMessage(err)})
	return nil
}

// requirePasskeys answers 404 when passkeys are off (a base URL on an IP
// address).
func (s *Server) requirePasskeys(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Passkeys == nil {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) passkeyBegin(w http.ResponseWriter, r *http.Request, opts any, data []byte, err error) error {
	if err != nil {
		return passkeyError(w, err)
	}
	if err := s.Flows.Start(r.Context(), w, auth.FlowPasskey, 0, data, passkeyFlowTTL); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, opts)
	return nil
}

func (s *Server) passkeyFlow(w http.ResponseWriter, r *http.Request) (helpdesk.AuthFlow, error) {
	flow, err := s.Flows.Take(r.Context(), w, r, auth.FlowPasskey)
	if isNotFound(err) {
		return flow, helpdesk.Errorf(helpdesk.EUNAUTH, "The passkey request expired. Please try again.")
	}
	return flow, err
}

// Registration, for the signed-in person (/profile/security).

func (s *Server) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request) error {
	opts, data, err := s.Passkeys.BeginRegistration(r.Context(), CurrentUser(r.Context()), r.PostFormValue("name"))
	return s.passkeyBegin(w, r, opts, data, err)
}

func (s *Server) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request) error {
	flow, err := s.passkeyFlow(w, r)
	if err != nil {
		return passkeyError(w, err)
	}
	if err := s.Passkeys.FinishRegistration(r.Context(), CurrentUser(r.Context()), flow.Data, r); err != nil {
		return passkeyError(w, err)
	}
	Logger(r.Context()).Info("passkey added", "user_id", CurrentUser(r.Context()).ID)
	setFlash(w, "Passkey added.")
	writeJSON(w, http.StatusOK, map[string]string{"redirect": "/profile/security"})
	return nil
}

// passkeyDelete removes one of the person's passkeys; a role that needs a
// second factor keeps at least one.
func (s *Server) passkeyDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := CurrentUser(ctx)
	id, err := base64.RawURLEncoding.DecodeString(chi.URLParam(r, "id"))
	if err != nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	st, err := s.Factors.Status(ctx, u.ID)
	if err != nil {
		return err
	}
	if required, err := s.Factors.RequiredFor(ctx, u); err != nil {
		return err
	} else if required && !st.TOTP && len(st.Passkeys) <= 1 {
		return s.renderSecurity(w, r, web.NewForm(nil, helpdesk.Errorf(helpdesk.EINVALID,
			"Your role needs a second factor: set up another one before removing your last passkey.")))
	}
	if err := s.DB.DeletePasskey(ctx, u.ID, id); err != nil {
		return err
	}
	seeOther(w, r, "/profile/security", "Passkey removed.")
	return nil
}

// Sign-in with a passkey alone (the sign-in page).

func (s *Server) passkeyLoginBegin(w http.ResponseWriter, r *http.Request) error {
	opts, data, err := s.Passkeys.BeginDiscoverable(safeNext(r.PostFormValue("next")))
	return s.passkeyBegin(w, r, opts, data, err)
}

func (s *Server) passkeyLoginFinish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	flow, err := s.passkeyFlow(w, r)
	if err != nil {
		return passkeyError(w, err)
	}
	u, next, err := s.Passkeys.FinishLogin(ctx, nil, flow.Data, r)
	if err != nil {
		return passkeyError(w, err)
	}
	if set, err := s.SSO.Settings(ctx); err != nil {
		return err
	} else if !set.PasswordAllowed(u.Email) {
		return passkeyError(w, helpdesk.Errorf(helpdesk.EFORBIDDEN, "This helpdesk signs in with single sign-on only."))
	}
	if err := s.watchSignIn(r, u, "passkey"); err != nil {
		return passkeyError(w, err)
	}
	return s.passkeySignIn(w, r, u.ID, next, "passkey")
}

func (s *Server) passkeySignIn(w http.ResponseWriter, r *http.Request, userID int64, next, method string) error {
	if err := s.startSession(w, r, userID, method); err != nil {
		return err
	}
	Logger(r.Context()).Info("signed in with a passkey", "user_id", userID)
	writeJSON(w, http.StatusOK, map[string]string{"redirect": safeNext(next)})
	return nil
}

// A passkey as the second step after the password (/login/verify).

func (s *Server) passkeyVerifyBegin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	flow, err := s.Flows.Load(ctx, r, auth.FlowSecondFactor, false)
	if isNotFound(err) {
		return passkeyError(w, helpdesk.Errorf(helpdesk.EUNAUTH, "Your sign-in expired. Please sign in again."))
	} else if err != nil {
		return err
	}
	u, err := s.DB.ActiveUser(ctx, flow.UserID)
	if err != nil {
		return err
	}
	opts, data, err := s.Passkeys.BeginLogin(ctx, u, "")
	return s.passkeyBegin(w, r, opts, data, err)
}

func (s *Server) passkeyVerifyFinish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	step, err := s.Flows.Load(ctx, r, auth.FlowSecondFactor, false)
	if isNotFound(err) {
		return passkeyError(w, helpdesk.Errorf(helpdesk.EUNAUTH, "Your sign-in expired. Please sign in again."))
	} else if err != nil {
		return err
	}
	flow, err := s.passkeyFlow(w, r)
	if err != nil {
		return passkeyError(w, err)
	}
	u, err := s.DB.ActiveUser(ctx, step.UserID)
	if err != nil {
		return err
	}
	if _, _, err := s.Passkeys.FinishLogin(ctx, u, flow.Data, r); err != nil {
		return passkeyError(w, err)
	}
	if step, err = s.Flows.Take(ctx, w, r, auth.FlowSecondFactor); err != nil {
		return passkeyError(w, helpdesk.Errorf(helpdesk.EUNAUTH, "Your sign-in expired. Please sign in again."))
	}
	var d flowData
	_ = json.Unmarshal(step.Data, &d)
	return s.passkeySignIn(w, r, u.ID, d.Next, "password+passkey")
}

// setFlash is seeOther's flash without the redirect (for JSON answers).
func setFlash(w http.ResponseWriter, msg string) {
	//nolint:gosec // the same flash cookie seeOther sets: text only, read once
	http.SetCookie(w, &http.Cookie{Name: "sb_flash", Value: flashCode(msg), Path: "/", MaxAge: 30, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}
