package server

import (
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// adminSecurity is /admin/security: the second-factor policy (and SSO).
func (s *Server) adminSecurity(w http.ResponseWriter, r *http.Request) error {
	return s.renderAdminSecurity(w, r, securityForms{})
}

// securityForms are the page's forms as rejected; nil ones are read fresh.
type securityForms struct {
	factors, sso *web.Form
}

func (s *Server) renderAdminSecurity(w http.ResponseWriter, r *http.Request, f securityForms) error {
	u := CurrentUser(r.Context())
	roles, err := s.Admin.SecondFactorRoles(r.Context(), u)
	if err != nil {
		return err
	}
	v := web.AdminSecurityPage{Page: s.adminPage(r, "Sign-in security"), FactorRoles: roles, Factors: web.NewForm(nil, nil)}
	if f.factors != nil {
		v.Factors = *f.factors
	}
	s.render(w, r, status422(v.Factors, v.SSO), web.AdminSecurity(v))
	return nil
}

func (s *Server) adminSetFactorRoles(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Could not read the form.")
	}
	var roles []helpdesk.Role
	for _, v := range r.PostForm["role"] {
		roles = append(roles, helpdesk.Role(v))
	}
	err := s.Admin.SetSecondFactorRoles(r.Context(), CurrentUser(r.Context()), roles)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderAdminSecurity(w, r, securityForms{factors: &f})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/security", "Saved.")
	return nil
}

func (s *Server) adminResetFactors(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	err = s.Admin.ResetSecondFactors(r.Context(), CurrentUser(r.Context()), id)
	if isInvalid(err) {
		f := web.NewForm(nil, err)
		return s.renderPerson(w, r, id, &f, "", "")
	} else if err != nil {
		return err
	}
	Logger(r.Context()).Info("second factors reset", "user_id", id, "by", CurrentUser(r.Context()).ID)
	seeOther(w, r, "/admin/people/"+strconv.FormatInt(id, 10), "Their second factors are reset. They set up new ones at their next sign-in.")
	return nil
}
