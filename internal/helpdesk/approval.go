package helpdesk

import "time"

// Approval modes: who approves a category's requests.
const (
	ApprovalManager = "manager" // the requester's manager (leads of the category's team without one)
	ApprovalLead    = "lead"    // the leads of the category's team
	ApprovalGroup   = "group"   // any one of a named group of people
)

// Approval states.
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalDeclined  = "declined"
	ApprovalExpired   = "expired"
	ApprovalCancelled = "cancelled"
)

// Ticket event kinds of approvals; each is on the ticket's timeline.
const (
	EventApprovalRequested = "approval_requested"
	EventApprovalReminded  = "approval_reminded"
	EventApprovalApproved  = "approval_approved"
	EventApprovalDeclined  = "approval_declined"
	EventApprovalExpired   = "approval_expired"
)

// CategoryApproval is a category's approval requirement; Mode "" means none.
type CategoryApproval struct {
	CategoryID   int64
	CategoryName string
	TeamID       int64
	Mode         string
	Approvers    []int64 // ApprovalGroup only
	RemindAfter  time.Duration
	ExpireAfter  time.Duration
}

// Approval is one request for a decision on a ticket.
type Approval struct {
	ID           int64
	TicketID     int64
	Number       int64
	Subject      string
	Description  string
	TicketStatus Status
	CategoryName string
	RequesterID  int64
	Requester    string // name
	RequesterEm  string // email
	Mode         string
	Approvers    []int64
	Why          string
	Status       string
	RequestedAt  time.Time
	RemindAt     time.Time
	Reminders    int
	ExpiresAt    time.Time
	DecidedAt    *time.Time
	DecidedBy    *int64
	DecidedName  string
	Via          string
	Comment      string
}

// IsApprover reports whether user id may decide the approval.
func (a *Approval) IsApprover(id int64) bool {
	for _, x := range a.Approvers {
		if x == id {
			return true
		}
	}
	return false
}

// ApprovalMail is a mail about an approval: the request or a reminder to
// one approver (with links and a signed reply address), or the decision to
// the requester.
type ApprovalMail struct {
	Kind     string // "request", "reminder", "decision"
	Approval Approval
	To       User
	// ReplyTo is the signed address a reply decides with ("request" and
	// "reminder"); URL is the approver's page or the requester's ticket.
	ReplyTo string
	URL     string
}
