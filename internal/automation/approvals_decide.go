package automation

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/mail"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// Ways a decision arrives, named in the timeline and the audit log.
const (
	ViaWeb  = "web"
	ViaMail = "mail"
	ViaChat = "chat"
	ViaAPI  = "api"
)

// Decision is an approver's answer.
type Decision struct {
	Approve bool
	Comment string
	Via     string // ViaWeb, ViaMail, ViaChat, ViaAPI
}

// ForApprover lists what actor may decide (pending) and what they decided.
func (s *Approvals) ForApprover(ctx context.Context, actor *helpdesk.User) (pending, decided []helpdesk.Approval, err error) {
	return s.DB.ApprovalsFor(ctx, actor.ID)
}

// Get reads one approval for actor: its approvers, and staff who may see
// the ticket. Anyone else gets ENOTFOUND, as for a ticket.
func (s *Approvals) Get(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.Approval, error) {
	a, err := s.DB.Approval(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.IsApprover(actor.ID) || a.DecidedBy != nil && *a.DecidedBy == actor.ID {
		return a, nil
	}
	if actor.IsStaff() {
		if _, err := s.Tickets.Get(ctx, actor, a.Number); err == nil {
			return a, nil
		}
	}
	return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such approval.")
}

// maxComment is the longest reason a decision keeps, in characters.
const maxComment = 2000

// Decide records actor's decision: approved, the ticket opens and the
// rules see it; declined, the ticket is closed and the requester is told
// why. Only an approver decides, once; a decline from the web or the API
// must say why.
func (s *Approvals) Decide(ctx context.Context, actor *helpdesk.User, id int64, d Decision) (*helpdesk.Approval, error) {
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > maxComment {
		return nil, helpdesk.Invalid("comment", "Keep the comment under 2,000 characters.")
	}
	if !d.Approve && d.Comment == "" {
		if d.Via == ViaWeb || d.Via == ViaAPI {
			return nil, helpdesk.Invalid("comment", "Say why you decline: the requester is told.")
		}
		d.Comment = "no reason given"
	}
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		a, err := tx.LockApproval(ctx, id)
		if err != nil {
			return err
		}
		if !a.IsApprover(actor.ID) {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such approval.")
		}
		if a.Status != helpdesk.ApprovalPending {
			who := ""
			if a.DecidedName != "" {
				who = " by " + a.DecidedName
			}
			return helpdesk.Errorf(helpdesk.ECONFLICT, "This request was already %s%s.", a.Status, who)
		}
		if _, err := tx.LockTicket(ctx, a.TicketID); err != nil {
			return err
		}
		status, kind := helpdesk.ApprovalApproved, helpdesk.EventApprovalApproved
		if !d.Approve {
			status, kind = helpdesk.ApprovalDeclined, helpdesk.EventApprovalDeclined
		}
		if err := tx.DecideApproval(ctx, id, status, &actor.ID, d.Via, d.Comment); err != nil {
			return err
		}
		reason := fmt.Sprintf("%s by %s via %s", status, actor.Name, d.Via)
		if d.Comment != "" {
			reason += ": " + d.Comment
		}
		after := map[string]any{"approval": id, "status": status, "via": d.Via}
		if d.Comment != "" {
			after["comment"] = d.Comment
		}
		if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: a.TicketID, Number: a.Number, ActorID: &actor.ID,
			Kind: kind, Before: map[string]any{"status": helpdesk.ApprovalPending}, After: after, Reason: reason}); err != nil {
			return err
		}
		if err := tx.Audit(ctx, &actor.ID, "approval", strconv.FormatInt(id, 10), "approval."+status,
			map[string]any{"status": helpdesk.ApprovalPending},
			map[string]any{"status": status, "ticket": a.Number, "via": d.Via, "comment": d.Comment}); err != nil {
			return err
		}
		a.Status, a.Comment, a.Via, a.DecidedName = status, d.Comment, d.Via, actor.Name
		return s.finish(ctx, tx, a, reason)
	})
	if err != nil {
		return nil, fmt.Errorf("decide approval %d: %w", id, err)
	}
	return s.DB.Approval(ctx, id)
}

// finish lets the ticket go on after a decision or expiry: the clock
// resumes; approved, an on-hold ticket opens; otherwise the requester is
// told why and the ticket is closed.
func (s *Approvals) finish(ctx context.Context, tx *postgres.Tx, a *helpdesk.Approval, reason string) error {
	t := &helpdesk.Ticket{ID: a.TicketID, Number: a.Number}
	if err := tx.ResumeAfterApproval(ctx, a.TicketID); err != nil {
		return err
	}
	to := helpdesk.StatusClosed
	if a.Status == helpdesk.ApprovalApproved {
		to = helpdesk.StatusOpen
		cur, err := tx.LockTicket(ctx, a.TicketID)
		if err != nil {
			return err
		}
		if cur.Status != helpdesk.StatusOnHold {
			to = cur.Status // someone moved it meanwhile: leave it where they put it
		}
	} else {
		body := fmt.Sprintf("Your request was declined by %s: %s", a.DecidedName, a.Comment)
		if a.Status == helpdesk.ApprovalExpired {
			body = "Your request was closed: " + a.Comment + ". If you still need it, please file it again."
		}
		if _, err := s.Tickets.MessageTx(ctx, tx, t, nil, body, false, reason); err != nil {
			return err
		}
	}
	if _, err := s.Tickets.ApplyTx(ctx, tx, t, ticket.Changes{Status: &to, Reason: "approval " + reason}); err != nil {
		return err
	}
	if s.Mail == nil {
		return nil
	}
	req, err := tx.User(ctx, a.RequesterID)
	if err != nil || !req.Active || req.BouncingAt != nil {
		return err
	}
	return s.Mail(ctx, tx, helpdesk.ApprovalMail{Kind: "decision", Approval: *a, To: *req,
		URL: strings.TrimRight(s.BaseURL, "/") + "/tickets/" + strconv.FormatInt(a.Number, 10)})
}

