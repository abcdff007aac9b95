// Package automation runs the helpdesk's rules: when a ticket event fires
// (created after triage, updated, message, SLA at risk or breached, or a
// schedule) and a rule's expr condition holds, its actions change the ticket.
// Every firing is a run that records each change with its value before and
// after, so a dry-run can preview a rule on recent history without writing,
// and a rollback can undo a run field by field, leaving alone what a person
// changed since. Rules act as Switchboard; who may write them (admins, and
// leads for their own teams) is checked when they are saved.
package automation

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/sla"
	"switchboard/internal/ticket"
)

// DefaultLoopLimit is how many field changes rules may make to one ticket in
// a minute before they are stopped on it.
const DefaultLoopLimit = 10

// Service manages and runs rules.
type Service struct {
	DB      *postgres.DB
	Jobs    *postgres.JobClient
	Tickets *ticket.Service
	Log     *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// LoopLimit overrides DefaultLoopLimit.
	LoopLimit int
	// Secret is the install's secret key; rule webhooks are signed with a
	// key derived from it.
	Secret []byte
	// HTTP sends webhooks (default http.DefaultClient).
	HTTP *http.Client

	calMu  sync.Mutex
	cals   map[int64]sla.Calendar // team calendars (business.go)
	calsAt time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func (s *Service) loopLimit() int {
	if s.LoopLimit > 0 {
		return s.LoopLimit
	}
	return DefaultLoopLimit
}

// RuleInput is a rule as a person writes it (API JSON and the web form).
type RuleInput struct {
	Name      string
	Trigger   string
	Every     string // schedule rules: a Go duration, "1h", "15m"
	Condition string
	Actions   []helpdesk.RuleAction
	Enabled   bool
	Position  int
	Team      string // team slug; required for leads
}

// settable lists the fields a set action may write.
var settable = []string{"status", "priority", "category", "team", "assignee"}

// validate checks a rule completely (the condition is compiled and type
// checked) and returns every problem at once, by field.
func (s *Service) validate(ctx context.Context, in *RuleInput, r *helpdesk.Rule) error {
	var v helpdesk.Validation
	r.Name = strings.TrimSpace(in.Name)
	if r.Name == "" {
		v.Add("name", "Give the rule a name.")
	} else if len(r.Name) > 200 {
		v.Add("name", "The name is too long (200 characters at most).")
	}
	r.Trigger = in.Trigger
	if !slices.Contains(helpdesk.Triggers, in.Trigger) {
		v.Add("trigger", "Choose a trigger: "+strings.Join(helpdesk.Triggers, ", ")+".")
	}
	r.Every = 0
	if in.Trigger == helpdesk.TriggerSchedule {
		d, err := time.ParseDuration(strings.TrimSpace(in.Every))
		switch {
		case in.Every == "":
			v.Add("every", `A schedule rule needs "every" (for example "1h").`)
		case err != nil:
			v.Add("every", `Write a duration such as "15m", "1h" or "24h".`)
		case d < time.Minute:
			v.Add("every", "A schedule rule runs at most once a minute.")
		default:
			r.Every = d
		}
	}
	r.Condition = strings.TrimSpace(in.Condition)
	if _, err := Compile(r.Condition); err != nil {
		for _, f := range helpdesk.FieldErrors(err) {
			v.Add(f.Field, f.Message)
		}
	}
	if len(in.Actions) == 0 {
		v.Add("actions", "Add at least one action.")
	}
	for i := range in.Actions {
		if err := s.validateAction(ctx, &v, fmt.Sprintf("actions[%d]", i), &in.Actions[i]); err != nil {
			return err
		}
	}
	r.Actions = in.Actions
	r.Enabled = in.Enabled
	r.Position = in.Position
	if r.Position == 0 {
		r.Position = 100
	}
	return v.Err()
}

// validateAction checks one action, adding problems to v, and writes the
// stored spelling of a named category, team or assignee back into a, so a
// dry-run compares the values a run would write. Only a failing lookup is
// returned.
func (s *Service) validateAction(ctx context.Context, v *helpdesk.Validation, field string, a *helpdesk.RuleAction) error {
	switch a.Type {
	case helpdesk.ActionSet:
		a.Value = strings.TrimSpace(a.Value)
		switch {
		case !slices.Contains(settable, a.Field):
			v.Add(field+".field", "Set one of: "+strings.Join(settable, ", ")+".")
		case a.Field == "status" && !helpdesk.Status(a.Value).Valid():
			v.Add(field+".value", "Status must be one of new, open, pending, on_hold, resolved, closed.")
		case a.Field == "priority" && !helpdesk.Priority(a.Value).Valid():
			v.Add(field+".value", "Priority must be one of P1, P2, P3, P4.")
		case a.Value != "" && (a.Field == "category" || a.Field == "team" || a.Field == "assignee"):
			name, err := s.canonical(ctx, a.Field, a.Value)
			switch {
			case helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND:
				v.Add(field+".value", "No "+a.Field+" "+strconvQuote(a.Value)+".")
			case err != nil:
				return err
			default:
				a.Value = name
			}
		}
	case helpdesk.ActionNote:
		if strings.TrimSpace(a.Body) == "" {
			v.Add(field+".body", "Write the note.")
		}
	case helpdesk.ActionReply:
		if strings.TrimSpace(a.Canned) == "" {
			v.Add(field+".canned", "Name the canned reply to send.")
		} else if _, err := s.cannedByName(ctx, a.Canned); err != nil {
			v.Add(field+".canned", "No canned reply with that title.")
		}
	case helpdesk.ActionNotifyChat:
		if strings.TrimSpace(a.Channel) == "" {
			v.Add(field+".channel", "Name the chat channel.")
		}
	case helpdesk.ActionWebhook:
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.Add(field+".url", "Give an http or https URL.")
		}
	case helpdesk.ActionCreateChild:
		if strings.TrimSpace(a.Subject) == "" {
			v.Add(field+".subject", "Give the child ticket a subject.")
		}
	case helpdesk.ActionAddTag:
		a.Tag = strings.ToLower(strings.TrimSpace(a.Tag))
		if !tagPattern.MatchString(a.Tag) {
			v.Add(field+".tag", "A tag is 1 to 40 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit.")
		}
	case helpdesk.ActionAddParticip:
		a.Email = strings.TrimSpace(a.Email)
		if a.Email == "" {
			v.Add(field+".email", "Give the email of the person to add.")
			break
		}
		email, err := s.participantEmail(ctx, a.Email)
		switch {
		case helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND:
			v.Add(field+".email", "No active user "+strconvQuote(a.Email)+".")
		case err != nil:
			return err
		default:
			a.Email = email
		}
	default:
		v.Add(field+".type", "Choose an action: set, note, reply, notify_chat, webhook, create_child, add_tag, add_participant.")
	}
	return nil
}

