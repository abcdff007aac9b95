package web

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// htmlWriter.text must escape exactly as html.EscapeString does: the XSS
// tests of the queue rely on it.
func TestHTMLWriterTextEscapesLikeEscapeString(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "Z", "0", " ", "<", ">", "&", "'", "\"", "é", "\x00", "&amp;", "<script>", "€"}
	cases := []string{"", "plain", "<b>", "a&b", `"quoted" 'single'`, "&lt;", "\xff\xfe"}
	every := make([]byte, 256) // each byte once: the lookup table must mark exactly the five
	for i := range every {
		every[i] = byte(i)
	}
	cases = append(cases, string(every))
	for range 2000 {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		var out strings.Builder
		rw := newHTMLWriter(&out)
		rw.text(s)
		if err := rw.flush(); err != nil {
			t.Fatal(err)
		}
		rw.release()
		if want := html.EscapeString(s); out.String() != want {
			t.Fatalf("text(%q) wrote %q, want %q", s, out.String(), want)
		}
	}
}

// The rows write the due badge in place; it must read as DueText's.
func TestHTMLWriterDueEqualsDueText(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, d := range []time.Duration{-100 * 24 * time.Hour, -49 * time.Hour, -47*time.Hour - 59*time.Minute, -61 * time.Minute,
		-time.Hour, -59*time.Minute - 59*time.Second, -time.Second, 0, time.Second, 119 * time.Minute, 2 * time.Hour,
		2*time.Hour + time.Second, 47 * time.Hour, 48 * time.Hour, 1000 * time.Hour} {
		for _, open := range []bool{true, false} {
			due := now.Add(d)
			for _, p := range []*time.Time{&due, nil} {
				got, want := newHTMLWriter(nil), newHTMLWriter(nil)
				got.due(p, now, open)
				want.badge(DueText(p, now, open))
				if string(got.b) != string(want.b) {
					t.Errorf("due(%v, open %v) = %q, want %q", d, open, got.b, want.b)
				}
				got.release()
				want.release()
			}
		}
	}
}
