package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes is the whole HTTP surface at a glance.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe)

	// Probes and metrics: no session, no security headers needed.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.Handler())

	r.Group(func(r chi.Router) {
		r.Use(securityHeaders)
		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("Switchboard\n"))
		})
	})
	return r
}
