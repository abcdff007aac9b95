package server

import (
	"net/http"
	"net/url"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// Admin console plumbing shared by the admin_*.go handlers.

func (s *Server) adminPage(r *http.Request, title string) web.Page {
	return s.page(r, title, "admin")
}

// status422 is the status of a page: 422 when one of its forms is shown
// again because it was rejected.
func status422(forms ...web.Form) int {
	for _, f := range forms {
		if f.Failed() {
			return http.StatusUnprocessableEntity
		}
	}
	return http.StatusOK
}

// formOr is the rejected form when there is one, else a fresh form
// holding def.
func formOr(rejected *web.Form, def url.Values) web.Form {
	if rejected != nil {
		return *rejected
	}
	return web.NewForm(def, nil)
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
