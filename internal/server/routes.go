package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"switchboard/web"
)

// routes is the whole HTTP surface at a glance.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe)
	// Cross-origin form posts are refused before any handler runs.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(forbiddenCrossOrigin))
	r.Use(csrf.Handler)

	// Probes and metrics.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.Handler())
	r.Handle("/static/*", staticFiles(web.Static))

	// Pages: security headers, session, flash.
	r.Group(func(r chi.Router) {
		r.Use(securityHeaders, clearFlash, s.withSession)
		r.Get("/", s.home)
		r.Get("/login", s.handle(s.loginForm))
		r.Post("/login", s.handle(s.login))
		r.Post("/logout", s.handle(s.logout))

		// Signed-in users of every role.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Post("/logout-all", s.handle(s.logoutEverywhere))
			r.Get("/profile", s.handle(s.profile))
		})

		// Staff only; requesters get 404.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.requireStaff)
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		securityHeaders(s.withSession(http.HandlerFunc(s.notFound))).ServeHTTP(w, r)
	})
	return r
}

// forbiddenCrossOrigin is the plain 403 for cross-origin form posts.
func forbiddenCrossOrigin(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("403 Forbidden: cross-origin request refused.\n"))
}
