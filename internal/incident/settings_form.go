package incident

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/helpdesk"
)

// The admin page for the alert settings (/admin/alerts) edits Settings as
// a form: one field per setting, lists one entry per line. FormValues and
// SaveSettingsForm convert both ways, so the page holds no rules.

// labelName is a Prometheus label name (also fine for generic fields).
var labelName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// FormValues is the settings as the admin page's form shows them.
func FormValues(s Settings) url.Values {
	s.fill()
	sev := make([]string, 0, len(s.SeverityUrgency))
	for k, u := range s.SeverityUrgency {
		sev = append(sev, k+"="+string(u))
	}
	slices.Sort(sev)
	g := s.Generic
	return url.Values{
		"team_label": {s.TeamLabel}, "category_label": {s.CategoryLabel}, "severity_label": {s.SeverityLabel},
		"severity_urgency": {strings.Join(sev, "\n")}, "impact": {string(s.Impact)},
		"default_team": {s.DefaultTeam}, "default_category": {s.DefaultCategory},
		"resolve_mode": {s.ResolveMode}, "flap_minutes": {strconv.Itoa(s.FlapMinutes)},
		"generic_key": {g.Key}, "generic_title": {g.Title}, "generic_status": {g.Status}, "generic_severity": {g.Severity},
		"generic_description": {g.Description}, "generic_team": {g.Team}, "generic_category": {g.Category},
		"generic_resolved_values": {strings.Join(g.ResolvedValues, ", ")},
		"services":                {strings.Join(s.Services, "\n")}, "offices": {strings.Join(s.Offices, "\n")},
	}
}

// lines splits a textarea into its non-empty, trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// SaveSettingsForm validates the admin page's form and stores it (admins
// only). Every problem is reported at its field; nothing is stored unless
// all fields are right.
func (svc *Service) SaveSettingsForm(ctx context.Context, actor *helpdesk.User, f url.Values) (Settings, error) {
	var s Settings
	if actor == nil || actor.Role != helpdesk.RoleAdmin {
		return s, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	var v helpdesk.Validation
	label := func(field string, dst *string) {
		*dst = strings.TrimSpace(f.Get(field))
		if *dst != "" && !labelName.MatchString(*dst) {
			v.Add(field, "Use a label name: letters, digits and underscores, not starting with a digit.")
		}
	}
	label("team_label", &s.TeamLabel)
	label("category_label", &s.CategoryLabel)
	label("severity_label", &s.SeverityLabel)
	s.SeverityUrgency = map[string]helpdesk.Urgency{}
	for i, l := range lines(f.Get("severity_urgency")) {
		k, u, ok := strings.Cut(l, "=")
		k, u = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(u)
		if !ok || k == "" {
			v.Add("severity_urgency", fmt.Sprintf("Line %d: write severity=urgency, for example critical=critical.", i+1))
			break
		}
		if !helpdesk.Urgency(u).Valid() {
			v.Add("severity_urgency", fmt.Sprintf("Line %d: %q is not an urgency (low, medium, high, critical).", i+1, u))
			break
		}
		s.SeverityUrgency[k] = helpdesk.Urgency(u)
	}
	if len(s.SeverityUrgency) == 0 && v.Err() == nil {
		v.Add("severity_urgency", "Map at least one severity, for example critical=critical.")
	}
	s.Impact = helpdesk.Impact(f.Get("impact"))
	if !s.Impact.Valid() {
		v.Add("impact", "Choose who an alert incident affects.")
	}
	if s.DefaultTeam = strings.TrimSpace(f.Get("default_team")); s.DefaultTeam != "" {
		if _, err := svc.DB.TeamIDBySlug(ctx, s.DefaultTeam); helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			v.Add("default_team", "There is no team with that name.")
		} else if err != nil {
			return s, err
		}
	}
	if s.DefaultCategory = strings.TrimSpace(f.Get("default_category")); s.DefaultCategory != "" {
		if _, err := svc.DB.CategoryIDByName(ctx, s.DefaultCategory); helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			v.Add("default_category", "There is no category with that name.")
		} else if err != nil {
			return s, err
		}
	}
	s.ResolveMode = f.Get("resolve_mode")
	if s.ResolveMode != "resolve" && s.ResolveMode != "mark" {
		v.Add("resolve_mode", "Choose whether the incident is resolved or only marked.")
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("flap_minutes")))
	if err != nil || n < 1 || n > 1440 {
		v.Add("flap_minutes", "Give a number of minutes from 1 to 1440.")
	}
	s.FlapMinutes = n
	g := &s.Generic
	for _, x := range []struct {
		field string
		dst   *string
	}{{"generic_key", &g.Key}, {"generic_title", &g.Title}, {"generic_status", &g.Status}, {"generic_severity", &g.Severity},
		{"generic_description", &g.Description}, {"generic_team", &g.Team}, {"generic_category", &g.Category}} {
		label(x.field, x.dst)
	}
	for _, r := range strings.Split(f.Get("generic_resolved_values"), ",") {
		if r = strings.ToLower(strings.TrimSpace(r)); r != "" {
			g.ResolvedValues = append(g.ResolvedValues, r)
		}
	}
	if len(g.ResolvedValues) == 0 {
		v.Add("generic_resolved_values", "Name at least one status value that means resolved, for example resolved, ok.")
	}
	list := func(field string, dst *[]string) {
		for i, l := range lines(f.Get(field)) {
			name, aliases, _ := strings.Cut(l, "=")
			if strings.TrimSpace(name) == "" || (strings.Contains(l, "=") && strings.Trim(aliases, " ,") == "") {
				v.Add(field, fmt.Sprintf("Line %d: write a name, optionally =alias,alias.", i+1))
				return
			}
			*dst = append(*dst, strings.ToLower(l))
		}
		if len(*dst) > 500 {
			v.Add(field, "Keep the list under 500 entries.")
		}
	}
	list("services", &s.Services)
	list("offices", &s.Offices)
	if err := v.Err(); err != nil {
		return s, err
	}
	if err := svc.SaveSettings(ctx, actor, s); err != nil {
		return s, err
	}
	// Recorded like every admin change: the incident timeline shows it.
	if err := svc.DB.Audit(ctx, actor.ID, "alert_settings", 0, "update", nil, map[string]any{
		"resolve_mode": s.ResolveMode, "flap_minutes": s.FlapMinutes, "default_team": s.DefaultTeam,
		"services": len(s.Services), "offices": len(s.Offices)}); err != nil {
		return s, err
	}
	return svc.Settings(ctx)
}
