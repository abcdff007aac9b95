package app

import (
	"switchboard/internal/auth"
)

// wireIdentity gives the web server second factors, sign-in flows and
// single sign-on.
func (a *App) wireIdentity() error {
	cfg := a.Env.Config
	a.HTTP.Factors = &auth.Factors{DB: a.DB, Secret: cfg.SecretKey, Issuer: "Switchboard"}
	a.HTTP.Flows = &auth.Flows{DB: a.DB, Secure: cfg.Secure()}
	sso := &auth.SSO{DB: a.DB, Secret: cfg.SecretKey, RedirectURL: cfg.BaseURL + "/sso/callback", Log: a.Env.Log.With("part", "sso")}
	a.HTTP.SSO = sso
	// Browsers allow passkeys only for a host name, not an IP address:
	// with a base URL like http://127.0.0.1:8080 they are simply off.
	pk, err := auth.NewPasskeys(a.DB, cfg.BaseURL)
	if err != nil {
		a.Env.Log.Info("passkeys are off: SWITCHBOARD_BASE_URL needs a host name such as localhost", "err", err)
		return nil
	}
	a.HTTP.Passkeys = pk
	return nil
}
