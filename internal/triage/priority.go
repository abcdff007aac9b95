// Package triage sets a ticket's priority and category, decides who may take
// it and who should, and what happens to an absent agent's tickets. The
// decision code (priority.go, eligible.go, decide.go, rebalance.go) is pure:
// no database, no wall clock, tested with a fixed clock. The runner files
// (runner.go, load.go, sweep.go, categorise.go, classifier.go) load the
// roster, take the locks and store each Decision as a ticket event.
package triage

import (
	"fmt"
	"strings"
	"unicode"

	"switchboard/internal/helpdesk"
)

// Matrix maps impact x urgency to a priority. It is a plain map so an admin's
// edited matrix can be stored as JSON; missing cells fall back to the ITIL
// default.
type Matrix map[helpdesk.Impact]map[helpdesk.Urgency]helpdesk.Priority

// DefaultMatrix returns the ITIL matrix from helpdesk.DefaultPriority.
func DefaultMatrix() Matrix {
	m := Matrix{}
	for _, i := range helpdesk.Impacts {
		m[i] = map[helpdesk.Urgency]helpdesk.Priority{}
		for _, u := range helpdesk.Urgencies {
			m[i][u] = helpdesk.DefaultPriority(i, u)
		}
	}
	return m
}

// Lookup returns the matrix cell for (i, u).
func (m Matrix) Lookup(i helpdesk.Impact, u helpdesk.Urgency) helpdesk.Priority {
	if p, ok := m[i][u]; ok && p.Valid() {
		return p
	}
	return helpdesk.DefaultPriority(i, u)
}

// KeywordRule raises a ticket to Priority when Phrase appears in its subject
// or description as whole words, case-insensitively.
type KeywordRule struct {
	Phrase   string            `json:"phrase"`
	Priority helpdesk.Priority `json:"priority"`
}

// PriorityRules is the admin-editable configuration. Every rule can only
// raise the matrix result, never lower it: a rule written for one case must
// not quietly bury a ticket the requester marked critical.
type PriorityRules struct {
	Matrix   Matrix        `json:"matrix"`
	Keywords []KeywordRule `json:"keywords"`
	// VIP is the least urgent priority a VIP requester's ticket gets; "" = no rule.
	VIP helpdesk.Priority `json:"vip,omitempty"`
	// CategoryMinimum is the least urgent priority per category.
	CategoryMinimum map[string]helpdesk.Priority `json:"category_minimum,omitempty"`
}

// DefaultPriorityRules are the rules a new installation starts with.
func DefaultPriorityRules() PriorityRules {
	return PriorityRules{
		Matrix: DefaultMatrix(),
		Keywords: []KeywordRule{
			{"outage", helpdesk.P1},
			{"down for everyone", helpdesk.P1},
			{"ransomware", helpdesk.P1},
			{"phishing", helpdesk.P2},
		},
		VIP:             helpdesk.P2,
		CategoryMinimum: map[string]helpdesk.Priority{"security": helpdesk.P2},
	}
}

// PriorityInput is what the priority decision looks at.
type PriorityInput struct {
	Impact       helpdesk.Impact
	Urgency      helpdesk.Urgency
	Subject      string
	Description  string
	Category     string
	RequesterVIP bool
}

// PriorityDecision is the priority and the human reasons for it, in the
// order they were applied; they go into the ticket's audit trail.
type PriorityDecision struct {
	Priority helpdesk.Priority `json:"priority"`
	Reasons  []string          `json:"reasons"`
}

// DecidePriority applies the matrix and then every raising rule.
func DecidePriority(r PriorityRules, in PriorityInput) PriorityDecision {
	impact, urgency := in.Impact, in.Urgency
	if !impact.Valid() {
		impact = helpdesk.ImpactPerson
	}
	if !urgency.Valid() {
		urgency = helpdesk.UrgencyMedium
	}
	p := r.Matrix.Lookup(impact, urgency)
	d := PriorityDecision{Priority: p, Reasons: []string{fmt.Sprintf("impact %s x urgency %s = %s", impact, urgency, p)}}
	raise := func(to helpdesk.Priority, why string) {
		if to.Valid() && to.Rank() < d.Priority.Rank() {
			d.Priority = to
			d.Reasons = append(d.Reasons, why+" raises to "+string(to))
		}
	}
	text := " " + normalise(in.Subject+" "+in.Description) + " "
	for _, k := range r.Keywords {
		if ph := normalise(k.Phrase); ph != "" && strings.Contains(text, " "+ph+" ") {
			raise(k.Priority, fmt.Sprintf("keyword %q", k.Phrase))
		}
	}
	if in.RequesterVIP && r.VIP != "" {
		raise(r.VIP, "VIP requester")
	}
	if min, ok := r.CategoryMinimum[in.Category]; ok {
		raise(min, fmt.Sprintf("category %q minimum", in.Category))
	}
	return d
}

// normalise lower-cases s and turns every run of non-alphanumerics into one
// space, so "Outage!" matches "outage" but "download" does not match "down".
func normalise(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
