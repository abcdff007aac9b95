package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/internal/incident"
	"switchboard/web"
)

// adminAlerts is GET /admin/alerts (admins only): how monitoring alerts
// become incidents (labels to team, category and urgency; resolve mode;
// flapping window; generic webhook fields) and the detector's lists of
// services and offices.
func (s *Server) adminAlerts(w http.ResponseWriter, r *http.Request) error {
	if u := CurrentUser(r.Context()); u == nil || u.Role != helpdesk.RoleAdmin {
		s.notFound(w, r)
		return nil
	}
	set, err := s.Incidents.Settings(r.Context())
	if err != nil {
		return err
	}
	return s.renderAlerts(w, r, web.NewForm(incident.FormValues(set), nil))
}

// adminSaveAlerts is POST /admin/alerts: all fields are checked, the page
// comes back with 422, the messages at the fields and the input kept.
func (s *Server) adminSaveAlerts(w http.ResponseWriter, r *http.Request) error {
	if u := CurrentUser(r.Context()); u == nil || u.Role != helpdesk.RoleAdmin {
		s.notFound(w, r)
		return nil
	}
	_ = r.ParseForm()
	_, err := s.Incidents.SaveSettingsForm(r.Context(), CurrentUser(r.Context()), r.PostForm)
	if isInvalid(err) {
		return s.renderAlerts(w, r, web.NewForm(r.PostForm, err))
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/alerts", "Alert settings saved.")
	return nil
}

func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, form web.Form) error {
	teams, err := s.teamSlugOptions(r)
	if err != nil {
		return err
	}
	cats, err := s.Admin.Categories(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	v := web.AdminAlertsPage{Page: s.adminPage(r, "Alerts"), Form: form,
		Teams:      append([]web.Option{{Value: "", Label: "None: triage routes it"}}, teams...),
		Categories: []web.Option{{Value: "", Label: "None: triage categorises it"}}}
	for _, c := range cats {
		v.Categories = append(v.Categories, web.Option{Value: c.Name, Label: c.Name})
	}
	s.render(w, r, status422(form), web.AdminAlerts(v))
	return nil
}

// teamSlugOptions lists the teams by slug (what alert labels name).
func (s *Server) teamSlugOptions(r *http.Request) ([]web.Option, error) {
	teams, err := s.Admin.Teams(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, 0, len(teams))
	for _, t := range teams {
		out = append(out, web.Option{Value: t.Slug, Label: t.Name + " (" + t.Slug + ")"})
	}
	return out, nil
}
