package helpdesk

import (
	"encoding/json"
	"time"
)

// SourcePhishing is a phishing campaign's incident ticket.
const SourcePhishing Source = "phishing"

// Event kinds written by the phishing service.
const (
	EventPhishAnalysed = "phishing_analysed" // the analysis of a report finished
	EventPhishVerdict  = "phishing_verdict"  // the security team overruled the verdict
	EventPhishNotice   = "phishing_notice"   // the campaign-handled notice went to the reporters
)

// PhishReport is a ticket that reports a suspected phishing mail.
type PhishReport struct {
	TicketID     int64
	Number       int64
	ReporterID   *int64
	How          string // attachment, inline, redirect, upload; "" while not found
	Verdict      string // malicious, suspicious, likely_safe, simulation, pending
	AutoVerdict  string // what the analysis said, before any overrule
	Score        int
	Reasons      []string
	Analysis     json.RawMessage // findings, links, attachments, auth (phishing.Analysis)
	OverruledBy  *string         // name of who overruled
	OverruleNote string
	CampaignID   *int64
	Sender       string
	DeliveredAt  *time.Time
	ReportedAt   time.Time
	AnalysedAt   *time.Time
	TeachBackAt  *time.Time
	HasSuspect   bool
}

// PhishCampaign is a group of reports of the same attack.
type PhishCampaign struct {
	ID             int64
	TicketID       *int64
	Reports        int
	Reporters      int
	FirstReported  time.Time
	LastReported   time.Time
	FirstDelivered *time.Time
	ClosedNoticeAt *time.Time
	Verdicts       map[string]int
	Indicators     []PhishIndicator
	Children       []PhishChild
}

// PhishIndicator is one thing a campaign is recognised by.
type PhishIndicator struct {
	Kind    string // sender, host, url, sha256
	Value   string
	Reports int
}

// PhishChild is one report of a campaign, as the incident lists it.
type PhishChild struct {
	Number     int64
	Reporter   string
	ReportedAt time.Time
	Verdict    string
}

// PhishFigures are the awareness figures for the security team.
type PhishFigures struct {
	Since           time.Time
	Weeks           []WeekCount // reports per week, oldest first
	Reports         int
	Malicious       int
	Suspicious      int
	Safe            int
	Simulation      int
	Pending         int
	MedianToReport  *time.Duration // first delivery (Date) to first report, per campaign
	Departments     []NameCount
	RepeatReporters []NameCount // people with more than one report
	TopIndicators   []PhishIndicator
}

// WeekCount is a count for the week starting Start (Monday, UTC).
type WeekCount struct {
	Start time.Time
	Count int
}

// NameCount is a labelled count.
type NameCount struct {
	Name  string
	Count int
}
