package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// QueueChat is the River queue of outbound chat messages: a chat outage
// that makes them wait and retry never holds up mail or triage.
const QueueChat = "chat"

// ChatDeliverArgs delivers one stored outbound chat message (a row of
// chat_deliveries). The row's idempotency key made it once; the job posts
// it once: a delivery already sent is not posted again.
type ChatDeliverArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind names the River job.
func (ChatDeliverArgs) Kind() string { return "chat_deliver" }

// InsertOpts puts deliveries on the chat queue; twelve attempts with River's
// backoff cover about a day of outage.
func (ChatDeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueChat, MaxAttempts: 12}
}

// ChatScanArgs reads ticket events since its last run and announces urgent
// tickets, SLA warnings and breaches and escalations in team channels
// (every ChatScanEvery).
type ChatScanArgs struct{}

// Kind names the River job.
func (ChatScanArgs) Kind() string { return "chat_scan" }

// ChatScanEvery is how often the team-channel scan runs.
const ChatScanEvery = 15 * time.Second

func init() { kinds = append(kinds, ChatDeliverArgs{}, ChatScanArgs{}) }
