package automation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// ApprovalScanEvery is how often the approval job asks for new approvals,
// sends reminders and expires requests nobody decided.
const ApprovalScanEvery = 15 * time.Second

// Approvals asks for approval of service requests whose category needs it,
// records each decision (web, mail reply, chat button) and sends reminders
// and expiries. A ticket waiting for approval is on hold with its SLA
// clock paused; approved, it opens (and rules on ticket.updated see
// ticket.approval == "approved"); declined or expired, it is closed and
// the requester is told why.
type Approvals struct {
	DB      *postgres.DB
	Tickets *ticket.Service
	Log     *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// Mail queues an approval mail in the transaction that asks for it;
	// nil sends none.
	Mail func(ctx context.Context, tx *postgres.Tx, m helpdesk.ApprovalMail) error
	// Chat offers an approver the approve and decline buttons in chat,
	// in tx; nil offers none. Errors are logged, never fatal: chat is a
	// convenience beside the mail.
	Chat func(ctx context.Context, tx *postgres.Tx, m helpdesk.ApprovalMail) error
	// BaseURL makes the links in mails.
	BaseURL string
}

func (s *Approvals) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Approvals) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// PageURL is the approver's page of one approval.
func (s *Approvals) PageURL(id int64) string {
	return strings.TrimRight(s.BaseURL, "/") + fmt.Sprintf("/approvals/%d", id)
}

// OnChanged is a jobs.ChangedWorker handler: a ticket moved into a category
// that needs approval asks for it at once (the periodic scan catches
// tickets categorised by triage or filed with such a category).
func (s *Approvals) OnChanged(ctx context.Context, a jobs.ChangedArgs) error {
	if a.Event != helpdesk.EventFieldsChanged && a.Event != helpdesk.EventCreated {
		return nil
	}
	_, err := s.Request(ctx, a.TicketID)
	return err
}

