package app

import (
	"context"

	"switchboard/internal/auth"
)

// wireIdentity gives the web server second factors, sign-in flows and
// single sign-on, and the admin console the SSO discovery check.
func (a *App) wireIdentity() {
	cfg := a.Env.Config
	a.HTTP.Factors = &auth.Factors{DB: a.DB, Secret: cfg.SecretKey, Issuer: "Switchboard"}
	a.HTTP.Flows = &auth.Flows{DB: a.DB, Secure: cfg.Secure()}
	sso := &auth.SSO{DB: a.DB, Secret: cfg.SecretKey, RedirectURL: cfg.BaseURL + "/sso/callback", Log: a.Env.Log.With("part", "sso")}
	a.HTTP.SSO = sso
	a.HTTP.Admin.DiscoverSSO = func(ctx context.Context, issuer string) error {
		_, err := sso.Discover(ctx, issuer)
		return err
	}
}
