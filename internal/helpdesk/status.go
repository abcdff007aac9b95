package helpdesk

import "time"

// PublicIncident is a major incident as IT publishes it on the public status
// page: what employees may read without signing in, nothing from tickets.
type PublicIncident struct {
	Title     string
	Summary   string
	Status    string // e.g. "investigating", "identified", "monitoring", "resolved"
	StartedAt time.Time
	UpdatedAt time.Time
}
