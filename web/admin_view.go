package web

import (
	"net/url"
	"slices"
	"time"

	"switchboard/internal/helpdesk"
)

// Form is a form's values and per-field errors: a rejected form is shown
// again with exactly what was typed, each message next to its field.
type Form struct {
	Values  url.Values
	Errors  map[string]string
	Message string // a problem that belongs to no single field
}

// NewForm builds a Form from submitted values and the service's error.
func NewForm(values url.Values, err error) Form {
	f := Form{Values: values, Errors: map[string]string{}}
	if f.Values == nil {
		f.Values = url.Values{}
	}
	for _, fe := range helpdesk.FieldErrors(err) {
		if _, ok := f.Errors[fe.Field]; !ok {
			f.Errors[fe.Field] = fe.Message
		}
	}
	if err != nil && len(f.Errors) == 0 {
		f.Message = helpdesk.ErrorMessage(err)
	}
	return f
}

// Get returns a field's value.
func (f Form) Get(name string) string { return f.Values.Get(name) }

// All returns every value of a repeated field.
func (f Form) All(name string) []string { return f.Values[name] }

// Err returns a field's error message, "" when none.
func (f Form) Err(name string) string { return f.Errors[name] }

// Has reports whether a field has a value equal to v (checkboxes, multi-selects).
func (f Form) Has(name, v string) bool { return slices.Contains(f.Values[name], v) }

// Failed reports whether the form carries any error.
func (f Form) Failed() bool { return len(f.Errors) > 0 || f.Message != "" }

// AdminPeoplePage is the people list with the "add a person" form.
type AdminPeoplePage struct {
	Page
	People  []helpdesk.Person
	Query   string
	CanAdd  bool
	New     Form
	Teams   []Option
	NewLink string // one-time link of the person just invited
	NewName string
}

// AdminPersonPage edits one person.
type AdminPersonPage struct {
	Page
	Person   helpdesk.Person
	IsAdmin  bool
	Edit     Form
	Teams    []Option
	Link     string // a freshly made one-time link
	LinkKind string // "invite" or "reset"
	// Factors are the person's second factors; nil for leads.
	Factors *helpdesk.SecondFactors
}

// AdminProfilePage edits an agent's schedule and skills.
type AdminProfilePage struct {
	Page
	Profile   helpdesk.AgentProfile
	Edit      Form
	TimeOff   Form
	Weekdays  [7]string
	SkillRows int
}

// AdminTeamsPage lists teams with the "add a team" form.
type AdminTeamsPage struct {
	Page
	Teams    []helpdesk.TeamDetail
	IsAdmin  bool
	New      Form
	Weekdays [7]string
}

// AdminTeamPage edits one team, its holidays and its on-call rota.
type AdminTeamPage struct {
	Page
	Team     helpdesk.TeamDetail
	IsAdmin  bool
	Edit     Form
	Holiday  Form
	Import   Form
	OnCall   Form
	Weekdays [7]string
	Loc      *time.Location // the team's zone
}

// AdminCategoriesPage lists categories with the "add" form.
type AdminCategoriesPage struct {
	Page
	Categories []helpdesk.CategorySettings
	New        Form
	Teams      []Option
}

// AdminCategoryPage edits one category.
type AdminCategoryPage struct {
	Page
	Category helpdesk.CategorySettings
	Edit     Form
	Teams    []Option
}

// AdminPrioritiesPage is the matrix and the SLA targets.
type AdminPrioritiesPage struct {
	Page
	Matrix Form
	SLA    Form
}

// AdminMailPage is intake addresses, IMAP accounts, outbox and policy.
type AdminMailPage struct {
	Page
	Addresses  []helpdesk.IntakeAddress
	Mailboxes  []helpdesk.Mailbox
	Outbox     []helpdesk.OutboxMail
	Domain     string
	NewAddress Form
	NewMailbox Form
	Policy     Form
	Teams      []Option
	Categories []Option
	TestResult map[int64]string // mailbox id -> result of "Test connection"
	TestOK     map[int64]bool
	Inbound    []InboundList // ignored, refused, failed and bounced mail
}

// AdminAuditPage is the filtered audit log.
type AdminAuditPage struct {
	Page
	Entries []helpdesk.AuditEntry
	Filter  Form
	Types   []string
	CSVURL  string
}

// ResetPage is the public "set your password" page of a one-time link.
type ResetPage struct {
	Page
	Name   string
	Email  string
	Invite bool
	Form   Form
}
