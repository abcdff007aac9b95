package app

import (
	"context"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/chat"
	"switchboard/internal/chat/matrix"
	"switchboard/internal/chat/mattermost"
	chatslack "switchboard/internal/chat/slack"
	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/server"
)

// chatDeliverWorker posts one outbound chat message (chat.Service.Deliver).
type chatDeliverWorker struct {
	river.WorkerDefaults[jobs.ChatDeliverArgs]
	chat *chat.Service
}

// Work delivers; the last attempt marks the delivery failed in the log.
func (w *chatDeliverWorker) Work(ctx context.Context, job *river.Job[jobs.ChatDeliverArgs]) error {
	return w.chat.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}

// Timeout bounds one attempt: chat APIs answer in seconds or not at all.
func (w *chatDeliverWorker) Timeout(*river.Job[jobs.ChatDeliverArgs]) time.Duration {
	return 30 * time.Second
}

// wireChat builds ChatOps: the service, the Slack, Mattermost and Matrix
// connectors, the delivery worker, the automation rules' chat messages, the team-channel scan, and the
// ticket-changed follower. It must run before the River client is built.
func (a *App) wireChat(changed *changedWorker) {
	getenv := a.Env.Getenv
	cfg := a.Env.Config
	a.Chat = &chat.Service{DB: a.DB, Tickets: a.Tickets, BaseURL: cfg.BaseURL, Secret: cfg.SecretKey,
		Log: a.Env.Log.With("part", "chat"),
		Env: map[string]helpdesk.ChatConnectorSettings{
			"slack": {APIURL: getenv("SWITCHBOARD_SLACK_API_URL"), Secret: getenv("SWITCHBOARD_SLACK_SIGNING_SECRET"),
				Token: getenv("SWITCHBOARD_SLACK_BOT_TOKEN")},
			"mattermost": {APIURL: getenv("SWITCHBOARD_MATTERMOST_URL"), Secret: getenv("SWITCHBOARD_MATTERMOST_TOKEN"),
				Token: getenv("SWITCHBOARD_MATTERMOST_BOT_TOKEN"), HookToken: getenv("SWITCHBOARD_MATTERMOST_WEBHOOK_TOKEN")},
			"matrix": {APIURL: getenv("SWITCHBOARD_MATRIX_HOMESERVER"), BotUser: getenv("SWITCHBOARD_MATRIX_USER"),
				Token: getenv("SWITCHBOARD_MATRIX_TOKEN"), Rooms: chat.SplitRooms(getenv("SWITCHBOARD_MATRIX_ROOMS"))},
		}}
	hc := &http.Client{Timeout: 20 * time.Second}
	sl := &chatslack.Connector{Chat: a.Chat, HTTP: hc, Log: a.Env.Log.With("part", "slack")}
	mm := &mattermost.Connector{Chat: a.Chat, HTTP: hc, Log: a.Env.Log.With("part", "mattermost")}
	a.Chat.Register(sl)
	a.Chat.Register(mm)
	// The Matrix bot follows its homeserver's event stream (on one node at a time).
	mx := &matrix.Connector{Chat: a.Chat, HTTP: hc, Log: a.Env.Log.With("part", "matrix")}
	a.Chat.Register(mx)
	a.background = append(a.background, mx)
	a.chatIn = &server.ChatEndpoints{SlackCommands: sl.Commands, SlackEvents: sl.Events, SlackInteractions: sl.Interactions,
		MattermostCommands: mm.Commands, MattermostActions: mm.Actions, MattermostMessages: mm.Messages}
	river.AddWorker(a.Workers, &chatDeliverWorker{chat: a.Chat})
	// An automation rule's notify_chat action: stored and sent as a delivery.
	river.AddWorker(a.Workers, &funcWorker[jobs.ChatNotifyArgs]{run: a.Chat.Notify})
	river.AddWorker(a.Workers, &funcWorker[jobs.ChatScanArgs]{run: func(ctx context.Context, _ jobs.ChatScanArgs) error {
		return a.Chat.Scan(ctx)
	}})
	a.Periodic = append(a.Periodic, periodic(jobs.ChatScanEvery, jobs.ChatScanArgs{}, true))
	changed.handlers = append(changed.handlers, a.Chat.OnChanged)
}
