package helpdesk

import "time"

// Admin-console types: what the admin service returns and the admin pages
// show. Kept here so templates never see database rows.

// Membership is one team a person belongs to.
type Membership struct {
	TeamID   int64
	TeamSlug string
	TeamName string
	Lead     bool
	// Restricted teams see tickets nobody else may: joining one is a
	// privilege, so the audit log shows it.
	Restricted bool `json:",omitempty"`
}

// Person is a user as the People pages list them.
type Person struct {
	User
	HasPassword bool
	Teams       string // "it (lead), security": a summary for lists
	Memberships []Membership
}

// ShiftRange is a weekly working-hours range in minutes from local midnight
// on a weekday (0 = Sunday); End <= Start crosses midnight.
type ShiftRange struct {
	Weekday int
	Start   int
	End     int
}

// Skill is what an agent knows, at a level 1 (basic) to 3 (expert).
type Skill struct {
	Name  string
	Level int
}

// TimeOff is an inclusive span of civil dates in the agent's zone.
type TimeOff struct {
	ID   int64
	From string // 2006-01-02
	To   string
	Note string
}

// AgentProfile is everything triage needs to know about one agent.
type AgentProfile struct {
	Person       Person
	Capacity     int
	Availability Availability
	Languages    []string
	Hours        []ShiftRange
	Skills       []Skill
	TimeOff      []TimeOff
	// OnShift lists the next seven days' shifts, merged, time off skipped.
	OnShift []Span
}

// Span is an interval of absolute time.
type Span struct{ Start, End time.Time }

// Holiday is a day a team's business calendar is closed.
type Holiday struct {
	Day  string // 2006-01-02
	Name string
}

// TeamMember is a person on a team's page.
type TeamMember struct {
	User
	Lead bool
}

// OnCallShift is one entry of a team's on-call rota.
type OnCallShift struct {
	ID       int64
	UserID   int64
	UserName string
	Start    time.Time
	End      time.Time
}

// TeamDetail is a team with its calendar, members and categories.
type TeamDetail struct {
	Team
	Hours      []ShiftRange
	Holidays   []Holiday
	Members    []TeamMember
	Categories []CategorySettings
	OnCall     []OnCallShift
	// Counts for lists.
	MemberCount   int
	CategoryCount int
}

// CategorySettings is a category with everything triage reads from it.
type CategorySettings struct {
	Category
	TeamName            string
	MinPriority         Priority // "" when none
	Keywords            []string
	FollowTheSun        bool
	ConfidenceThreshold float64
}

// SLATarget is one priority's targets in business minutes.
type SLATarget struct {
	Priority             Priority
	FirstResponseMinutes int
	ResolutionMinutes    int
}

// AuditEntry is one admin change.
type AuditEntry struct {
	ID         int64
	ActorID    *int64
	ActorName  string
	ActorEmail string
	ObjectType string
	ObjectID   string
	Action     string
	Before     string // JSON, "" when none
	After      string
	CreatedAt  time.Time
}

// AuditFilter selects audit entries; zero fields match everything.
type AuditFilter struct {
	Actor      string // email or name, substring
	ObjectType string
	ObjectID   string
	From       time.Time // inclusive
	To         time.Time // exclusive
	Limit      int
}

// IntakeAddress routes mail sent to a local part of our domain.
type IntakeAddress struct {
	ID           int64
	LocalPart    string
	TeamID       *int64
	TeamName     string
	CategoryID   *int64
	CategoryName string
	Phishing     bool // mail to it is a phishing report (issue 15)
}

// Mailbox is an IMAP account as admins see it; the password never leaves
// the server.
type Mailbox struct {
	ID          int64
	Name        string
	Host        string
	Port        int
	TLS         bool
	Username    string
	Folder      string
	Enabled     bool
	LastFetchAt *time.Time
	LastError   string
	LastErrorAt *time.Time
}

// OutboxMail is one outgoing mail and where it stands.
type OutboxMail struct {
	ID            int64
	TicketID      *int64
	Kind          string
	To            string
	Subject       string
	Status        string
	Attempts      int
	LastError     string
	NextAttemptAt time.Time
	CreatedAt     time.Time
	SentAt        *time.Time
}

// SignIn is one sign-in attempt, as recorded for threat detection and the
// devices page.
type SignIn struct {
	ID          int64
	UserID      int64 // 0: no such active account
	Email       string
	IP          string
	UserAgent   string
	DeviceKnown bool
	Method      string // password, sso, passkey, …
	OK          bool
	At          time.Time
}

// Session is one signed-in browser, for the "Signed-in devices" page.
type Session struct {
	ID        int64
	UserAgent string
	IP        string
	Method    string
	FirstSeen time.Time
	LastSeen  time.Time
	Current   bool // the session of the request showing the list
}
