// Package sim replays ticket arrivals against a roster in virtual time to
// compare routing strategies: naive round-robin and least-loaded (which, like
// most helpdesks today, ignore shifts) against Switchboard's own triage and
// SLA code. Nothing here reads the wall clock; the same input gives the same
// table.
//
//go:generate go run ./gen -corpus ../../../../shared/test-corpora/it-tickets/uci-servicenow-incident-log-sample/incident_event_log.sample.csv -roster ../../../examples/sim/roster.json -out ../../../examples/sim/arrivals.csv
//go:generate go run ./gen -preset adversarial -corpus ../../../../shared/test-corpora/it-tickets/uci-servicenow-incident-log-sample/incident_event_log.sample.csv -roster ../../../examples/sim/adversarial/roster.json -out ../../../examples/sim/adversarial/arrivals.csv
package sim

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/sla"
	"switchboard/internal/triage"
)

// WeekSpec is weekly hours as written in roster files:
// {"mon": ["09:00-17:00"], "fri": ["22:00-06:00"]}.
type WeekSpec map[string][]string

var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func (w WeekSpec) parse() ([7][]sla.Range, error) {
	var out [7][]sla.Range
	for k, rs := range w {
		i := -1
		for j, d := range dayKeys {
			if strings.EqualFold(k, d) {
				i = j
			}
		}
		if i < 0 {
			return out, fmt.Errorf("unknown day %q (want sun..sat)", k)
		}
		for _, s := range rs {
			r, err := sla.ParseRange(s)
			if err != nil {
				return out, err
			}
			out[i] = append(out[i], r) //nolint:gosec // i is an index of dayKeys, a [7] array like out
		}
	}
	return out, nil
}

// AgentSpec is one agent in a roster file.
type AgentSpec struct {
	ID        int64              `json:"id"`
	Name      string             `json:"name"`
	Timezone  string             `json:"timezone,omitempty"` // default: the team's
	Hours     WeekSpec           `json:"hours"`
	Skills    map[string]int     `json:"skills"`
	Capacity  int                `json:"capacity"`
	Languages []string           `json:"languages,omitempty"`
	TimeOff   []triage.DateRange `json:"time_off,omitempty"`
	Note      string             `json:"note,omitempty"`
}

// OnCallSpec puts an agent on call during Hours, read in the team's zone.
type OnCallSpec struct {
	AgentID int64    `json:"agent_id"`
	Hours   WeekSpec `json:"hours"`
}

// TeamSpec is one team in a roster file; Hours is its SLA calendar.
type TeamSpec struct {
	ID       int64        `json:"id"`
	Name     string       `json:"name"`
	Timezone string       `json:"timezone"`
	Hours    WeekSpec     `json:"hours"`
	Holidays []string     `json:"holidays,omitempty"`
	OnCall   []OnCallSpec `json:"on_call,omitempty"`
	Agents   []AgentSpec  `json:"agents"`
}

// Roster is a whole roster file.
type Roster struct {
	// FollowTheSun lists categories other teams may work.
	FollowTheSun []string `json:"follow_the_sun_categories"`
	// EscalateAcrossRegions lists categories outside follow-the-sun that the
	// escalation ladder may still give to another region's skilled agent
	// when the deadline would otherwise be missed (the admin setting).
	EscalateAcrossRegions []string   `json:"escalate_across_regions,omitempty"`
	Teams                 []TeamSpec `json:"teams"`
}

// LoadRoster reads and validates a roster JSON file.
func LoadRoster(path string) (*Roster, error) {
	b, err := os.ReadFile(path) //nolint:gosec // the roster file the operator named
	if err != nil {
		return nil, err
	}
	var r Roster
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := r.Build(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// Build turns the roster into fresh triage teams (a new copy each call, as
// a run mutates agents' load).
func (r *Roster) Build() ([]*triage.Team, error) {
	var teams []*triage.Team
	ids := map[int64]bool{}
	for _, ts := range r.Teams {
		loc, err := time.LoadLocation(ts.Timezone)
		if err != nil {
			return nil, fmt.Errorf("team %s: %w", ts.Name, err)
		}
		week, err := ts.Hours.parse()
		if err != nil {
			return nil, fmt.Errorf("team %s: %w", ts.Name, err)
		}
		t := &triage.Team{ID: ts.ID, Name: ts.Name, Location: loc, Calendar: sla.Calendar{Location: loc, Week: week, Holidays: ts.Holidays}}
		for _, as := range ts.Agents {
			if ids[as.ID] {
				return nil, fmt.Errorf("agent id %d used twice", as.ID)
			}
			ids[as.ID] = true
			aloc := loc
			if as.Timezone != "" {
				if aloc, err = time.LoadLocation(as.Timezone); err != nil {
					return nil, fmt.Errorf("agent %s: %w", as.Name, err)
				}
			}
			aw, err := as.Hours.parse()
			if err != nil {
				return nil, fmt.Errorf("agent %s: %w", as.Name, err)
			}
			t.Agents = append(t.Agents, triage.Agent{ID: as.ID, Name: as.Name, Location: aloc, Week: aw, TimeOff: as.TimeOff, Holidays: ts.Holidays,
				Skills: as.Skills, Capacity: as.Capacity, Languages: as.Languages, Availability: helpdesk.Available, Active: true})
		}
		for _, oc := range ts.OnCall {
			w, err := oc.Hours.parse()
			if err != nil {
				return nil, fmt.Errorf("team %s on call: %w", ts.Name, err)
			}
			t.OnCall = append(t.OnCall, triage.OnCallSlot{AgentID: oc.AgentID, Hours: sla.Calendar{Location: loc, Week: w}})
		}
		teams = append(teams, t)
	}
	if len(teams) == 0 {
		return nil, fmt.Errorf("roster has no teams")
	}
	return teams, nil
}
