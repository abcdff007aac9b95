package web

import (
	"strconv"

	"switchboard/internal/helpdesk"
)

// IncidentsView is the staff page of suspected and published incidents.
type IncidentsView struct {
	Page
	Suspects  []helpdesk.Suspect
	Published []helpdesk.KnownIssue
}

// IncidentView is an incident's root-cause evidence page.
type IncidentView struct {
	Page
	Number    int64
	Subject   string
	Status    helpdesk.Status
	Published *helpdesk.KnownIssue
	Alerts    []helpdesk.Alert
	Timeline  []helpdesk.TimelineItem
	Entities  []string // the incident's entities, most shared first
	Past      []helpdesk.PastIncident
	Errors    map[string]string
	Title     string
	Message   string
}

// IncidentURL is an incident's evidence page.
func IncidentURL(n int64) string { return "/desk/incidents/" + strconv.FormatInt(n, 10) }

func suspectAction(id int64, what string) string {
	return "/desk/incidents/suspects/" + strconv.FormatInt(id, 10) + "/" + what
}

func affectedURL(n int64) string { return "/incidents/" + strconv.FormatInt(n, 10) + "/affected" }

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + "%" }
