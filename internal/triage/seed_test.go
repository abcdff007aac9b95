package triage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
	"switchboard/internal/triage"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seed is a test organisation on its own database.
type seed struct {
	t       *testing.T
	ctx     context.Context
	db      *postgres.DB
	tickets *ticket.Service
	runner  *triage.Runner
	team    int64
	req     *helpdesk.User
	cats    map[string]int64
}

func newSeed(t *testing.T) *seed {
	t.Helper()
	s := &seed{t: t, ctx: context.Background(), db: pgtest.New(t), cats: map[string]int64{}}
	s.tickets = &ticket.Service{DB: s.db}
	s.runner = &triage.Runner{DB: s.db, Classifier: &triage.Classifier{DB: s.db}, NoCache: true}
	s.team = s.teamRow("desk", "Service Desk", "UTC", nil)
	s.req = s.user("rita@example.com", "Rita Requester", "requester", "UTC")
	return s
}

func (s *seed) exec(sql string, args ...any) {
	s.t.Helper()
	if _, err := s.db.RawPool().Exec(s.ctx, sql, args...); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
}

func (s *seed) scalar(dst any, sql string, args ...any) {
	s.t.Helper()
	if err := s.db.RawPool().QueryRow(s.ctx, sql, args...).Scan(dst); err != nil {
		s.t.Fatalf("%s: %v", sql, err)
	}
}

// teamRow creates a team; nil hours means 24x7.
func (s *seed) teamRow(slug, name, tz string, hours []map[string]int) int64 {
	s.t.Helper()
	h, _ := json.Marshal(hours)
	if hours == nil {
		h = []byte("[]")
	}
	var id int64
	s.scalar(&id, `INSERT INTO teams (slug, name, time_zone, hours) VALUES ($1, $2, $3, $4) RETURNING id`, slug, name, tz, h)
	return id
}

func (s *seed) user(email, name, role, tz string) *helpdesk.User {
	s.t.Helper()
	u := &helpdesk.User{Email: email, Name: name, Role: helpdesk.Role(role), TimeZone: tz, Active: true}
	s.scalar(&u.ID, `INSERT INTO users (email, name, role, time_zone) VALUES ($1, $2, $3, $4) RETURNING id`, email, name, role, tz)
	return u
}

// agentSpec describes one agent; zero Hours means on shift round the clock.
type agentSpec struct {
	name, tz     string
	skills       map[string]int
	capacity     int
	availability string
	hours        *[2]int // daily start, end minutes in tz; nil = 00:00-24:00
	lead         bool
}

func (s *seed) agent(team int64, a agentSpec) *helpdesk.User {
	s.t.Helper()
	if a.tz == "" {
		a.tz = "UTC"
	}
	if a.capacity == 0 {
		a.capacity = 10
	}
	if a.availability == "" {
		a.availability = "available"
	}
	role := "agent"
	if a.lead {
		role = "lead"
	}
	u := s.user(a.name+"@example.com", a.name, role, a.tz)
	s.exec(`INSERT INTO agent_profiles (user_id, capacity, availability) VALUES ($1, $2, $3)`, u.ID, a.capacity, a.availability)
	s.exec(`INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3)`, team, u.ID, a.lead)
	for k, v := range a.skills {
		s.exec(`INSERT INTO agent_skills VALUES ($1, $2, $3)`, u.ID, k, v)
	}
	h := [2]int{0, 1440}
	if a.hours != nil {
		h = *a.hours
	}
	for d := range 7 {
		s.exec(`INSERT INTO agent_hours VALUES ($1, $2, $3, $4)`, u.ID, d, h[0], h[1])
	}
	return u
}

// offShiftHours is a daily hour-long shift twelve hours away from now in tz,
// so the agent is certainly off shift during the test.
func offShiftHours(t *testing.T, tz string) *[2]int {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	n := time.Now().In(loc)
	start := (n.Hour()*60 + n.Minute() + 720) % 1440
	end := (start + 60) % 1440
	if end == 0 {
		end = 1440
	}
	return &[2]int{start, end}
}

func (s *seed) category(name string, team int64, skill string, keywords []string, threshold float64) int64 {
	s.t.Helper()
	var id int64
	if keywords == nil {
		keywords = []string{}
	}
	var sk *string
	if skill != "" {
		sk = &skill
	}
	s.scalar(&id, `INSERT INTO categories (name, team_id, required_skill, keywords, confidence_threshold)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, name, team, sk, keywords, threshold)
	s.cats[name] = id
	return id
}

// file creates a ticket through the ticket service, as the portal does.
func (s *seed) file(subject, body, category string, impact helpdesk.Impact, urgency helpdesk.Urgency) *helpdesk.Ticket {
	s.t.Helper()
	in := ticket.CreateInput{Subject: subject, Description: body, Impact: impact, Urgency: urgency}
	if category != "" {
		id := s.cats[category]
		in.CategoryID = &id
	}
	tk, err := s.tickets.Create(s.ctx, s.req, in)
	if err != nil {
		s.t.Fatal(err)
	}
	return tk
}

func (s *seed) triage(id int64) {
	s.t.Helper()
	if err := s.runner.Run(s.ctx, id); err != nil {
		s.t.Fatalf("triage %d: %v", id, err)
	}
}

func (s *seed) assignee(id int64) *int64 {
	s.t.Helper()
	var a *int64
	s.scalar(&a, `SELECT assignee_id FROM tickets WHERE id = $1`, id)
	return a
}

// events returns the ticket's events of kind, oldest first.
func (s *seed) events(id int64, kind string) []helpdesk.Event {
	s.t.Helper()
	all, err := s.db.Events(s.ctx, id)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []helpdesk.Event
	for _, e := range all {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}
