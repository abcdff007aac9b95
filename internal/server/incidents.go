package server

import (
	"net/http"

	"switchboard/internal/helpdesk"
	"switchboard/web"
)

// incidents lists suspected incidents to confirm or dismiss and the
// published known issues (staff).
func (s *Server) incidents(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	sus, err := s.Incidents.Suspects(r.Context(), u)
	if err != nil {
		return err
	}
	pub, err := s.Incidents.KnownIssues(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, web.IncidentsPage(web.IncidentsView{Page: s.page(r, "Incidents", "incidents"),
		Suspects: sus, Published: pub}))
	return nil
}

// confirmSuspect turns a proposal into an incident (or more children of one).
func (s *Server) confirmSuspect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.Incidents.Confirm(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	seeOther(w, r, web.IncidentURL(n), "Confirmed: the tickets are now part of this incident.")
	return nil
}

// dismissSuspect rejects a proposal.
func (s *Server) dismissSuspect(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Incidents.Dismiss(r.Context(), CurrentUser(r.Context()), id); err != nil {
		return err
	}
	seeOther(w, r, "/desk/incidents", "Dismissed: these tickets will not be proposed together again.")
	return nil
}

// incidentPage shows an incident's root-cause evidence.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderIncident(w, r, http.StatusOK, nil, "", "")
}

func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, status int, errs map[string]string, title, message string) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	ev, err := s.Incidents.Evidence(r.Context(), CurrentUser(r.Context()), n)
	if err != nil {
		return err
	}
	v := web.IncidentView{Page: s.page(r, "Incident #"+ev.Ticket.Subject, "incidents"), Number: ev.Ticket.Number,
		Subject: ev.Ticket.Subject, Status: ev.Ticket.Status, Alerts: ev.Alerts, Timeline: ev.Timeline,
		Entities: ev.Entities, Past: ev.Past, Errors: errs, Title: title, Message: message}
	if ev.Published != nil {
		if errs == nil {
			v.Title, v.Message = ev.Published.Title, ev.Published.Message
		}
		if !ev.Published.PublishedAt.IsZero() {
			v.Published = ev.Published
		}
	}
	s.render(w, r, status, web.IncidentPage(v))
	return nil
}

// publishIncident shows the incident to employees as a known issue, or hides it.
func (s *Server) publishIncident(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	title, message, publish := r.PostFormValue("title"), r.PostFormValue("message"), r.PostFormValue("publish") != "no"
	err = s.Incidents.Publish(r.Context(), CurrentUser(r.Context()), n, publish, title, message)
	if isInvalid(err) {
		return s.renderIncident(w, r, http.StatusUnprocessableEntity, fieldErrors(err), title, message)
	} else if err != nil {
		return err
	}
	flash := "Published: employees see it in the portal and on the new-ticket form."
	if !publish {
		flash = "Employees no longer see it."
	}
	seeOther(w, r, web.IncidentURL(n), flash)
	return nil
}

// affectedToo is "I'm affected too" on a known-issue banner: the person
// follows the incident instead of filing a ticket. The new-ticket form
// posts here too (multipart): only the path matters.
func (s *Server) affectedToo(w http.ResponseWriter, r *http.Request) error {
	n, err := ticketNumber(r)
	if err != nil {
		return err
	}
	if err := s.Incidents.AffectedToo(r.Context(), CurrentUser(r.Context()), n); err != nil {
		if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
			seeOther(w, r, "/tickets", "That known issue has been resolved in the meantime.")
			return nil
		}
		return err
	}
	seeOther(w, r, "/tickets", "Thank you. You will get the updates on this issue; no ticket was needed.")
	return nil
}
