package app

import (
	"context"

	"github.com/riverqueue/river"

	"switchboard/internal/automation"
	"switchboard/internal/jobs"
)

// wireApprovals builds approvals (issue 17): the periodic scan that asks,
// reminds and expires, the ticket-changed follower that asks at once when
// a ticket is moved into an approval category, the approval mails, and
// decisions by mail reply. It runs after wireMail and before the River
// client exists.
func (a *App) wireApprovals(cw *changedWorker) {
	cfg := a.Env.Config
	a.Approvals = &automation.Approvals{DB: a.DB, Tickets: a.Tickets, Log: a.Env.Log.With("part", "approvals"),
		BaseURL: cfg.BaseURL}
	if a.Mail != nil && a.Mail.Notifier != nil {
		a.Approvals.Mail = a.Mail.Notifier.ApprovalTx
	}
	if a.Mail != nil && a.Mail.Processor != nil {
		a.Mail.Processor.Approvals = a.Approvals
	}
	if a.Chat != nil {
		a.Approvals.Chat = a.Chat.ApprovalTx
		a.Chat.DecideApproval = a.Approvals.DecideInChat
	}
	cw.handlers = append(cw.handlers, a.Approvals.OnChanged)
	river.AddWorker(a.Workers, &funcWorker[jobs.ApprovalScanArgs]{run: func(ctx context.Context, _ jobs.ApprovalScanArgs) error {
		return a.Approvals.Scan(ctx)
	}})
	a.Periodic = append(a.Periodic, periodic(automation.ApprovalScanEvery, jobs.ApprovalScanArgs{}, true))
}
