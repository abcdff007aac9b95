package phishing

import (
	"bufio"
	"bytes"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime"

	swmail "switchboard/internal/mail"
)

// How a suspect was found in a report.
const (
	FoundAttachment = "attachment" // forwarded as a message/rfc822 or .eml attachment
	FoundInline     = "inline"     // forwarded inline, below a "Forwarded message" line
	FoundRedirect   = "redirect"   // redirected (Resent-*): the report is the mail itself
	FoundUpload     = "upload"     // uploaded as an .eml file in the portal
)

// Suspect is the reported mail as found inside a report.
type Suspect struct {
	Raw []byte // the mail as the attacker sent it (for inline forwards: rebuilt from the quoted header lines)
	How string // FoundAttachment, FoundInline, FoundRedirect or FoundUpload
	// Partial is set for an inline forward: the original headers (and so
	// authentication results and Reply-To) are lost, and the analysis says so.
	Partial bool
}

// ErrNoSuspect is returned when a report contains no reported mail.
var ErrNoSuspect = fmt.Errorf("phishing: the report holds no forwarded mail")

// FindSuspect finds the reported mail in a report: an attached message (the
// recommended way: headers intact), else an inline forward, else the mail
// itself when it was redirected. The reporter's own mail is never the
// suspect.
func FindSuspect(report []byte) (*Suspect, error) {
	env, err := readEnvelope(report)
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if raw := attachedMessage(env.Root); raw != nil {
		return &Suspect{Raw: raw, How: FoundAttachment}, nil
	}
	if s := inlineForward(env.Text); s != nil {
		// Links of an HTML forward live in its HTML part; keep the part below
		// the forward marker so the reporter's own signature is left out.
		if html := htmlAfterMarker(env.HTML); html != "" {
			s.Raw = withHTML(s.Raw, html)
		}
		return s, nil
	}
	if env.GetHeader("Resent-From") != "" || env.GetHeader("Resent-Sender") != "" {
		return &Suspect{Raw: report, How: FoundRedirect}, nil
	}
	return nil, ErrNoSuspect
}

// reportParser is the mail package's lenient parser: a suspect with a
// corrupt text part or a boundary-less multipart must still be analysed,
// not escape analysis by failing to parse.
var reportParser = swmail.Lenient()

// readEnvelope parses a report or suspect with swmail.ReadEnvelope: a panic
// on hostile input becomes an error and a parse longer than the mail
// parser's budget is abandoned, so a crafted report cannot hold a worker.
func readEnvelope(raw []byte) (*enmime.Envelope, error) {
	return swmail.ReadEnvelope(reportParser, raw, swmail.ParseBudget)
}

// attachedMessage returns the first attached mail: a message/rfc822 part, or
// a part named *.eml that looks like mail (clients differ in the type they
// give a dragged-in .eml file).
func attachedMessage(root *enmime.Part) []byte {
	var found []byte
	var walk func(p *enmime.Part, depth int)
	walk = func(p *enmime.Part, depth int) {
		for ; p != nil && found == nil && depth < 30; p = p.NextSibling {
			ct := strings.ToLower(p.ContentType)
			switch {
			case ct == "message/rfc822" || ct == "message/global":
				if len(p.Content) > 0 {
					found = p.Content
					return
				}
			case strings.HasSuffix(strings.ToLower(p.FileName), ".eml") && looksLikeMail(p.Content):
				found = p.Content
				return
			}
			if p.FirstChild != nil {
				walk(p.FirstChild, depth+1)
			}
		}
	}
	if root != nil {
		walk(root.FirstChild, 1)
	}
	return found
}

// looksLikeMail reports whether data starts with a header block naming a sender.
func looksLikeMail(data []byte) bool {
	head := data
	if len(head) > 16<<10 {
		head = head[:16<<10]
	}
	msg, err := mail.ReadMessage(bytes.NewReader(append(bytes.Clone(head), "\r\n\r\n"...)))
	return err == nil && (msg.Header.Get("From") != "" || msg.Header.Get("Subject") != "")
}

// forwardMarker matches the lines mail clients put above an inline forward.
var forwardMarker = regexp.MustCompile(`(?im)^[ \t>]*(?:-{2,}\s*(?:Forwarded message|Original Message|Weitergeleitete Nachricht|Message transféré|Ursprüngliche Nachricht)\s*-{2,}|Begin forwarded message:|-{5,}\s*Forwarded by|_{10,})[ \t]*$`)

