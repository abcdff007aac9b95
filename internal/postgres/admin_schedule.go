package postgres

import (
	"context"
	"fmt"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// An agent's schedule as the admin console edits it: zone, weekly hours,
// capacity, languages, skills and time off.

// AgentProfile reads a staff member's profile, creating an empty one when
// missing; ENOTFOUND for requesters, who have none.
func (db *DB) AgentProfile(ctx context.Context, id int64) (*helpdesk.AgentProfile, error) {
	return agentProfile(ctx, db.q(), id)
}

// AgentProfile is DB.AgentProfile inside the transaction.
func (tx *Tx) AgentProfile(ctx context.Context, id int64) (*helpdesk.AgentProfile, error) {
	return agentProfile(ctx, tx.q, id)
}

func agentProfile(ctx context.Context, q *dbsqlc.Queries, id int64) (*helpdesk.AgentProfile, error) {
	pers, err := person(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !pers.Role.IsStaff() {
		return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	if err := q.EnsureAgentProfile(ctx, id); err != nil {
		return nil, fmt.Errorf("create agent profile of %d: %w", id, mapError(err))
	}
	pr, err := q.AdminGetProfile(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read agent profile of %d: %w", id, mapError(err))
	}
	p := &helpdesk.AgentProfile{Person: *pers, Capacity: int(pr.Capacity), Availability: helpdesk.Availability(pr.Availability),
		Languages: pr.Languages}
	hours, err := q.AdminListHours(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read hours of %d: %w", id, mapError(err))
	}
	for _, h := range hours {
		p.Hours = append(p.Hours, helpdesk.ShiftRange{Weekday: int(h.Weekday), Start: int(h.StartMinute), End: int(h.EndMinute)})
	}
	skills, err := q.AdminListSkills(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read skills of %d: %w", id, mapError(err))
	}
	for _, sk := range skills {
		p.Skills = append(p.Skills, helpdesk.Skill{Name: sk.Skill, Level: int(sk.Level)})
	}
	if p.TimeOff, err = timeOff(ctx, q, id); err != nil {
		return nil, err
	}
	return p, nil
}

// AgentSchedule is what the schedule form replaces.
type AgentSchedule struct {
	TimeZone  string
	Capacity  int
	Languages []string
	Hours     []helpdesk.ShiftRange
	Skills    []helpdesk.Skill
}

// SetAgentSchedule replaces an agent's zone, capacity, languages, weekly
// hours and skills.
func (tx *Tx) SetAgentSchedule(ctx context.Context, userID int64, s AgentSchedule) error {
	fail := func(err error) error { return fmt.Errorf("store schedule of %d: %w", userID, mapError(err)) }
	if err := tx.q.AdminSetTimeZone(ctx, dbsqlc.AdminSetTimeZoneParams{ID: userID, TimeZone: s.TimeZone}); err != nil {
		return fail(err)
	}
	if err := tx.q.AdminUpdateProfile(ctx, dbsqlc.AdminUpdateProfileParams{UserID: userID,
		Capacity:  int32(s.Capacity), //nolint:gosec // validated: 0 to 1000
		Languages: append([]string{}, s.Languages...)}); err != nil {
		return fail(err)
	}
	if err := tx.q.AdminDeleteHours(ctx, userID); err != nil {
		return fail(err)
	}
	for _, h := range s.Hours {
		if err := tx.q.AdminInsertHour(ctx, dbsqlc.AdminInsertHourParams{UserID: userID,
			Weekday: int32(h.Weekday), StartMinute: int32(h.Start), EndMinute: int32(h.End)}); err != nil { //nolint:gosec // minutes of a day
			return fail(err)
		}
	}
	if err := tx.q.AdminDeleteSkills(ctx, userID); err != nil {
		return fail(err)
	}
	for _, sk := range s.Skills {
		if err := tx.q.AdminInsertSkill(ctx, dbsqlc.AdminInsertSkillParams{UserID: userID, Skill: sk.Name,
			Level: int32(sk.Level)}); err != nil { //nolint:gosec // 1 to 3
			return fail(err)
		}
	}
	return nil
}

// TimeOff lists an agent's time off by first day.
func (tx *Tx) TimeOff(ctx context.Context, userID int64) ([]helpdesk.TimeOff, error) {
	return timeOff(ctx, tx.q, userID)
}

func timeOff(ctx context.Context, q *dbsqlc.Queries, userID int64) ([]helpdesk.TimeOff, error) {
	offs, err := q.AdminListTimeOff(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("read time off of %d: %w", userID, mapError(err))
	}
	var out []helpdesk.TimeOff
	for _, o := range offs {
		out = append(out, helpdesk.TimeOff{ID: o.ID, From: o.StartsOn, To: o.EndsOn, Note: o.Note})
	}
	return out, nil
}

// InsertTimeOff records a span of days off (From and To as 2006-01-02).
func (tx *Tx) InsertTimeOff(ctx context.Context, userID int64, t helpdesk.TimeOff) (int64, error) {
	id, err := tx.q.AdminInsertTimeOff(ctx, dbsqlc.AdminInsertTimeOffParams{UserID: userID, StartsOn: t.From, EndsOn: t.To,
		Note: t.Note})
	if err != nil {
		return 0, fmt.Errorf("add time off of %d: %w", userID, mapError(err))
	}
	return id, nil
}

// DeleteTimeOff removes one span of an agent's time off and returns it;
// ENOTFOUND when the agent has no such span.
func (tx *Tx) DeleteTimeOff(ctx context.Context, userID, id int64) (*helpdesk.TimeOff, error) {
	r, err := tx.q.AdminDeleteTimeOff(ctx, dbsqlc.AdminDeleteTimeOffParams{ID: id, UserID: userID})
	if err != nil {
		return nil, fmt.Errorf("delete time off %d: %w", id, mapError(err))
	}
	return &helpdesk.TimeOff{ID: r.ID, From: r.StartsOn, To: r.EndsOn, Note: r.Note}, nil
}
