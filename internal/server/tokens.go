package server

import (
	"net/http"
	"net/url"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// profileTokens: GET /profile/tokens lists the user's API tokens.
func (s *Server) profileTokens(w http.ResponseWriter, r *http.Request) error {
	return s.renderTokens(w, r, web.NewForm(url.Values{"scope": {string(auth.ScopeReadWrite)}}, nil), "", "")
}

// createToken: POST /profile/tokens makes a token and shows its secret on
// the answer itself, the only time it is ever shown (so no redirect).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	u := CurrentUser(r.Context())
	in := auth.NewToken{Name: r.PostForm.Get("name"), Scope: auth.Scope(r.PostForm.Get("scope"))}
	var err error
	if d := r.PostForm.Get("expires"); d != "" {
		// The end of the chosen day in the user's own time zone.
		day, perr := time.ParseInLocation("2006-01-02", d, u.Location())
		if perr != nil {
			err = helpdesk.Invalid("expires", "Enter a date like 2026-12-31.")
		}
		end := day.AddDate(0, 0, 1)
		in.ExpiresAt = &end
	}
	var secret string
	if err == nil {
		secret, _, err = s.Tokens.Create(r.Context(), u, in)
	}
	if isInvalid(err) {
		return s.renderTokens(w, r, web.NewForm(r.PostForm, err), "", "")
	} else if err != nil {
		return err
	}
	return s.renderTokens(w, r, web.NewForm(url.Values{"scope": {string(auth.ScopeReadWrite)}}, nil), in.Name, secret)
}

// revokeToken: POST /profile/tokens/{id}/revoke; someone else's token is 404.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Tokens.Revoke(r.Context(), CurrentUser(r.Context()).ID, id); err != nil {
		return err
	}
	seeOther(w, r, "/profile/tokens", "Token revoked. Scripts using it stop working now.")
	return nil
}

// tokenScope: POST /profile/tokens/{id}/scope changes a token's access,
// audited; someone else's token is 404.
func (s *Server) tokenScope(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	err = s.Tokens.SetScope(r.Context(), u.ID, u.ID, id, auth.Scope(r.PostFormValue("scope")))
	if isInvalid(err) {
		return s.renderTokens(w, r, web.NewForm(url.Values{"scope": {string(auth.ScopeReadWrite)}}, err), "", "")
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/profile/tokens", "Token access changed.")
	return nil
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, form web.Form, name, secret string) error {
	u := CurrentUser(r.Context())
	toks, err := s.Tokens.List(r.Context(), u.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	v := web.TokensPage{Page: s.page(r, "API tokens", "profile"), New: form, NewName: name, NewSecret: secret}
	for _, t := range toks {
		v.Tokens = append(v.Tokens, web.TokenRow{ID: t.ID, Name: t.Name, Scope: string(t.Scope), CreatedAt: t.CreatedAt,
			ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, Revoked: t.RevokedAt != nil,
			Expired: t.RevokedAt == nil && !t.Active(now)})
	}
	s.render(w, r, status422(form), web.ProfileTokens(v))
	return nil
}
