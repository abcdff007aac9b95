// Package jobs names every River job Switchboard runs and the queues they run
// on. It is a leaf: it imports River's job-argument types and nothing of
// Switchboard, so any feature can enqueue any job without importing the
// feature that works it (intake enqueues the acknowledgement notify sends;
// the ticket service enqueues the triage the triage runner does). Workers
// live beside their feature and are registered in one list in internal/app.
// Local runs such work on the committing node without a job per row, with
// River as its fallback.
package jobs

import (
	"encoding/json"

	"github.com/riverqueue/river"
)

// QueueMail is the River queue of the mail intake and notification jobs.
const QueueMail = "mail"

// TriageArgs asks the triage worker to prioritise, categorise and assign a ticket.
type TriageArgs struct {
	TicketID int64 `json:"ticket_id"`
}

// Kind names the River job.
func (TriageArgs) Kind() string { return "triage" }

// TriageAlertArgs sends what one triage batch's decisions must tell people
// (a team lead alarmed about tickets nobody can take in time, an on-call
// agent paged): inserted with the batch, run once it has committed, so the
// batch does not hold its agents' profile locks while the mails are made.
// Alerts is the triage runner's own list, opaque here.
type TriageAlertArgs struct {
	Alerts json.RawMessage `json:"alerts"`
}

// Kind names the River job.
func (TriageAlertArgs) Kind() string { return "triage_alert" }

// ChangedArgs tells the follow-up workers (notifications, SLA clocks) what
// happened to a ticket.
type ChangedArgs struct {
	TicketID  int64  `json:"ticket_id"`
	Event     string `json:"event"`
	MessageID int64  `json:"message_id,omitempty"`
	ActorID   int64  `json:"actor_id,omitempty"`
}

// Kind names the River job.
func (ChangedArgs) Kind() string { return "ticket_changed" }

// IdempotencyCleanupArgs is the hourly sweep job: it deletes the API's
// idempotency keys older than 24 hours.
type IdempotencyCleanupArgs struct{}

// Kind names the River job.
func (IdempotencyCleanupArgs) Kind() string { return "api_idempotency_cleanup" }

// kinds lists every job argument type, so a test can check that each kind is
// unique and that the composition root registers a worker for each.
var kinds = []river.JobArgs{
	TriageArgs{}, TriageAlertArgs{}, ChangedArgs{}, IdempotencyCleanupArgs{},
	SLAScanArgs{}, RebalanceArgs{}, TriageRetryArgs{}, TriageSweepArgs{}, RetrainArgs{},
	ProcessArgs{}, AckArgs{}, RefusalArgs{}, SendArgs{}, MentionArgs{},
	PhishAnalyseArgs{},
}

// All returns one zero value of every job argument type.
func All() []river.JobArgs { return append([]river.JobArgs(nil), kinds...) }
