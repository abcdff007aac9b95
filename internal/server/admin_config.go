package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"switchboard/internal/admin"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/web"
)

func categoryInput(r *http.Request) admin.CategoryInput {
	f := r.PostForm
	return admin.CategoryInput{Name: f.Get("name"), TeamID: f.Get("team"), RequiredSkill: f.Get("required_skill"),
		DefaultImpact: f.Get("default_impact"), DefaultUrgency: f.Get("default_urgency"), MinPriority: f.Get("min_priority"),
		Keywords: f.Get("keywords"), FollowTheSun: f.Get("follow_the_sun") == "on", ConfidenceThreshold: f.Get("confidence_threshold")}
}

func categoryValues(c *helpdesk.CategorySettings) url.Values {
	return url.Values{"name": {c.Name}, "team": {strconv.FormatInt(c.TeamID, 10)}, "required_skill": {c.RequiredSkill},
		"default_impact": {string(c.DefaultImpact)}, "default_urgency": {string(c.DefaultUrgency)},
		"min_priority": {string(c.MinPriority)}, "keywords": {strings.Join(c.Keywords, "\n")},
		"follow_the_sun": {on(c.FollowTheSun)}, "confidence_threshold": {strconv.FormatFloat(c.ConfidenceThreshold, 'f', -1, 64)}}
}

func (s *Server) renderCategories(w http.ResponseWriter, r *http.Request, form web.Form) error {
	cats, err := s.Admin.Categories(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	teams, err := s.teamOptions(r)
	if err != nil {
		return err
	}
	v := web.AdminCategoriesPage{Page: s.adminPage(r, "Categories"), Categories: cats, New: form, Teams: teams}
	s.render(w, r, status422(form), web.AdminCategories(v))
	return nil
}

func (s *Server) adminCategories(w http.ResponseWriter, r *http.Request) error {
	return s.renderCategories(w, r, web.NewForm(url.Values{"default_impact": {"person"}, "default_urgency": {"medium"},
		"confidence_threshold": {"0.5"}}, nil))
}

func (s *Server) adminCreateCategory(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	id, err := s.Admin.CreateCategory(r.Context(), CurrentUser(r.Context()), categoryInput(r))
	if isInvalid(err) {
		return s.renderCategories(w, r, web.NewForm(r.PostForm, err))
	} else if err != nil {
		return err
	}
	if err := s.DB.SetCategoryCrossRegion(r.Context(), id, r.PostForm.Get("cross_region") == "on"); err != nil {
		return err
	}
	seeOther(w, r, "/admin/categories", "Category added.")
	return nil
}

func (s *Server) renderCategory(w http.ResponseWriter, r *http.Request, id int64, form *web.Form) error {
	c, err := s.Admin.Category(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	teams, err := s.teamOptions(r)
	if err != nil {
		return err
	}
	vals := categoryValues(c)
	cross, err := s.DB.CategoryCrossRegion(r.Context(), id)
	if err != nil {
		return err
	}
	vals.Set("cross_region", on(cross))
	if s.Approvals != nil {
		af, err := s.Approvals.CategoryApprovalValues(r.Context(), id)
		if err != nil {
			return err
		}
		vals.Set("approval", af.Mode)
		vals.Set("approvers", af.Approvers)
		vals.Set("approval_remind_hours", af.RemindHours)
		vals.Set("approval_expire_hours", af.ExpireHours)
	}
	v := web.AdminCategoryPage{Page: s.adminPage(r, c.Name), Category: *c, Teams: teams, Edit: formOr(form, vals)}
	s.render(w, r, status422(v.Edit), web.AdminCategory(v))
	return nil
}

func (s *Server) adminCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderCategory(w, r, id, nil)
}

func (s *Server) adminUpdateCategory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_ = r.ParseForm()
	// The approval setting is checked first, so a refused form saves nothing.
	var approval *helpdesk.CategoryApproval
	if s.Approvals != nil && r.PostForm.Has("approval") {
		approval, err = s.Approvals.ParseCategoryApproval(r.Context(), id, automation.CategoryApprovalForm{
			Mode: r.PostForm.Get("approval"), Approvers: r.PostForm.Get("approvers"),
			RemindHours: r.PostForm.Get("approval_remind_hours"), ExpireHours: r.PostForm.Get("approval_expire_hours")})
		if isInvalid(err) {
			f := web.NewForm(r.PostForm, err)
			return s.renderCategory(w, r, id, &f)
		} else if err != nil {
			return err
		}
	}
	err = s.Admin.UpdateCategory(r.Context(), CurrentUser(r.Context()), id, categoryInput(r))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderCategory(w, r, id, &f)
	} else if err != nil {
		return err
	}
	// The escalation ladder's setting lives beside the category row; the
	// category was saved (and access checked) just above.
	if err := s.DB.SetCategoryCrossRegion(r.Context(), id, r.PostForm.Get("cross_region") == "on"); err != nil {
		return err
	}
	if approval != nil {
		if err := s.Approvals.SaveCategoryApproval(r.Context(), CurrentUser(r.Context()), approval); err != nil {
			return err
		}
	}
	seeOther(w, r, "/admin/categories", "Category saved.")
	return nil
}

func (s *Server) renderPriorities(w http.ResponseWriter, r *http.Request, matrix, sla *web.Form) error {
	u := CurrentUser(r.Context())
	v := web.AdminPrioritiesPage{Page: s.adminPage(r, "Priorities and SLAs")}
	if matrix != nil {
		v.Matrix = *matrix
	} else {
		m, err := s.Admin.PriorityMatrix(r.Context(), u)
		if err != nil {
			return err
		}
		vals := url.Values{}
		for _, i := range helpdesk.Impacts {
			for _, ur := range helpdesk.Urgencies {
				vals.Set(admin.CellField(i, ur), string(m.Get(i, ur)))
			}
		}
		v.Matrix = web.NewForm(vals, nil)
	}
	if sla != nil {
		v.SLA = *sla
	} else {
		ts, err := s.Admin.SLATargets(r.Context(), u)
		if err != nil {
			return err
		}
		vals := url.Values{}
		for _, t := range ts {
			vals.Set("frt_"+string(t.Priority), admin.FormatMinutes(t.FirstResponseMinutes))
			vals.Set("res_"+string(t.Priority), admin.FormatMinutes(t.ResolutionMinutes))
		}
		v.SLA = web.NewForm(vals, nil)
	}
	s.render(w, r, status422(v.Matrix, v.SLA), web.AdminPriorities(v))
	return nil
}

func (s *Server) adminPriorities(w http.ResponseWriter, r *http.Request) error {
	return s.renderPriorities(w, r, nil, nil)
}

func flatForm(v url.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k := range v {
		out[k] = v.Get(k)
	}
	return out
}

func (s *Server) adminUpdateMatrix(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	err := s.Admin.UpdateMatrix(r.Context(), CurrentUser(r.Context()), flatForm(r.PostForm))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderPriorities(w, r, &f, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/priorities", "Priority matrix saved.")
	return nil
}

func (s *Server) adminUpdateSLA(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	err := s.Admin.UpdateSLATargets(r.Context(), CurrentUser(r.Context()), flatForm(r.PostForm))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderPriorities(w, r, nil, &f)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/priorities#sla", "SLA targets saved.")
	return nil
}
