package mail

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// nestedBomb is the mail from the review: multiparts nested depth deep whose
// boundaries are never closed.
func nestedBomb(depth int) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: bomb\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n")
	for i := 1; i <= depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\nthe printer on floor 2 is broken\r\n", depth)
	return []byte(b.String())
}

func manyParts(n int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"x\"\r\n\r\n")
	for i := range n {
		fmt.Fprintf(&b, "--x\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--x--\r\n")
	return b.Bytes()
}

func hugeHeader(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: a@example.org\r\nSubject: big header\r\nX-Junk: ")
	for b.Len() < size {
		b.WriteString("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n ")
	}
	b.WriteString("end\r\n\r\nthe body\r\n")
	return b.Bytes()
}

// parseWithin fails the test when Parse does not return in d; d is generous
// (the machine is shared) but far below what the unfixed parser took.
func parseWithin(t *testing.T, raw []byte, d time.Duration) *Parsed {
	t.Helper()
	done := make(chan *Parsed, 1)
	go func() {
		p, err := Parse(raw)
		if err != nil {
			t.Errorf("parse: %v", err)
		}
		done <- p
	}()
	select {
	case p := <-done:
		return p
	case <-time.After(d):
		t.Fatalf("parse did not finish within %s", d)
		return nil
	}
}

func hasWarning(p *Parsed, sub string) bool {
	for _, w := range p.Warnings {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func TestMIMEBombs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		raw     []byte
		warning string
		text    string
	}{
		// Depth 18 unclosed took over a second before the boundaries were
		// closed by the scan, and doubled with every level.
		{"nested unclosed depth 18", nestedBomb(18), "closed 19 unterminated", "printer on floor 2"},
		{"nested unclosed depth 30", nestedBomb(30), "MIME nesting deeper than 20", "printer on floor 2"},
		{"10000 parts", manyParts(10000), "more than 1000 MIME parts", "part 9999"},
		{"30 MB header", hugeHeader(30 << 20), "", "the body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := parseWithin(t, tc.raw, 60*time.Second)
			if tc.warning != "" && !hasWarning(p, tc.warning) {
				t.Errorf("warnings %q lack %q", p.Warnings, tc.warning)
			}
			if !strings.Contains(p.Text, tc.text) {
				t.Errorf("text %.200q lacks %q", p.Text, tc.text)
			}
			if p.From.Email != "a@example.org" {
				t.Errorf("from = %q", p.From.Email)
			}
		})
	}
}

// TestNestedBombShallowIsFast checks the fix itself rather than the limit:
// below the depth limit the unclosed bomb goes through the MIME reader, and
// with the boundaries closed by the scan it parses as a normal mail does.
func TestNestedBombShallowIsFast(t *testing.T) {
	t.Parallel()
	shape, _ := scanMIME(nestedBomb(20))
	if shape.depth != 21 || shape.unclosed != 21 {
		t.Fatalf("shape = %+v, want depth 21 and 21 unclosed", shape)
	}
	shape, _ = scanMIME(nestedBomb(19))
	if shape.tooBig() != "" {
		t.Fatalf("depth 20 refused: %s", shape.tooBig())
	}
	// 20 levels unclosed: about a minute for the MIME reader before the fix.
	p := parseWithin(t, nestedBomb(19), 30*time.Second)
	if strings.TrimSpace(p.Text) != "the printer on floor 2 is broken" {
		t.Errorf("text = %q", p.Text)
	}
}

func TestParseBudgetAbandons(t *testing.T) {
	old := ParseBudget
	ParseBudget = time.Nanosecond
	defer func() { ParseBudget = old }()
	p, err := Parse(manyParts(500))
	if err != nil {
		t.Fatal(err)
	}
	if !hasWarning(p, "abandoned") || !strings.Contains(p.Text, "part 499") {
		t.Errorf("warnings %q, text %.100q", p.Warnings, p.Text)
	}
}

func TestNULAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	raw := []byte("From: \"Ann\x00\" <ann@example.org>\r\nSubject: printer\x00 \xff broken\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nline one\x00 line two \xfe\r\n")
	p, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{p.Subject, p.Text, p.From.Name} {
		if strings.IndexByte(s, 0) >= 0 {
			t.Errorf("NUL kept in %q", s)
		}
	}
	if !strings.Contains(p.Text, "line two") || !strings.Contains(p.Subject, "broken") {
		t.Errorf("text %q subject %q", p.Text, p.Subject)
	}
}