// remindOrExpire sends the due reminder, or expires a request nobody
// decided in time.
func (s *Approvals) remindOrExpire(ctx context.Context, id int64) error {
	now := s.now()
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		a, err := tx.LockApproval(ctx, id)
		if err != nil || a.Status != helpdesk.ApprovalPending {
			return err
		}
		if !a.ExpiresAt.After(now) {
			return s.expire(ctx, tx, a)
		}
		if a.RemindAt.After(now) {
			return nil
		}
		every := 24 * time.Hour
		if cat, err := s.categoryOf(ctx, tx, a); err != nil {
			return err
		} else if cat != nil {
			every = cat.RemindAfter
		}
		if err := tx.RemindApproval(ctx, id, now.Add(every)); err != nil {
			return err
		}
		if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: a.TicketID, Number: a.Number, Kind: helpdesk.EventApprovalReminded,
			After:  map[string]any{"approval": id, "reminder": a.Reminders + 1},
			Reason: "no decision yet; it expires " + a.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")}); err != nil {
			return err
		}
		people, err := tx.UsersByID(ctx, a.Approvers)
		if err != nil {
			return err
		}
		return s.tellApprovers(ctx, tx, id, "reminder", people)
	})
	if err != nil {
		return fmt.Errorf("remind or expire approval %d: %w", id, err)
	}
	return nil
}

func (s *Approvals) categoryOf(ctx context.Context, tx *postgres.Tx, a *helpdesk.Approval) (*helpdesk.CategoryApproval, error) {
	t, err := tx.ApprovalTicketOf(ctx, a.TicketID)
	if err != nil || t.CategoryID == nil {
		return nil, err
	}
	return tx.CategoryApproval(ctx, *t.CategoryID)
}

// expire ends a request nobody decided: the ticket is closed and the
// requester told, and the audit log keeps it like a decision.
func (s *Approvals) expire(ctx context.Context, tx *postgres.Tx, a *helpdesk.Approval) error {
	if _, err := tx.LockTicket(ctx, a.TicketID); err != nil {
		return err
	}
	comment := "nobody approved it by " + a.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
	if err := tx.DecideApproval(ctx, a.ID, helpdesk.ApprovalExpired, nil, "expiry", comment); err != nil {
		return err
	}
	reason := "expired: " + comment
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: a.TicketID, Number: a.Number, Kind: helpdesk.EventApprovalExpired,
		Before: map[string]any{"status": helpdesk.ApprovalPending}, After: map[string]any{"approval": a.ID, "status": helpdesk.ApprovalExpired},
		Reason: reason}); err != nil {
		return err
	}
	if err := tx.Audit(ctx, nil, "approval", strconv.FormatInt(a.ID, 10), "approval.expired",
		map[string]any{"status": helpdesk.ApprovalPending}, map[string]any{"status": helpdesk.ApprovalExpired, "ticket": a.Number}); err != nil {
		return err
	}
	a.Status, a.Comment, a.Via = helpdesk.ApprovalExpired, comment, "expiry"
	return s.finish(ctx, tx, a, reason)
}

// DecideByMail records a decision mailed back to an approval's signed
// reply address. Intake has checked that the address was made for sender
// and that the mail is authenticated; the reply's first word decides.
// outcome says what happened, for the mail's record.
func (s *Approvals) DecideByMail(ctx context.Context, id int64, sender *helpdesk.User, text string) (outcome string, err error) {
	approve, comment, ok := mail.ApprovalAnswer(text)
	if !ok {
		return "approval reply did not start with approve or decline", nil
	}
	// A mailed reason carries signatures and disclaimers: cut it rather
	// than refuse the decision (the web form asks the person instead).
	if r := []rune(comment); len(r) > maxComment {
		comment = string(r[:maxComment])
	}
	a, err := s.Decide(ctx, sender, id, Decision{Approve: approve, Comment: comment, Via: ViaMail})
	if code := helpdesk.ErrorCode(err); code == helpdesk.ECONFLICT || code == helpdesk.ENOTFOUND {
		return "approval reply not applied: " + helpdesk.ErrorMessage(err), nil
	}
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("approval %d %s by mail", id, a.Status), nil
}

// DecideInChat records an Approve or Decline button press by a linked chat
// account (wired as chat.Service.DecideApproval); a decline from a button
// carries no reason, and the requester is told so. The answer is for the
// presser only.
func (s *Approvals) DecideInChat(ctx context.Context, user *helpdesk.User, id int64, approve bool, via string) (string, error) {
	d := Decision{Approve: approve, Via: ViaChat}
	if !approve {
		d.Comment = "no reason given (declined " + via + ")"
	}
	a, err := s.Decide(ctx, user, id, d)
	switch helpdesk.ErrorCode(err) {
	case "":
		return fmt.Sprintf("You %s request #%d: %s.", a.Status, a.Number, a.Subject), nil
	case helpdesk.ECONFLICT, helpdesk.ENOTFOUND:
		return helpdesk.ErrorMessage(err), nil
	}
	return "", err
}
