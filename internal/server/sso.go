package server

import (
	"net/http"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// Single sign-on (OpenID Connect). /sso/start keeps state, nonce and the
// PKCE verifier in a flow bound to this browser and sends it to the
// provider; /sso/callback ends that flow (once: a replayed callback finds
// nothing) and signs in whom the verified ID token names.

const ssoFlowTTL = 10 * time.Minute

func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	authURL, data, err := s.SSO.Begin(r.Context(), safeNext(r.URL.Query().Get("next")))
	if isNotFound(err) {
		return err
	} else if err != nil && StatusOf(err) < 500 {
		return s.renderLogin(w, r, StatusOf(err), web.LoginForm{Error: helpdesk.ErrorMessage(err)})
	} else if err != nil {
		return err
	}
	if err := s.Flows.Start(r.Context(), w, auth.FlowSSO, 0, data, ssoFlowTTL); err != nil {
		return err
	}
	http.Redirect(w, r, authURL, http.StatusSeeOther) //nolint:gosec // the provider's endpoint from the admin-set issuer's discovery, not request input
	return nil
}

func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	flow, err := s.Flows.Take(ctx, w, r, auth.FlowSSO)
	if isNotFound(err) {
		Logger(ctx).Warn("SSO callback without a live flow (expired, replayed or another browser)")
		return s.renderLogin(w, r, http.StatusUnauthorized, web.LoginForm{Error: "That sign-in link expired or was already used. Please try again."})
	} else if err != nil {
		return err
	}
	if e := q.Get("error"); e != "" {
		Logger(ctx).Warn("SSO provider answered with an error", "error", truncateLog(e), "description", truncateLog(q.Get("error_description")))
		return s.renderLogin(w, r, http.StatusUnauthorized, web.LoginForm{Error: "The identity provider did not sign you in."})
	}
	u, next, err := s.SSO.Finish(ctx, flow.Data, q.Get("state"), q.Get("code"))
	if err != nil {
		if status := StatusOf(err); status < 500 {
			return s.renderLogin(w, r, status, web.LoginForm{Error: helpdesk.ErrorMessage(err)})
		}
		return err
	}
	if err := s.watchSignIn(r, u, "sso"); err != nil {
		return s.renderLogin(w, r, StatusOf(err), web.LoginForm{Error: helpdesk.ErrorMessage(err)})
	}
	return s.finishSignIn(w, r, u.ID, next, "sso")
}

func truncateLog(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}
