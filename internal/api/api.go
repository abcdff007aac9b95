// Package api is Switchboard's REST API v1: JSON over HTTP with personal
// bearer tokens, RFC 9457 problem+json errors, keyset pagination, per-token
// rate limits and idempotent POSTs, described by an OpenAPI 3.1 document
// served at /api/v1/openapi.json and rendered for people at /api/docs.
//
// Handlers are thin: decode, call one ticket.Service method (the same ones
// the web UI calls, so both enforce the same permissions), render.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
	"switchboard/internal/kb"
	"switchboard/internal/phishing"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Options configure the API; zero limits take the defaults noted.
type Options struct {
	DB      *postgres.DB
	Tickets *ticket.Service
	Tokens  *auth.Tokens
	// Directory finds the people requests name by email (cached); nil asks
	// the database every time.
	Directory *auth.Directory
	KB        *kb.Service // knowledge-base articles (/v1/kb)
	// Incidents takes monitoring alerts; without it the alert routes 404.
	Incidents *incident.Service
	// Phishing adds the verdict to phishing reports' JSON; nil leaves it out.
	Phishing *phishing.Service
	// Automation manages rules and runs (/v1/rules, /v1/runs).
	Automation *automation.Service
	// Approvals lets approvers list and decide their requests (/v1/approvals).
	Approvals *automation.Approvals
	Log       *slog.Logger
	// Health is told about database connection errors, so that the next
	// requests get 503 at once until the database answers again.
	Health *postgres.Health

	// RatePerSecond and Burst size each token's bucket: a client may send
	// Burst requests at once and RatePerSecond sustained. Defaults 20 and 100.
	RatePerSecond float64
	Burst         int
	// MaxJSONBody caps JSON request bodies (default 1 MiB, ten times the
	// longest description).
	MaxJSONBody int64
	// OnTokenUse hears of every authenticated request (threat detection:
	// a token used from a new network); OnAdminWrite of every write an
	// admin's token made, after it is done (bursts). Nil: nobody listens.
	OnTokenUse   func(ctx context.Context, u *helpdesk.User, tokenID int64, tokenName, ip string)
	OnAdminWrite func(ctx context.Context, u *helpdesk.User, ip string)
	// MaxUpload caps a multipart attachment upload (default 4 files' worth
	// of the ticket service's per-file limit, plus 1 MiB).
	MaxUpload int64
}

// Handler serves /api (mount it there): /api/v1/… and /api/docs.
type Handler struct {
	Options
	limiter *limiter
	router  chi.Router
}

// New builds the handler.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = 20
	}
	if o.Burst <= 0 {
		o.Burst = 100
	}
	if o.MaxJSONBody <= 0 {
		o.MaxJSONBody = 1 << 20
	}
	if o.MaxUpload <= 0 {
		per := o.Tickets.MaxAttachment
		if per <= 0 {
			per = 25 << 20
		}
		o.MaxUpload = 4*per + 1<<20
	}
	h := &Handler{Options: o, limiter: newLimiter(o.RatePerSecond, o.Burst, time.Now)}
	h.router = h.routes()
	return h
}

// ServeHTTP makes Handler an http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// Routes exposes the router so tests can walk every route.
func (h *Handler) Routes() chi.Routes { return h.router }

// routes is the API's surface, relative to where it is mounted (/api).
func (h *Handler) routes() chi.Router {
	r := chi.NewRouter()
	r.Get("/docs", h.docs)
	r.Get("/docs.css", h.docsCSS)
	r.Route("/v1", func(r chi.Router) {
		r.NotFound(h.handle(func(http.ResponseWriter, *http.Request) error { return errNoRoute }))
		r.MethodNotAllowed(h.handle(func(http.ResponseWriter, *http.Request) error { return errMethod }))
		r.Get("/openapi.json", h.openAPI)
		r.Group(func(r chi.Router) {
			r.Use(h.authenticate, h.rateLimit, h.requireScope)
			r.Post("/tickets", h.handle(h.createTicket))
			r.Get("/tickets", h.handle(h.listTickets))
			r.Get("/tickets/{number}", h.handle(h.getTicket))
			r.Patch("/tickets/{number}", h.handle(h.updateTicket))
			r.Get("/tickets/{number}/messages", h.handle(h.listMessages))
			r.Post("/tickets/{number}/messages", h.handle(h.addMessage))
			r.Get("/tickets/{number}/events", h.handle(h.listEvents))
			r.Post("/tickets/{number}/attachments", h.handle(h.uploadAttachments))
			r.Get("/tickets/{number}/attachments/{id}", h.handle(h.downloadAttachment))
			r.Get("/kb/articles", h.handle(h.listArticles))
			r.Post("/kb/articles", h.handle(h.createArticle))
			r.Get("/kb/articles/{id}", h.handle(h.getArticle))
			r.Route("/rules", func(r chi.Router) {
				r.Use(h.needAutomation)
				r.Get("/", h.handle(h.listRules))
				r.Post("/", h.handle(h.createRule))
				r.Get("/{id}", h.handle(h.getRule))
				r.Patch("/{id}", h.handle(h.updateRule))
				r.Post("/{id}/dry-run", h.handle(h.dryRun))
				r.Post("/{id}/run", h.handle(h.runRule))
				r.Get("/{id}/runs", h.handle(h.listRuns))
				r.Post("/{id}/rollback", h.handle(h.rollbackRange)) // rules_undo.go
			})
			r.Route("/webhooks", func(r chi.Router) {
				r.Use(h.needAutomation)
				r.Get("/", h.handle(h.listWebhooks))
				r.Post("/", h.handle(h.createWebhook))
				r.Patch("/{id}", h.handle(h.updateWebhook))
				r.Get("/{id}/deliveries", h.handle(h.listDeliveries))
				r.Post("/{id}/deliveries/{delivery}/redeliver", h.handle(h.redeliver))
			})
			r.Route("/approvals", func(r chi.Router) { // approvals.go
				r.Use(h.needApprovals)
				r.Get("/", h.handle(h.listApprovals))
				r.Post("/{id}", h.handle(h.decideApproval))
			})
			r.Route("/runs", func(r chi.Router) {
				r.Use(h.needAutomation)
				r.Get("/{id}", h.handle(h.getRun))
				r.Post("/{id}/rollback", h.handle(h.rollbackRun))
			})
		})
		// Inbound webhooks carry their own token, not a user's (inbound.go).
		r.With(h.needAutomation).Post("/inbound/{id}", h.handle(h.inbound))
		r.Group(func(r chi.Router) {
			r.Use(h.authenticate, h.rateLimit, h.mayPostAlerts)
			r.Post("/alerts/alertmanager", h.handle(h.alertmanager))
			r.Post("/alerts/generic", h.handle(h.genericAlerts))
		})
	})
	return r
}
