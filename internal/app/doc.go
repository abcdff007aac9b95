// Package app is Switchboard's composition root: Start reads nothing itself
// but builds one node from an Env (configuration and streams) — the pool on
// the embedded PostgreSQL or DATABASE_URL, migrations, the services, River
// with every worker and periodic job, the mail listeners, the live-update
// hub and the HTTP server — and Shutdown stops them in the order that loses
// nothing. internal/cli's commands and the end-to-end tests start nodes
// through it.
package app
