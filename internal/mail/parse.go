// Package mail is the pure part of email handling: parsing MIME into text and
// attachments, classifying (bounce, auto-reply, loop), stripping quotes,
// signing and reading reply addresses, and the loop-guard headers. It does no
// I/O and knows no database, so intake (mail in) and notify (mail out) share it
// and it can be fuzzed on its own.
//
// Parsing (Parse), classification into normal mail,
// auto-replies, machine mail, bounces and our own looping mail (Classify), the keys
// used to thread a reply onto a ticket (ReplyAddress, SubjectTicketNumber) and the
// split of a reply into new text and quoted history (FoldQuoted). None of it touches
// the database or the network, so all of it is tested on real corpora and fuzzed.
package mail

import (
	"bytes"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
	"time"

	"github.com/jhillyerd/enmime"
)

// maxWarnings bounds the warnings kept per message: a hostile message with thousands
// of broken parts must not turn into thousands of stored strings.
const maxWarnings = 50

// ErrNoHeader is returned by Parse for input that has no recognisable header at all;
// anything with at least one header field is parsed, however broken the rest is.
var ErrNoHeader = errors.New("mail: message has no usable header")

// Address is one mailbox: a display name (decoded to UTF-8) and the bare address.
type Address struct {
	Name  string
	Email string
}

// String formats the address for logs and display; it is not meant for re-sending.
func (a Address) String() string {
	if a.Name == "" {
		return a.Email
	}
	return fmt.Sprintf("%q <%s>", a.Name, a.Email)
}

// Attachment is a non-body part of a message. ContentType is sniffed from the data
// because the declared type is attacker-controlled and decides how a browser treats it.
type Attachment struct {
	Filename     string // made safe: no path, no control characters, bounded length
	ContentType  string // from http.DetectContentType, not the sender's claim
	DeclaredType string // what the sender said, for display and for recognising report parts
	ContentID    string // without <>, so HTML cid: references can be resolved
	Inline       bool
	Data         []byte
}

// Parsed is everything the rest of intake needs from one message.
type Parsed struct {
	MessageID  string   // bare id, no <>
	InReplyTo  []string // bare ids
	References []string // bare ids

	From    Address
	To, Cc  []Address
	ReplyTo []Address

	Subject string
	Date    time.Time

	// Text is the best plain text: the text part, else text derived from the HTML.
	Text string
	// HTML is sanitised and safe to embed; remote images are not loaded (see sanitizeHTML).
	HTML string

	Attachments []Attachment

	// Headers holds the top-level header fields as received (canonical keys, values
	// not RFC 2047 decoded), for classification rules that need the raw form.
	Headers map[string][]string

	// Warnings lists what was broken and how it was worked around.
	Warnings []string
}

func (p *Parsed) warnf(format string, args ...any) {
	if len(p.Warnings) < maxWarnings {
		p.Warnings = append(p.Warnings, fmt.Sprintf(format, args...))
	}
}

// Header returns the first raw value of a header field, or "".
func (p *Parsed) Header(name string) string {
	if v := p.Headers[textproto.CanonicalMIMEHeaderKey(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Lenient returns the parser Parse uses, for other readers of hostile mail
// (phishing reports) that must not fail where intake keeps going.
func Lenient() *enmime.Parser { return parser }

// parser is configured to keep as much as possible: a multipart without boundary is
// read as one part, a corrupt base64 text part keeps what decoded, and we never let
// enmime drop a malformed part silently.
var parser = enmime.NewParser(
	enmime.MultipartWOBoundaryAsSinglePart(true),
	enmime.SetReadPartErrorPolicy(enmime.AllowCorruptTextPartErrorPolicy),
	enmime.MaxStoredPartErrors(maxWarnings),
)

// Parse reads one raw message. It never panics and, for input with at least one
// header field, always returns a result: a broken part keeps what can be kept and
// adds a warning. The error is only for input that has no usable header at all.
func Parse(raw []byte) (p *Parsed, err error) {
	raw = normalizeInput(raw)
	if !hasHeader(raw) {
		return nil, ErrNoHeader
	}
	p = &Parsed{}
	shape, closed := scanMIME(raw)
	if limit := shape.tooBig(); limit != "" {
		// Past a structural limit the MIME reader is not even tried: the mail
		// still becomes a ticket, with the text that can be read and a warning.
		p.warnf("mime: %s; kept the body as plain text", limit)
		fillFallback(p, raw)
		fillHeaders(p)
		p.scrub()
		return p, nil
	}
	if shape.unclosed > 0 {
		p.warnf("mime: closed %d unterminated multipart boundaries", shape.unclosed)
		raw = closed
	}
	env, perr := ReadEnvelope(parser, raw, ParseBudget)
	if perr != nil {
		// enmime gave up, panicked or ran out of time: fall back to a
		// header/body split so a mail answered 250 is never lost just because
		// its MIME structure is broken.
		p.warnf("mime: %v; kept the body as plain text", perr)
		fillFallback(p, raw)
	} else {
		fillFromEnvelope(p, env)
	}
	fillHeaders(p)
	p.scrub()
	return p, nil
}

// ParseBudget is how long the MIME reader may take over one mail. The
// structural limits keep real and hostile mail far below it; it is the last
// line of defence should another input shape turn out to be slow.
var ParseBudget = 10 * time.Second

// ReadEnvelope runs enmime's parser p over raw with a recover and a deadline:
// enmime is third-party code fed with attacker-controlled bytes, and neither a
// panic nor a slow path in it may take down or hold the caller. A parse that
// outlives budget is abandoned (its goroutine finishes on its own; the result
// is dropped). Parse passes its own lenient parser; a caller that wants
// enmime's defaults passes enmime.NewParser().
func ReadEnvelope(p *enmime.Parser, raw []byte, budget time.Duration) (*enmime.Envelope, error) {
	type result struct {
		env *enmime.Envelope
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{nil, fmt.Errorf("parser panic: %v", r)}
			}
		}()
		env, err := p.ReadEnvelope(bytes.NewReader(raw))
		done <- result{env, err}
	}()
	timer := time.NewTimer(budget)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.env, r.err
	case <-timer.C:
		return nil, fmt.Errorf("parse took longer than %s, abandoned", budget)
	}
}

