package server

import (
	"net/http"
	"net/url"
	"strconv"

	"switchboard/internal/admin"
	"switchboard/web"
)

// adminAccess: GET /admin/access, the access review (admins only; leads 404).
func (s *Server) adminAccess(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccess(w, r, nil, nil, nil)
}

func (s *Server) renderAccess(w http.ResponseWriter, r *http.Request, settings, record, decide *web.Form) error {
	u := CurrentUser(r.Context())
	rev, err := s.Admin.AccessReview(r.Context(), u)
	if err != nil {
		return err
	}
	four := ""
	if rev.FourEyes {
		four = "on"
	}
	v := web.AdminAccessPage{Page: s.adminPage(r, "Access review"), Review: *rev,
		Settings: formOr(settings, url.Values{"four_eyes": {four}, "grant_hours": {strconv.Itoa(int(rev.GrantLifetime.Hours()))},
			"unused_days": {strconv.Itoa(rev.UnusedDays)}}),
		Record: formOr(record, nil), Decide: formOr(decide, nil)}
	s.render(w, r, status422(v.Settings, v.Record, v.Decide), web.AdminAccess(v))
	return nil
}

// adminRecordReview: POST /admin/access/review notes the review in the audit log.
func (s *Server) adminRecordReview(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	err := s.Admin.RecordAccessReview(r.Context(), CurrentUser(r.Context()), r.PostForm.Get("note"))
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderAccess(w, r, nil, &f, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/access", "Review recorded.")
	return nil
}

// adminPrivilegeSettings: POST /admin/access/settings.
func (s *Server) adminPrivilegeSettings(w http.ResponseWriter, r *http.Request) error {
	_ = r.ParseForm()
	in := admin.PrivilegeInput{FourEyes: r.PostForm.Get("four_eyes") == "on", GrantHours: r.PostForm.Get("grant_hours"),
		UnusedDays: r.PostForm.Get("unused_days")}
	err := s.Admin.SetPrivilege(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		f := web.NewForm(r.PostForm, err)
		return s.renderAccess(w, r, &f, nil, nil)
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/admin/access", "Settings saved.")
	return nil
}

// adminDecideGrant: POST /admin/access/grants/{id}/approve|reject.
func (s *Server) adminDecideGrant(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		err = s.Admin.DecideGrant(r.Context(), CurrentUser(r.Context()), id, approve)
		if isInvalid(err) {
			f := web.NewForm(nil, err)
			return s.renderAccess(w, r, nil, nil, &f)
		} else if err != nil {
			return err
		}
		msg := "Rejected: the role stays as it was."
		if approve {
			msg = "Approved: the person is an admin now."
		}
		seeOther(w, r, "/admin/access", msg)
		return nil
	}
}
