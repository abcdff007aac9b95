package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// Admin console plumbing shared by the admin_*.go handlers.

func (s *Server) adminPage(r *http.Request, title string) web.Page {
	return s.page(r, title, "admin")
}

// idParam reads a numeric URL parameter; anything else is a 404.
func idParam(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return id, nil
}

// isInvalid reports whether err is a validation error, which the handler
// answers by showing the form again with 422.
func isInvalid(err error) bool { return helpdesk.ErrorCode(err) == helpdesk.EINVALID }

// status422 is the status of a page re-shown with a rejected form.
func status422(f web.Form) int {
	if f.Failed() {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// memberships reads the team/lead checkboxes of the person forms.
func memberships(r *http.Request) []helpdesk.Membership {
	leads := map[string]bool{}
	for _, v := range r.PostForm["lead"] {
		leads[v] = true
	}
	var out []helpdesk.Membership
	for _, v := range r.PostForm["team"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out = append(out, helpdesk.Membership{TeamID: id, Lead: leads[v]})
		}
	}
	return out
}

func on(b bool) string {
	if b {
		return "on"
	}
	return ""
}
