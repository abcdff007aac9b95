package intake

import (
	"strconv"

	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// Decisions on mail that made no ticket: the values of Decide's decision.
const (
	DecideRelease = "release" // held mail goes through as it claimed to be: into its ticket, or a new one
	DecideTicket  = "ticket"  // any mail that made nothing becomes a ticket (or joins its ticket)
	DecideReject  = "reject"  // held mail is discarded (kept, listed as rejected)
)

// droppedStatuses are the statuses of mail that made nothing without being
// held: admins see each list and can make any of them a ticket.
var droppedStatuses = []string{StatusIgnored, StatusRefused, StatusFailed, StatusBounce, StatusLoop, StatusRejected}

func isAdmin(u *helpdesk.User) bool {
	return u != nil && u.Active && u.Role == helpdesk.RoleAdmin
}

func isLeadOrAdmin(u *helpdesk.User) bool {
	return u != nil && u.Active && (u.Role == helpdesk.RoleAdmin || u.Role == helpdesk.RoleLead)
}

// teamsOf limits a lead to held mail for the teams they are a member of;
// admins (nil) see and decide all of it.
func teamsOf(u *helpdesk.User) *int64 {
	if isAdmin(u) {
		return nil
	}
	return &u.ID
}

// ReviewList is the "held for review" list (admins all of it, leads the
// mail for their teams) and, for admins, the dropped mail (ignored, refused, failed, bounces, loops,
// rejected), newest first, each with its reason and verdict.
type ReviewList struct {
	Held    []helpdesk.ReviewMail
	Dropped []helpdesk.ReviewMail // admins only
}

// Review lists the mail awaiting a decision for viewer; everyone but leads
// and admins gets ENOTFOUND.
func (s *Store) Review(ctx context.Context, viewer *helpdesk.User, limit int) (*ReviewList, error) {
	if !isLeadOrAdmin(viewer) {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var l ReviewList
	var err error
	if l.Held, err = s.DB.ReviewMail(ctx, []string{StatusHeld}, limit, teamsOf(viewer)); err != nil {
		return nil, err
	}
	if isAdmin(viewer) {
		if l.Dropped, err = s.DB.ReviewMail(ctx, droppedStatuses, limit, nil); err != nil {
			return nil, err
		}
	}
	return &l, nil
}

// ReviewRaw is the raw mail behind a row of the review page: admins get any
// stored mail, leads only mail held for review for their teams.
func (s *Store) ReviewRaw(ctx context.Context, viewer *helpdesk.User, id int64) (*RawMail, error) {
	if !isLeadOrAdmin(viewer) {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	if !isAdmin(viewer) {
		if ok, err := s.DB.HeldForTeamsOf(ctx, id, viewer.ID); err != nil || !ok {
			return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
		}
	}
	return s.Raw(ctx, viewer, id)
}

// Decide applies an admin's or lead's decision on stored mail that did not
// become a ticket or message (see DecideRelease, DecideTicket, DecideReject):
// leads release or reject held mail, admins also make any dropped mail a
// ticket; a lead only mail held for their teams. Released mail is processed
// again at once; every decision is in
// the audit log with what the mail was.
func (s *Store) Decide(ctx context.Context, viewer *helpdesk.User, id int64, decision string) error {
	if !isLeadOrAdmin(viewer) {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	if decision == DecideTicket && !isAdmin(viewer) {
		// The dropped-mail lists are the admins'; leads review held mail.
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "Mail not found.")
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		d, err := tx.DecideInbound(ctx, id, viewer.ID, decision, teamsOf(viewer))
		if err != nil {
			return err
		}
		after := StatusQueued
		if decision == DecideReject {
			after = StatusRejected
		}
		if err := tx.Audit(ctx, &viewer.ID, "inbound_mail", strconv.FormatInt(id, 10), "mail_"+decision,
			map[string]any{"status": d.Before, "sender": d.Sender, "subject": d.Subject, "reason": d.Reason},
			map[string]any{"status": after, "decision": decision}); err != nil {
			return err
		}
		if decision == DecideReject {
			return nil
		}
		_, err = s.Jobs.InsertTx(ctx, tx, jobs.ProcessArgs{InboundID: id}, nil)
		return err
	})
}
