package postgres

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// TeamSchedules reads every team's zone, hours and recent and coming
// holidays, by team id order; sla builds calendars from them.
func (db *DB) TeamSchedules(ctx context.Context) ([]helpdesk.TeamSchedule, error) {
	return teamSchedules(ctx, db.q())
}

// TeamSchedules is DB.TeamSchedules inside the transaction.
func (tx *Tx) TeamSchedules(ctx context.Context) ([]helpdesk.TeamSchedule, error) {
	return teamSchedules(ctx, tx.q)
}

func teamSchedules(ctx context.Context, q *dbsqlc.Queries) ([]helpdesk.TeamSchedule, error) {
	teams, err := q.RosterTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("read team hours: %w", mapError(err))
	}
	hols, err := q.RosterHolidays(ctx)
	if err != nil {
		return nil, fmt.Errorf("read team holidays: %w", mapError(err))
	}
	byTeam := map[int64][]string{}
	for _, h := range hols {
		if h.Day.Valid {
			byTeam[h.TeamID] = append(byTeam[h.TeamID], h.Day.Time.Format(time.DateOnly))
		}
	}
	out := make([]helpdesk.TeamSchedule, 0, len(teams))
	for _, t := range teams {
		out = append(out, helpdesk.TeamSchedule{ID: t.ID, Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone,
			Hours: t.Hours, Holidays: byTeam[t.ID]})
	}
	return out, nil
}

// SLAPolicies reads the business minutes allowed per priority.
func (db *DB) SLAPolicies(ctx context.Context) ([]helpdesk.SLATarget, error) {
	rows, err := db.q().SLAPolicies(ctx)
	if err != nil {
		return nil, fmt.Errorf("read SLA policies: %w", mapError(err))
	}
	out := make([]helpdesk.SLATarget, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.SLATarget{Priority: helpdesk.Priority(r.Priority),
			FirstResponseMinutes: int(r.FirstResponseMinutes), ResolutionMinutes: int(r.ResolutionMinutes)})
	}
	return out, nil
}

// SLATicket reads what the SLA clocks need of a ticket.
func (tx *Tx) SLATicket(ctx context.Context, ticketID int64) (*helpdesk.SLATicket, error) {
	r, err := tx.q.SLATicket(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read ticket %d for its SLA: %w", ticketID, mapError(err))
	}
	return &helpdesk.SLATicket{ID: r.ID, Number: r.Number, Status: helpdesk.Status(r.Status),
		Priority: helpdesk.Priority(r.Priority), TeamID: r.TeamID, CreatedAt: r.CreatedAt,
		FirstRespondedAt: r.FirstRespondedAt, FirstResponseDue: r.FirstResponseDue, ResolutionDue: r.ResolutionDue,
		DueAt: r.DueAt, FirstResponseWarnAt: r.FirstResponseWarnAt, ResolutionWarnAt: r.ResolutionWarnAt}, nil
}

// SLAPauses reads a ticket's pause ledger, oldest first; a running pause has
// a zero End.
func (tx *Tx) SLAPauses(ctx context.Context, ticketID int64) ([]helpdesk.Span, error) {
	rows, err := tx.q.TicketPauses(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read pauses of ticket %d: %w", ticketID, mapError(err))
	}
	out := make([]helpdesk.Span, 0, len(rows))
	for _, r := range rows {
		s := helpdesk.Span{Start: r.PausedAt}
		if r.ResumedAt != nil {
			s.End = *r.ResumedAt
		}
		out = append(out, s)
	}
	return out, nil
}

// SetDeadlines stores a ticket's SLA due and warning times.
func (tx *Tx) SetDeadlines(ctx context.Context, ticketID int64, d helpdesk.Deadlines) error {
	err := tx.q.SetDues(ctx, dbsqlc.SetDuesParams{ID: ticketID, FirstResponseDue: &d.FirstResponse,
		ResolutionDue: &d.Resolution, DueAt: d.DueAt, FirstResponseWarnAt: &d.FirstResponseWarn,
		ResolutionWarnAt: &d.ResolutionWarn})
	if err != nil {
		return fmt.Errorf("store deadlines of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// SLACandidates lists open, running tickets past a warning mark at `at`
// whose alarms have not all fired, at most max.
func (db *DB) SLACandidates(ctx context.Context, at time.Time, limit int) ([]int64, error) {
	ids, err := db.q().SLAScan(ctx, dbsqlc.SLAScanParams{At: at, MaxRows: int32(min(limit, 1<<30))})
	if err != nil {
		return nil, fmt.Errorf("scan SLA alarms: %w", mapError(err))
	}
	return ids, nil
}

// ClaimAlarm records that a ticket's alarm (target, level) fired; false when
// it already had, here or on another node.
func (tx *Tx) ClaimAlarm(ctx context.Context, ticketID int64, target, level string, due time.Time) (bool, error) {
	n, err := tx.q.InsertAlarm(ctx, dbsqlc.InsertAlarmParams{TicketID: ticketID, Target: target, Level: level, DueAt: due})
	if err != nil {
		return false, fmt.Errorf("claim %s %s alarm of ticket %d: %w", target, level, ticketID, mapError(err))
	}
	return n > 0, nil
}

// TeamLeadEmails lists the emails of a team's active leads, who SLA alarms
// and flagged tickets are for; empty (not nil, so events show []) without a
// team.
func (tx *Tx) TeamLeadEmails(ctx context.Context, teamID *int64) ([]string, error) {
	if teamID == nil {
		return []string{}, nil
	}
	rows, err := tx.q.TeamLeads(ctx, *teamID)
	if err != nil {
		return nil, fmt.Errorf("read leads of team %d: %w", *teamID, mapError(err))
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Email)
	}
	return out, nil
}
