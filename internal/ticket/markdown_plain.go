package ticket

import (
	"strings"
	"unicode/utf8"
)

// Most descriptions are plain prose: paragraphs, line breaks, maybe a word
// in **bold**. For those, goldmark's parse and bluemonday's re-parse (about
// a tenth of the CPU of filing a ticket over HTTP, with a goroutine and a
// timer per call) produce HTML we can write directly. renderPlain takes an
// input only when every character and every line is one it knows the
// Markdown meaning of, and gives up (ok false) at the first doubt; the full
// renderer then runs as before. TestRenderPlainEqualsFull holds it to
// byte-identical output on the ticket and mail corpora and on generated
// inputs full of near misses.
//
// What it takes:
//   - lines that start with a letter, a digit not followed by more digits
//     and '.' or ')' (an ordered list), or a character of no block meaning;
//     blank lines separate paragraphs; no line ends in a space;
//   - no character with an inline meaning it does not handle: \ ` _ ~ [ ]
//     < | @ (autolinked addresses), '&' before a letter, digit or '#'
//     (entities), "://" or "www." (autolinked URLs), control characters,
//     invalid UTF-8;
//   - '*' only as **strong** or *emphasis* on one line: the opening run
//     at a line start or after a space and before a letter or digit, the
//     closing run of the same length after a letter or digit and before a
//     space, the line end or . , ; : ! ? ), nothing nested.
//
// The HTML is what the full pipeline gives for these: each paragraph in
// <p>…</p> and a newline, its lines joined by "\n", text escaped as
// bluemonday writes it (html.EscapeString: &amp; &lt; &gt; &#39; &#34;).
func renderPlain(src string) (string, bool) {
	if len(src) == 0 || len(src) > MaxMarkdown {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(src) + len(src)/8 + 16)
	inPara := false
	for rest := src; len(rest) > 0; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if line == "" {
			if inPara {
				b.WriteString("</p>\n")
				inPara = false
			}
			continue
		}
		if !plainLineStart(line) || line[len(line)-1] == ' ' {
			return "", false
		}
		if inPara {
			b.WriteByte('\n')
		} else {
			b.WriteString("<p>")
			inPara = true
		}
		if !writePlainLine(&b, line) {
			return "", false
		}
	}
	if !inPara && b.Len() == 0 {
		return "", false // blank: let the full renderer say what that is
	}
	if inPara {
		b.WriteString("</p>\n")
	}
	return b.String(), true
}

// plainLineStart reports whether a line's start has no block meaning: not
// indented, no heading, quote, list, rule, fence, table or HTML block.
func plainLineStart(line string) bool {
	c := line[0]
	switch {
	case c >= '0' && c <= '9':
		i := 0
		for i < len(line) && line[i] >= '0' && line[i] <= '9' {
			i++
		}
		return i == len(line) || (line[i] != '.' && line[i] != ')')
	case c == '*':
		// Only as the opening of **strong** or *emphasis*, checked inline;
		// "* " and "***" are list items and rules.
		return len(line) > 1 && (line[1] == '*' || isAlnum(line[1]))
	case c == ' ' || c == '\t' || c == '#' || c == '>' || c == '-' || c == '+' || c == '=':
		return false
	}
	return true
}

// writePlainLine escapes one line into b, with its emphasis; false when the
// line holds anything renderPlain does not take.
func writePlainLine(b *strings.Builder, line string) bool {
	open := 0 // length of the open emphasis run, 0 when none
	for i := 0; i < len(line); {
		c := line[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(line[i:])
			if r == utf8.RuneError || (r >= 0x80 && r <= 0x9f) || r == 0xfeff {
				return false
			}
			b.WriteString(line[i : i+n])
			i += n
			continue
		}
		switch c {
		case '&':
			if i+1 < len(line) && (isAlnum(line[i+1]) || line[i+1] == '#') {
				return false
			}
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '"':
			b.WriteString("&#34;")
		case '>':
			b.WriteString("&gt;")
		case ':':
			if strings.HasPrefix(line[i:], "://") {
				return false
			}
			b.WriteByte(c)
		case 'w', 'W':
			if i+4 <= len(line) && strings.EqualFold(line[i:i+4], "www.") {
				return false
			}
			b.WriteByte(c)
		case '*':
			run := 1
			for i+run < len(line) && line[i+run] == '*' {
				run++
			}
			if run > 2 {
				return false
			}
			if open == 0 {
				// Opening: at the line start or after a space, before a
				// letter or digit.
				if (i > 0 && line[i-1] != ' ') || i+run >= len(line) || !isAlnum(line[i+run]) {
					return false
				}
				open = run
				b.WriteString(emTag[run][0])
			} else {
				// Closing: the same length, after a letter or digit, before
				// a space, the end or closing punctuation.
				if run != open || !isAlnum(line[i-1]) ||
					(i+run < len(line) && !strings.ContainsRune(" .,;:!?)", rune(line[i+run]))) {
					return false
				}
				open = 0
				b.WriteString(emTag[run][1])
			}
			i += run
			continue
		case '\\', '`', '_', '~', '[', ']', '<', '|', '@', '\t':
			return false
		default:
			if c < 0x20 || c == 0x7f {
				return false
			}
			b.WriteByte(c)
		}
		i++
	}
	return open == 0
}

var emTag = [3][2]string{1: {"<em>", "</em>"}, 2: {"<strong>", "</strong>"}}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}
