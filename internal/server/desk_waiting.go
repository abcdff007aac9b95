package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// deskWaiting is the leads' "waiting for a skill" view: the open tickets
// triage queued with a reason, most urgent first; a lead sees their own
// teams', an admin everyone's. Agents are refused, as for the other lead pages.
func (s *Server) deskWaiting(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	if u.Role != helpdesk.RoleLead && u.Role != helpdesk.RoleAdmin {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "only leads and admins see the tickets waiting for a skill")
	}
	var memberOf int64
	if u.Role == helpdesk.RoleLead {
		memberOf = u.ID
	}
	ts, err := s.DB.WaitingForSkill(r.Context(), memberOf)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.DeskWaiting(web.DeskWaitingPage{Page: s.page(r, "Waiting for a skill", "waiting"), Tickets: ts}))
	return nil
}
