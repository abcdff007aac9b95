package app

import (
	"switchboard/internal/admin"
	"switchboard/internal/report"
)

// wireAdmin gives the HTTP server the admin console's service.
func (a *App) wireAdmin() {
	a.HTTP.Admin = &admin.Service{DB: a.DB, Jobs: a.Jobs, Secret: a.Env.Config.SecretKey}
	a.HTTP.KB = a.KB
	a.HTTP.Reports = &report.Service{DB: a.DB}
}
