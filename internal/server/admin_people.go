package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/admin"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/admin/people", http.StatusSeeOther)
}

func (s *Server) teamOptions(r *http.Request) ([]web.Option, error) {
	teams, err := s.Admin.Teams(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, 0, len(teams))
	for _, t := range teams {
		out = append(out, web.Option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	return out, nil
}

func (s *Server) renderPeople(w http.ResponseWriter, r *http.Request, form web.Form, link, name string) error {
	u := CurrentUser(r.Context())
	q := r.URL.Query().Get("q")
	people, err := s.Admin.People(r.Context(), u, q)
	if err != nil {
		return err
	}
	v := web.AdminPeoplePage{Page: s.adminPage(r, "People"), People: people, Query: q, CanAdd: admin.IsAdmin(u),
		New: form, NewLink: link, NewName: name}
	if v.CanAdd {
		if v.Teams, err = s.teamOptions(r); err != nil {
			return err
		}
	}
	s.render(w, r, status422(form), web.AdminPeople(v))
	return nil
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request) error {
	return s.renderPeople(w, r, web.NewForm(url.Values{"role": {"agent"}, "timezone": {"UTC"}}, nil), "", "")
}

// adminCreatePerson adds a person; an invitation shows its one-time link
// on the answer itself, the only time it is ever shown.
func (s *Server) adminCreatePerson(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	in := admin.NewPerson{Email: r.PostForm.Get("email"), Name: r.PostForm.Get("name"), Role: helpdesk.Role(r.PostForm.Get("role")),
		TimeZone: r.PostForm.Get("timezone"), Password: r.PostForm.Get("password"), Memberships: memberships(r)}
	u, token, err := s.Admin.CreatePerson(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		r.PostForm.Del("password")
		return s.renderPeople(w, r, web.NewForm(r.PostForm, err), "", "")
	} else if err != nil {
		return err
	}
	if token != "" {
		return s.renderPeople(w, r, web.NewForm(url.Values{"role": {"agent"}, "timezone": {"UTC"}}, nil), s.resetURL(token), u.Name)
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(u.ID, 10), "Added "+u.Name+". "+s.savedMessage(r, u.ID, in.Role))
	return nil
}

// savedMessage says whether an admin role asked for is waiting for a
// second admin (four-eyes).
func (s *Server) savedMessage(r *http.Request, id int64, asked helpdesk.Role) string {
	if asked == helpdesk.RoleAdmin {
		if g, err := s.Admin.PendingGrant(r.Context(), id); err == nil && g != nil {
			return "Saved. The admin role waits for a second admin's approval (Access review)."
		}
	}
	return "Saved."
}

func (s *Server) resetURL(token string) string {
	return strings.TrimRight(s.Config.BaseURL, "/") + "/reset/" + token
}

func personValues(p *helpdesk.Person) url.Values {
	v := url.Values{"name": {p.Name}, "role": {string(p.Role)}}
	for _, m := range p.Memberships {
		id := strconv.FormatInt(m.TeamID, 10)
		v.Add("team", id)
		if m.Lead {
			v.Add("lead", id)
		}
	}
	return v
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, id int64, form *web.Form, link, kind string) error {
	u := CurrentUser(r.Context())
	p, err := s.Admin.Person(r.Context(), u, id)
	if err != nil {
		return err
	}
	vals := personValues(p)
	if s.Approvals != nil {
		m, err := s.Approvals.ManagerEmail(r.Context(), id)
		if err != nil {
			return err
		}
		vals.Set("manager", m)
	}
	v := web.AdminPersonPage{Page: s.adminPage(r, p.Name), Person: *p, IsAdmin: admin.IsAdmin(u), Link: link, LinkKind: kind,
		Edit: formOr(form, vals)}
	if v.IsAdmin {
		if v.Teams, err = s.teamOptions(r); err != nil {
			return err
		}
		f, err := s.Admin.PersonFactors(r.Context(), u, id)
		if err != nil {
			return err
		}
		v.Factors = &f
	}
	s.render(w, r, status422(v.Edit), web.AdminPerson(v))
	return nil
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderPerson(w, r, id, nil, "", "")
}

func (s *Server) adminUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	in := admin.PersonUpdate{Name: r.PostForm.Get("name"), Role: helpdesk.Role(r.PostForm.Get("role")), Memberships: memberships(r)}
	if s.Approvals != nil && r.PostForm.Has("manager") {
		// Checked first, so a refused form saves nothing.
		_, err = s.Approvals.ResolveManager(r.Context(), id, r.PostForm.Get("manager"))
	}
	if err == nil {
		err = s.Admin.UpdatePerson(r.Context(), CurrentUser(r.Context()), id, in)
	}
	if err == nil && s.Approvals != nil && r.PostForm.Has("manager") {
		// After UpdatePerson: it checked that the actor may edit this person.
		err = s.Approvals.SetManager(r.Context(), CurrentUser(r.Context()), id, r.PostForm.Get("manager"))
	}
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderPerson(w, r, id, &f, "", "")
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10), s.savedMessage(r, id, in.Role))
	return nil
}

