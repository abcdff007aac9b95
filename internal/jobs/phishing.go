package jobs

import "github.com/riverqueue/river"

// PhishAnalyseArgs asks the phishing service to find the suspect in a
// report, analyse it, group it into its campaign and thank the reporter.
// Intake and the portal enqueue it in the transaction that files the report.
type PhishAnalyseArgs struct {
	TicketID int64 `json:"ticket_id"`
}

// Kind names the River job.
func (PhishAnalyseArgs) Kind() string { return "phishing_analyse" }

// InsertOpts retry for a while: a report must not stay pending because of a
// database hiccup.
func (PhishAnalyseArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }
