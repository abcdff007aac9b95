package chat

import (
	"context"
	"fmt"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Approval buttons: an approver's direct message carries these, valued
// with the approval's id.
const (
	ActionApprove = "approve"
	ActionDecline = "decline"
)

// ApprovalTx offers an approver the request (or a reminder) in a direct
// message with Approve and Decline buttons, in tx (wired as
// automation.Approvals.Chat). Only Slack accounts get one: Slack posts to
// a user's id as a direct message from the app; other connectors have the
// mail and the web page. Someone without a linked account gets nothing.
func (s *Service) ApprovalTx(ctx context.Context, tx *postgres.Tx, m helpdesk.ApprovalMail) error {
	if m.Kind != "request" && m.Kind != "reminder" || !s.configured(ctx, "slack") {
		return nil
	}
	accounts, err := tx.ChatAccountsOf(ctx, m.To.ID)
	if err != nil {
		return err
	}
	a := m.Approval
	id := strconv.FormatInt(a.ID, 10)
	text := fmt.Sprintf("*Approval needed:* %s asks for *%s* (#%d, %s). You are asked as %s.", a.Requester, a.Subject,
		a.Number, a.CategoryName, a.Why)
	if m.Kind == "reminder" {
		text = "Reminder. " + text
	}
	if a.Description != "" {
		text += "\n> " + truncate(a.Description, 500)
	}
	msg := Message{Text: text, Buttons: []Button{
		{Action: ActionApprove, Label: "Approve", Value: id, Style: "primary"},
		{Action: ActionDecline, Label: "Decline", Value: id},
		{Label: "Open", URL: m.URL}}}
	for _, cu := range accounts {
		if cu.Connector != "slack" {
			continue
		}
		ticketID := a.TicketID
		d := &helpdesk.ChatDelivery{Connector: cu.Connector, Channel: cu.ID, Action: "post", TicketID: &ticketID,
			IdemKey: fmt.Sprintf("approval:%d:%s:%d:%s", a.ID, m.Kind, a.Reminders, cu.ID)}
		if err := s.enqueueTx(ctx, tx, d, msg); err != nil {
			return err
		}
	}
	return nil
}

// approvalAction handles an Approve or Decline press by a linked account:
// the approvals service checks that the person is an approver.
func (s *Service) approvalAction(ctx context.Context, req Request, user *helpdesk.User, action, value string) Reply {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || s.DecideApproval == nil {
		return Reply{Text: "That button is out of date."}
	}
	out, err := s.DecideApproval(ctx, user, id, action == ActionApprove, via(req.User))
	if err != nil {
		return s.failed(err)
	}
	return Reply{Text: out}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
