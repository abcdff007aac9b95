package server

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/admin"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

func (s *Server) renderTeams(w http.ResponseWriter, r *http.Request, form web.Form) error {
	u := CurrentUser(r.Context())
	teams, err := s.Admin.Teams(r.Context(), u)
	if err != nil {
		return err
	}
	v := web.AdminTeamsPage{Page: s.adminPage(r, "Teams"), Teams: teams, IsAdmin: admin.IsAdmin(u), New: form, Weekdays: admin.Weekdays}
	s.render(w, r, status422(form), web.AdminTeams(v))
	return nil
}

func (s *Server) adminTeams(w http.ResponseWriter, r *http.Request) error {
	return s.renderTeams(w, r, web.NewForm(url.Values{"timezone": {"UTC"}}, nil))
}

func teamInput(r *http.Request) admin.TeamInput {
	in := admin.TeamInput{Name: r.PostForm.Get("name"), Slug: r.PostForm.Get("slug"), TimeZone: r.PostForm.Get("timezone"),
		Restricted: r.PostForm.Get("restricted") == "on"}
	for d := range 7 {
		in.Hours[d] = r.PostForm.Get("hours_" + strconv.Itoa(d))
	}
	for _, v := range r.PostForm["lead"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Leads = append(in.Leads, id)
		}
	}
	return in
}

func (s *Server) adminCreateTeam(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	id, err := s.Admin.CreateTeam(r.Context(), CurrentUser(r.Context()), teamInput(r))
	if isInvalid(err) {
		return s.renderTeams(w, r, web.NewForm(r.PostForm, err))
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10), "Team added.")
	return nil
}

func teamValues(t *helpdesk.TeamDetail) url.Values {
	v := url.Values{"name": {t.Name}, "slug": {t.Slug}, "timezone": {t.TimeZone}, "restricted": {on(t.Restricted)}}
	for d := range 7 {
		v.Set("hours_"+strconv.Itoa(d), admin.FormatDay(t.Hours, d))
	}
	for _, m := range t.Members {
		if m.Lead {
			v.Add("lead", strconv.FormatInt(m.ID, 10))
		}
	}
	return v
}

// teamForms are the forms of the team page; nil ones start fresh.
type teamForms struct{ edit, holiday, imp, oncall *web.Form }

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, id int64, f teamForms) error {
	u := CurrentUser(r.Context())
	t, err := s.Admin.Team(r.Context(), u, id)
	if err != nil {
		return err
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	v := web.AdminTeamPage{Page: s.adminPage(r, t.Name), Team: *t, IsAdmin: admin.IsAdmin(u), Weekdays: admin.Weekdays, Loc: loc}
	v.Edit = formOr(f.edit, teamValues(t))
	v.Holiday = formOr(f.holiday, nil)
	v.Import = formOr(f.imp, nil)
	v.OnCall = formOr(f.oncall, nil)
	s.render(w, r, status422(v.Edit, v.Holiday, v.Import, v.OnCall), web.AdminTeam(v))
	return nil
}

func (s *Server) adminTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderTeam(w, r, id, teamForms{})
}

func (s *Server) adminUpdateTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	err = s.Admin.UpdateTeam(r.Context(), CurrentUser(r.Context()), id, teamInput(r))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderTeam(w, r, id, teamForms{edit: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10), "Team saved.")
	return nil
}

func (s *Server) adminAddHoliday(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	h := helpdesk.Holiday{Day: r.PostForm.Get("holiday_day"), Name: r.PostForm.Get("holiday_name")}
	err = s.Admin.AddHoliday(r.Context(), CurrentUser(r.Context()), id, h)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderTeam(w, r, id, teamForms{holiday: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10)+"#holidays", "Holiday added.")
	return nil
}

// adminImportHolidays reads an uploaded .ics file.
func (s *Server) adminImportHolidays(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	allowBody(w, r, admin.MaxICSSize+64<<10)
	var data []byte
	if err := r.ParseMultipartForm(admin.MaxICSSize + 64<<10); err == nil {
		if file, _, ferr := r.FormFile("ics"); ferr == nil {
			data, err = io.ReadAll(file)
			_ = file.Close()
			if err != nil {
				data = nil
			}
		}
	} else {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			f := web.NewForm(nil, helpdesk.Invalid("ics", "The file is larger than 2 MB."))
			return s.renderTeam(w, r, id, teamForms{imp: &f})
		}
	}
	if len(data) == 0 {
		f := web.NewForm(nil, helpdesk.Invalid("ics", "Choose an .ics file."))
		return s.renderTeam(w, r, id, teamForms{imp: &f})
	}
	n, err := s.Admin.ImportHolidays(r.Context(), CurrentUser(r.Context()), id, data)
	if isInvalid(err) {
		f := web.NewForm(nil, err)
		return s.renderTeam(w, r, id, teamForms{imp: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10)+"#holidays", "Imported "+strconv.Itoa(n)+" holidays.")
	return nil
}

func (s *Server) adminDeleteHoliday(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Admin.DeleteHoliday(r.Context(), CurrentUser(r.Context()), id, chi.URLParam(r, "day")); err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10)+"#holidays", "Holiday removed.")
	return nil
}

func (s *Server) adminAddOnCall(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	in := admin.OnCallInput{UserID: r.PostForm.Get("oncall_user"), Start: r.PostForm.Get("oncall_start"), End: r.PostForm.Get("oncall_end")}
	err = s.Admin.AddOnCall(r.Context(), CurrentUser(r.Context()), id, in)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderTeam(w, r, id, teamForms{oncall: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10)+"#oncall", "Added to the on-call rota.")
	return nil
}

func (s *Server) adminDeleteOnCall(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	shift, err := pathID(r, "shift")
	if err != nil {
		return err
	}
	if err := s.Admin.DeleteOnCall(r.Context(), CurrentUser(r.Context()), id, shift); err != nil {
		return err
	}
	seeOther(w, r, "/admin/teams/"+strconv.FormatInt(id, 10)+"#oncall", "Removed from the on-call rota.")
	return nil
}
