package server

import (
	"net/http"
	"net/url"
)

// Flash messages travel in a short-lived cookie as plain text; they are
// rendered escaped like any other text, so they cannot inject markup.
func flashCode(msg string) string { return url.QueryEscape(msg) }

func flashText(v string) string {
	s, err := url.QueryUnescape(v)
	if err != nil || len(s) > 200 {
		return ""
	}
	return s
}

// clearFlash removes the flash cookie once a page has shown it.
func clearFlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("sb_flash"); err == nil && r.Method == http.MethodGet {
			http.SetCookie(w, &http.Cookie{Name: "sb_flash", Value: "", Path: "/", MaxAge: -1}) //nolint:gosec // deletes the flash cookie; see seeOther
		}
		next.ServeHTTP(w, r)
	})
}
