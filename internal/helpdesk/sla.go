package helpdesk

import "time"

// TeamSchedule is a team's working time as stored: its zone, its weekly hours
// (JSON, read by sla.ParseTeamCalendar) and its holidays (YYYY-MM-DD).
type TeamSchedule struct {
	ID       int64
	Slug     string
	Name     string
	TimeZone string
	Hours    []byte
	Holidays []string
}

// SLATicket is what the SLA clocks read of a ticket.
type SLATicket struct {
	ID                  int64
	Number              int64
	Status              Status
	Priority            Priority
	TeamID              *int64
	CreatedAt           time.Time
	FirstRespondedAt    *time.Time
	FirstResponseDue    *time.Time
	ResolutionDue       *time.Time
	DueAt               *time.Time
	FirstResponseWarnAt *time.Time
	ResolutionWarnAt    *time.Time
}

// Deadlines are everything stored on a ticket about its SLA.
type Deadlines struct {
	FirstResponse     time.Time `json:"first_response_due"`
	Resolution        time.Time `json:"resolution_due"`
	FirstResponseWarn time.Time `json:"-"`
	ResolutionWarn    time.Time `json:"-"`
	// DueAt is the deadline the queue sorts by: first response until
	// answered, then resolution; nil while the clock is paused, so a ticket
	// waiting on its requester does not sit among the tickets at risk.
	DueAt  *time.Time `json:"due_at"`
	Paused bool       `json:"paused"`
}

// RosterAgent is an agent as triage schedules them: profile, weekly hours,
// skills and time off.
type RosterAgent struct {
	ID             int64
	Name           string
	Email          string
	TimeZone       string
	Active         bool
	Capacity       int
	Availability   Availability
	Languages      []string
	LastAssignedAt *time.Time
	Hours          []ShiftRange
	Skills         []Skill
	TimeOff        []TimeOff
}

// TeamSeat says that a user sits on a team (as a member, or on call now).
type TeamSeat struct {
	TeamID int64
	UserID int64
}

// AgentLoad is what may change about an agent between two triage runs, read
// under the agent's profile lock.
type AgentLoad struct {
	UserID         int64
	Capacity       int
	Availability   Availability
	LastAssignedAt *time.Time
	OpenLoad       int
	Active         bool
}

// TriageTicket is what triage reads of a ticket.
type TriageTicket struct {
	ID               int64
	Number           int64
	Subject          string
	Body             string
	Status           Status
	Priority         Priority
	Impact           Impact
	Urgency          Urgency
	CategoryID       *int64
	TeamID           *int64
	AssigneeID       *int64
	RequesterID      int64
	CreatedAt        time.Time
	FirstRespondedAt *time.Time
	TriagedAt        *time.Time
	RequesterVIP     bool
	RequesterLocale  string
	// Pauses is the SLA pause ledger (End zero while paused), read with the
	// ticket by the batch read (TriageTickets).
	Pauses []Span
}

// HeldTicket is an open ticket an agent holds, as rebalancing sees it.
type HeldTicket struct {
	ID       int64
	Number   int64
	Priority Priority
	TeamID   *int64
	Replied  bool // the agent has answered the requester
}

// ClassifierModel is a stored categorisation model.
type ClassifierModel struct {
	ID        int64
	Model     []byte // classify.Model's binary form; empty in ModelInfo
	Examples  int
	CreatedAt time.Time
	InUseAt   *time.Time
}
