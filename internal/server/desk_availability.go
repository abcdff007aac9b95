package server

import (
	"net/http"
	"net/url"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/web"
)

// setAvailability is POST /desk/availability, the header's switch. htmx
// gets the re-rendered switch; a plain form post goes back where it came
// from. Going away or offline enqueues a rebalance of this agent's tickets.
func (s *Server) setAvailability(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	a := helpdesk.Availability(r.PostFormValue("availability"))
	if err := s.Tickets.SetAvailability(r.Context(), u, a, jobs.RebalanceArgs{AgentID: u.ID}); err != nil {
		return err
	}
	if isHTMX(r) {
		s.render(w, r, http.StatusOK, web.AvailabilitySwitch(a))
		return nil
	}
	back := refererPath(r.Header.Get("Referer"))
	if back == "" {
		back = "/desk"
	}
	seeOther(w, r, back, "You are now "+string(a)+".")
	return nil
}

// refererPath keeps only the local path of a Referer, so the redirect can
// never leave the site.
func refererPath(ref string) string {
	u, err := url.Parse(ref)
	if err != nil || u.Path == "" {
		return ""
	}
	p := u.Path
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return safeNext(p)
}