// canonical looks a category, team or active staff member up by name and
// returns the name as stored.
func (s *Service) canonical(ctx context.Context, field, value string) (string, error) {
	var out string
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		switch field {
		case "category":
			c, err := tx.CategoryByName(ctx, value)
			if err != nil {
				return err
			}
			out = c.Name
		case "team":
			t, err := tx.TeamBySlug(ctx, value)
			if err != nil {
				return err
			}
			out = t.Slug
		case "assignee":
			u, err := tx.UserByEmail(ctx, value)
			if err != nil {
				return err
			}
			if !u.IsStaff() || !u.Active {
				return helpdesk.Errorf(helpdesk.ENOTFOUND, "not active staff")
			}
			out = u.Email
		}
		return nil
	})
	return out, err
}

func strconvQuote(s string) string { return strconv.Quote(s) }

// cannedByName finds a canned reply by its title.
func (s *Service) cannedByName(ctx context.Context, title string) (*helpdesk.CannedReply, error) {
	all, err := s.DB.CannedReplies(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if strings.EqualFold(all[i].Title, strings.TrimSpace(title)) {
			return &all[i], nil
		}
	}
	return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No canned reply %q.", title)
}

// scope returns the teams actor may write rules for: nil for admins (all),
// the led teams for leads; anyone else is EFORBIDDEN.
func (s *Service) scope(ctx context.Context, actor *helpdesk.User) ([]int64, error) {
	switch {
	case actor == nil:
		return nil, helpdesk.Errorf(helpdesk.EFORBIDDEN, "Sign in first.")
	case actor.Role == helpdesk.RoleAdmin:
		return nil, nil
	case actor.Role == helpdesk.RoleLead:
		led, err := s.DB.LedTeamIDs(ctx, actor.ID)
		if err != nil {
			return nil, err
		}
		if led == nil {
			led = []int64{}
		}
		return led, nil
	}
	return nil, helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only admins and team leads manage rules.")
}

