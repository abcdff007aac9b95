package postgres

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// RosterSeats lists staff who can hold tickets with their team; an agent in
// two teams is listed twice.
func (db *DB) RosterSeats(ctx context.Context) ([]helpdesk.TeamSeat, error) {
	rows, err := db.q().RosterMembers(ctx)
	if err != nil {
		return nil, fmt.Errorf("read team members: %w", mapError(err))
	}
	out := make([]helpdesk.TeamSeat, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.TeamSeat{TeamID: r.TeamID, UserID: r.ID})
	}
	return out, nil
}

// OnCallAt lists who is on call for which team at `at`.
func (db *DB) OnCallAt(ctx context.Context, at time.Time) ([]helpdesk.TeamSeat, error) {
	rows, err := db.q().OnCallNow(ctx, at)
	if err != nil {
		return nil, fmt.Errorf("read on-call rota: %w", mapError(err))
	}
	out := make([]helpdesk.TeamSeat, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.TeamSeat{TeamID: r.TeamID, UserID: r.UserID})
	}
	return out, nil
}

// AssignedAgents lists everyone holding an open ticket.
func (db *DB) AssignedAgents(ctx context.Context) ([]int64, error) {
	ids, err := db.q().AssignedAgents(ctx)
	if err != nil {
		return nil, fmt.Errorf("read assigned agents: %w", mapError(err))
	}
	return ids, nil
}

// RosterAgents reads the given agents with their hours, skills and time
// off, by id.
func (db *DB) RosterAgents(ctx context.Context, ids []int64) (map[int64]*helpdesk.RosterAgent, error) {
	out := map[int64]*helpdesk.RosterAgent{}
	if len(ids) == 0 {
		return out, nil
	}
	q := db.q()
	rows, err := q.AgentsByID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read agents: %w", mapError(err))
	}
	for _, r := range rows {
		out[r.ID] = &helpdesk.RosterAgent{ID: r.ID, Name: r.Name, Email: r.Email, TimeZone: r.TimeZone, Active: r.Active,
			Capacity: int(r.Capacity), Availability: helpdesk.Availability(r.Availability), Languages: r.Languages,
			LastAssignedAt: r.LastAssignedAt}
	}
	hours, err := q.RosterHours(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read agents' hours: %w", mapError(err))
	}
	for _, h := range hours {
		if a := out[h.UserID]; a != nil {
			a.Hours = append(a.Hours, helpdesk.ShiftRange{Weekday: int(h.Weekday), Start: int(h.StartMinute), End: int(h.EndMinute)})
		}
	}
	skills, err := q.RosterSkills(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read agents' skills: %w", mapError(err))
	}
	for _, s := range skills {
		if a := out[s.UserID]; a != nil {
			a.Skills = append(a.Skills, helpdesk.Skill{Name: s.Skill, Level: int(s.Level)})
		}
	}
	off, err := q.RosterTimeOff(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read agents' time off: %w", mapError(err))
	}
	for _, o := range off {
		if a := out[o.UserID]; a != nil && o.StartsOn.Valid && o.EndsOn.Valid {
			a.TimeOff = append(a.TimeOff, helpdesk.TimeOff{From: o.StartsOn.Time.Format(time.DateOnly), To: o.EndsOn.Time.Format(time.DateOnly)})
		}
	}
	return out, nil
}

// LockAgentLoads locks the agents' profiles in id order (so two triage
// transactions never deadlock) and reads what may have changed: capacity,
// availability, the last assignment and the open load.
func (tx *Tx) LockAgentLoads(ctx context.Context, ids []int64) ([]helpdesk.AgentLoad, error) {
	rows, err := tx.q.LockAgentProfiles(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("lock agent profiles: %w", mapError(err))
	}
	out := make([]helpdesk.AgentLoad, 0, len(rows))
	for _, r := range rows {
		out = append(out, agentLoad(r))
	}
	return out, nil
}

// agentLoad is a locked profile row (LockAgentProfiles) as triage reads it.
func agentLoad(r dbsqlc.LockAgentProfilesRow) helpdesk.AgentLoad {
	return helpdesk.AgentLoad{UserID: r.UserID, Capacity: int(r.Capacity),
		Availability: helpdesk.Availability(r.Availability), LastAssignedAt: r.LastAssignedAt,
		OpenLoad: int(r.OpenLoad), Active: r.Active}
}

// CountAgentLoad recounts an agent's weighted open load from the tickets.
func (tx *Tx) CountAgentLoad(ctx context.Context, agentID int64) (int, error) {
	n, err := tx.q.CountAgentLoad(ctx, &agentID)
	if err != nil {
		return 0, fmt.Errorf("count load of agent %d: %w", agentID, mapError(err))
	}
	return int(n), nil
}

// SetAgentLoad corrects an agent's open-load counter.
func (tx *Tx) SetAgentLoad(ctx context.Context, agentID int64, load int) error {
	if err := tx.q.SetAgentLoad(ctx, dbsqlc.SetAgentLoadParams{UserID: agentID, OpenLoad: int32(load)}); err != nil {
		return fmt.Errorf("set load of agent %d: %w", agentID, mapError(err))
	}
	return nil
}

// TouchLastAssigned records that an agent was just given a ticket.
func (tx *Tx) TouchLastAssigned(ctx context.Context, agentID int64) error {
	if err := tx.q.TouchLastAssigned(ctx, agentID); err != nil {
		return fmt.Errorf("touch agent %d: %w", agentID, mapError(err))
	}
	return nil
}
