package helpdesk

import "time"

// CannedReply is a saved answer staff insert into replies; TeamID nil means
// every team.
type CannedReply struct {
	ID        int64
	TeamID    *int64
	TeamName  string
	Title     string
	Body      string
	UpdatedAt time.Time
}

// ChildTicket is a ticket linked under an incident.
type ChildTicket struct {
	Number  int64
	Subject string
	Status  Status
}

// Presence is another staff member on the same ticket page now.
type Presence struct {
	UserID   int64
	Name     string
	Replying bool
}

// Rating is a requester's satisfaction rating of one resolution.
type Rating struct {
	Score     int // 1 (poor) to 5 (excellent)
	Comment   string
	CreatedAt time.Time
}
