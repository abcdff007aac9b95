package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
	"switchboard/internal/triage"
)

// Weekdays are the names of time.Weekday values, for forms and messages.
var Weekdays = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// ParseWeek reads one text per weekday ("09:00-12:00, 13:00-17:00"; a range
// ending at or before its start crosses midnight) under the form fields
// prefix+"0" .. prefix+"6". Empty and overlapping ranges are errors, across
// midnight and across Saturday to Sunday too.
func ParseWeek(prefix string, days [7]string, v *helpdesk.Validation) []helpdesk.ShiftRange {
	var out []helpdesk.ShiftRange
	for d, text := range days {
		field := prefix + strconv.Itoa(d)
		for part := range strings.SplitSeq(text, ",") {
			part = strings.Join(strings.Fields(part), "")
			if part == "" {
				continue
			}
			r, err := sla.ParseRange(part)
			if err != nil {
				v.Add(field, fmt.Sprintf("%q is not a time range; write it like 09:00-17:00.", part))
				continue
			}
			if r.From == r.To || (r.From == 0 && r.To == 0) {
				v.Add(field, fmt.Sprintf("%s is empty: start and end are the same.", part))
				continue
			}
			if r.From == sla.MinutesPerDay {
				v.Add(field, fmt.Sprintf("%s starts at 24:00; start at 00:00 the next day instead.", part))
				continue
			}
			out = append(out, helpdesk.ShiftRange{Weekday: d, Start: r.From, End: r.To})
		}
	}
	// Overlaps, on a week of minutes that wraps from Saturday to Sunday.
	const week = 7 * sla.MinutesPerDay
	span := func(r helpdesk.ShiftRange) (int, int) {
		s := r.Weekday*sla.MinutesPerDay + r.Start
		e := r.Weekday*sla.MinutesPerDay + r.End
		if r.End <= r.Start {
			e += sla.MinutesPerDay
		}
		return s, e
	}
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			s1, e1 := span(out[i])
			s2, e2 := span(out[j])
			for _, shift := range []int{-week, 0, week} {
				if s1 < e2+shift && s2+shift < e1 {
					field := prefix + strconv.Itoa(out[j].Weekday)
					if !v.Has(field) {
						v.Add(field, fmt.Sprintf("%s overlaps %s on %s.", rangeText(out[j]), rangeText(out[i]), Weekdays[out[i].Weekday]))
					}
					break
				}
			}
		}
	}
	return out
}

func rangeText(r helpdesk.ShiftRange) string { return sla.Range{From: r.Start, To: r.End}.String() }

// FormatDay renders a weekday's ranges the way ParseWeek reads them.
func FormatDay(hours []helpdesk.ShiftRange, day int) string {
	var parts []string
	for _, r := range hours {
		if r.Weekday == day {
			parts = append(parts, rangeText(r))
		}
	}
	return strings.Join(parts, ", ")
}

