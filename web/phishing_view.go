package web

import (
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
)

// PhishPanel is a phishing report's analysis as the workspace shows it.
// Every address and URL in it is defanged; PreviewHTML is the suspect's HTML
// after phishing.MakePreview (no links, no images, no attributes).
type PhishPanel struct {
	Number       int64
	Verdict      string
	AutoVerdict  string
	Score        int
	Reasons      []string
	How          string
	Found        bool
	OverruledBy  string
	OverruleNote string
	From         string
	FromName     string
	ReplyTo      string
	ReturnPath   string
	Subject      string
	Date         *time.Time
	Auth         [5][2]string // label, value
	Findings     []PhishFinding
	Links        []PhishLink
	Attachments  []PhishAttachment
	PreviewText  string
	PreviewHTML  string
	// Security: the viewer is on the security team (raw mail, attachment
	// downloads, overruling).
	Security bool
	Errors   map[string]string
}

// PhishFinding is one finding with its evidence.
type PhishFinding struct {
	Area     string
	Weight   int
	Reason   string
	Evidence string
}

// PhishLink is one URL of the suspect, defanged.
type PhishLink struct {
	URL    string
	Anchor string
	Flags  []string
}

// PhishAttachment is one attachment of the suspect, typed by content.
type PhishAttachment struct {
	Index        int
	Filename     string
	RealType     string
	DeclaredType string
	Size         int
	SHA256       string
	Flags        []string
}

// PhishCampaignPanel is a campaign incident: its reports and indicators.
type PhishCampaignPanel struct {
	Number         int64
	C              *helpdesk.PhishCampaign
	IndicatorsText string // one "kind,value" per line, for copying
	Security       bool
}

// VerdictLabel is a verdict in words.
func VerdictLabel(v string) string {
	switch v {
	case "malicious":
		return "Malicious"
	case "suspicious":
		return "Suspicious"
	case "likely_safe":
		return "Likely safe"
	case "simulation":
		return "Simulation (our own exercise)"
	}
	return "Pending"
}

// Verdicts the security team may set, in the order the form lists them.
var Verdicts = []string{"malicious", "suspicious", "likely_safe", "simulation"}

func phishAttachmentURL(n int64, i int) string {
	return deskPath(n, "/phishing/attachments/"+strconv.Itoa(i))
}

// ReportPhishingPage is the portal's Report phishing page.
type ReportPhishingPage struct {
	Page    Page
	Address string // the phishing-reports address, e.g. security@helpdesk.example.com
	Note    string
	Errors  map[string]string
}

// PhishFiguresPage is the security team's awareness figures.
type PhishFiguresPage struct {
	Page      Page
	F         helpdesk.PhishFigures
	Weeks     Chart
	Depts     Chart
	RealShare string // "42%"
	Median    string // first delivery to first report
}

// AttachmentWarningPage warns before a suspect's attachment is downloaded.
type AttachmentWarningPage struct {
	Page     Page
	Number   int64
	Index    int
	Filename string
	SHA256   string
	RealType string
}
