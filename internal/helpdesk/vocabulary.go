package helpdesk

import "slices"

// Status is where a ticket is in its life.
type Status string

// Statuses, in the order a ticket usually moves through them.
const (
	StatusNew      Status = "new"
	StatusOpen     Status = "open"
	StatusPending  Status = "pending" // waiting on the requester; SLA clocks pause
	StatusOnHold   Status = "on_hold"
	StatusResolved Status = "resolved"
	StatusClosed   Status = "closed"
)

// Statuses lists every status.
var Statuses = []Status{StatusNew, StatusOpen, StatusPending, StatusOnHold, StatusResolved, StatusClosed}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// IsOpen reports whether a ticket in this status still needs work.
func (s Status) IsOpen() bool { return s != StatusResolved && s != StatusClosed }

// Label is the human name of the status.
func (s Status) Label() string {
	switch s {
	case StatusNew:
		return "New"
	case StatusOpen:
		return "Open"
	case StatusPending:
		return "Waiting on requester"
	case StatusOnHold:
		return "On hold"
	case StatusResolved:
		return "Resolved"
	case StatusClosed:
		return "Closed"
	}
	return string(s)
}

// Priority runs from P1 (critical) to P4 (low).
type Priority string

// Priorities.
const (
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
	P4 Priority = "P4"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{P1, P2, P3, P4}

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return slices.Contains(Priorities, p) }

// Rank is 1 for P1 … 4 for P4; 0 when invalid.
func (p Priority) Rank() int { return slices.Index(Priorities, p) + 1 }

// Label is the human name of the priority.
func (p Priority) Label() string {
	switch p {
	case P1:
		return "P1 Critical"
	case P2:
		return "P2 High"
	case P3:
		return "P3 Medium"
	case P4:
		return "P4 Low"
	}
	return string(p)
}

// Impact is how many people a problem touches.
type Impact string

// Impacts, smallest first.
const (
	ImpactPerson       Impact = "person"
	ImpactTeam         Impact = "team"
	ImpactDepartment   Impact = "department"
	ImpactOrganisation Impact = "organisation"
)

// Impacts lists every impact, smallest first.
var Impacts = []Impact{ImpactPerson, ImpactTeam, ImpactDepartment, ImpactOrganisation}

// Valid reports whether i is a known impact.
func (i Impact) Valid() bool { return slices.Contains(Impacts, i) }

// Label is the human name of the impact, as asked on the new-ticket form.
func (i Impact) Label() string {
	switch i {
	case ImpactPerson:
		return "Just me"
	case ImpactTeam:
		return "My team"
	case ImpactDepartment:
		return "My department"
	case ImpactOrganisation:
		return "The whole organisation"
	}
	return string(i)
}

// Urgency is how soon the requester needs it.
type Urgency string

// Urgencies, least urgent first.
const (
	UrgencyLow      Urgency = "low"
	UrgencyMedium   Urgency = "medium"
	UrgencyHigh     Urgency = "high"
	UrgencyCritical Urgency = "critical"
)

// Urgencies lists every urgency, least urgent first.
var Urgencies = []Urgency{UrgencyLow, UrgencyMedium, UrgencyHigh, UrgencyCritical}

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return slices.Contains(Urgencies, u) }

// Label is the human name of the urgency.
func (u Urgency) Label() string {
	switch u {
	case UrgencyLow:
		return "Low – whenever possible"
	case UrgencyMedium:
		return "Medium – this week"
	case UrgencyHigh:
		return "High – I am blocked"
	case UrgencyCritical:
		return "Critical – work has stopped"
	}
	return string(u)
}

// DefaultPriority is the ITIL impact x urgency matrix used until an admin edits it.
func DefaultPriority(i Impact, u Urgency) Priority {
	score := slices.Index(Impacts, i) + slices.Index(Urgencies, u) // 0..6
	switch {
	case score >= 5:
		return P1
	case score >= 4:
		return P2
	case score >= 2:
		return P3
	}
	return P4
}

// Role decides what a user may do.
type Role string

// Roles, least powerful first.
const (
	RoleRequester Role = "requester"
	RoleAgent     Role = "agent"
	RoleLead      Role = "lead"
	RoleAdmin     Role = "admin"
)

// Roles lists every role.
var Roles = []Role{RoleRequester, RoleAgent, RoleLead, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// IsStaff reports whether the role works tickets (agent, lead, admin).
func (r Role) IsStaff() bool { return r == RoleAgent || r == RoleLead || r == RoleAdmin }

// Source is how a ticket arrived.
type Source string

// Sources.
const (
	SourcePortal Source = "portal"
	SourceEmail  Source = "email"
	SourceAPI    Source = "api"
	SourceImport Source = "import"
	SourceDemo   Source = "demo"
)

// Availability is an agent's own switch in the header.
type Availability string

// Availabilities.
const (
	Available Availability = "available"
	Away      Availability = "away"
	Offline   Availability = "offline"
)

// Valid reports whether a is a known availability.
func (a Availability) Valid() bool { return a == Available || a == Away || a == Offline }
