package chat

import (
	"context"
	"strings"

	"switchboard/internal/triage"
)

// oncall answers "/it oncall": who is on shift now in each team, with
// their local time, and who is on call, from the triage roster.
func (s *Service) oncall(ctx context.Context) Reply {
	now := s.now()
	teams, err := triage.OnShift(ctx, s.DB, now)
	if err != nil {
		return s.failed(err)
	}
	lines := []string{"On shift now:"}
	for _, t := range teams {
		var people []string
		for _, p := range t.OnShift {
			people = append(people, p.Name+" ("+now.In(p.Location).Format("15:04 MST")+")")
		}
		line := "• *" + t.Team + "*: "
		if len(people) == 0 {
			line += "nobody"
		} else {
			line += strings.Join(people, ", ")
		}
		if t.OnCall != nil {
			line += " · on call: " + t.OnCall.Name + " (" + now.In(t.OnCall.Location).Format("15:04 MST") + ")"
		}
		lines = append(lines, line)
	}
	if len(teams) == 0 {
		lines = append(lines, "No teams yet.")
	}
	return Reply{Text: strings.Join(lines, "\n")}
}
