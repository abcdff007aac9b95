package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// Teams as the admin console manages them: calendar, members, holidays and
// the on-call rota.

// teamHour is one entry of teams.hours, the JSON sla.ParseTeamCalendar
// reads: minutes from local midnight on a weekday (0 = Sunday).
type teamHour struct {
	Day   int `json:"day"`
	Start int `json:"start"`
	End   int `json:"end"`
}

func encodeHours(hours []helpdesk.ShiftRange) ([]byte, error) {
	hs := make([]teamHour, 0, len(hours))
	for _, h := range hours {
		hs = append(hs, teamHour{Day: h.Weekday, Start: h.Start, End: h.End})
	}
	return json.Marshal(hs)
}

func decodeHours(raw []byte) []helpdesk.ShiftRange {
	var hs []teamHour
	_ = json.Unmarshal(raw, &hs) // unreadable hours show as none, as triage reads them
	var out []helpdesk.ShiftRange
	for _, h := range hs {
		out = append(out, helpdesk.ShiftRange{Weekday: h.Day, Start: h.Start, End: h.End})
	}
	return out
}

func teamOf(t dbsqlc.Team) *helpdesk.Team {
	return &helpdesk.Team{ID: t.ID, Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone, Restricted: t.Restricted}
}

// TeamSummaries lists every team by name with its member and category
// counts.
func (db *DB) TeamSummaries(ctx context.Context) ([]helpdesk.TeamDetail, error) {
	rows, err := db.q().AdminListTeams(ctx)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", mapError(err))
	}
	out := make([]helpdesk.TeamDetail, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.TeamDetail{Team: helpdesk.Team{ID: r.ID, Slug: r.Slug, Name: r.Name, TimeZone: r.TimeZone,
			Restricted: r.Restricted}, MemberCount: int(r.Members), CategoryCount: int(r.Categories)})
	}
	return out, nil
}

// Team reads one team.
func (tx *Tx) Team(ctx context.Context, id int64) (*helpdesk.Team, error) {
	t, err := tx.q.AdminGetTeam(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read team %d: %w", id, mapError(err))
	}
	return teamOf(t), nil
}

// LockTeam reads a team and locks its row until the transaction ends.
func (tx *Tx) LockTeam(ctx context.Context, id int64) (*helpdesk.Team, error) {
	t, err := tx.q.AdminLockTeam(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("lock team %d: %w", id, mapError(err))
	}
	return teamOf(t), nil
}

// TeamDetail reads a team with its hours, holidays, members, categories and
// current and coming on-call shifts.
func (db *DB) TeamDetail(ctx context.Context, id int64) (*helpdesk.TeamDetail, error) {
	return teamDetail(ctx, db.q(), id)
}

// TeamDetail is DB.TeamDetail inside the transaction.
func (tx *Tx) TeamDetail(ctx context.Context, id int64) (*helpdesk.TeamDetail, error) {
	return teamDetail(ctx, tx.q, id)
}

func teamDetail(ctx context.Context, q *dbsqlc.Queries, id int64) (*helpdesk.TeamDetail, error) {
	t, err := q.AdminGetTeam(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read team %d: %w", id, mapError(err))
	}
	d := &helpdesk.TeamDetail{Team: *teamOf(t), Hours: decodeHours(t.Hours)}
	hols, err := q.AdminListHolidays(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read holidays of team %d: %w", id, mapError(err))
	}
	for _, h := range hols {
		d.Holidays = append(d.Holidays, helpdesk.Holiday{Day: h.Day, Name: h.Name})
	}
	if d.Members, err = teamMembers(ctx, q, id); err != nil {
		return nil, err
	}
	cats, err := categoryList(ctx, q)
	if err != nil {
		return nil, err
	}
	for _, c := range cats {
		if c.TeamID == id {
			d.Categories = append(d.Categories, c)
		}
	}
	shifts, err := q.AdminListOnCall(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read on-call rota of team %d: %w", id, mapError(err))
	}
	for _, sh := range shifts {
		d.OnCall = append(d.OnCall, helpdesk.OnCallShift{ID: sh.ID, UserID: sh.UserID, UserName: sh.Name, Start: sh.StartsAt, End: sh.EndsAt})
	}
	return d, nil
}

// TeamMembers lists a team's members by name.
func (tx *Tx) TeamMembers(ctx context.Context, teamID int64) ([]helpdesk.TeamMember, error) {
	return teamMembers(ctx, tx.q, teamID)
}

func teamMembers(ctx context.Context, q *dbsqlc.Queries, teamID int64) ([]helpdesk.TeamMember, error) {
	mem, err := q.AdminTeamMembers(ctx, teamID)
	if err != nil {
		return nil, fmt.Errorf("read members of team %d: %w", teamID, mapError(err))
	}
	var out []helpdesk.TeamMember
	for _, m := range mem {
		out = append(out, helpdesk.TeamMember{User: helpdesk.User{ID: m.ID, Name: m.Name, Email: m.Email,
			Role: helpdesk.Role(m.Role), TimeZone: m.TimeZone, Active: m.Active}, Lead: m.IsLead})
	}
	return out, nil
}

