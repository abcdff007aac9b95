package app

import "switchboard/internal/admin"

// wireAdmin gives the HTTP server the admin console's service.
func (a *App) wireAdmin() {
	a.HTTP.Admin = &admin.Service{DB: a.DB, Jobs: a.Jobs, Secret: a.Env.Config.SecretKey}
	a.HTTP.KB = a.KB
}
