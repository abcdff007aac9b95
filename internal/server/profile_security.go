package server

import (
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// /profile/security: a person's own second factors.

func (s *Server) security(w http.ResponseWriter, r *http.Request) error {
	return s.renderSecurity(w, r, web.NewForm(nil, nil))
}

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, f web.Form) error {
	u := CurrentUser(r.Context())
	st, err := s.Factors.Status(r.Context(), u.ID)
	if err != nil {
		return err
	}
	required, err := s.Factors.RequiredFor(r.Context(), u)
	if err != nil {
		return err
	}
	s.render(w, r, status422(f), web.Security(s.page(r, "Sign-in security", "profile"),
		web.SecurityView{Factors: st, Required: required, Form: f, PasskeysOn: s.Passkeys != nil, PasskeyName: "Passkey " + strconv.Itoa(len(st.Passkeys)+1)}))
	return nil
}

func (s *Server) totpSetupForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderTOTPSetup(w, r, web.NewForm(nil, nil), r.URL.Query().Get("new") == "1")
}

func (s *Server) renderTOTPSetup(w http.ResponseWriter, r *http.Request, f web.Form, fresh bool) error {
	setup, err := s.Factors.SetUpTOTP(r.Context(), CurrentUser(r.Context()), fresh)
	if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		seeOther(w, r, "/profile/security", "An authenticator app is already set up.")
		return nil
	} else if err != nil {
		return err
	}
	s.render(w, r, status422(f), web.TOTPSetup(s.page(r, "Set up an authenticator app", "profile"),
		web.TOTPSetupView{Form: f, Action: "/profile/security/totp", QR: setup.QR, Secret: setup.Secret, URL: setup.URL}))
	return nil
}

func (s *Server) totpSetup(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.Factors.ConfirmTOTP(r.Context(), CurrentUser(r.Context()), r.PostFormValue("code"))
	if isInvalid(err) {
		return s.renderTOTPSetup(w, r, web.NewForm(nil, err), false)
	} else if err != nil {
		return err
	}
	Logger(r.Context()).Info("authenticator app set up", "user_id", CurrentUser(r.Context()).ID)
	s.render(w, r, http.StatusOK, web.RecoveryCodes(s.page(r, "Your recovery codes", "profile"), codes, "/profile/security"))
	return nil
}

// totpDisable turns the authenticator off after a current code: a session
// left open on a shared computer is not enough to weaken the account. A
// role that needs a factor keeps one.
func (s *Server) totpDisable(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	u := CurrentUser(ctx)
	st, err := s.Factors.Status(ctx, u.ID)
	if err != nil {
		return err
	}
	if required, err := s.Factors.RequiredFor(ctx, u); err != nil {
		return err
	} else if required && len(st.Passkeys) == 0 {
		return s.renderSecurity(w, r, web.NewForm(nil, helpdesk.Errorf(helpdesk.EINVALID,
			"Your role needs a second factor: add a passkey before turning the authenticator app off.")))
	}
	if err := s.Factors.VerifyCode(ctx, u.ID, r.PostFormValue("code")); isInvalid(err) {
		return s.renderSecurity(w, r, web.NewForm(nil, err))
	} else if err != nil {
		return err
	}
	if err := s.Factors.DisableTOTP(ctx, u); err != nil {
		return err
	}
	seeOther(w, r, "/profile/security", "The authenticator app is turned off.")
	return nil
}

func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.Factors.NewRecoveryCodes(r.Context(), CurrentUser(r.Context()))
	if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		return s.renderSecurity(w, r, web.NewForm(nil, err))
	} else if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.RecoveryCodes(s.page(r, "Your recovery codes", "profile"), codes, "/profile/security"))
	return nil
}
