package jobs

import "github.com/riverqueue/river"

// ProcessArgs asks the intake worker to parse, classify and thread one stored mail.
type ProcessArgs struct {
	InboundID int64 `json:"inbound_id"`
}

// Kind names the River job.
func (ProcessArgs) Kind() string { return "mail_process" }

// InsertOpts keep mail processing retrying for a while (a database hiccup must
// not lose a mail) but not forever.
func (ProcessArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, Queue: QueueMail}
}

// AckArgs asks notify to acknowledge a new ticket to its sender; intake
// enqueues it in the transaction that creates the ticket, and notify works it,
// applying the per-sender hourly limit.
type AckArgs struct {
	TicketID  int64  `json:"ticket_id"`
	InboundID int64  `json:"inbound_id"`
	To        string `json:"to"`
}

// Kind names the River job.
func (AckArgs) Kind() string { return "mail_ack" }

// InsertOpts puts the job on the mail queue.
func (AckArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueMail} }

// RefusalArgs asks notify to tell a sender their mail was not accepted (the
// unknown-sender policy).
type RefusalArgs struct {
	InboundID int64  `json:"inbound_id"`
	To        string `json:"to"`
	Subject   string `json:"subject"`
	InReplyTo string `json:"in_reply_to"`
	Reason    string `json:"reason"`
}

// Kind names the River job.
func (RefusalArgs) Kind() string { return "mail_refusal" }

// InsertOpts puts the job on the mail queue.
func (RefusalArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueMail} }

// SendArgs asks the send worker to deliver one outbox row.
type SendArgs struct {
	OutboxID int64 `json:"outbox_id"`
}

// Kind names the River job.
func (SendArgs) Kind() string { return "mail_send" }

// MaxSendAttempts: ~8 attempts with River's backoff spread a relay outage
// over about a day before the mail is marked failed on its ticket.
const MaxSendAttempts = 8

// InsertOpts puts the job on the mail queue with MaxSendAttempts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxSendAttempts, Queue: QueueMail}
}

// MentionArgs asks for mail to agents mentioned in a message. The ticket
// service enqueues it in the transaction that stores the message.
type MentionArgs struct {
	TicketID  int64   `json:"ticket_id"`
	MessageID int64   `json:"message_id"`
	AgentIDs  []int64 `json:"agent_ids"`
	ActorID   int64   `json:"actor_id"`
}

// Kind names the River job.
func (MentionArgs) Kind() string { return "mail_mention" }

// InsertOpts puts the job on the mail queue.
func (MentionArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: QueueMail} }
