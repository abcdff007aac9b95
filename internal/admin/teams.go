package admin

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
)

// Teams lists every team (admins) or the teams actor leads.
func (s *Service) Teams(ctx context.Context, actor *helpdesk.User) ([]helpdesk.TeamDetail, error) {
	led, err := s.LedTeams(ctx, actor)
	if err != nil {
		return nil, err
	}
	all, err := s.db.TeamSummaries(ctx)
	if err != nil {
		return nil, err
	}
	var out []helpdesk.TeamDetail
	for _, t := range all {
		if IsAdmin(actor) || slices.Contains(led, t.ID) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Team loads a team with calendar, members, categories and rota; admins
// and the team's leads may see it.
func (s *Service) Team(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.TeamDetail, error) {
	if err := canManageTeam(ctx, s.db, actor, id); err != nil {
		return nil, err
	}
	return s.db.TeamDetail(ctx, id)
}

// TeamInput is the team form.
type TeamInput struct {
	Name       string
	Slug       string
	TimeZone   string
	Hours      [7]string
	Restricted bool
	Leads      []int64 // members to mark as leads (edit only)
}

var slugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

type teamAudit struct {
	Slug       string   `json:"slug"`
	Name       string   `json:"name"`
	TimeZone   string   `json:"time_zone"`
	Hours      []string `json:"hours"`
	Restricted bool     `json:"restricted"`
	Leads      []string `json:"leads,omitempty"`
}

func teamAuditOf(t *helpdesk.TeamDetail) teamAudit {
	a := teamAudit{Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone, Restricted: t.Restricted}
	for d := range 7 {
		if s := FormatDay(t.Hours, d); s != "" {
			a.Hours = append(a.Hours, Weekdays[d][:3]+" "+s)
		}
	}
	for _, m := range t.Members {
		if m.Lead {
			a.Leads = append(a.Leads, m.Email)
		}
	}
	return a
}

func validateTeam(in *TeamInput) ([]helpdesk.ShiftRange, error) {
	var v helpdesk.Validation
	in.Name = strings.TrimSpace(in.Name)
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if in.Name == "" {
		v.Add("name", "Enter a name.")
	} else if len([]rune(in.Name)) > 80 {
		v.Add("name", "Keep the name under 80 characters.")
	}
	if !slugRe.MatchString(in.Slug) || len(in.Slug) > 40 {
		v.Add("slug", "Use lower-case letters, digits and hyphens, like service-desk.")
	}
	if !auth.ValidTimeZone(in.TimeZone) {
		v.Add("timezone", "Unknown time zone; choose one from the list, such as Asia/Manila.")
	}
	hours := ParseWeek("hours_", in.Hours, &v)
	return hours, v.Err()
}

func slugTaken(err error) error {
	if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		return helpdesk.Invalid("slug", "Another team already uses this slug.")
	}
	return err
}

// CreateTeam adds a team (admins only).
func (s *Service) CreateTeam(ctx context.Context, actor *helpdesk.User, in TeamInput) (int64, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	hours, err := validateTeam(&in)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.db.InTx(ctx, func(tx *postgres.Tx) error {
		id, err = tx.InsertTeam(ctx, helpdesk.Team{Slug: in.Slug, Name: in.Name, TimeZone: in.TimeZone,
			Restricted: in.Restricted}, hours)
		if err != nil {
			return slugTaken(err)
		}
		d, err := tx.TeamDetail(ctx, id)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "team", id, "create", nil, teamAuditOf(d))
	})
	return id, err
}

// UpdateTeam changes a team's name, slug, calendar, visibility and leads
// (admins only).
func (s *Service) UpdateTeam(ctx context.Context, actor *helpdesk.User, id int64, in TeamInput) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	hours, err := validateTeam(&in)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockTeam(ctx, id); err != nil {
			return err
		}
		before, err := tx.TeamDetail(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.UpdateTeam(ctx, helpdesk.Team{ID: id, Slug: in.Slug, Name: in.Name, TimeZone: in.TimeZone,
			Restricted: in.Restricted}, hours); err != nil {
			return slugTaken(err)
		}
		for _, m := range before.Members {
			lead := slices.Contains(in.Leads, m.ID)
			if lead && !m.Role.IsStaff() {
				return helpdesk.Invalid("leads", m.Name+" is a requester and cannot lead a team.")
			}
			if lead != m.Lead {
				if err := tx.SetTeamLead(ctx, id, m.ID, lead); err != nil {
					return err
				}
			}
		}
		after, err := tx.TeamDetail(ctx, id)
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, "team", id, "update", teamAuditOf(before), teamAuditOf(after))
	})
}

// AddHoliday adds (or renames) one holiday of a team (admins only).
func (s *Service) AddHoliday(ctx context.Context, actor *helpdesk.User, teamID int64, h helpdesk.Holiday) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	var v helpdesk.Validation
	day, ok := parseDate(h.Day)
	if !ok {
		v.Add("holiday_day", "Enter a date.")
	}
	h.Name = strings.TrimSpace(h.Name)
	if len(h.Name) > 120 {
		v.Add("holiday_name", "Keep the name under 120 characters.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	h.Day = day.Format(sla.DateLayout)
	return s.importHolidays(ctx, actor, teamID, []helpdesk.Holiday{h}, "holiday_add")
}

// ImportHolidays adds every all-day event of an iCalendar file as a holiday
// of the team (admins only); days already present are renamed, not doubled.
func (s *Service) ImportHolidays(ctx context.Context, actor *helpdesk.User, teamID int64, ics []byte) (int, error) {
	if err := requireAdmin(actor); err != nil {
		return 0, err
	}
	hols, err := ParseICS(ics)
	if err != nil {
		return 0, helpdesk.Invalid("ics", err.Error())
	}
	if len(hols) == 0 {
		return 0, helpdesk.Invalid("ics", "The file has no all-day events (VEVENT with DTSTART;VALUE=DATE).")
	}
	return len(hols), s.importHolidays(ctx, actor, teamID, hols, "holiday_import")
}

func (s *Service) importHolidays(ctx context.Context, actor *helpdesk.User, teamID int64, hols []helpdesk.Holiday, action string) error {
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		if _, err := tx.LockTeam(ctx, teamID); err != nil {
			return err
		}
		var changed []helpdesk.Holiday
		for _, h := range hols {
			stored, err := tx.PutHoliday(ctx, teamID, h)
			if err != nil {
				return err
			}
			if stored {
				changed = append(changed, h)
			}
		}
		return audit(ctx, tx, actor, "team", teamID, action, nil, map[string]any{"holidays": changed})
	})
}

// DeleteHoliday removes one holiday (admins only).
func (s *Service) DeleteHoliday(ctx context.Context, actor *helpdesk.User, teamID int64, day string) error {
	if err := requireAdmin(actor); err != nil {
		return err
	}
	if _, ok := parseDate(day); !ok {
		return notFound()
	}
	return s.db.InTx(ctx, func(tx *postgres.Tx) error {
		deleted, err := tx.DeleteHoliday(ctx, teamID, day)
		if err != nil {
			return err
		}
		if !deleted {
			return notFound()
		}
		return audit(ctx, tx, actor, "team", teamID, "holiday_delete", map[string]any{"day": day}, nil)
	})
}
