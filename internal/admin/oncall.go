package admin

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// OnCallInput is one new entry of a team's on-call rota; the times are
// wall-clock times (datetime-local) in the team's zone.
type OnCallInput struct {
	UserID string
	Start  string
	End    string
}

// localTime parses a datetime-local value in loc.
func localTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// AddOnCall puts a team member on call (admins and the team's leads).
// Shifts of one team may not overlap: the rota names one person at a time.
func (s *Service) AddOnCall(ctx context.Context, actor *helpdesk.User, teamID int64, in OnCallInput) error {
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := canManageTeam(ctx, tx, actor, teamID); err != nil {
			return err
		}
		team, err := tx.LockTeam(ctx, teamID)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(team.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		members, err := tx.TeamMembers(ctx, teamID)
		if err != nil {
			return err
		}
		var v helpdesk.Validation
		uid, _ := strconv.ParseInt(in.UserID, 10, 64)
		if !slices.ContainsFunc(members, func(m helpdesk.TeamMember) bool {
			return m.ID == uid && m.Active && m.Role.IsStaff()
		}) {
			v.Add("oncall_user", "Choose an active member of this team.")
		}
		start, ok1 := localTime(in.Start, loc)
		end, ok2 := localTime(in.End, loc)
		if !ok1 {
			v.Add("oncall_start", "Enter when the shift starts.")
		}
		if !ok2 {
			v.Add("oncall_end", "Enter when the shift ends.")
		}
		if ok1 && ok2 {
			switch {
			case !end.After(start):
				v.Add("oncall_end", "The shift is empty: it must end after it starts.")
			case end.Sub(start) > 31*24*time.Hour:
				v.Add("oncall_end", "A shift lasts at most 31 days.")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		n, err := tx.OnCallOverlaps(ctx, teamID, start, end)
		if err != nil {
			return err
		}
		if n > 0 {
			return helpdesk.Invalid("oncall_start", "This overlaps another on-call shift of the team.")
		}
		id, err := tx.InsertOnCall(ctx, teamID, helpdesk.OnCallShift{UserID: uid, Start: start, End: end})
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "oncall_shift", id, "create", nil,
			map[string]any{"team_id": teamID, "user_id": uid, "starts_at": start.UTC(), "ends_at": end.UTC()})
	})
}

// DeleteOnCall removes a rota entry (admins and the team's leads).
func (s *Service) DeleteOnCall(ctx context.Context, actor *helpdesk.User, teamID, shiftID int64) error {
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := canManageTeam(ctx, tx, actor, teamID); err != nil {
			return err
		}
		r, err := tx.DeleteOnCall(ctx, teamID, shiftID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "oncall_shift", shiftID, "delete",
			map[string]any{"team_id": teamID, "user_id": r.UserID, "starts_at": r.Start.UTC(), "ends_at": r.End.UTC()}, nil)
	})
}
