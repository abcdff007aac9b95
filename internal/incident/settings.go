// Package incident is Switchboard's AIOps: monitoring alerts become
// incident tickets (Alertmanager's webhook and a generic JSON webhook),
// entities are extracted from every ticket, a detector groups bursts of
// similar tickets into suspected incidents for agents to confirm or
// dismiss, incident pages show root-cause evidence, and published
// incidents become known-issue banners that let employees join them
// instead of filing a ticket.
package incident

import (
	"context"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident/detect"
)

// settingsKey is where the admin's incident settings are stored.
const settingsKey = "incidents"

// Settings are the admin's mapping from alerts to tickets and the
// detector's vocabulary. Zero fields take the defaults of Defaults.
type Settings struct {
	// Labels read from an alert (Alertmanager labels, or generic fields).
	TeamLabel     string `json:"team_label"`
	CategoryLabel string `json:"category_label"`
	SeverityLabel string `json:"severity_label"`
	// SeverityUrgency maps a severity value to an urgency.
	SeverityUrgency map[string]helpdesk.Urgency `json:"severity_urgency"`
	// Impact of alert incidents: they usually hit more than one person.
	Impact          helpdesk.Impact `json:"impact"`
	DefaultTeam     string          `json:"default_team"`     // slug; "" leaves routing to triage
	DefaultCategory string          `json:"default_category"` // name
	// ResolveMode says what happens when every alert of a group resolved:
	// "resolve" resolves the incident, "mark" only records it.
	ResolveMode string `json:"resolve_mode"`
	// FlapMinutes: a group that fires again within this many minutes of
	// being resolved reopens its incident rather than filing a new one.
	FlapMinutes int `json:"flap_minutes"`
	// Generic is the field mapping of the generic JSON alert webhook:
	// which top-level field holds the key, title, status, severity,
	// description, team and category.
	Generic GenericMapping `json:"generic"`
	// Services and Offices extend entity extraction ("name=alias,alias").
	Services []string `json:"services"`
	Offices  []string `json:"offices"`
}

// GenericMapping names the fields of a generic alert.
type GenericMapping struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Status      string `json:"status"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Team        string `json:"team"`
	Category    string `json:"category"`
	// ResolvedValues are the status values meaning "resolved".
	ResolvedValues []string `json:"resolved_values"`
}

// Defaults are the settings before an admin changes any.
func Defaults() Settings {
	return Settings{
		TeamLabel: "team", CategoryLabel: "category", SeverityLabel: "severity",
		SeverityUrgency: map[string]helpdesk.Urgency{
			"critical": helpdesk.UrgencyCritical, "page": helpdesk.UrgencyCritical, "emergency": helpdesk.UrgencyCritical,
			"error": helpdesk.UrgencyHigh, "major": helpdesk.UrgencyHigh, "high": helpdesk.UrgencyHigh,
			"warning": helpdesk.UrgencyMedium, "minor": helpdesk.UrgencyMedium, "medium": helpdesk.UrgencyMedium,
			"info": helpdesk.UrgencyLow, "low": helpdesk.UrgencyLow, "none": helpdesk.UrgencyLow,
		},
		Impact: helpdesk.ImpactDepartment, ResolveMode: "resolve", FlapMinutes: 60,
		Generic: GenericMapping{Key: "id", Title: "title", Status: "status", Severity: "severity",
			Description: "description", Team: "team", Category: "category",
			ResolvedValues: []string{"resolved", "ok", "closed", "recovered"}},
	}
}

// fill puts defaults into unset fields.
func (s *Settings) fill() {
	d := Defaults()
	or := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	or(&s.TeamLabel, d.TeamLabel)
	or(&s.CategoryLabel, d.CategoryLabel)
	or(&s.SeverityLabel, d.SeverityLabel)
	or(&s.ResolveMode, d.ResolveMode)
	if s.SeverityUrgency == nil {
		s.SeverityUrgency = d.SeverityUrgency
	}
	if !s.Impact.Valid() {
		s.Impact = d.Impact
	}
	if s.FlapMinutes <= 0 {
		s.FlapMinutes = d.FlapMinutes
	}
	g := &s.Generic
	or(&g.Key, d.Generic.Key)
	or(&g.Title, d.Generic.Title)
	or(&g.Status, d.Generic.Status)
	or(&g.Severity, d.Generic.Severity)
	or(&g.Description, d.Generic.Description)
	or(&g.Team, d.Generic.Team)
	or(&g.Category, d.Generic.Category)
	if len(g.ResolvedValues) == 0 {
		g.ResolvedValues = d.Generic.ResolvedValues
	}
}

// vocabulary is the entity extractor's list: the defaults plus the admin's.
func (s *Settings) vocabulary() detect.Vocabulary {
	v := detect.Vocabulary{Services: append([]string{}, detect.DefaultServices...), Offices: append([]string{}, detect.DefaultOffices...)}
	v.Services = append(v.Services, s.Services...)
	v.Offices = append(v.Offices, s.Offices...)
	return v
}

// Settings reads the admin's settings with defaults filled in.
func (svc *Service) Settings(ctx context.Context) (Settings, error) {
	var s Settings
	if err := svc.DB.SettingJSON(ctx, settingsKey, &s); err != nil {
		return s, err
	}
	s.fill()
	return s, nil
}

// SaveSettings stores an admin's settings.
func (svc *Service) SaveSettings(ctx context.Context, actor *helpdesk.User, s Settings) error {
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only admins change incident settings.")
	}
	var v helpdesk.Validation
	if s.ResolveMode != "" && s.ResolveMode != "resolve" && s.ResolveMode != "mark" {
		v.Add("resolve_mode", "Choose resolve or mark.")
	}
	for k, u := range s.SeverityUrgency {
		if !u.Valid() {
			v.Add("severity_urgency", "Severity "+k+" maps to an unknown urgency.")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return svc.DB.PutSettingJSON(ctx, settingsKey, s)
}