func (s *Server) adminSetActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		err = s.Admin.SetActive(r.Context(), CurrentUser(r.Context()), id, active)
		if isInvalid(err) {
			f := web.NewForm(nil, err)
			return s.renderPerson(w, r, id, &f, "", "")
		} else if err != nil {
			return err
		}
		msg := "Reactivated."
		if !active {
			msg = "Deactivated and signed out everywhere."
		}
		seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10), msg)
		return nil
	}
}

// adminPasswordLink makes a one-time reset link and shows it once.
func (s *Server) adminPasswordLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	token, err := s.Admin.ResetPassword(r.Context(), CurrentUser(r.Context()), id)
	if isInvalid(err) {
		f := web.NewForm(nil, err)
		return s.renderPerson(w, r, id, &f, "", "")
	} else if err != nil {
		return err
	}
	return s.renderPerson(w, r, id, nil, s.resetURL(token), "reset")
}

func profileValues(p *helpdesk.AgentProfile) url.Values {
	v := url.Values{"timezone": {p.Person.TimeZone}, "capacity": {strconv.Itoa(p.Capacity)},
		"languages": {strings.Join(p.Languages, ", ")}}
	for d := range 7 {
		v.Set("hours_"+strconv.Itoa(d), admin.FormatDay(p.Hours, d))
	}
	for _, sk := range p.Skills {
		v.Add("skill_name", sk.Name)
		v.Add("skill_level", strconv.Itoa(sk.Level))
	}
	return v
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, id int64, edit, off *web.Form) error {
	p, err := s.Admin.Profile(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	v := web.AdminProfilePage{Page: s.adminPage(r, p.Person.Name+": schedule"), Profile: *p, Weekdays: admin.Weekdays,
		Edit: formOr(edit, profileValues(p)), TimeOff: formOr(off, nil)}
	v.SkillRows = len(v.Edit.All("skill_name")) + 2
	s.render(w, r, status422(v.Edit, v.TimeOff), web.AdminProfile(v))
	return nil
}

func (s *Server) adminProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderProfile(w, r, id, nil, nil)
}

func (s *Server) adminUpdateProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	in := admin.ProfileInput{TimeZone: r.PostForm.Get("timezone"), Capacity: r.PostForm.Get("capacity"),
		Languages: r.PostForm.Get("languages")}
	for d := range 7 {
		in.Hours[d] = r.PostForm.Get("hours_" + strconv.Itoa(d))
	}
	names, levels := r.PostForm["skill_name"], r.PostForm["skill_level"]
	for i, n := range names {
		lvl := "1"
		if i < len(levels) {
			lvl = levels[i]
		}
		in.Skills = append(in.Skills, admin.SkillInput{Name: n, Level: lvl})
	}
	err = s.Admin.UpdateProfile(r.Context(), CurrentUser(r.Context()), id, in)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderProfile(w, r, id, &f, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10)+"/profile", "Schedule and skills saved.")
	return nil
}

func (s *Server) adminAddTimeOff(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	in := helpdesk.TimeOff{From: r.PostForm.Get("off_from"), To: r.PostForm.Get("off_to"), Note: r.PostForm.Get("off_note")}
	err = s.Admin.AddTimeOff(r.Context(), CurrentUser(r.Context()), id, in)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderProfile(w, r, id, nil, &f)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10)+"/profile", "Time off added.")
	return nil
}

func (s *Server) adminDeleteTimeOff(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	off, err := pathID(r, "off")
	if err != nil {
		return err
	}
	if err := s.Admin.DeleteTimeOff(r.Context(), CurrentUser(r.Context()), id, off); err != nil {
		return err
	}
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10)+"/profile", "Time off removed.")
	return nil
}
