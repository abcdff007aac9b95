package postgres

import (
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"switchboard/internal/helpdesk"
)

// ticketScanner scans ticketListColumns, then any extra columns, into
// reusable values: one destination list per query rather than per row, and
// nullable columns as pgtype values rather than pointers to pointers. On a
// 50-row queue page that was the largest Go cost after the template.
type ticketScanner struct {
	t                                         helpdesk.Ticket
	status, priority, impact, urgency         string
	source                                    string
	cat, team, assignee, parent, merged       pgtype.Int8
	frDue, resDue, due, responded, resolved   pgtype.Timestamptz
	resCount                                  int32
	catName, teamName, teamSlug, aName, aMail pgtype.Text
	wait                                      pgtype.Text
	dest                                      []any
	kinds                                     []int // column kinds of the leading columns (ticketscan_raw.go)
	queue                                     bool  // queueColumns rather than ticketListColumns
	raw                                       int   // 0 unknown, 1 fast path (ticketscan_raw.go), 2 pgx's Scan
}

func newTicketScanner(extra ...any) *ticketScanner {
	s := &ticketScanner{}
	t := &s.t
	s.dest = append([]any{&t.ID, &t.Number, &t.Subject, &s.status, &s.priority, &s.impact, &s.urgency, &s.cat,
		&s.team, &s.assignee, &t.RequesterID, &s.source, &s.frDue, &s.resDue, &s.due,
		&s.responded, &s.resolved, &s.resCount, &s.parent, &s.merged, &t.CreatedAt,
		&t.UpdatedAt, &s.wait, &s.catName, &s.teamName, &s.teamSlug, &s.aName, &s.aMail, &t.RequesterName, &t.RequesterEmail},
		extra...)
	s.kinds = listKinds
	return s
}

// newQueueScanner scans queueColumns, then any extra columns: the fields a
// queue row shows and its cursor needs, and nothing else.
func newQueueScanner(extra ...any) *ticketScanner {
	s := &ticketScanner{queue: true, kinds: queueKinds}
	t := &s.t
	s.dest = append([]any{&t.ID, &t.Number, &t.Subject, &s.status, &s.priority, &s.team, &s.assignee,
		&s.due, &t.UpdatedAt, &s.wait, &t.RequesterName}, extra...)
	return s
}

// scan reads one row; the extra destinations hold its extra columns until
// the next call.
func (s *ticketScanner) scan(row pgx.CollectableRow) (helpdesk.Ticket, error) {
	if err := s.scanRow(row); err != nil {
		return helpdesk.Ticket{}, err
	}
	t := s.t
	if s.queue {
		t.Status, t.Priority = helpdesk.Status(s.status), helpdesk.Priority(s.priority)
		t.TeamID, t.AssigneeID = int8Ptr(s.team), int8Ptr(s.assignee)
		if s.due.Valid {
			due := s.due.Time
			t.DueAt = &due
		}
		t.TriageWait = s.wait.String // names: fillNames
		return t, nil
	}
	t.Status, t.Priority, t.Impact, t.Urgency = helpdesk.Status(s.status), helpdesk.Priority(s.priority),
		helpdesk.Impact(s.impact), helpdesk.Urgency(s.urgency)
	t.Source, t.ResolutionCount = helpdesk.Source(s.source), int(s.resCount)
	t.CategoryID, t.TeamID, t.AssigneeID = int8Ptr(s.cat), int8Ptr(s.team), int8Ptr(s.assignee)
	t.ParentID, t.MergedIntoID = int8Ptr(s.parent), int8Ptr(s.merged)
	// One allocation holds the row's timestamps.
	times := new([5]time.Time)
	t.FirstResponseDue, t.ResolutionDue, t.DueAt = timePtr(s.frDue, &times[0]), timePtr(s.resDue, &times[1]), timePtr(s.due, &times[2])
	t.FirstRespondedAt, t.ResolvedAt = timePtr(s.responded, &times[3]), timePtr(s.resolved, &times[4])
	t.CategoryName, t.TeamName, t.TeamSlug = s.catName.String, s.teamName.String, s.teamSlug.String
	t.AssigneeName, t.AssigneeEmail = s.aName.String, s.aMail.String
	t.TriageWait = s.wait.String
	return t, nil
}

func int8Ptr(v pgtype.Int8) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func timePtr(v pgtype.Timestamptz, slot *time.Time) *time.Time {
	if !v.Valid {
		return nil
	}
	*slot = v.Time
	return slot
}
