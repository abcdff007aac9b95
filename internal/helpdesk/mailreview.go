package helpdesk

import "time"

// ReviewMail is a stored mail that became neither a ticket nor a message:
// held for review (it claims to be one of us without proof) or dropped
// (auto-reply, bounce, loop, refused, failed). Leads and admins decide on
// held mail; admins can make any of them a ticket.
type ReviewMail struct {
	ID         int64
	ReceivedAt time.Time
	Via        string
	Sender     string
	Subject    string
	Status     string
	Kind       string // what the classifier took it for
	Reason     string // why it was held or dropped
	// Verdict of sender authentication: pass, fail or none ("" when it was
	// never checked, e.g. a bounce), with what it rests on.
	Verdict        string
	VerdictSummary string
	VerdictReasons []string
}

// MailDecision is one decision on a ReviewMail, as the audit log keeps it.
type MailDecision struct {
	ID       int64
	Decision string // release, ticket, reject
	Before   string // the status it had
	Sender   string
	Subject  string
	Reason   string
}
