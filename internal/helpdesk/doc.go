// Package helpdesk holds Switchboard's domain vocabulary: tickets, messages,
// people, teams and the enumerations every other package speaks (status,
// priority, impact, urgency, role), plus the error codes that adapters map to
// HTTP statuses or exit codes. It imports only the standard library.
package helpdesk