// quotedHeader matches one "Name: value" line of a forwarded header block.
var quotedHeader = regexp.MustCompile(`^[ \t>]*\*?(From|Sent|Date|To|Cc|Subject|Reply-To|Von|Gesendet|An|Betreff|De|Envoyé|Objet)\*?:[ \t]*(.*)$`)

var headerAlias = map[string]string{"sent": "Date", "von": "From", "gesendet": "Date", "an": "To",
	"betreff": "Subject", "de": "From", "envoyé": "Date", "objet": "Subject", "from": "From", "date": "Date",
	"to": "To", "cc": "Cc", "subject": "Subject", "reply-to": "Reply-To"}

// inlineForward rebuilds the forwarded mail from the quoted header lines and
// the text below them.
func inlineForward(text string) *Suspect {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	loc := forwardMarker.FindStringIndex(text)
	if loc == nil {
		return nil
	}
	sc := bufio.NewScanner(strings.NewReader(text[loc[1]:]))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var hdr bytes.Buffer
	var body strings.Builder
	inHeader, seen := true, 0
	for sc.Scan() {
		line := sc.Text()
		if inHeader {
			if strings.TrimSpace(line) == "" && seen == 0 {
				continue
			}
			if m := quotedHeader.FindStringSubmatch(line); m != nil {
				name := headerAlias[strings.ToLower(m[1])]
				val := strings.TrimSpace(m[2])
				if name == "Date" {
					val = normaliseDate(val)
				}
				fmt.Fprintf(&hdr, "%s: %s\r\n", name, mimeWordIfNeeded(val))
				seen++
				continue
			}
			inHeader = false
			if strings.TrimSpace(line) == "" {
				continue
			}
		}
		body.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "> "), ">"))
		body.WriteString("\n")
	}
	if seen == 0 {
		return nil
	}
	hdr.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	hdr.WriteString(strings.ReplaceAll(body.String(), "\n", "\r\n"))
	return &Suspect{Raw: hdr.Bytes(), How: FoundInline, Partial: true}
}

// normaliseDate turns the dates clients write above a forward into RFC 5322
// where it can, so the time of first delivery is known.
func normaliseDate(s string) string {
	for _, layout := range []string{"Mon, Jan 2, 2006 at 3:04 PM", "Monday, January 2, 2006 3:04 PM",
		"Mon, 2 Jan 2006 15:04:05 -0700", "Mon, Jan 2, 2006 at 15:04", "2 January 2006 15:04", "January 2, 2006 at 3:04:05 PM MST",
		"2006-01-02 15:04", "Mon, 02 Jan 2006 15:04:05 -0700"} {
		if t, err := parseTime(layout, s); err == nil {
			return t.Format("Mon, 02 Jan 2006 15:04:05 -0700")
		}
	}
	return s
}

// mimeWordIfNeeded keeps a header value that is not ASCII readable to the
// MIME reader (RFC 2047 encoded).
func mimeWordIfNeeded(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return encodeWord(s)
		}
	}
	return s
}

// htmlAfterMarker returns the HTML below a forward marker, or "".
func htmlAfterMarker(html string) string {
	lower := strings.ToLower(html)
	for _, m := range []string{"forwarded message", "original message", "begin forwarded message", "weitergeleitete nachricht"} {
		if i := strings.Index(lower, m); i >= 0 {
			return html[i:]
		}
	}
	return ""
}

// withHTML turns a rebuilt text/plain mail into multipart/alternative with
// the forwarded HTML, so its links and forms are analysed too.
func withHTML(raw []byte, html string) []byte {
	hdr, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var lines []string
	for _, l := range strings.Split(string(hdr), "\r\n") {
		if !strings.HasPrefix(l, "Content-Type:") && !strings.HasPrefix(l, "Content-Transfer-Encoding:") {
			lines = append(lines, l)
		}
	}
	const b = "phishing-rebuilt-boundary"
	var out bytes.Buffer
	out.WriteString(strings.Join(lines, "\r\n"))
	out.WriteString("\r\nContent-Type: multipart/alternative; boundary=\"" + b + "\"\r\n\r\n")
	out.WriteString("--" + b + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	out.Write(body)
	out.WriteString("\r\n--" + b + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	out.WriteString(strings.ReplaceAll(html, "--"+b, ""))
	out.WriteString("\r\n--" + b + "--\r\n")
	return out.Bytes()
}