// resolveTeam sets r.TeamID from in.Team, requiring leads to name a team
// they lead.
func (s *Service) resolveTeam(ctx context.Context, in *RuleInput, r *helpdesk.Rule, led []int64) error {
	r.TeamID, r.TeamSlug = nil, ""
	slug := strings.TrimSpace(in.Team)
	if slug == "" {
		if led != nil {
			return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
				Fields: []helpdesk.FieldError{{Field: "team", Message: "Choose one of the teams you lead."}}}
		}
		return nil
	}
	var team *helpdesk.Team
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		var err error
		team, err = tx.TeamBySlug(ctx, slug)
		return err
	})
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND || (err == nil && led != nil && !slices.Contains(led, team.ID)) {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "team", Message: "Choose one of the teams you lead."}}}
	}
	if err != nil {
		return err
	}
	r.TeamID, r.TeamSlug = &team.ID, team.Slug
	return nil
}

// Create saves a new rule after checking it completely.
func (s *Service) Create(ctx context.Context, actor *helpdesk.User, in RuleInput) (*helpdesk.Rule, error) {
	led, err := s.scope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var r helpdesk.Rule
	verr := s.validate(ctx, &in, &r)
	terr := s.resolveTeam(ctx, &in, &r, led)
	if err := mergeInvalid(verr, terr); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		id, err := tx.InsertRule(ctx, &r, actor.ID)
		if err != nil {
			return err
		}
		r.ID = id
		return tx.Audit(ctx, &actor.ID, "rule", fmt.Sprint(id), "create", nil, ruleAudit(&r))
	})
	if err != nil {
		return nil, fmt.Errorf("create rule: %w", err)
	}
	return s.DB.Rule(ctx, r.ID)
}

// Update replaces a rule's fields (a new version).
func (s *Service) Update(ctx context.Context, actor *helpdesk.User, id int64, in RuleInput) (*helpdesk.Rule, error) {
	old, led, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	_ = led
	r := *old
	verr := s.validate(ctx, &in, &r)
	terr := s.resolveTeam(ctx, &in, &r, led)
	if err := mergeInvalid(verr, terr); err != nil {
		return nil, err
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		if err := tx.UpdateRule(ctx, &r, actor.ID); err != nil {
			return err
		}
		return tx.Audit(ctx, &actor.ID, "rule", fmt.Sprint(id), "update", ruleAudit(old), ruleAudit(&r))
	})
	if err != nil {
		return nil, fmt.Errorf("update rule %d: %w", id, err)
	}
	return s.DB.Rule(ctx, id)
}

// Get loads a rule actor may manage (leads: their teams' rules; others 404)
// and the teams actor leads (nil for admins).
func (s *Service) Get(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.Rule, []int64, error) {
	led, err := s.scope(ctx, actor)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.DB.Rule(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if led != nil && (r.TeamID == nil || !slices.Contains(led, *r.TeamID)) {
		return nil, nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such rule.")
	}
	return r, led, nil
}

// List lists the rules actor may manage, in evaluation order.
func (s *Service) List(ctx context.Context, actor *helpdesk.User) ([]helpdesk.Rule, error) {
	led, err := s.scope(ctx, actor)
	if err != nil {
		return nil, err
	}
	return s.DB.Rules(ctx, led)
}

// ToInput turns a stored rule back into the input that would save it (the
// edit form, PATCH's starting point).
func ToInput(r *helpdesk.Rule) RuleInput {
	in := RuleInput{Name: r.Name, Trigger: r.Trigger, Condition: r.Condition, Actions: r.Actions,
		Enabled: r.Enabled, Position: r.Position, Team: r.TeamSlug}
	if r.Every > 0 {
		in.Every = r.Every.String()
	}
	return in
}

func ruleAudit(r *helpdesk.Rule) map[string]any {
	return map[string]any{"name": r.Name, "trigger": r.Trigger, "condition": r.Condition, "actions": r.Actions,
		"enabled": r.Enabled, "team": r.TeamSlug, "every": r.Every.String()}
}

// mergeInvalid joins the field errors of several validations into one.
func mergeInvalid(errs ...error) error {
	var v helpdesk.Validation
	for _, err := range errs {
		if err == nil {
			continue
		}
		if helpdesk.ErrorCode(err) != helpdesk.EINVALID {
			return err
		}
		for _, f := range helpdesk.FieldErrors(err) {
			v.Add(f.Field, f.Message)
		}
	}
	return v.Err()
}
