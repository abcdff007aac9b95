package automation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Env is what a rule's condition sees. The names follow the API's ticket
// JSON (`ticket.subject`, `ticket.priority`, …), so a rule reads like the
// data a lead already knows; the struct makes expr type-check a condition
// when it is saved, so `ticket.priorty` is refused then, not at 2 a.m.
type Env struct {
	Ticket  TicketEnv  `expr:"ticket"`
	Message MessageEnv `expr:"message"` // message.received only
	Change  ChangeEnv  `expr:"change"`  // ticket.updated only
	// Event is the trigger that fired (ticket.updated, schedule, …).
	Event string    `expr:"event"`
	Now   time.Time `expr:"now"`
}

// TicketEnv is the ticket in a condition.
type TicketEnv struct {
	Number        int64     `expr:"number"`
	Subject       string    `expr:"subject"`
	Description   string    `expr:"description"`
	Text          string    `expr:"text"` // subject and description together
	Status        string    `expr:"status"`
	Priority      string    `expr:"priority"`
	Impact        string    `expr:"impact"`
	Urgency       string    `expr:"urgency"`
	Category      string    `expr:"category"`
	Team          string    `expr:"team"` // slug
	Assignee      string    `expr:"assignee"`
	Requester     string    `expr:"requester"` // email
	RequesterName string    `expr:"requester_name"`
	RequesterVIP  bool      `expr:"requester_vip"`
	Source        string    `expr:"source"`
	CreatedAt     time.Time `expr:"created_at"`
	UpdatedAt     time.Time `expr:"updated_at"`
	// AgeHours is the time since the ticket was filed and IdleHours since
	// its last change, for schedule rules ("pending for 3 days":
	// ticket.status == "pending" && ticket.idle_hours > 72).
	AgeHours  float64 `expr:"age_hours"`
	IdleHours float64 `expr:"idle_hours"`
	// ResolvedHours is the time since it was resolved (0 when it is not).
	ResolvedHours float64 `expr:"resolved_hours"`
	// The same on the team's business calendar (hours and holidays; a
	// ticket without a team counts around the clock): "pending for 3
	// business days" is ticket.status == "pending" &&
	// ticket.idle_business_days >= 3. A business day is the calendar's
	// open time per working day (8 hours for 09:00-17:00).
	IdleBusinessHours float64 `expr:"idle_business_hours"`
	IdleBusinessDays  float64 `expr:"idle_business_days"`
	AgeBusinessHours  float64 `expr:"age_business_hours"`
	AgeBusinessDays   float64 `expr:"age_business_days"`
	// ResolvedBusinessDays is 0 when the ticket is not resolved.
	ResolvedBusinessDays float64 `expr:"resolved_business_days"`
	IsChild              bool    `expr:"is_child"`
	// Tags are the ticket's tags (`"vip" in ticket.tags`) and Participants
	// the emails of the people following it besides the requester.
	Tags         []string `expr:"tags"`
	Participants []string `expr:"participants"`
	// Approval is the state of the ticket's newest approval: "" (none
	// asked), pending, approved, declined, expired or cancelled. A rule on
	// ticket.updated sees the approval's status change:
	// ticket.approval == "approved" && change.status.to == "open".
	Approval string `expr:"approval"`
}

// MessageEnv is the message of a message.received trigger.
type MessageEnv struct {
	Body          string `expr:"body"`
	Internal      bool   `expr:"internal"` // a note
	Public        bool   `expr:"public"`
	Source        string `expr:"source"` // portal, email, chat, api
	Author        string `expr:"author"` // email
	FromRequester bool   `expr:"from_requester"`
	FromStaff     bool   `expr:"from_staff"`
}

// ChangeEnv is what an update changed: `change.status.to == "resolved"`.
type ChangeEnv struct {
	Status   FieldChange `expr:"status"`
	Priority FieldChange `expr:"priority"`
	Category FieldChange `expr:"category"`
	Team     FieldChange `expr:"team"`
	Assignee FieldChange `expr:"assignee"`
}

