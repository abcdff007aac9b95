package mail

import (
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"github.com/jhillyerd/enmime"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// fillHeaders derives the typed envelope fields from p.Headers.
func fillHeaders(p *Parsed) {
	if p.Headers == nil {
		p.Headers = map[string][]string{}
	}
	p.MessageID = first(parseIDs(p.Header("Message-Id")))
	p.InReplyTo = parseIDs(strings.Join(p.Headers["In-Reply-To"], " "))
	p.References = parseIDs(strings.Join(p.Headers["References"], " "))
	p.Subject = decodeHeader(p, "Subject", p.Header("Subject"))
	if from := parseAddresses(p, "From"); len(from) > 0 {
		p.From = from[0]
	} else if s := parseAddresses(p, "Sender"); len(s) > 0 {
		p.From = s[0]
	}
	p.To = parseAddresses(p, "To")
	p.Cc = parseAddresses(p, "Cc")
	p.ReplyTo = parseAddresses(p, "Reply-To")
	if d := strings.TrimSpace(p.Header("Date")); d != "" {
		if t, ok := parseDate(d); ok {
			p.Date = t.UTC()
		} else {
			p.warnf("date: cannot parse %q", Truncate(d, 80))
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

var idRe = regexp.MustCompile(`<([^<>\s]+)>`)

// parseIDs returns the bare message ids of an id-list header. Broken writers omit
// the angle brackets, so without any <id> we accept whitespace/comma separated words
// that contain an '@'.
func parseIDs(v string) []string {
	var ids []string
	for _, m := range idRe.FindAllStringSubmatch(v, 100) {
		ids = append(ids, m[1])
	}
	if len(ids) > 0 {
		return ids
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' }) {
		if strings.Contains(f, "@") && len(ids) < 100 {
			ids = append(ids, strings.Trim(f, "<>"))
		}
	}
	return ids
}

// decodeHeader decodes RFC 2047 encoded words and turns raw 8-bit bytes into UTF-8.
// An unknown charset in an encoded word is decoded best-effort with a warning rather
// than leaving the =?…?= soup for the agent to read.
func decodeHeader(p *Parsed, name, v string) string {
	if v == "" {
		return ""
	}
	dec := mime.WordDecoder{CharsetReader: func(cs string, r io.Reader) (io.Reader, error) {
		if e, _ := charset.Lookup(cs); e != nil {
			return e.NewDecoder().Reader(r), nil
		}
		if e, ok := extraCharsets[strings.ToLower(cs)]; ok {
			return e.NewDecoder().Reader(r), nil
		}
		p.warnf("%s: unknown charset %q, decoded best-effort", name, Truncate(cs, 40))
		return r, nil // bytes are repaired by ensureUTF8 below
	}}
	out, err := dec.DecodeHeader(v)
	if err != nil {
		out = v
	}
	return strings.TrimSpace(ensureUTF8(p, name, out))
}

// extraCharsets covers labels seen in real mail that the WHATWG index lacks.
var extraCharsets = map[string]*charmap.Charmap{
	"cp1252": charmap.Windows1252, "cp850": charmap.CodePage850, "ibm850": charmap.CodePage850,
	"cp437": charmap.CodePage437, "ibm437": charmap.CodePage437, "iso-8859-1": charmap.ISO8859_1,
}

// ensureUTF8 repairs text that is not valid UTF-8 (undeclared or wrongly declared
// charset): it guesses the charset from the bytes and falls back to windows-1252,
// which maps every byte, so nothing is dropped.
func ensureUTF8(p *Parsed, what, s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := []byte(s)
	if r, err := chardet.NewTextDetector().DetectBest(b); err == nil && r.Confidence >= 50 {
		if e, _ := charset.Lookup(r.Charset); e != nil {
			if out, err := e.NewDecoder().Bytes(b); err == nil && utf8.Valid(out) {
				p.warnf("%s: invalid UTF-8, decoded as detected %s", what, r.Charset)
				return string(out)
			}
		}
	}
	out, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	p.warnf("%s: invalid UTF-8, decoded as windows-1252", what)
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// findAddrs returns the first n address-like words of s, as
// regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`).FindAllString(s, n)
// does (FuzzFindAddrs): a word is a maximal run of bytes that are none of
// those delimiters (a multi-byte rune never contains one), and it matches,
// whole, when an '@' in it has a byte on either side within it. The
// regexp's backtracking search was 2-3 % of a node's CPU in an SMTP burst
// of real-world test mail, whose broken address headers come here.
func findAddrs(s string, n int) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < n; {
		if addrDelim(s[i]) {
			i++
			continue
		}
		j, at := i, false
		for ; j < len(s) && !addrDelim(s[j]); j++ {
			at = at || (s[j] == '@' && j > i && j+1 < len(s) && !addrDelim(s[j+1]))
		}
		if at {
			out = append(out, s[i:j])
		}
		i = j
	}
	return out
}

// addrDelim reports the bytes that end an address-like word: ASCII space
// as regexp's \s has it (no vertical tab), and <>,;:"()[].
func addrDelim(c byte) bool {
	switch c {
	case '\t', '\n', '\f', '\r', ' ', '<', '>', ',', ';', ':', '"', '(', ')', '[', ']':
		return true
	}
	return false
}

// parseAddresses parses an address header strictly first and, if that fails, pulls
// out whatever looks like an addr-spec, so a malformed From never loses the sender.
func parseAddresses(p *Parsed, name string) []Address {
	raw := strings.Join(p.Headers[name], ", ")
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	var out []Address
	if list, err := enmime.ParseAddressList(raw); err == nil {
		for _, a := range list {
			if a == nil || a.Address == "" {
				continue
			}
			out = append(out, Address{Name: ensureUTF8(p, name, a.Name), Email: ensureUTF8(p, name, a.Address)})
		}
		if len(out) > 0 {
			return out
		}
	}
	decoded := decodeHeader(p, name, raw)
	for _, m := range findAddrs(decoded, 50) {
		out = append(out, Address{Email: strings.Trim(m, ".")})
	}
	if len(out) == 0 {
		p.warnf("%s: no address in %q", name, Truncate(decoded, 80))
	} else if len(out) == 1 {
		// Keep a display name when the shape is "Name <addr>" but otherwise broken.
		if i := strings.Index(decoded, "<"); i > 0 {
			out[0].Name = strings.Trim(strings.TrimSpace(decoded[:i]), `"'`)
		}
	}
	return out
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"2006-01-02 15:04:05 -0700",
	time.RFC3339,
}

var dateCommentRe = regexp.MustCompile(`\s*\([^)]*\)\s*$`)

// parseDate accepts RFC 5322 dates and the common deviations seen in the corpora.
func parseDate(d string) (time.Time, bool) {
	if t, err := mail.ParseDate(d); err == nil {
		return t, true
	}
	d = strings.Join(strings.Fields(dateCommentRe.ReplaceAllString(d, "")), " ")
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, d); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Truncate cuts s to at most n bytes on a rune boundary, marking the cut
// with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
