package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// deskWaiting is the leads' "waiting for a skill" view: every open ticket
// triage queued with a reason, most urgent first. Leads and admins see it
// (it is in their menu); agents are refused, as for the other lead pages.
func (s *Server) deskWaiting(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	if u.Role != helpdesk.RoleLead && u.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "only leads and admins see the tickets waiting for a skill")
	}
	ts, err := s.DB.WaitingForSkill(r.Context(), nil)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskWaiting(web.DeskWaitingPage{Page: s.page(r, "Waiting for a skill", "waiting"), Tickets: ts}))
	return nil
}
