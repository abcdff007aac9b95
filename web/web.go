// Package web holds Switchboard's templ components (layout, auth, portal,
// queue, admin) and its static files. Components take view models built from
// helpdesk types, never database rows, so a template cannot run a query.
package web

import (
	"embed"
	"time"

	"switchboard/internal/helpdesk"
)

// Static holds CSS, JavaScript (htmx, our own small scripts) and images,
// served under /static/.
//
//go:embed static
var Static embed.FS

// Page is what the layout needs on every page.
type Page struct {
	Title string
	User  *helpdesk.User // nil when signed out
	Nonce string         // CSP nonce for the rare script tag
	Flash string         // one-off notice after a redirect
	Nav   string         // which header link is current
	Avail helpdesk.Availability
}

// LocalTime formats t in the viewer's time zone.
func (p Page) LocalTime(t time.Time) string {
	return t.In(p.User.Location()).Format("2 Jan 2006 15:04 MST")
}

// LocalTimeISO is t in RFC 3339 for <time datetime>.
func LocalTimeISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }
