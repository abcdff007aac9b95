package helpdesk

import (
	"encoding/json"
	"time"
)

// User is anyone who signs in: requesters and staff.
type User struct {
	ID        int64
	Email     string
	Name      string
	Role      Role
	TimeZone  string
	Locale    string
	Active    bool
	VIP       bool
	CreatedAt time.Time
	// BouncingAt is when mail to the user started to bounce; nil while it
	// arrives. Notifications skip bouncing addresses.
	BouncingAt *time.Time
	// Scope, when loaded with the session, spares the queue a query per page.
	Scope *TeamScope
}

// TeamScope is which teams a user belongs to and which restricted teams
// they may not see.
type TeamScope struct {
	Member []int64
	Hidden []int64 // restricted teams the user is not a member of
}

// IsStaff reports whether the user works tickets.
func (u *User) IsStaff() bool { return u != nil && u.Role.IsStaff() }

// Location returns the user's time zone, UTC when unknown.
func (u *User) Location() *time.Location {
	if u == nil {
		return time.UTC
	}
	if loc, err := time.LoadLocation(u.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Team is a group of agents that owns categories and has a business calendar.
type Team struct {
	ID         int64
	Slug       string
	Name       string
	TimeZone   string
	Restricted bool
}

// Category is a kind of request, owned by a team.
type Category struct {
	ID             int64
	Name           string
	TeamID         int64
	RequiredSkill  string
	DefaultImpact  Impact
	DefaultUrgency Urgency
}

// Ticket is one request from a requester, worked by IT staff.
type Ticket struct {
	ID               int64
	Number           int64
	Subject          string
	Status           Status
	Priority         Priority
	Impact           Impact
	Urgency          Urgency
	CategoryID       *int64
	CategoryName     string
	TeamID           *int64
	TeamName         string
	TeamSlug         string
	AssigneeID       *int64
	AssigneeName     string
	AssigneeEmail    string
	RequesterID      int64
	RequesterName    string
	RequesterEmail   string
	Source           Source
	FirstResponseDue *time.Time
	ResolutionDue    *time.Time
	DueAt            *time.Time
	FirstRespondedAt *time.Time
	ResolvedAt       *time.Time
	ResolutionCount  int
	ParentID         *int64
	MergedIntoID     *int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// TriageWait says why an unowned ticket has no owner yet and what
	// triage does next ("no one with Hardware on shift in Sydney until
	// 08:00 Tue; Ava on leave until 10 Apr; …"); empty once assigned.
	TriageWait string
}

// WaitingTicket is an open, unowned ticket waiting for someone with a skill
// to come on shift: a row of the leads' "waiting for a skill" view.
type WaitingTicket struct {
	Number           int64
	Subject          string
	Priority         Priority
	TeamName         string
	Skill            string
	Wait             string
	CreatedAt        time.Time
	FirstResponseDue *time.Time
}

// Message is a public reply or an internal note on a ticket.
type Message struct {
	ID             int64
	TicketID       int64
	AuthorID       *int64
	AuthorName     string
	AuthorEmail    string
	AuthorIsStaff  bool
	Internal       bool
	BodyText       string
	BodyHTML       string // sanitised; safe to render as is
	EmailMessageID string
	Source         Source
	CreatedAt      time.Time
	Attachments    []Attachment
	// SenderCheck is, for a message from mail, what sender authentication
	// said ("Sender verified by DKIM for example.com", "Sender not
	// verified"); SenderFlagged marks an unverified mail added to an
	// existing ticket, which staff should treat with care.
	SenderCheck   string
	SenderFlagged bool
}

// Attachment is a file on a message; its bytes are loaded separately.
type Attachment struct {
	ID          int64
	TicketID    int64
	MessageID   *int64
	Filename    string
	ContentType string
	Size        int64
	Inline      bool
	CreatedAt   time.Time
}

// InlineImage reports whether a sniffed content type may be shown in the page
// rather than downloaded. SVG is excluded: it can carry script.
func InlineImage(contentType string) bool {
	switch contentType {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp":
		return true
	}
	return false
}

// Upload is an attachment on its way in.
type Upload struct {
	Filename    string
	ContentType string // ignored: the type is sniffed from Data
	ContentID   string
	Inline      bool
	Data        []byte
}

// Event is one entry of a ticket's audit trail.
type Event struct {
	ID        int64
	TicketID  int64
	ActorID   *int64
	ActorName string
	Kind      string
	Before    json.RawMessage
	After     json.RawMessage
	Reason    string
	CreatedAt time.Time
}

// Event kinds written by the ticket service and the workers.
const (
	EventCreated        = "created"
	EventReplied        = "replied"
	EventNoted          = "noted"
	EventStatusChanged  = "status_changed"
	EventFieldsChanged  = "fields_changed"
	EventAssigned       = "assigned"
	EventPrioritised    = "prioritised"
	EventCategorised    = "categorised"
	EventTriaged        = "triaged"
	EventMerged         = "merged"
	EventLinked         = "linked"
	EventRated          = "rated"
	EventSLAWarning     = "sla_warning"
	EventSLABreached    = "sla_breached"
	EventMailFailed     = "mail_failed"
	EventAutoReply      = "auto_reply"
	EventLateParent     = "late_parent" // mail that replies referred to arrived after them and joined their ticket
	EventParticipantAdd = "participant_added"
)
