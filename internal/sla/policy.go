package sla

import (
	"time"

	"switchboard/internal/helpdesk"
)

// Policy is the pair of SLA targets for one priority, in business time of
// the calendar the ticket's team works by.
type Policy struct {
	FirstResponse time.Duration `json:"first_response"`
	Resolution    time.Duration `json:"resolution"`
}

// BusinessDay is the length of a business day the default targets assume:
// "1 business day" in an ITIL SLA means one working day of about 8 hours.
const BusinessDay = 8 * time.Hour

// Policies maps each priority to its targets.
type Policies map[helpdesk.Priority]Policy

// DefaultPolicies are common ITIL service-desk targets, all in business time:
//
//	P1 critical: respond 1h, resolve 4h
//	P2 high:     respond 4h, resolve 1 business day (8h)
//	P3 medium:   respond 8h (1 business day), resolve 3 business days (24h)
//	P4 low:      respond 2 business days (16h), resolve 5 business days (40h)
//
// Teams that promise round-the-clock P1 handling give that team a 24x7
// (empty) calendar rather than a special policy, so there is one rule.
func DefaultPolicies() Policies {
	return Policies{
		helpdesk.P1: {FirstResponse: time.Hour, Resolution: 4 * time.Hour},
		helpdesk.P2: {FirstResponse: 4 * time.Hour, Resolution: BusinessDay},
		helpdesk.P3: {FirstResponse: BusinessDay, Resolution: 3 * BusinessDay},
		helpdesk.P4: {FirstResponse: 2 * BusinessDay, Resolution: 5 * BusinessDay},
	}
}

// For returns the policy of p; an unknown priority gets P3's targets, the
// ITIL "normal" level, rather than no deadline at all.
func (ps Policies) For(p helpdesk.Priority) Policy {
	if pol, ok := ps[p]; ok {
		return pol
	}
	if pol, ok := DefaultPolicies()[p]; ok {
		return pol
	}
	return DefaultPolicies()[helpdesk.P3]
}
