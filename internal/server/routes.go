package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"switchboard/web"
)

// routes is the whole HTTP surface at a glance.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe)
	r.Use(s.degraded) // database down: 503 at once (degraded.go)
	// Cross-origin form posts are refused before any handler runs.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(forbiddenCrossOrigin))
	r.Use(csrf.Handler)

	// Probes and metrics.
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.With(securityHeaders).Get("/status", s.status) // public: up/degraded and published incidents, no ticket data
	r.Handle("/metrics", s.metrics())                // metrics.go: bearer token, or only on SWITCHBOARD_METRICS_ADDR
	r.Handle("/static/*", staticFiles(web.Static))
	if s.API != nil {
		r.Mount("/api", s.API) // bearer tokens, problem+json; no session
	}
	// ChatOps (chat.go): each connector verifies its own requests (Slack's
	// signing secret and timestamp, Mattermost's command token); no session.
	r.Post("/chat/slack/commands", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.SlackCommands }))
	r.Post("/chat/slack/events", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.SlackEvents }))
	r.Post("/chat/slack/interactions", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.SlackInteractions }))
	r.Post("/chat/mattermost/commands", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.MattermostCommands }))
	r.Post("/chat/mattermost/actions", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.MattermostActions }))
	r.Post("/chat/mattermost/messages", s.chatEndpoint(func(c *ChatEndpoints) http.HandlerFunc { return c.MattermostMessages }))

	// Pages: security headers, session, flash.
	r.Group(func(r chi.Router) {
		r.Use(limitBody, securityHeaders, clearFlash, s.withSession)
		r.Get("/", s.home)
		r.Get("/login", s.handle(s.loginForm))
		r.Post("/login", s.handle(s.login))
		r.Post("/logout", s.handle(s.logout))
		// Second sign-in step (second_factor.go): after the password.
		r.Get("/login/verify", s.handle(s.secondFactorForm))
		r.Post("/login/verify", s.handle(s.secondFactor))
		r.Get("/login/setup", s.handle(s.enrolForm))
		r.Post("/login/setup", s.handle(s.enrol))
		r.With(s.requirePasskeys).Post("/login/passkey/begin", s.handle(s.passkeyLoginBegin)) // passkeys.go: WebAuthn
		r.With(s.requirePasskeys).Post("/login/passkey/finish", s.handle(s.passkeyLoginFinish))
		r.With(s.requirePasskeys).Post("/login/verify/passkey/begin", s.handle(s.passkeyVerifyBegin))
		r.With(s.requirePasskeys).Post("/login/verify/passkey/finish", s.handle(s.passkeyVerifyFinish))
		r.Get("/sso/start", s.handle(s.ssoStart)) // sso.go: OpenID Connect
		r.Get("/sso/callback", s.handle(s.ssoCallback))
		r.Get("/reset/{token}", s.handle(s.resetForm)) // reset.go: one-time set-password links
		r.With(s.dropsCaches).Post("/reset/{token}", s.handle(s.reset))
		r.Get("/security/lock/{token}", s.handle(s.lockForm)) // lock.go: "was this you?" mails
		r.Post("/security/lock/{token}", s.handle(s.lock))

		// Signed-in users of every role.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Post("/logout-all", s.handle(s.logoutEverywhere))
			r.Get("/profile", s.handle(s.profile))
			r.Get("/profile/devices", s.handle(s.profileDevices)) // devices.go
			r.Post("/profile/devices/{id}/end", s.handle(s.endDevice))
			r.Get("/profile/tokens", s.handle(s.profileTokens))
			r.Post("/profile/tokens", s.handle(s.createToken))
			r.Post("/profile/tokens/{id}/revoke", s.handle(s.revokeToken))
			r.Post("/profile/tokens/{id}/scope", s.handle(s.tokenScope))
			r.Get("/profile/security", s.handle(s.security)) // profile_security.go: second factors
			r.Get("/profile/security/totp", s.handle(s.totpSetupForm))
			r.Post("/profile/security/totp", s.handle(s.totpSetup))
			r.Post("/profile/security/totp/disable", s.handle(s.totpDisable))
			r.Post("/profile/security/recovery", s.handle(s.newRecoveryCodes))
			r.With(s.requirePasskeys).Post("/profile/security/passkeys/begin", s.handle(s.passkeyRegisterBegin))
			r.With(s.requirePasskeys).Post("/profile/security/passkeys/finish", s.handle(s.passkeyRegisterFinish))
			r.Post("/profile/security/passkeys/{id}/delete", s.handle(s.passkeyDelete))

			// Employee portal (portal_*.go): a requester's own tickets.
			r.Get("/tickets", s.handle(s.myTickets))
			r.Get("/tickets/new", s.handle(s.newTicketForm))
			r.Post("/tickets/new", s.handle(s.createTicket))
			r.Post("/preview", s.handle(s.preview))
			r.Get("/tickets/{number}", s.handle(s.showTicket))
			r.Post("/tickets/{number}/reply", s.handle(s.reply))
			r.Post("/tickets/{number}/resolve", s.handle(s.resolve))
			r.Post("/tickets/{number}/reopen", s.handle(s.reopen))
			r.Post("/tickets/{number}/rating", s.handle(s.rate))
			r.Get("/tickets/{number}/attachments/{id}", s.handle(s.attachment))
			r.Post("/incidents/{number}/affected", s.handle(s.affectedToo)) // incidents.go: known-issue banner
			r.Get("/chat/link/{token}", s.handle(s.chatLinkForm))           // chat.go: confirm a chat account link
			r.Post("/chat/link/{token}", s.handle(s.chatLink))
			r.Get("/report-phishing", s.handle(s.reportPhishingForm)) // phishing.go: upload a suspicious .eml
			r.Get("/approvals", s.handle(s.approvals))                // approvals.go: what the viewer is asked to approve
			r.Get("/approvals/{id}", s.handle(s.approval))
			r.Post("/approvals/{id}", s.handle(s.decideApproval))
			r.Post("/report-phishing", s.handle(s.reportPhishing))

			// Help centre (help.go): articles each viewer may read.
			r.Get("/help", s.handle(s.help))
			r.Get("/help/suggest", s.handle(s.helpSuggest))
			r.Post("/help/deflect", s.handle(s.helpDeflect))
			r.Get("/help/articles/{id}", s.handle(s.helpArticle))
			r.Post("/help/articles/{id}/feedback", s.handle(s.helpFeedback))
			r.Get("/help/articles/{id}/files/{file}", s.handle(s.helpFile))
		})

		// Admin console (admin_*.go): leads and admins; everyone else gets
		// 404. The admin service checks every write again (leads: own teams).
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.requireLead, s.dropsCaches, s.watchAdmin)
			r.Get("/admin", s.adminHome)
			r.Get("/admin/people", s.handle(s.adminPeople))
			r.Post("/admin/people", s.handle(s.adminCreatePerson))
			r.Get("/admin/people/{id}", s.handle(s.adminPerson))
			r.Post("/admin/people/{id}", s.handle(s.adminUpdatePerson))
			r.Post("/admin/people/{id}/deactivate", s.handle(s.adminSetActive(false)))
			r.Post("/admin/people/{id}/reactivate", s.handle(s.adminSetActive(true)))
			r.Post("/admin/people/{id}/password-link", s.handle(s.adminPasswordLink))
			r.Get("/admin/people/{id}/profile", s.handle(s.adminProfile))
			r.Get("/admin/people/{id}/devices", s.handle(s.personDevices)) // devices.go: admins only
			r.Post("/admin/people/{id}/devices/{sid}/end", s.handle(s.endPersonDevice))
			r.Post("/admin/people/{id}/tokens/{tid}/revoke", s.handle(s.revokePersonToken))
			r.Post("/admin/people/{id}/profile", s.handle(s.adminUpdateProfile))
			r.Post("/admin/people/{id}/time-off", s.handle(s.adminAddTimeOff))
			r.Post("/admin/people/{id}/time-off/{off}/delete", s.handle(s.adminDeleteTimeOff))
			r.Get("/admin/teams", s.handle(s.adminTeams))
			r.Post("/admin/teams", s.handle(s.adminCreateTeam))
			r.Get("/admin/teams/{id}", s.handle(s.adminTeam))
			r.Post("/admin/teams/{id}", s.handle(s.adminUpdateTeam))
			r.Post("/admin/teams/{id}/holidays", s.handle(s.adminAddHoliday))
			r.Post("/admin/teams/{id}/holidays/import", s.handle(s.adminImportHolidays))
			r.Post("/admin/teams/{id}/holidays/{day}/delete", s.handle(s.adminDeleteHoliday))
			r.Post("/admin/teams/{id}/oncall", s.handle(s.adminAddOnCall))
			r.Post("/admin/teams/{id}/oncall/{shift}/delete", s.handle(s.adminDeleteOnCall))
			r.Get("/admin/categories", s.handle(s.adminCategories))
			r.Post("/admin/categories", s.handle(s.adminCreateCategory))
			r.Get("/admin/categories/{id}", s.handle(s.adminCategory))
			r.Post("/admin/categories/{id}", s.handle(s.adminUpdateCategory))
			r.Get("/admin/priorities", s.handle(s.adminPriorities))
			r.Post("/admin/priorities/matrix", s.handle(s.adminUpdateMatrix))
			r.Post("/admin/priorities/sla", s.handle(s.adminUpdateSLA))
			r.Get("/admin/mail", s.handle(s.adminMail))
			r.Post("/admin/mail/addresses", s.handle(s.adminAddAddress))
			r.Post("/admin/mail/addresses/{id}/delete", s.handle(s.adminDeleteAddress))
			r.Post("/admin/mail/addresses/{id}/phishing", s.handle(s.adminPhishingAddress))
			r.Post("/admin/mail/mailboxes", s.handle(s.adminAddMailbox))
			r.Post("/admin/mail/mailboxes/{id}/delete", s.handle(s.adminDeleteMailbox))
			r.Post("/admin/mail/mailboxes/{id}/test", s.handle(s.adminTestMailbox))
			r.Post("/admin/mail/outbox/{id}/retry", s.handle(s.adminRetryOutbox))
			r.Post("/admin/mail/policy", s.handle(s.adminSetPolicy))
			r.Get("/admin/mail/trust", s.handle(s.adminMailTrust)) // admin_mail_trust.go: admins only
			r.Post("/admin/mail/trust", s.handle(s.adminSaveMailTrust))
			r.Get("/admin/mail/{id}/raw", s.handle(s.mailRaw))  // mail_raw.go: admins only, like the Mail page
			r.Get("/admin/mail/review", s.handle(s.mailReview)) // admin_mail_review.go: held mail (leads too), dropped mail (admins)
			r.Post("/admin/mail/review/{id}", s.handle(s.mailDecide))
			r.Get("/admin/mail/review/{id}/raw", s.handle(s.mailReviewRaw))
			r.Get("/admin/audit", s.handle(s.adminAudit))
			r.Get("/admin/rules", s.handle(s.adminRules)) // admin_rules.go: automation rules (leads: own teams)
			r.Get("/admin/rules/new", s.handle(s.adminNewRule))
			r.Post("/admin/rules", s.handle(s.adminSaveRule))
			r.Get("/admin/rules/{id}", s.handle(s.adminRule))
			r.Post("/admin/rules/{id}", s.handle(s.adminSaveRule))
			r.Post("/admin/rules/{id}/dry-run", s.handle(s.adminRuleDryRun))
			r.Post("/admin/rules/{id}/run", s.handle(s.adminRuleRun))
			r.Post("/admin/rules/{id}/undo", s.handle(s.adminRuleUndoRange)) // admin_rules_undo.go
			r.Post("/admin/runs/{id}/undo", s.handle(s.adminRunUndo))
			r.Get("/admin/inbound", s.handle(s.adminInbound)) // admin_inbound.go: admins only
			r.Post("/admin/inbound", s.handle(s.adminCreateInbound))
			r.Post("/admin/inbound/{id}/rotate", s.handle(s.adminRotateInbound))
			r.Post("/admin/inbound/{id}/active", s.handle(s.adminInboundActive))
			r.Get("/admin/backups", s.handle(s.adminBackups)) // admin_backups.go: admins only
			r.Get("/admin/chat", s.handle(s.adminChat))       // admin_chat.go: admins only
			r.Post("/admin/chat/channels", s.handle(s.adminAddChatChannel))
			r.Post("/admin/chat/channels/{id}/delete", s.handle(s.adminDeleteChatChannel))
			r.Post("/admin/chat/{name}", s.handle(s.adminSaveChat))
			r.Post("/admin/chat/{name}/test", s.handle(s.adminTestChat))
			r.Get("/admin/alerts", s.handle(s.adminAlerts)) // admin_alerts.go: admins only
			r.Post("/admin/alerts", s.handle(s.adminSaveAlerts))
			r.Get("/admin/audit.csv", s.handle(s.adminAuditCSV))
			r.Get("/admin/security", s.handle(s.adminSecurity)) // admin_security.go: second factors, SSO
			r.Post("/admin/security/second-factor", s.handle(s.adminSetFactorRoles))
			r.Post("/admin/security/sso", s.handle(s.adminSaveSSO))
			r.Post("/admin/security/threats", s.handle(s.adminSetThreatResponse))
			r.Get("/admin/security/events", s.handle(s.adminSecurityEvents))
			r.Post("/admin/people/{id}/second-factors/reset", s.handle(s.adminResetFactors))
			r.Get("/admin/access", s.handle(s.adminAccess)) // admin_access.go: access review, four-eyes grants
			r.Post("/admin/access/review", s.handle(s.adminRecordReview))
			r.Post("/admin/access/settings", s.handle(s.adminPrivilegeSettings))
			r.Post("/admin/access/grants/{id}/approve", s.handle(s.adminDecideGrant(true)))
			r.Post("/admin/access/grants/{id}/reject", s.handle(s.adminDecideGrant(false)))
		})

		// Reports (reports.go): leads and admins; everyone else gets 404.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.requireLead)
			r.Get("/reports", s.handle(s.reportsIndex))
			r.Get("/reports/{name}", s.handle(s.reportPage))
			r.Get("/reports/{name}/export.csv", s.handle(s.reportCSV))
		})

		// Staff only; requesters get 404.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.requireStaff)
			r.Get("/tickets/{number}/messages/{id}/raw", s.handle(s.messageRaw)) // mail_raw.go

			// Staff queue and ticket workspace (desk_*.go, sse.go).
			r.Get("/desk", s.handle(s.desk))
			r.Get("/desk/list", s.handle(s.deskList))
			r.Get("/desk/counts", s.handle(s.deskCounts))
			r.Get("/desk/stream", s.handle(s.stream))
			r.Post("/desk/bulk", s.handle(s.deskBulk))
			r.With(s.dropsCaches).Post("/desk/availability", s.handle(s.setAvailability))
			r.Get("/desk/overview", s.handle(s.overview))
			r.Get("/desk/waiting", s.handle(s.deskWaiting))
			r.Get("/desk/canned", s.handle(s.canned))
			r.Post("/desk/canned", s.handle(s.saveCanned))
			r.Post("/desk/canned/{id}/delete", s.handle(s.deleteCanned))
			r.Get("/desk/tickets/{number}", s.handle(s.deskTicket))
			r.Get("/desk/tickets/{number}/timeline", s.handle(s.deskTimeline))
			r.Get("/desk/tickets/{number}/presence", s.handle(s.deskPresence))
			r.Post("/desk/tickets/{number}/presence", s.handle(s.deskPresence))
			r.Post("/desk/tickets/{number}/messages", s.handle(s.deskWrite))
			r.Post("/desk/tickets/{number}/fields", s.handle(s.deskFields))
			r.Post("/desk/tickets/{number}/take", s.handle(s.deskTake))
			r.Post("/desk/tickets/{number}/merge", s.handle(s.deskMerge))
			r.Post("/desk/tickets/{number}/link", s.handle(s.deskLink))
			r.Post("/desk/tickets/{number}/resolve-children", s.handle(s.deskResolveChildren))

			// Phishing reports (phishing.go): the service checks the security team.
			r.Get("/desk/phishing", s.handle(s.phishFigures))
			r.Get("/desk/tickets/{number}/phishing/raw", s.handle(s.phishRaw))
			r.Get("/desk/tickets/{number}/phishing/attachments/{i}", s.handle(s.phishAttachment))
			r.Post("/desk/tickets/{number}/phishing/verdict", s.handle(s.phishVerdict))
			r.Post("/desk/tickets/{number}/phishing/close", s.handle(s.phishClose))
			r.Get("/desk/tickets/{number}/phishing/indicators.csv", s.handle(s.phishIndicatorsCSV))

			// Incidents (incidents.go): suspected bursts, evidence, known issues.
			r.Get("/desk/incidents", s.handle(s.incidents))
			r.Post("/desk/incidents/suspects/{id}/confirm", s.handle(s.confirmSuspect))
			r.Post("/desk/incidents/suspects/{id}/dismiss", s.handle(s.dismissSuspect))
			r.Get("/desk/incidents/{number}", s.handle(s.incidentPage))
			r.Post("/desk/incidents/{number}/publish", s.handle(s.publishIncident))

			// Knowledge-base editing (kb_manage.go).
			r.Get("/kb", s.handle(s.kbList))
			r.Post("/kb/categories", s.handle(s.kbCreateCategory))
			r.Get("/kb/new", s.handle(s.kbNew))
			r.Post("/kb/new", s.handle(s.kbCreate))
			r.Get("/kb/{id}/edit", s.handle(s.kbEdit))
			r.Post("/kb/{id}/edit", s.handle(s.kbUpdate))
			r.Post("/kb/{id}/draft/publish", s.handle(s.kbPublishDraft))
			r.Post("/kb/{id}/draft/discard", s.handle(s.kbDiscardDraft))
			r.Post("/kb/{id}/files", s.handle(s.kbUpload))
			r.Get("/kb/{id}/versions", s.handle(s.kbVersions))
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