// normalizeInput strips a byte-order mark and an mbox "From " envelope line and turns CR-only line endings
// into CRLF (old Mac clients and some gateways), which the MIME reader does not split on.
func normalizeInput(raw []byte) []byte {
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // UTF-8 BOM written by some Windows tools
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			raw = raw[i+1:]
		} else if i := bytes.IndexByte(raw, '\r'); i >= 0 {
			raw = raw[i+1:]
		}
	}
	// Most mail (all of SMTP's) is CRLF throughout: nothing to copy then.
	bare := bareCR(raw, 0)
	if bare < 0 {
		return raw
	}
	out := make([]byte, 0, len(raw)+len(raw)/40)
	from := 0
	for bare >= 0 {
		out = append(append(out, raw[from:bare+1]...), '\n')
		from = bare + 1
		bare = bareCR(raw, from)
	}
	return append(out, raw[from:]...)
}

// bareCR is the index of the first CR at or after from that no LF follows,
// or -1.
func bareCR(raw []byte, from int) int {
	for from < len(raw) {
		i := bytes.IndexByte(raw[from:], '\r')
		if i < 0 {
			return -1
		}
		i += from
		if i+1 == len(raw) || raw[i+1] != '\n' {
			return i
		}
		from = i + 2
	}
	return -1
}

// hasHeader reports whether the input starts with something that looks like a header
// field ("Name: value"); only then is it worth treating as mail.
func hasHeader(raw []byte) bool {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return false
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // folded continuation of a previous field
		}
		if i := bytes.IndexByte(line, ':'); i > 0 && validFieldName(line[:i]) {
			return true
		}
		return false
	}
	return false
}

func validFieldName(name []byte) bool {
	for _, c := range bytes.TrimRight(name, " \t") {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func fillFromEnvelope(p *Parsed, env *enmime.Envelope) {
	p.Headers = map[string][]string{}
	if env.Root != nil {
		for k, v := range env.Root.Header {
			p.Headers[textproto.CanonicalMIMEHeaderKey(k)] = append([]string(nil), v...)
		}
	}
	for _, e := range env.Errors {
		p.warnf("mime: %s", e.String())
	}
	p.Text = env.Text
	html := env.HTML
	if p.Text == "" && html == "" && env.Root != nil && len(env.Root.Content) > 0 &&
		!strings.HasPrefix(env.Root.ContentType, "multipart/") && len(env.Attachments)+len(env.Inlines) == 0 {
		// A single part enmime did not count as text (e.g. an unknown type): show it
		// rather than lose it; the warning tells an agent why it may look odd.
		p.Text = string(env.Root.Content)
		p.warnf("body of type %q shown as text", env.Root.ContentType)
	}
	p.Text = ensureUTF8(p, "text body", p.Text)
	if html != "" {
		p.HTML = sanitizeHTML(ensureUTF8(p, "html body", html))
	}
	if env.Root != nil {
		collectAttachments(p, env.Root)
	}
}

// fillFallback splits header and body by hand, used only when the MIME reader failed.
func fillFallback(p *Parsed, raw []byte) {
	hdr, body := splitHeaderBody(raw)
	p.Headers = parseHeaderBlock(hdr)
	p.Text = ensureUTF8(p, "body", string(body))
}

// splitHeaderBody splits at the header's blank line as headerEnd finds it
// (CRLF, LF or stray CRs alike): the header of LF mail must not run on to a
// CRLF blank line further down its body, and no reader may see a header
// field where StripAuthResults saw body.
func splitHeaderBody(raw []byte) (hdr, body []byte) {
	end, b := headerEnd(raw)
	return raw[:end], raw[b:]
}

// parseHeaderBlock is a lenient header reader: unfolds continuation lines and skips
// lines that are not fields, rather than failing the whole message.
func parseHeaderBlock(hdr []byte) map[string][]string {
	h := map[string][]string{}
	var key string
	var parts []string // the current field's lines, joined once at its end
	flush := func() {
		if key != "" {
			h[key] = append(h[key], strings.Join(parts, " "))
		}
		key, parts = "", parts[:0]
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(hdr), "\r\n", "\n"), "\n") {
		if line == "" {
			continue
		}
		if (line[0] == ' ' || line[0] == '\t') && key != "" {
			parts = append(parts, strings.TrimSpace(line))
			continue
		}
		flush()
		i := strings.IndexByte(line, ':')
		if i <= 0 || !validFieldName([]byte(line[:i])) {
			continue
		}
		key = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(line[:i]))
		parts = append(parts, strings.TrimSpace(line[i+1:]))
	}
	flush()
	return h
}
