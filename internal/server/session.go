package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"switchboard/internal/admin"
)

// withSession loads the signed-in user, if any, into the request context.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur, err := s.Sessions.Load(r.Context(), r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		if cur != nil {
			r = r.WithContext(context.WithValue(r.Context(), keyUser, cur))
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser sends signed-out visitors to the sign-in page and back.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if CurrentUser(r.Context()) == nil {
			if isHTMX(r) {
				w.Header().Set("HX-Redirect", "/login")
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireStaff answers 404 to requesters, so staff URLs reveal nothing.
func (s *Server) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := CurrentUser(r.Context()); u == nil || !u.IsStaff() {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireLead lets leads and admins through; everyone else gets 404.
func (s *Server) requireLead(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !admin.IsLead(CurrentUser(r.Context())) {
			s.notFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// safeNext accepts only same-origin paths as a post-sign-in target, so the
// login form cannot be used as an open redirect. Browsers drop tabs and
// newlines and read a backslash as a slash, so "/\t/evil.example" would
// become "//evil.example": anything but printable ASCII without a backslash
// is refused before the parsed URL must have no scheme, no host and a path
// that starts with exactly one slash.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// dropsCaches marks routes whose writes change what this node caches about
// people and settings (users, teams, categories, availability, password
// resets): after such a write the caches are dropped, so the change holds
// for the very next request here. Other nodes hear of session and token
// changes on auth.AuthChannel; their desk options expire within seconds.
// Sign-out and token revocation drop the caches themselves.
func (s *Server) dropsCaches(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			defer s.afterWrite()
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) afterWrite() {
	s.Sessions.Forget()
	if s.Tokens != nil {
		s.Tokens.Forget()
	}
	if s.Directory != nil {
		s.Directory.Forget()
	}
	s.opts.forget()
	s.DB.ForgetNames()
}
