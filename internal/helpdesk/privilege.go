package helpdesk

import "time"

// Grant statuses: a request for the admin role waits for a second admin.
const (
	GrantPending  = "pending"
	GrantApproved = "approved"
	GrantRejected = "rejected"
	GrantExpired  = "expired"
)

// AdminGrant is a request to give someone the admin role, waiting for a
// second admin's approval (four-eyes).
type AdminGrant struct {
	ID            int64
	UserID        int64
	UserName      string
	UserEmail     string
	RequestedBy   int64 // 0: the SSO provider's role mapping
	RequesterName string
	FromRole      Role
	Reason        string
	Status        string
	ExpiresAt     time.Time
	DecidedBy     int64
	DeciderName   string
	DecidedAt     *time.Time
	CreatedAt     time.Time
}

// AccessToken is an API token as the access review lists it.
type AccessToken struct {
	ID         int64
	Name       string
	Scope      string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	ExpiresAt  *time.Time
	Unused     bool // not used for the review's number of days (or never, and older than that)
}

// AccessTeam is a team membership as the access review lists it.
type AccessTeam struct {
	Slug       string
	Lead       bool
	Restricted bool
}

// AccessRow is one person in the access review: what they hold and when
// they last used it.
type AccessRow struct {
	User
	CreatedAt    time.Time
	LastSignIn   *time.Time // last successful sign-in or session activity
	SecondFactor bool
	Teams        []AccessTeam
	Tokens       []AccessToken
	Unused       bool // account not used for the review's number of days
}

// AccessReview is the weekly access review: every active account with
// its privileges and the last time they were used.
type AccessReview struct {
	Rows          []AccessRow
	UnusedDays    int
	LastReviewAt  *time.Time
	LastReviewBy  string
	ReviewDue     bool
	Grants        []AdminGrant // pending first, then the last decided ones
	FourEyes      bool
	GrantLifetime time.Duration
}

// SecurityEvent is one threat detection as admins list it.
type SecurityEvent struct {
	ID           int64
	Account      string // the person's email; empty when not about one account
	Kind         string // e.g. new_device+odd_hours, spraying, token_new_network, admin_burst
	Risk         string // low, medium, high
	IP           string
	Evidence     string // JSON
	TicketNumber int64  // 0: no ticket
	CreatedAt    time.Time
}