// InsertTeam creates a team with its weekly hours; a taken slug is ECONFLICT.
func (tx *Tx) InsertTeam(ctx context.Context, t helpdesk.Team, hours []helpdesk.ShiftRange) (int64, error) {
	h, err := encodeHours(hours)
	if err != nil {
		return 0, fmt.Errorf("create team %s: %w", t.Slug, err)
	}
	row, err := tx.q.CreateTeam(ctx, dbsqlc.CreateTeamParams{Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone,
		Hours: h, Restricted: t.Restricted})
	if err != nil {
		return 0, fmt.Errorf("create team %s: %w", t.Slug, mapError(err))
	}
	return row.ID, nil
}

// UpdateTeam changes a team's slug, name, zone, hours and visibility; a
// taken slug is ECONFLICT.
func (tx *Tx) UpdateTeam(ctx context.Context, t helpdesk.Team, hours []helpdesk.ShiftRange) error {
	h, err := encodeHours(hours)
	if err != nil {
		return fmt.Errorf("update team %d: %w", t.ID, err)
	}
	if err := tx.q.AdminUpdateTeam(ctx, dbsqlc.AdminUpdateTeamParams{ID: t.ID, Slug: t.Slug, Name: t.Name,
		TimeZone: t.TimeZone, Hours: h, Restricted: t.Restricted}); err != nil {
		return fmt.Errorf("update team %d: %w", t.ID, mapError(err))
	}
	return nil
}

// SetTeamLead makes a member a lead of the team, or not.
func (tx *Tx) SetTeamLead(ctx context.Context, teamID, userID int64, lead bool) error {
	if err := tx.q.AdminSetLead(ctx, dbsqlc.AdminSetLeadParams{TeamID: teamID, UserID: userID, IsLead: lead}); err != nil {
		return fmt.Errorf("set lead of team %d: %w", teamID, mapError(err))
	}
	return nil
}

// PutHoliday adds a holiday or renames the one on that day; false when it
// was already there under that name.
func (tx *Tx) PutHoliday(ctx context.Context, teamID int64, h helpdesk.Holiday) (bool, error) {
	n, err := tx.q.AdminUpsertHoliday(ctx, dbsqlc.AdminUpsertHolidayParams{TeamID: teamID, Day: h.Day, Name: h.Name})
	if err != nil {
		return false, fmt.Errorf("store holiday %s of team %d: %w", h.Day, teamID, mapError(err))
	}
	return n > 0, nil
}

// DeleteHoliday removes a team's holiday on day (2006-01-02); false when
// there was none.
func (tx *Tx) DeleteHoliday(ctx context.Context, teamID int64, day string) (bool, error) {
	n, err := tx.q.AdminDeleteHoliday(ctx, dbsqlc.AdminDeleteHolidayParams{TeamID: teamID, Day: day})
	if err != nil {
		return false, fmt.Errorf("delete holiday %s of team %d: %w", day, teamID, mapError(err))
	}
	return n > 0, nil
}

// OnCallOverlaps counts the team's shifts that overlap [start, end).
func (tx *Tx) OnCallOverlaps(ctx context.Context, teamID int64, start, end time.Time) (int, error) {
	n, err := tx.q.AdminOnCallOverlaps(ctx, dbsqlc.AdminOnCallOverlapsParams{TeamID: teamID, StartsAt: start, EndsAt: end})
	if err != nil {
		return 0, fmt.Errorf("check on-call overlaps of team %d: %w", teamID, mapError(err))
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	return int(n), nil
}

// InsertOnCall adds a shift to a team's rota.
func (tx *Tx) InsertOnCall(ctx context.Context, teamID int64, sh helpdesk.OnCallShift) (int64, error) {
	id, err := tx.q.AdminInsertOnCall(ctx, dbsqlc.AdminInsertOnCallParams{TeamID: teamID, UserID: sh.UserID,
		StartsAt: sh.Start, EndsAt: sh.End})
	if err != nil {
		return 0, fmt.Errorf("add on-call shift to team %d: %w", teamID, mapError(err))
	}
	return id, nil
}

// DeleteOnCall removes a shift of a team's rota and returns it (UserName
// is not read); ENOTFOUND when the team has no such shift.
func (tx *Tx) DeleteOnCall(ctx context.Context, teamID, shiftID int64) (*helpdesk.OnCallShift, error) {
	r, err := tx.q.AdminDeleteOnCall(ctx, dbsqlc.AdminDeleteOnCallParams{ID: shiftID, TeamID: teamID})
	if err != nil {
		return nil, fmt.Errorf("delete on-call shift %d: %w", shiftID, mapError(err))
	}
	return &helpdesk.OnCallShift{ID: r.ID, UserID: r.UserID, Start: r.StartsAt, End: r.EndsAt}, nil
}

// TeamBySlug finds a team by slug.
func (db *DB) TeamBySlug(ctx context.Context, slug string) (*helpdesk.Team, error) {
	t, err := db.q().GetTeamBySlug(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("find team %q: %w", slug, mapError(err))
	}
	return teamOf(t), nil
}
