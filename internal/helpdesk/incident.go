package helpdesk

import "time"

// Sources of incident tickets.
const (
	SourceAlert    Source = "alert"    // a monitoring alert group
	SourceDetector Source = "detector" // a confirmed burst of similar tickets
)

// Event kinds written by the incident service.
const (
	EventAlert         = "alert"          // an alert of the ticket's group fired or resolved
	EventIncidentJoin  = "incident_join"  // the ticket joined an incident
	EventAffectedToo   = "affected_too"   // an employee said a published incident affects them
	EventPublished     = "published"      // the incident was shown to employees, or hidden
	EventDetectorNoted = "detector_noted" // the detector proposed this ticket
)

// Alert is one Alertmanager alert of an alert group.
type Alert struct {
	Fingerprint  string
	Status       string // firing or resolved
	Name         string
	Labels       map[string]string
	Annotations  map[string]string
	StartsAt     *time.Time
	EndsAt       *time.Time
	GeneratorURL string
	Fired        int // times it went to firing
	UpdatedAt    time.Time
}

// AlertGroup is one Alertmanager group: one incident ticket.
type AlertGroup struct {
	ID           int64
	GroupKey     string
	TicketID     int64
	TicketNumber int64
	TicketStatus Status
	Receiver     string
	Labels       map[string]string
	Status       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Entity is a thing a ticket names that incidents share: a host, an IP,
// a URL, an error code, a service or an office.
type Entity struct {
	Kind  string
	Value string
}

// Suspect is a burst of similar tickets the detector proposes as an
// incident (Target nil) or as more children of an incident.
type Suspect struct {
	ID         int64
	Status     string // open, confirmed, dismissed
	Target     *TicketRef
	Alert      *TicketRef // a related open alert incident
	Incident   *TicketRef // what it became or joined
	StartedAt  time.Time
	ProposedAt time.Time
	Confidence float64
	Entities   []string // kind:value
	Words      []string
	Tickets    []TicketRef
}

// TicketRef is a ticket as lists show it.
type TicketRef struct {
	ID        int64
	Number    int64
	Subject   string
	Status    Status
	CreatedAt time.Time
	Requester string
}

// KnownIssue is a published incident, as employees and the status page see it.
type KnownIssue struct {
	TicketID    int64
	Number      int64
	Title       string
	Message     string
	Status      Status
	PublishedAt time.Time
	Affected    int
	Children    int
	Words       []string // for matching what a person types
}

// IncidentLink is a ticket's place in an incident: its parent's number and
// how many children it has.
type IncidentLink struct {
	Parent   *int64
	Children int
}

// TimelineItem is one entry of an incident's root-cause evidence.
type TimelineItem struct {
	At       time.Time
	Kind     string // alert, ticket, change
	Title    string
	Detail   string
	Number   int64    // ticket number for tickets
	Entities []string // kind:value it shares with the incident
	Explains int      // how many of the incident's tickets share an entity with it
}

// PastIncident is an earlier incident sharing entities with this one.
type PastIncident struct {
	Number     int64
	Subject    string
	Status     Status
	CreatedAt  time.Time
	ResolvedAt *time.Time
	Shared     []string
	Resolution string // its last public reply
}