// Profile loads an agent's profile with a preview of their next seven days
// on shift, if actor may manage them.
func (s *Service) Profile(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.AgentProfile, error) {
	if err := canManageAgent(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	p, err := s.db.AgentProfile(ctx, id)
	if err != nil {
		return nil, err
	}
	p.OnShift = NextShifts(p, s.now(), 7*24*time.Hour)
	return p, nil
}

// NextShifts lists when the agent works between now and now+d, with time
// off skipped, using the same calendar triage uses. No weekly hours means
// always on shift, as triage reads it.
func NextShifts(p *helpdesk.AgentProfile, now time.Time, d time.Duration) []helpdesk.Span {
	a := triage.Agent{Location: p.Person.Location()}
	for _, h := range p.Hours {
		a.Week[h.Weekday] = append(a.Week[h.Weekday], sla.Range{From: h.Start, To: h.End})
	}
	for _, t := range p.TimeOff {
		a.TimeOff = append(a.TimeOff, triage.DateRange{From: t.From, To: t.To})
	}
	end := now.Add(d)
	var out []helpdesk.Span
	for iv := range a.Calendar().Open(now) {
		if !iv.Start.Before(end) || len(out) > 50 {
			break
		}
		if iv.End.After(end) {
			iv.End = end
		}
		out = append(out, helpdesk.Span{Start: iv.Start, End: iv.End})
	}
	return out
}

// ProfileInput is the agent schedule-and-skills form.
type ProfileInput struct {
	TimeZone  string
	Hours     [7]string
	Capacity  string
	Languages string
	Skills    []SkillInput
}

// SkillInput is one row of the skills table; an empty name drops the row.
type SkillInput struct{ Name, Level string }

type profileAudit struct {
	TimeZone  string   `json:"time_zone"`
	Hours     []string `json:"hours"`
	Capacity  int      `json:"capacity"`
	Languages []string `json:"languages"`
	Skills    []string `json:"skills"`
}

func profileAuditOf(p *helpdesk.AgentProfile) profileAudit {
	a := profileAudit{TimeZone: p.Person.TimeZone, Capacity: p.Capacity, Languages: p.Languages}
	for d := range 7 {
		if s := FormatDay(p.Hours, d); s != "" {
			a.Hours = append(a.Hours, Weekdays[d][:3]+" "+s)
		}
	}
	for _, s := range p.Skills {
		a.Skills = append(a.Skills, fmt.Sprintf("%s:%d", s.Name, s.Level))
	}
	return a
}

// UpdateProfile replaces an agent's time zone, weekly hours, capacity,
// languages and skills in one transaction (admins, and leads of the agent's
// teams).
func (s *Service) UpdateProfile(ctx context.Context, actor *helpdesk.User, id int64, in ProfileInput) error {
	var v helpdesk.Validation
	tz := strings.TrimSpace(in.TimeZone)
	if !auth.ValidTimeZone(tz) {
		v.Add("timezone", "Unknown time zone; choose one from the list, such as Asia/Manila.")
	}
	hours := ParseWeek("hours_", in.Hours, &v)
	capacity, err := strconv.Atoi(strings.TrimSpace(in.Capacity))
	switch {
	case err != nil:
		v.Add("capacity", "Enter a whole number, 0 for no limit.")
	case capacity < 0:
		v.Add("capacity", "Capacity cannot be negative.")
	case capacity > 1000:
		v.Add("capacity", "Capacity is at most 1000.")
	}
	langs := splitList(in.Languages, true)
	for _, l := range langs {
		if len(l) < 2 || len(l) > 10 || strings.ContainsAny(l, " ;") {
			v.Add("languages", fmt.Sprintf("%q is not a language code; use codes such as en, de, pt-BR.", l))
			break
		}
	}
	var skills []helpdesk.Skill
	for i, row := range in.Skills {
		name := strings.ToLower(strings.TrimSpace(row.Name))
		if name == "" {
			continue
		}
		field := "skill_" + strconv.Itoa(i)
		lvl, err := strconv.Atoi(row.Level)
		switch {
		case len(name) > 60:
			v.Add(field, "Keep skill names under 60 characters.")
		case err != nil || lvl < 1 || lvl > 3:
			v.Add(field, "Level is 1 (basic), 2 or 3 (expert).")
		case slices.ContainsFunc(skills, func(s helpdesk.Skill) bool { return s.Name == name }):
			v.Add(field, "This skill is listed twice.")
		default:
			skills = append(skills, helpdesk.Skill{Name: name, Level: lvl})
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := canManageAgent(ctx, tx, actor, id); err != nil {
			return err
		}
		if _, err := tx.LockUser(ctx, id); err != nil {
			return err
		}
		before, err := tx.AgentProfile(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.SetAgentSchedule(ctx, id, postgres.AgentSchedule{TimeZone: tz, Capacity: capacity, Languages: langs,
			Hours: hours, Skills: skills}); err != nil {
			return err
		}
		after, err := tx.AgentProfile(ctx, id)
		if err != nil {
			return err
		}
		// New hours may end a shift that is running now.
		if err := s.rebalance(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "agent_profile", id, "update", profileAuditOf(before), profileAuditOf(after))
	})
}

// splitList splits on commas and newlines, trims, drops empties and
// duplicates; lower-cases when asked.
func splitList(s string, lower bool) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		f = strings.TrimSpace(f)
		if lower {
			f = strings.ToLower(f)
		}
		if f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// parseDate reads a civil date from a date input.
func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(sla.DateLayout, strings.TrimSpace(s))
	return t, err == nil && t.Year() >= 2000 && t.Year() <= 2100
}

// AddTimeOff records a span of days off (admins, and leads of the agent's
// teams). Spans may not overlap existing ones.
func (s *Service) AddTimeOff(ctx context.Context, actor *helpdesk.User, id int64, in helpdesk.TimeOff) error {
	var v helpdesk.Validation
	from, ok1 := parseDate(in.From)
	to, ok2 := parseDate(in.To)
	if !ok1 {
		v.Add("off_from", "Enter the first day off.")
	}
	if !ok2 {
		v.Add("off_to", "Enter the last day off.")
	}
	if ok1 && ok2 && to.Before(from) {
		v.Add("off_to", "The last day is before the first.")
	}
	if len(in.Note) > 200 {
		v.Add("off_note", "Keep the note under 200 characters.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	in.From, in.To = from.Format(sla.DateLayout), to.Format(sla.DateLayout)
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := canManageAgent(ctx, tx, actor, id); err != nil {
			return err
		}
		if _, err := tx.LockUser(ctx, id); err != nil {
			return err
		}
		existing, err := tx.TimeOff(ctx, id)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.From <= in.To && in.From <= e.To {
				return helpdesk.Invalid("off_from", fmt.Sprintf("This overlaps the time off %s to %s.", e.From, e.To))
			}
		}
		newID, err := tx.InsertTimeOff(ctx, id, helpdesk.TimeOff{From: in.From, To: in.To, Note: strings.TrimSpace(in.Note)})
		if err != nil {
			return err
		}
		if err := s.rebalance(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, tx, actor, "time_off", newID, "create", nil,
			map[string]any{"user_id": id, "from": in.From, "to": in.To, "note": in.Note})
	})
}

// DeleteTimeOff removes one span of time off.
func (s *Service) DeleteTimeOff(ctx context.Context, actor *helpdesk.User, userID, offID int64) error {
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if err := canManageAgent(ctx, tx, actor, userID); err != nil {
			return err
		}
		r, err := tx.DeleteTimeOff(ctx, userID, offID)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "time_off", offID, "delete",
			map[string]any{"user_id": userID, "from": r.From, "to": r.To, "note": r.Note}, nil)
	})
}