// FieldChange is one field of a change; Changed is false for fields the
// update did not touch.
type FieldChange struct {
	Changed bool   `expr:"changed"`
	From    string `expr:"from"`
	To      string `expr:"to"`
}

// Compile type-checks a condition against Env; the empty condition always
// holds. The error is EINVALID on the field "condition" with expr's own
// message and position, for the rule form and the API.
func Compile(condition string) (*vm.Program, error) {
	if strings.TrimSpace(condition) == "" {
		condition = "true"
	}
	prog, err := expr.Compile(condition, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		msg := err.Error()
		var fe *file.Error
		if ok := asFileError(err, &fe); ok {
			msg = fmt.Sprintf("%s (line %d, column %d)", fe.Message, fe.Line, fe.Column+1)
		}
		return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "The condition is not valid.",
			Fields: []helpdesk.FieldError{{Field: "condition", Message: msg}}}
	}
	return prog, nil
}

func asFileError(err error, fe **file.Error) bool {
	e, ok := err.(*file.Error) //nolint:errorlint // expr returns it unwrapped
	if ok {
		*fe = e
	}
	return ok
}

// Match runs a compiled condition.
func Match(prog *vm.Program, env *Env) (bool, error) {
	out, err := expr.Run(prog, env)
	if err != nil {
		return false, fmt.Errorf("run condition: %w", err)
	}
	b, _ := out.(bool)
	return b, nil
}

// ticketEnv builds the ticket part of the environment; cal is the ticket's
// team calendar, nil when no condition reads business time (counting it
// walks the calendar's open hours: ~0.1 ms for a ticket idle six weeks,
// seconds over a schedule rule's 50,000 candidates).
func ticketEnv(t *postgres.RuleTicket, now time.Time, cal *bizNeed) TicketEnv {
	e := TicketEnv{Number: t.Number, Subject: t.Subject, Description: t.Description,
		Text: t.Subject + "\n" + t.Description, Status: string(t.Status), Priority: string(t.Priority),
		Impact: string(t.Impact), Urgency: string(t.Urgency), Category: t.CategoryName, Team: t.TeamSlug,
		Assignee: t.AssigneeEmail, Requester: t.RequesterEmail, RequesterName: t.RequesterName,
		RequesterVIP: t.RequesterVIP, Source: string(t.Source), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		AgeHours: now.Sub(t.CreatedAt).Hours(), IdleHours: now.Sub(t.UpdatedAt).Hours(), IsChild: t.ParentID != nil,
		Tags: t.Tags, Participants: t.Participants, Approval: t.Approval}
	if cal != nil && cal.idle {
		e.IdleBusinessHours, e.IdleBusinessDays = businessSince(cal.Calendar, t.UpdatedAt, now)
	}
	if cal != nil && cal.age {
		e.AgeBusinessHours, e.AgeBusinessDays = businessSince(cal.Calendar, t.CreatedAt, now)
	}
	if t.ResolvedAt != nil && (t.Status == helpdesk.StatusResolved || t.Status == helpdesk.StatusClosed) {
		e.ResolvedHours = now.Sub(*t.ResolvedAt).Hours()
		if cal != nil && cal.resolved {
			_, e.ResolvedBusinessDays = businessSince(cal.Calendar, *t.ResolvedAt, now)
		}
	}
	return e
}

// changeEnv reads an update event's before and after ({"status": "open"}).
func changeEnv(before, after json.RawMessage) ChangeEnv {
	var b, a map[string]any
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	var c ChangeEnv
	set := func(name string, f *FieldChange) {
		to, ok := a[name]
		if !ok {
			return
		}
		*f = FieldChange{Changed: true, From: str(b[name]), To: str(to)}
	}
	set("status", &c.Status)
	set("priority", &c.Priority)
	set("category", &c.Category)
	set("team", &c.Team)
	set("assignee", &c.Assignee)
	return c
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	return fmt.Sprint(v)
}
