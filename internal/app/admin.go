package app

import (
	"context"

	"switchboard/internal/admin"
	"switchboard/internal/backup"
	"switchboard/internal/helpdesk"
)

// wireAdmin gives the HTTP server the admin console's service; it runs
// after wireIdentity, whose SSO client checks issuers for the SSO form.
func (a *App) wireAdmin() error {
	cfg := a.Env.Config
	opts := admin.Options{TrustDefaults: helpdesk.MailTrustSettings{AuthServIDs: cfg.AuthServIDs, OrgDomains: cfg.OrgDomains}}
	for _, n := range cfg.TrustedRelays {
		opts.TrustDefaults.Relays = append(opts.TrustDefaults.Relays, n.String())
	}
	if a.Mail != nil {
		// This node's intake applies a saved change at once; others within
		// the intake's cache lifetime.
		opts.MailTrustChanged = a.Mail.Store.Trust.Reload
	}
	if sso := a.HTTP.SSO; sso != nil {
		opts.DiscoverSSO = func(ctx context.Context, issuer string) error {
			_, err := sso.Discover(ctx, issuer)
			return err
		}
	}
	adm, err := admin.New(a.DB, a.Jobs, cfg.SecretKey, opts)
	if err != nil {
		return err
	}
	a.HTTP.Admin = adm
	a.HTTP.KB = a.KB
	a.HTTP.Incidents = a.Incidents
	a.HTTP.Automation = a.Automation
	a.HTTP.Approvals = a.Approvals
	a.HTTP.Reports = a.Reports
	a.HTTP.Backups = a.Backups
	a.HTTP.PublishedIncidents = a.publishedIncidents
	return nil
}

// publishedIncidents is what /status shows of the incidents IT published
// to employees: title, message and times, nothing from the tickets.
func (a *App) publishedIncidents(ctx context.Context) ([]helpdesk.PublicIncident, error) {
	known, err := a.Incidents.KnownIssues(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]helpdesk.PublicIncident, 0, len(known))
	for _, k := range known {
		out = append(out, helpdesk.PublicIncident{Title: k.Title, Summary: k.Message, Status: "ongoing",
			StartedAt: k.PublishedAt, UpdatedAt: k.PublishedAt})
	}
	return out, nil
}

// wireBackups schedules backups on the embedded default, where nobody else
// backs the database up; with DATABASE_URL that is the database operator's.
func (a *App) wireBackups() {
	cfg := a.Env.Config
	if a.db == nil || !a.db.Embedded() || cfg.BackupEvery <= 0 {
		return
	}
	a.Backups = &backup.Scheduler{Dir: cfg.BackupDir, Every: cfg.BackupEvery, Keep: cfg.BackupKeep,
		Log: a.Env.Log.With("part", "backup"),
		Backup: func(ctx context.Context, out string) (*backup.Manifest, error) {
			return WriteBackup(ctx, a.Env, a.db, out)
		}}
	a.background = append(a.background, a.Backups)
}
