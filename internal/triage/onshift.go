package triage

import (
	"context"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// TeamShift is who works a team at one moment: the people on shift (in
// their hours, active, not away) and the on-call agent, if any.
type TeamShift struct {
	Team    string
	OnShift []ShiftPerson
	OnCall  *ShiftPerson
}

// ShiftPerson is an agent with their own zone, so a reader can say what time
// it is where they are.
type ShiftPerson struct {
	Name     string
	Location *time.Location
}

// OnShift reads the roster as triage sees it at now, team by team.
func OnShift(ctx context.Context, db *postgres.DB, now time.Time) ([]TeamShift, error) {
	w, err := loadWorld(ctx, db, now)
	if err != nil {
		return nil, err
	}
	var out []TeamShift
	for _, team := range w.order {
		if team.ID == w.needsTriage {
			continue
		}
		ts := TeamShift{Team: team.Name}
		for i := range team.Agents {
			a := &team.Agents[i]
			if a.Active && a.Availability != helpdesk.Away && a.Availability != helpdesk.Offline && a.Calendar().IsOpen(now) {
				ts.OnShift = append(ts.OnShift, ShiftPerson{Name: a.Name, Location: a.loc()})
			}
		}
		if oc := team.OnCallAt(now); oc != nil {
			ts.OnCall = &ShiftPerson{Name: oc.Name, Location: oc.loc()}
		}
		out = append(out, ts)
	}
	return out, nil
}
