package app

import "switchboard/internal/server"

// wireDesk gives this node its live-update hub: one LISTEN connection that
// feeds every SSE stream of the staff queue (GET /desk/stream). It runs as a
// background part, so it starts after River and stops after HTTP. The same
// connection tells the session cache when to forget.
func (a *App) wireDesk() {
	hub := server.NewHub(a.DB.Pool, a.Env.Log)
	hub.Auth = a.HTTP.Sessions
	a.HTTP.Live = hub
	a.background = append(a.background, hub)
}
