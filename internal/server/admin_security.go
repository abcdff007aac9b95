package server

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"switchboard/internal/admin"
	"switchboard/internal/auth"

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
	set, err := s.Admin.SSO(r.Context(), u)
	if err != nil {
		return err
	}
	v.SSOSecretSet, v.SSOCallback = len(set.SecretSealed) > 0, s.Config.BaseURL+"/sso/callback"
	tr, err := s.Admin.ThreatResponse(r.Context(), u)
	if err != nil {
		return err
	}
	v.ForceFactor, v.EndSessions = tr.ForceSecondFactor, tr.EndSessions
	if f.sso != nil {
		v.SSO = *f.sso
	} else {
		v.SSO = web.NewForm(ssoValues(set), nil)
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

func ssoValues(set auth.SSOSettings) url.Values {
	v := url.Values{"issuer": {set.Issuer}, "client_id": {set.ClientID}, "domains": {strings.Join(set.Domains, ", ")},
		"claim": {set.Claim}, "break_glass": {set.BreakGlass}}
	on := func(name string, b bool) {
		if b {
			v.Set(name, "on")
		}
	}
	on("enabled", set.Enabled)
	on("jit", set.JIT)
	on("only", set.Only)
	var roles, teams []string
	for k, r := range set.RoleMap {
		roles = append(roles, k+" = "+string(r))
	}
	for k, t := range set.TeamMap {
		teams = append(teams, k+" = "+t)
	}
	slices.Sort(roles)
	slices.Sort(teams)
	v.Set("role_map", strings.Join(roles, "\n"))
	v.Set("team_map", strings.Join(teams, "\n"))
	return v
}

func (s *Server) adminSaveSSO(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return helpdesk.Errorf(helpdesk.EINVALID, "Could not read the form.")
	}
	f := r.PostForm
	in := admin.SSOInput{Enabled: f.Get("enabled") == "on", Issuer: f.Get("issuer"), ClientID: f.Get("client_id"),
		ClientSecret: f.Get("client_secret"), Domains: f.Get("domains"), Claim: f.Get("claim"), RoleMap: f.Get("role_map"),
		TeamMap: f.Get("team_map"), JIT: f.Get("jit") == "on", Only: f.Get("only") == "on", BreakGlass: f.Get("break_glass")}
	err := s.Admin.SaveSSO(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		f.Del("client_secret") // never echoed back
		form := web.NewForm(f, err)
		return s.renderAdminSecurity(w, r, securityForms{sso: &form})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/security", "Single sign-on saved.")
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

// adminSetThreatResponse: POST /admin/security/threats.
func (s *Server) adminSetThreatResponse(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	in := auth.ThreatResponse{ForceSecondFactor: r.PostForm.Get("force_second_factor") == "on",
		EndSessions: r.PostForm.Get("end_sessions") == "on"}
	if err := s.Admin.SetThreatResponse(r.Context(), CurrentUser(r.Context()), in); err != nil {
		return err
	}
	seeOther(w, r, "/admin/security", "Responses saved.")
	return nil
}

// adminSecurityEvents: GET /admin/security/events lists threat detections.
func (s *Server) adminSecurityEvents(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.Admin.SecurityEvents(r.Context(), CurrentUser(r.Context()))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.SecurityEvents(web.SecurityEventsPage{Page: s.adminPage(r, "Threat detections"), Events: evs}))
	return nil
}
