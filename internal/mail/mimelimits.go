package mail

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"
)

// Limits on the MIME structure of one mail. Real mail stays far below them
// (the corpora peak at depth 6 and a few hundred parts); a mail past one is
// hostile or broken, and is kept as plain text with a warning instead of
// being handed to the MIME reader.
const (
	maxMIMEDepth    = 20
	maxMIMEParts    = 1000
	maxHeaderFields = 2000 // in all header blocks of the mail together
)

// mimeShape is what a linear scan of a mail's MIME structure found.
type mimeShape struct {
	depth, parts, headers int
	// unclosed counts multipart boundaries that were never terminated; the
	// scan's output has their closing delimiters added.
	unclosed int
}

// tooBig names the first limit the mail is past, or "".
func (s mimeShape) tooBig() string {
	switch {
	case s.depth > maxMIMEDepth:
		return fmt.Sprintf("MIME nesting deeper than %d", maxMIMEDepth)
	case s.parts > maxMIMEParts:
		return fmt.Sprintf("more than %d MIME parts", maxMIMEParts)
	case s.headers > maxHeaderFields:
		return fmt.Sprintf("more than %d header fields", maxHeaderFields)
	}
	return ""
}

// scanMIME walks the mail once, line by line, following the multipart
// boundaries the way the MIME reader will, and returns its shape and a copy
// in which every unterminated multipart is closed.
//
// Why: enmime reads nested multiparts through one boundary reader per level,
// and when the boundaries are never closed each level re-reads everything
// below it, so the time doubles with every level (depth 18: 1 s, depth 26:
// minutes) — a 1.4 KB mail can pin a core. With the closing delimiters in
// place the same mail parses in about a millisecond. The scan stops counting
// (but keeps copying) once a limit is passed, so it stays linear in the size
// of the mail whatever the mail holds.
func scanMIME(raw []byte) (mimeShape, []byte) {
	var s mimeShape
	out := make([]byte, 0, len(raw)+64)
	var stack []string // open boundaries, innermost last
	inHeader := true   // reading a header block (the mail's, or a part's)
	var field []byte   // the current header field, unfolded, for Content-Type
	var ctype string   // the current block's Content-Type
	endHeaderField := func() {
		if len(field) == 0 {
			return
		}
		if i := bytes.IndexByte(field, ':'); i > 0 && strings.EqualFold(strings.TrimSpace(string(field[:i])), "Content-Type") {
			ctype = string(field[i+1:])
		}
		field = field[:0]
	}
	closeTo := func(n int) {
		// Terminate every boundary above depth n that its sender left open.
		for len(stack) > n {
			out = append(out, "--"+stack[len(stack)-1]+"--\r\n"...)
			stack = stack[:len(stack)-1]
			s.unclosed++
		}
	}
	for rest := raw; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = nil
		}
		bare := bytes.TrimRight(line, "\r\n")
		if inHeader {
			switch {
			case len(bare) == 0:
				endHeaderField()
				inHeader = false
				if mt, params, err := mime.ParseMediaType(strings.TrimSpace(ctype)); err == nil &&
					strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
					stack = append(stack, params["boundary"])
					s.depth = max(s.depth, len(stack))
				}
				ctype = ""
			case bare[0] == ' ' || bare[0] == '\t':
				if len(field) < 4096 {
					field = append(field, bare...)
				}
			default:
				endHeaderField()
				s.headers++
				field = append(field, bare[:min(len(bare), 4096)]...)
			}
			out = append(out, line...)
			continue
		}
		if len(stack) > 0 && bytes.HasPrefix(bare, []byte("--")) {
			if n, final := matchBoundary(stack, bare); n >= 0 {
				closeTo(n + 1)
				out = append(out, line...)
				if final {
					stack = stack[:n]
				} else {
					s.parts++
					inHeader = true
				}
				continue
			}
		}
		out = append(out, line...)
	}
	if inHeader {
		endHeaderField()
	}
	if len(out) > 0 && out[len(out)-1] != '\n' && len(stack) > 0 {
		out = append(out, "\r\n"...)
	}
	closeTo(0)
	return s, out
}

// matchBoundary finds which open boundary a "--" line delimits, innermost
// first (as the MIME reader sees them), and whether it is the final one.
func matchBoundary(stack []string, line []byte) (int, bool) {
	for i := len(stack) - 1; i >= 0; i-- {
		b := stack[i]
		if len(line) < 2+len(b) || string(line[2:2+len(b)]) != b {
			continue
		}
		tail := line[2+len(b):]
		if bytes.HasPrefix(tail, []byte("--")) {
			return i, true
		}
		if len(bytes.TrimSpace(tail)) == 0 || tail[0] == ' ' || tail[0] == '\t' {
			return i, false
		}
	}
	return -1, false
}

// scrub replaces NUL bytes and invalid UTF-8 in everything Parse returns as
// text: PostgreSQL refuses NUL in text columns, and a mail that cannot be
// stored would otherwise fail on every retry.
func (p *Parsed) scrub() {
	fix := func(s string) string {
		if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
			return s
		}
		return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	}
	p.MessageID, p.Subject, p.Text, p.HTML = fix(p.MessageID), fix(p.Subject), fix(p.Text), fix(p.HTML)
	for _, l := range [][]string{p.InReplyTo, p.References} {
		for i := range l {
			l[i] = fix(l[i])
		}
	}
	p.From.Name, p.From.Email = fix(p.From.Name), fix(p.From.Email)
	for _, l := range [][]Address{p.To, p.Cc, p.ReplyTo} {
		for i := range l {
			l[i].Name, l[i].Email = fix(l[i].Name), fix(l[i].Email)
		}
	}
	for k, vs := range p.Headers {
		for i := range vs {
			vs[i] = fix(vs[i])
		}
		p.Headers[k] = vs
	}
	for i := range p.Attachments {
		a := &p.Attachments[i]
		a.Filename, a.ContentID, a.DeclaredType = fix(a.Filename), fix(a.ContentID), fix(a.DeclaredType)
	}
	for i := range p.Warnings {
		p.Warnings[i] = fix(p.Warnings[i])
	}
}
