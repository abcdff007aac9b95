package server

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"switchboard/internal/helpdesk"
)

// metrics is GET /metrics on the web address. Metrics name routes, queues
// and volumes, so they are not for anyone who can reach the port: with
// SWITCHBOARD_METRICS_ADDR set they are served only there (404 here);
// otherwise a request needs "Authorization: Bearer" with
// SWITCHBOARD_METRICS_TOKEN or an admin's API token.
func (s *Server) metrics() http.Handler {
	prom := promhttp.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Config != nil && s.Config.MetricsAddr != "" {
			http.NotFound(w, r)
			return
		}
		if !s.metricsAllowed(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "401 Unauthorized: /metrics needs a bearer token (SWITCHBOARD_METRICS_TOKEN or an admin's API token).",
				http.StatusUnauthorized)
			return
		}
		prom.ServeHTTP(w, r)
	})
}

func (s *Server) metricsAllowed(r *http.Request) bool {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	if !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return false
	}
	if s.Config != nil && s.Config.MetricsToken != "" &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.Config.MetricsToken)) == 1 {
		return true
	}
	if s.Tokens == nil {
		return false
	}
	u, _, err := s.Tokens.Authenticate(r.Context(), secret)
	return err == nil && u != nil && u.Role == helpdesk.RoleAdmin
}
