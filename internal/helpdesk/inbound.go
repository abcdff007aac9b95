package helpdesk

import "time"

// InboundHook is an inbound webhook: an endpoint another tool calls with
// its own JSON, which the mapping turns into a new ticket or an update of
// the ticket that tool's external id opened before.
type InboundHook struct {
	ID         int64
	Name       string
	Mapping    InboundMapping
	TeamID     *int64
	TeamSlug   string
	Active     bool
	CreatedBy  int64
	CreatedAt  time.Time
	RotatedAt  *time.Time
	LastUsedAt *time.Time
}

// InboundMapping says where in the caller's JSON each ticket field is, as
// JSON Pointers (RFC 6901: "/alert/labels/summary"); an empty pointer
// leaves the field alone. Values translates the caller's words into
// Switchboard's, per field ({"urgency": {"page": "critical"}}).
type InboundMapping struct {
	ExternalID     string                       `json:"external_id,omitempty"`
	Subject        string                       `json:"subject"`
	Description    string                       `json:"description,omitempty"`
	RequesterEmail string                       `json:"requester_email,omitempty"`
	Urgency        string                       `json:"urgency,omitempty"`
	Impact         string                       `json:"impact,omitempty"`
	Status         string                       `json:"status,omitempty"`
	Priority       string                       `json:"priority,omitempty"`
	Comment        string                       `json:"comment,omitempty"`
	CommentPublic  bool                         `json:"comment_public,omitempty"`
	Values         map[string]map[string]string `json:"values,omitempty"`
}

// InboundResult is what an inbound call did.
type InboundResult struct {
	Ticket   int64 // number
	Created  bool
	Replayed bool     // the Idempotency-Key was seen before: nothing changed
	Changed  []string // fields set and "comment" on an update
}
