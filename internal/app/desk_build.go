package app

import (
	"switchboard/internal/auth"
	"switchboard/internal/server"
)

// wireDesk gives this node its live-update hub: one LISTEN connection that
// feeds every SSE stream of the staff queue (GET /desk/stream). It runs as a
// background part, so it starts after River and stops after HTTP. The same
// connection tells the session and API token caches when to forget.
func (a *App) wireDesk() {
	hub := server.NewHub(a.DB, a.Env.Log)
	hub.Auth = auth.Caches{a.HTTP.Sessions, a.Tokens, a.Directory}
	hub.Teams = a.DB
	a.HTTP.Live = hub
	a.background = append(a.background, hub)
}
