package phishing

import (
	"context"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/jhillyerd/enmime"

	swmail "switchboard/internal/mail"
)

// Verdicts.
const (
	VerdictMalicious  = "malicious"
	VerdictSuspicious = "suspicious"
	VerdictSafe       = "likely_safe"
	VerdictSimulation = "simulation"
	VerdictPending    = "pending"
)

// ValidVerdict reports whether v may be set by the security team.
func ValidVerdict(v string) bool {
	switch v {
	case VerdictMalicious, VerdictSuspicious, VerdictSafe, VerdictSimulation:
		return true
	}
	return false
}

// Thresholds of the score (0-100) that turn findings into a verdict. A
// malicious verdict also needs one strong finding: many small oddities
// (a new domain, an urgent tone, a Reply-To) make a mail suspicious, not
// malicious, so ordinary mail is not condemned by accumulation.
const (
	maliciousAt  = 60
	suspiciousAt = 25
	strongWeight = 30
)

// Config is what the analysis knows about the organisation.
type Config struct {
	// OrgDomains are the organisation's own mail domains.
	OrgDomains []string
	// Staff are colleagues whose names an attacker may borrow.
	Staff []Person
	// AuthServIDs are the authserv-ids of the organisation's receiving
	// servers; only their Authentication-Results are believed.
	AuthServIDs []string
	// Resolver, when set, verifies DKIM signatures afresh (key lookups in
	// DNS). Nothing else of the mail is ever fetched.
	Resolver swmail.Resolver
	// SimulationDomains are sender or link domains of the organisation's own
	// phishing simulations.
	SimulationDomains []string
}

// Person is a colleague: name and address.
type Person struct {
	Name  string
	Email string
}

// Input is one suspect to analyse.
type Input struct {
	Suspect *Suspect
	// SenderSeen reports whether mail from the sender's domain reached the
	// helpdesk before (nil: unknown); a first-time domain is a weak signal.
	SenderSeen *bool
}

// Finding is one thing the analysis noticed, with its evidence.
type Finding struct {
	Area     string `json:"area"`     // auth, sender, link, attachment, content
	Weight   int    `json:"weight"`   // what it adds to the score (negative: reassuring)
	Reason   string `json:"reason"`   // plain words, for reporters and the workspace
	Evidence string `json:"evidence"` // the exact value that shows it (defanged)
}

// Link is one URL found in the mail; it is never fetched.
type Link struct {
	URL    string   `json:"url"`
	Host   string   `json:"host"`
	Anchor string   `json:"anchor,omitempty"`
	Flags  []string `json:"flags,omitempty"`
}

// AttachmentInfo is one attachment, typed by its content.
type AttachmentInfo struct {
	Filename     string   `json:"filename"`
	DeclaredType string   `json:"declared_type"`
	RealType     string   `json:"real_type"`
	Size         int      `json:"size"`
	SHA256       string   `json:"sha256"`
	Flags        []string `json:"flags,omitempty"`
}

// AuthInfo is what the suspect's headers and a fresh check say about its sender.
type AuthInfo struct {
	Source    string `json:"source"` // the trusted authserv-id whose results were read, or ""
	SPF       string `json:"spf"`
	DKIM      string `json:"dkim"`
	DMARC     string `json:"dmarc"`
	FreshDKIM string `json:"fresh_dkim"` // pass (domain), fail, none, skipped
}

// Indicators are what a campaign is recognised by, and what the security
// team blocks.
type Indicators struct {
	Senders []string `json:"senders"` // From and Reply-To addresses
	Hosts   []string `json:"hosts"`   // link hosts outside the organisation
	URLs    []string `json:"urls"`    // full URLs of shorteners (their host says nothing)
	Hashes  []string `json:"hashes"`  // SHA-256 of attachments
	Subject string   `json:"subject"`
	SimHash uint64   `json:"simhash"` // of the normalised text, for near-identical mails
}

// Analysis is the outcome for one suspect.
type Analysis struct {
	Verdict     string           `json:"verdict"`
	Score       int              `json:"score"`
	Reasons     []string         `json:"reasons"`
	Findings    []Finding        `json:"findings"`
	How         string           `json:"how"`
	From        string           `json:"from"`
	FromName    string           `json:"from_name"`
	ReplyTo     string           `json:"reply_to,omitempty"`
	ReturnPath  string           `json:"return_path,omitempty"`
	Subject     string           `json:"subject"`
	Date        *time.Time       `json:"date,omitempty"`
	Auth        AuthInfo         `json:"auth"`
	Links       []Link           `json:"links"`
	Attachments []AttachmentInfo `json:"attachments"`
	Indicators  Indicators       `json:"indicators"`
}

