package app

import "switchboard/internal/server"

// wireDesk gives this node its live-update hub: one LISTEN connection that
// feeds every SSE stream of the staff queue (GET /desk/stream). It runs as a
// background part, so it starts after River and stops after HTTP.
func (a *App) wireDesk() {
	hub := server.NewHub(a.DB.Pool, a.Env.Log)
	a.HTTP.Live = hub
	a.background = append(a.background, hub)
}
