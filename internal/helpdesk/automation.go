package helpdesk

import (
	"encoding/json"
	"time"
)

// Rule triggers: which ticket events a rule listens to.
const (
	TriggerCreated   = "ticket.created"   // after triage has decided
	TriggerUpdated   = "ticket.updated"   // status, priority, category, team or assignee changed
	TriggerMessage   = "message.received" // a public reply or an internal note
	TriggerSLAAtRisk = "sla.at_risk"
	TriggerSLABreach = "sla.breached"
	TriggerSchedule  = "schedule" // every Rule.Every, over open tickets
)

// Triggers lists every rule trigger.
var Triggers = []string{TriggerCreated, TriggerUpdated, TriggerMessage, TriggerSLAAtRisk, TriggerSLABreach, TriggerSchedule}

// Rule action types.
const (
	ActionSet         = "set"             // Field to Value
	ActionNote        = "note"            // internal note Body
	ActionReply       = "reply"           // public reply from the canned reply named Canned
	ActionNotifyChat  = "notify_chat"     // a message to chat Channel
	ActionWebhook     = "webhook"         // POST the ticket to URL
	ActionCreateChild = "create_child"    // a linked child ticket with Subject
	ActionAddTag      = "add_tag"         // tag the ticket with Tag
	ActionAddParticip = "add_participant" // make the user with Email follow the ticket
)

// Ticket events of the tag and participant actions (and their undo).
const (
	EventTagged             = "tagged"
	EventUntagged           = "untagged"
	EventParticipantRemoved = "participant_removed"
)

// EventAutomationStopped is the ticket event written when rules changed a
// ticket too often in a minute and were stopped for it.
const EventAutomationStopped = "automation_stopped"

// RuleAction is one thing a rule does.
type RuleAction struct {
	Type    string `json:"type"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Body    string `json:"body,omitempty"`
	Canned  string `json:"canned,omitempty"`
	Channel string `json:"channel,omitempty"`
	URL     string `json:"url,omitempty"`
	Subject string `json:"subject,omitempty"`
	Tag     string `json:"tag,omitempty"`
	Email   string `json:"email,omitempty"`
}

// Rule is an automation rule: when Trigger fires and Condition holds, do
// Actions.
type Rule struct {
	ID        int64
	Name      string
	Trigger   string
	Every     time.Duration // schedule rules
	Condition string
	Actions   []RuleAction
	Enabled   bool
	Position  int
	TeamID    *int64 // a lead's rule: only this team's tickets
	TeamSlug  string
	Version   int
	CreatedBy *int64
	LastRunAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Run kinds.
const (
	RunKindRun      = "run"      // fired by a ticket event or the schedule
	RunKindManual   = "manual"   // started by a person ("Run now")
	RunKindRollback = "rollback" // undid another run
)

// RunChange is one field of one ticket a run changed (or, in a rollback's
// conflicts, left alone).
type RunChange struct {
	Ticket int64           `json:"ticket"` // ticket number
	Field  string          `json:"field"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	// Why, in a conflict, says why it was left alone ("changed since by
	// Ava Agent", "a public reply cannot be unsent").
	Why string `json:"why,omitempty"`
}

// RunResult is the external outcome of an action (a webhook's status, a
// chat message queued, a reply sent).
type RunResult struct {
	Ticket int64  `json:"ticket"`
	Action string `json:"action"`
	Result string `json:"result"`
	// Channel is a notify_chat action's channel (to find its delivery).
	Channel string `json:"channel,omitempty"`
	// DeliveryID is a webhook action's delivery.
	DeliveryID int64 `json:"delivery_id,omitempty"`
	// Status, MessageID and ResponseCode are the outcome as it stands when
	// the run is read (filled from the chat and webhook delivery logs, not
	// stored): pending, sent / delivered, failed.
	Status       string `json:"status,omitempty"`
	MessageID    string `json:"message_id,omitempty"`
	ResponseCode int    `json:"response_code,omitempty"`
}

// Run is one firing of a rule.
type Run struct {
	ID          int64
	RuleID      int64
	RuleName    string
	RuleVersion int
	Kind        string
	Trigger     string
	EventID     *int64
	RollbackOf  *int64
	// UndoneBy is the rollback run that undid this run (one run's undo or
	// a range undo); a range undo skips runs undone already.
	UndoneBy  *int64
	ActorID   *int64
	ActorName string
	Changes   []RunChange
	Results   []RunResult
	Conflicts []RunChange
	Tickets   int // distinct tickets touched
	CreatedAt time.Time
}

// Webhook is an outbound subscription to ticket events.
type Webhook struct {
	ID             int64
	Name           string
	URL            string
	Events         []string // rule trigger names; empty: all
	Secret         string   // HMAC-SHA256 key
	Active         bool
	FailingSince   *time.Time
	DisabledReason string
	CreatedAt      time.Time
}

// Delivery is one webhook call and what the receiver answered.
type Delivery struct {
	ID           int64
	WebhookID    *int64
	RunID        *int64
	URL          string
	Event        string
	Payload      json.RawMessage
	Status       string // pending, delivered, failed
	Attempts     int
	ResponseCode *int
	ResponseBody string
	Error        string
	CreatedAt    time.Time
	LastAttempt  *time.Time
	DeliveredAt  *time.Time
}
