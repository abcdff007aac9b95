package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/web"
)

// retryAfter is the Retry-After of a 503: the health watcher checks the
// database every second while it is down, so clients come back soon.
const retryAfter = "30"

// degraded answers 503 at once while the database is known to be down
// (pages: a plain page saying so; the API: problem+json), instead of
// letting every request wait for a connection that will not come. Probes,
// /status and static files still answer. When the database returns the
// watcher notices within a second or two and requests flow again; nothing
// needs a restart.
func (s *Server) degraded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.Health.Down() || exemptFromDegraded(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			writeUnavailableProblem(w)
			return
		}
		securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.renderError(w, r, postgres.ErrUnavailable)
		})).ServeHTTP(w, r)
	})
}

func exemptFromDegraded(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/status", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/static/")
}

// writeUnavailableProblem is the API's 503, the same problem+json the API
// writes when a handler meets the outage itself.
func writeUnavailableProblem(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", retryAfter)
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "/api/docs#problem-unavailable", "title": http.StatusText(http.StatusServiceUnavailable),
		"status": http.StatusServiceUnavailable, "detail": helpdesk.ErrorMessage(postgres.ErrUnavailable),
	})
}

// Unavailable turns a database connection error into the helpdesk's
// "unavailable" error and tells the health watcher, so the next requests
// fail fast; other errors pass through. The API uses it too.
func (s *Server) Unavailable(err error) error {
	if !postgres.IsUnavailable(err) {
		return err
	}
	s.Health.Report(err)
	return postgres.ErrUnavailable
}

// status is GET /status: public, no sign-in, no ticket data. It says whether
// the helpdesk is up and lists the major incidents IT has published.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	v := web.StatusView{Up: !s.Health.Down(), Since: s.Health.Since()}
	code := http.StatusOK
	if !v.Up {
		code = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", retryAfter)
	} else if s.PublishedIncidents != nil {
		incidents, err := s.PublishedIncidents(r.Context())
		if err != nil {
			Logger(r.Context()).Warn("status: published incidents", "err", err)
			v.Up = !postgres.IsUnavailable(err)
		}
		v.Incidents = incidents
	}
	s.render(w, r, code, web.StatusPage(s.page(r, "Service status", ""), v))
}
