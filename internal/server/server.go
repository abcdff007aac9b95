// Package server is Switchboard's HTTP surface: the chi router (all routes in
// routes.go), middleware, thin handlers that call one service method each,
// and the single place where errors become responses.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"switchboard/internal/automation"
	"sync/atomic"
	"time"

	"switchboard/internal/admin"
	"switchboard/internal/auth"
	"switchboard/internal/backup"
	"switchboard/internal/chat"
	"switchboard/internal/config"
	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
	"switchboard/internal/intake"
	"switchboard/internal/kb"
	"switchboard/internal/phishing"
	"switchboard/internal/postgres"
	"switchboard/internal/report"
	"switchboard/internal/ticket"
)

// Server holds what handlers need. Build it with New.
type Server struct {
	Config   *config.Config
	DB       *postgres.DB
	Jobs     *postgres.JobClient
	Tickets  *ticket.Service
	Sessions *auth.Sessions
	Throttle *auth.Throttle
	Devices  *auth.Devices // known browsers (sb_device cookie)
	API      http.Handler  // REST API v1 and its docs, mounted at /api; nil leaves it out
	Tokens   *auth.Tokens  // the user's API tokens, on /profile/tokens
	// Directory is the API's cache of people by email; it is dropped with
	// the other caches after a write here. Nil: none.
	Directory *auth.Directory
	// Factors are second factors (second_factor.go, profile_security.go);
	// Flows carry a sign-in across its steps.
	Factors  *auth.Factors
	Flows    *auth.Flows
	SSO      *auth.SSO      // single sign-on (sso.go)
	Passkeys *auth.Passkeys // WebAuthn (passkeys.go)
	Log      *slog.Logger
	// Live fans PostgreSQL notifications out to SSE streams (GET /desk/stream).
	Live *Hub

	// Mail serves raw-mail downloads (mail_raw.go); set by the app.
	Mail *intake.Store
	// Admin is the admin console's service (admin_*.go).
	Admin *admin.Service
	// KB is the knowledge base (help.go, kb_manage.go).
	KB *kb.Service
	// Incidents is alert intake, suspected incidents and known issues (incidents.go).
	Incidents *incident.Service
	// Phishing is phishing reports: panels, downloads, figures (phishing.go).
	Phishing *phishing.Service
	// Automation is the rules engine behind /admin/rules (admin_rules.go).
	Automation *automation.Service
	// Approvals is behind /approvals (approvals.go); nil: the pages 404.
	Approvals *automation.Approvals
	// Reports computes the leads' reports (reports.go).
	Reports *report.Service
	// Chat is ChatOps (chat.go, admin_chat.go); ChatIn its connectors'
	// inbound endpoints. Nil: the /chat routes answer 404.
	Chat   *chat.Service
	ChatIn *ChatEndpoints

	// Health says whether the database answers; while it does not, pages
	// and the API answer 503 at once (degraded.go). Nil: always up.
	Health *postgres.Health
	// PublishedIncidents lists the major incidents shown on /status; nil
	// shows none. (Incident publishing fills it in.)
	PublishedIncidents func(ctx context.Context) ([]helpdesk.PublicIncident, error)

	// OnAdminAction hears of every change an admin makes in the console
	// (threat detection: bursts); OnOwnerLocked of an account locked from
	// a "was this you?" mail. Nil: nobody listens.
	OnAdminAction func(ctx context.Context, u *helpdesk.User, ip string)
	OnOwnerLocked func(ctx context.Context, u *helpdesk.User, ip string)

	// Backups is the embedded default's backup schedule, shown on
	// /admin/backups; nil when off.
	Backups *backup.Scheduler

	migrated atomic.Bool   // cached once true; /readyz checks until then
	opts     deskOptsCache // dashboard filter choices (desk_queue.go)
	handler  http.Handler
}

// New wires the router.
func New(s *Server) *Server {
	s.handler = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// HTTPServer returns a net/http server with sane timeouts. Requests'
// contexts derive from base, which the app cancels at shutdown so that live
// streams end. SSE streams set their own write deadlines, so WriteTimeout
// stays off.
func (s *Server) HTTPServer(base context.Context) *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large attachments on slow links
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
}
