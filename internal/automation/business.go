package automation

import (
	"context"
	"strings"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// calendarTTL is how long the rules reuse the teams' business calendars,
// as the SLA clocks do: a schedule rule looks at thousands of tickets a
// tick, and calendars change rarely.
const calendarTTL = 5 * time.Second

// calendars returns every team's business calendar by team id, cached
// for calendarTTL. A team newer than the map is read afresh by
// sla.TeamCalendar, or its first tickets would be timed around the clock
// until the cache expired.
func (s *Service) calendars(ctx context.Context) (map[int64]sla.Calendar, error) {
	s.calMu.Lock()
	defer s.calMu.Unlock()
	if s.cals != nil && time.Since(s.calsAt) < calendarTTL {
		return s.cals, nil
	}
	cals, err := sla.Calendars(ctx, s.DB)
	if err != nil {
		return nil, err
	}
	s.cals, s.calsAt = cals, time.Now()
	return cals, nil
}

// businessDay is the length of one business day of c: its open time in a
// week over the days it is open at all (8 hours for 09:00-17:00 Monday to
// Friday; 24 hours for a calendar open around the clock). "Pending for 3
// business days" is then three such days of open time, wherever the
// weekend and holidays fall.
func businessDay(c sla.Calendar) time.Duration {
	var total time.Duration
	days := 0
	for _, d := range c.Week {
		if len(d) == 0 {
			continue
		}
		days++
		for _, r := range d {
			n := r.To - r.From
			if n <= 0 {
				n += sla.MinutesPerDay
			}
			total += time.Duration(n) * time.Minute
		}
	}
	if days == 0 {
		return 24 * time.Hour
	}
	return total / time.Duration(days)
}

// businessSince is the business time of c from t to now, in hours and in
// business days.
func businessSince(c sla.Calendar, t, now time.Time) (hours, days float64) {
	if !t.Before(now) {
		return 0, 0
	}
	var d time.Duration
	if c.AlwaysOpen() {
		d = now.Sub(t)
	} else {
		d = c.BusinessBetween(t, now)
	}
	return d.Hours(), d.Hours() / businessDay(c).Hours()
}

// ForgetCalendars drops the cached calendars, so the next evaluation reads
// the teams' hours and holidays afresh (tests; an edit applies within
// calendarTTL anyway).
func (s *Service) ForgetCalendars() {
	s.calMu.Lock()
	s.cals = nil
	s.calMu.Unlock()
}

// bizNeed says which business times the conditions read, so the calendar
// is walked only for those (false everywhere: not at all).
type bizNeed struct {
	idle, age, resolved bool
	sla.Calendar
}

func (b bizNeed) any() bool { return b.idle || b.age || b.resolved }

// usesBusiness adds what rule r's condition reads of business time to b.
func usesBusiness(b bizNeed, r *helpdesk.Rule) bizNeed {
	b.idle = b.idle || strings.Contains(r.Condition, "idle_business_")
	b.age = b.age || strings.Contains(r.Condition, "age_business_")
	b.resolved = b.resolved || strings.Contains(r.Condition, "resolved_business_")
	return b
}

// ticketEnvFor is ticketEnv with the ticket's team calendar (around the
// clock for a ticket without a team) for the business times need names.
func (s *Service) ticketEnvFor(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, now time.Time, need bizNeed) (TicketEnv, error) {
	if !need.any() {
		return ticketEnv(t, now, nil), nil
	}
	cals, err := s.calendars(ctx)
	if err != nil {
		return TicketEnv{}, err
	}
	if need.Calendar, err = sla.TeamCalendar(ctx, tx, cals, t.TeamID); err != nil {
		return TicketEnv{}, err
	}
	return ticketEnv(t, now, &need), nil
}