// Scan asks for the approvals new tickets need, then sends the reminders
// and expiries that are due. Any number of nodes may run it at once: each
// step locks its row and checks again.
func (s *Approvals) Scan(ctx context.Context) error {
	ids, err := s.DB.ApprovalCandidates(ctx, 200)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if _, err := s.Request(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	due, err := s.DB.DueApprovals(ctx, s.now(), 200)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, id := range due {
		if err := s.remindOrExpire(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Request asks for approval of a ticket when its category needs it and it
// was never asked for that category; it returns the new approval's id, 0
// when none was needed.
func (s *Approvals) Request(ctx context.Context, ticketID int64) (int64, error) {
	var id int64
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		id = 0
		if _, err := tx.LockTicket(ctx, ticketID); err != nil {
			if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
				return nil
			}
			return err
		}
		t, err := tx.ApprovalTicketOf(ctx, ticketID)
		if err != nil || t.CategoryID == nil || (t.Status != helpdesk.StatusNew && t.Status != helpdesk.StatusOpen) {
			return err
		}
		ca, err := tx.CategoryApproval(ctx, *t.CategoryID)
		if err != nil || ca.Mode == "" {
			return err
		}
		if asked, err := tx.HasApproval(ctx, t.ID, ca.CategoryID); err != nil || asked {
			return err
		}
		approvers, why, err := s.approversFor(ctx, tx, t, ca)
		if err != nil {
			return err
		}
		now := s.now()
		newID, ok, err := tx.InsertApproval(ctx, postgres.NewApproval{TicketID: t.ID, CategoryID: ca.CategoryID, Mode: ca.Mode,
			Approvers: approvers, Why: why, RemindAt: now.Add(ca.RemindAfter), ExpiresAt: now.Add(ca.ExpireAfter)})
		if err != nil || !ok {
			return err
		}
		if len(approvers) == 0 {
			return s.noApprover(ctx, tx, t, newID, why)
		}
		id = newID
		return s.asked(ctx, tx, t, ca, newID, approvers, why)
	})
	if err != nil {
		return 0, fmt.Errorf("request approval of ticket %d: %w", ticketID, err)
	}
	return id, nil
}

// approversFor picks who decides: the requester's manager, the category's
// team leads or its group; never the requester; the admins when nobody
// else is left. why says how, for the timeline.
func (s *Approvals) approversFor(ctx context.Context, tx *postgres.Tx, t *postgres.ApprovalTicket,
	ca *helpdesk.CategoryApproval) ([]int64, string, error) {
	var ids []int64
	var why string
	var err error
	leads := func(prefix string) {
		ids, err = tx.ActiveTeamLeads(ctx, ca.TeamID)
		why = prefix + "the leads of the category's team"
	}
	switch ca.Mode {
	case helpdesk.ApprovalManager:
		if t.ManagerID != nil {
			ids, err = tx.ActiveUsersAmong(ctx, []int64{*t.ManagerID})
			why = "the requester's manager"
		}
		if err == nil && len(ids) == 0 {
			leads("the requester has no active manager, so ")
		}
	case helpdesk.ApprovalLead:
		leads("")
	default:
		ids, err = tx.ActiveUsersAmong(ctx, ca.Approvers)
		why = "any one of the category's approvers"
	}
	if err != nil {
		return nil, "", err
	}
	ids = slices.DeleteFunc(ids, func(id int64) bool { return id == t.RequesterID })
	if len(ids) == 0 {
		admins, err := tx.ActiveAdmins(ctx)
		if err != nil {
			return nil, "", err
		}
		ids = slices.DeleteFunc(admins, func(id int64) bool { return id == t.RequesterID })
		why += "; nobody of them could decide (the requester cannot approve their own request), so the admins"
	}
	return ids, why, nil
}

// asked puts the ticket on hold with its clock paused, records the request
// on the timeline and mails (and chats) each approver.
func (s *Approvals) asked(ctx context.Context, tx *postgres.Tx, t *postgres.ApprovalTicket, ca *helpdesk.CategoryApproval,
	id int64, approvers []int64, why string) error {
	people, err := tx.UsersByID(ctx, approvers)
	if err != nil {
		return err
	}
	names := make([]string, len(people))
	for i, p := range people {
		names[i] = p.Name
	}
	reason := fmt.Sprintf("category %q needs approval by %s", ca.CategoryName, why)
	onHold := helpdesk.StatusOnHold
	if _, err := s.Tickets.ApplyTx(ctx, tx, &helpdesk.Ticket{ID: t.ID, Number: t.Number},
		ticket.Changes{Status: &onHold, Reason: "waiting for approval: " + reason}); err != nil {
		return err
	}
	if err := tx.PauseForApproval(ctx, t.ID); err != nil {
		return err
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventApprovalRequested,
		After: map[string]any{"approval": id, "approvers": strings.Join(names, ", "),
			"expires_at": s.now().Add(ca.ExpireAfter).UTC().Format(time.RFC3339)}, Reason: reason}); err != nil {
		return err
	}
	// The requester sees on their ticket why it waits (not mailed: the
	// decision is).
	body := fmt.Sprintf("This request needs approval by %s (%s). IT starts on it once it is approved; you will hear "+
		"either way.", strings.Join(names, " or "), why)
	if _, err := s.Tickets.MessageTx(ctx, tx, &helpdesk.Ticket{ID: t.ID, Number: t.Number}, nil, body, false, reason); err != nil {
		return err
	}
	return s.tellApprovers(ctx, tx, id, "request", people)
}

// tellApprovers mails (and chats) each approver the request or a reminder.
func (s *Approvals) tellApprovers(ctx context.Context, tx *postgres.Tx, id int64, kind string, people []helpdesk.User) error {
	if s.Mail == nil && s.Chat == nil {
		return nil
	}
	a, err := tx.LockApproval(ctx, id)
	if err != nil {
		return err
	}
	for _, p := range people {
		m := helpdesk.ApprovalMail{Kind: kind, Approval: *a, To: p, URL: s.PageURL(id)}
		if s.Mail != nil && p.Active && p.BouncingAt == nil {
			if err := s.Mail(ctx, tx, m); err != nil {
				return err
			}
		}
		if s.Chat != nil {
			if err := s.Chat(ctx, tx, m); err != nil {
				s.log().Warn("approval chat message", "approval", id, "approver", p.ID, "err", err)
			}
		}
	}
	return nil
}

// noApprover records that nobody at all could approve (no manager, no
// lead, no admin besides the requester): the ticket goes on unapproved
// rather than waiting for nobody, and the timeline says so.
func (s *Approvals) noApprover(ctx context.Context, tx *postgres.Tx, t *postgres.ApprovalTicket, id int64, why string) error {
	if err := tx.DecideApproval(ctx, id, helpdesk.ApprovalCancelled, nil, "", "nobody can approve"); err != nil {
		return err
	}
	return tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventApprovalExpired,
		After:  map[string]any{"approval": id, "status": helpdesk.ApprovalCancelled},
		Reason: "approval needed but nobody can approve (" + why + "): the request goes on without it"})
}