// Analyse looks at a suspect and decides. It never fetches a link.
func Analyse(ctx context.Context, cfg Config, in Input) (*Analysis, error) {
	s := in.Suspect
	if s == nil || len(s.Raw) == 0 {
		return nil, ErrNoSuspect
	}
	env, err := readEnvelope(s.Raw)
	if err != nil {
		return nil, fmt.Errorf("read suspect: %w", err)
	}
	a := &Analysis{How: s.How, Subject: strings.TrimSpace(env.GetHeader("Subject")), Links: []Link{},
		Attachments: []AttachmentInfo{}, Findings: []Finding{}}
	if d, err := mail.ParseDate(env.GetHeader("Date")); err == nil {
		d = d.UTC()
		a.Date = &d
	}
	from := firstAddress(env, "From")
	a.From, a.FromName = strings.ToLower(from.Address), from.Name
	if rt := firstAddress(env, "Reply-To"); rt.Address != "" {
		a.ReplyTo = strings.ToLower(rt.Address)
	}
	a.ReturnPath = strings.ToLower(strings.Trim(strings.TrimSpace(env.GetHeader("Return-Path")), "<>"))

	if sim := simulation(env, cfg, a); sim != nil {
		a.Findings = append(a.Findings, *sim)
	}
	if s.Partial {
		a.add("auth", 0, "The mail was forwarded inline, so its original headers (and their authentication results) are lost; forward it as an attachment next time.", "")
	} else {
		checkAuth(ctx, cfg, s.Raw, a)
	}
	checkSender(cfg, in, a)
	checkLinks(cfg, env, a)
	checkAttachments(env, a)
	checkContent(env, a)
	a.Indicators = indicatorsOf(cfg, env, a)
	a.decide()
	return a, nil
}

func (a *Analysis) add(area string, weight int, reason, evidence string) {
	for _, f := range a.Findings {
		if f.Reason == reason { // the same trick twice is one reason
			return
		}
	}
	a.Findings = append(a.Findings, Finding{Area: area, Weight: weight, Reason: reason, Evidence: evidence})
}

// decide turns the findings into a score, a verdict and up to five reasons.
func (a *Analysis) decide() {
	score, strong, sim := 0, false, false
	for _, f := range a.Findings {
		score += f.Weight
		strong = strong || f.Weight >= strongWeight
		sim = sim || f.Area == "simulation"
	}
	a.Score = min(max(score, 0), 100)
	switch {
	case sim:
		a.Verdict = VerdictSimulation
	case a.Score >= maliciousAt && strong:
		a.Verdict = VerdictMalicious
	case a.Score >= suspiciousAt:
		a.Verdict = VerdictSuspicious
	default:
		a.Verdict = VerdictSafe
	}
	byWeight := append([]Finding(nil), a.Findings...)
	sort.SliceStable(byWeight, func(i, j int) bool { return byWeight[i].Weight > byWeight[j].Weight })
	a.Reasons = []string{}
	for _, f := range byWeight {
		if f.Weight <= 0 && a.Verdict != VerdictSafe && f.Area != "simulation" {
			continue
		}
		if len(a.Reasons) == 5 {
			break
		}
		a.Reasons = append(a.Reasons, f.Reason)
	}
	if len(a.Reasons) == 0 {
		a.Reasons = append(a.Reasons, "Nothing in this mail looks like phishing: its sender, links and attachments are ordinary.")
	}
}

// Clues are the two or three findings that gave the mail away, for the
// reporter's thank-you mail.
func (a *Analysis) Clues() []string {
	byWeight := append([]Finding(nil), a.Findings...)
	sort.SliceStable(byWeight, func(i, j int) bool { return byWeight[i].Weight > byWeight[j].Weight })
	var out []string
	for _, f := range byWeight {
		if f.Weight < 10 || len(out) == 3 {
			break
		}
		out = append(out, f.Reason)
	}
	return out
}

func firstAddress(env *enmime.Envelope, field string) mail.Address {
	list, err := env.AddressList(field)
	if err == nil && len(list) > 0 && list[0] != nil {
		return *list[0]
	}
	// A broken header: take what looks like an address.
	v := env.GetHeader(field)
	if i, j := strings.LastIndexByte(v, '<'), strings.LastIndexByte(v, '>'); i >= 0 && j > i {
		return mail.Address{Name: strings.Trim(strings.TrimSpace(v[:i]), `"`), Address: v[i+1 : j]}
	}
	if strings.Contains(v, "@") {
		return mail.Address{Address: strings.TrimSpace(v)}
	}
	return mail.Address{}
}
