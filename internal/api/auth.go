package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

type ctxKey int

const (
	keyUser ctxKey = iota
	keyToken
)

// caller returns the authenticated user of the request.
func caller(r *http.Request) *helpdesk.User {
	u, _ := r.Context().Value(keyUser).(*helpdesk.User)
	return u
}

func callerToken(r *http.Request) *auth.Token {
	t, _ := r.Context().Value(keyToken).(*auth.Token)
	return t
}

// authenticate requires "Authorization: Bearer <token>". Every failure gets
// the same 401, whatever the reason (missing, malformed, unknown, expired,
// revoked, deactivated user).
func (h *Handler) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			h.fail(w, r, helpdesk.Errorf(helpdesk.EUNAUTH, "unauthorized"))
			return
		}
		u, tok, err := h.Tokens.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ip := auth.ClientIP(r)
		if h.OnTokenUse != nil {
			h.OnTokenUse(r.Context(), u, tok.ID, tok.Name, ip)
		}
		ctx := context.WithValue(context.WithValue(r.Context(), keyUser, u), keyToken, tok)
		next.ServeHTTP(w, r.WithContext(ctx))
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !safe && u.Role == helpdesk.RoleAdmin && h.OnAdminWrite != nil {
			h.OnAdminWrite(context.WithoutCancel(r.Context()), u, ip)
		}
	})
}

// rateLimit answers 429 with Retry-After once the user's bucket is empty.
// The bucket is the user's, not the token's: all of a user's tokens share
// one budget, so minting more tokens buys no more requests.
func (h *Handler) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := h.limiter.allow(caller(r).ID)
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(wait))
			h.fail(w, r, helpdesk.Errorf(helpdesk.ETOOMANY,
				"Your API tokens sent too many requests; retry after %d seconds.", wait))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireScope lets read tokens only read.
func (h *Handler) requireScope(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if callerToken(r).Scope == auth.ScopeAlerts {
			h.fail(w, r, helpdesk.Errorf(helpdesk.EFORBIDDEN, "This token may only post monitoring alerts."))
			return
		}
		safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
		if !safe && callerToken(r).Scope != auth.ScopeReadWrite {
			h.fail(w, r, helpdesk.Errorf(helpdesk.EFORBIDDEN, "This token may only read; create a read_write token to make changes."))
			return
		}
		next.ServeHTTP(w, r)
	})
}
