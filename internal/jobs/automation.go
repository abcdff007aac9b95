package jobs

// AutomationArgs runs the enabled rules over a ticket's events waiting in the
// automation inbox, oldest first. Whoever changes a ticket may enqueue it;
// the periodic AutomationTickArgs picks up anything nobody asked for. It is
// not unique: a job finding the inbox already drained costs one query, and a
// uniqueness that skipped inserts while a job runs would delay events.
type AutomationArgs struct {
	TicketID int64 `json:"ticket_id,omitempty"`
	// TicketIDs, when set, are drained together in one transaction (the
	// tickets one triage batch wrote).
	TicketIDs []int64 `json:"ticket_ids,omitempty"`
}

// Kind names the River job.
func (AutomationArgs) Kind() string { return "automation" }

// AutomationTickArgs runs due schedule rules and drains inbox events nobody
// enqueued an AutomationArgs for (every 10 s).
type AutomationTickArgs struct{}

// Kind names the River job.
func (AutomationTickArgs) Kind() string { return "automation_tick" }

// ChatNotifyArgs posts a rule's message to a chat channel. The chat
// connectors work it; without one configured the worker records that
// nothing was sent.
type ChatNotifyArgs struct {
	Channel  string `json:"channel"`
	Text     string `json:"text"`
	TicketID int64  `json:"ticket_id"`
	Number   int64  `json:"number"`
	RunID    int64  `json:"run_id,omitempty"`
}

// Kind names the River job.
func (ChatNotifyArgs) Kind() string { return "chat_notify" }

// WebhookDeliveryArgs sends one stored webhook delivery; River's retries
// with backoff resend it when the receiver fails.
type WebhookDeliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the River job.
func (WebhookDeliveryArgs) Kind() string { return "webhook_delivery" }

// The automation kinds join the list here rather than in jobs.go, so
// helpers adding kinds in parallel do not edit one line.
func init() {
	kinds = append(kinds, AutomationArgs{}, AutomationTickArgs{}, ChatNotifyArgs{}, WebhookDeliveryArgs{})
}
