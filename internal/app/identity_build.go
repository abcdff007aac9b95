package app

import "switchboard/internal/auth"

// wireIdentity gives the web server second factors and sign-in flows.
func (a *App) wireIdentity() {
	cfg := a.Env.Config
	a.HTTP.Factors = &auth.Factors{DB: a.DB, Secret: cfg.SecretKey, Issuer: "Switchboard"}
	a.HTTP.Flows = &auth.Flows{DB: a.DB, Secure: cfg.Secure()}
}
