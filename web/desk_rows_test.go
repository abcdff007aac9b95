package web

import (
	"html"
	"math/rand/v2"
	"strings"
	"testing"
)

// htmlWriter.text must escape exactly as html.EscapeString does: the XSS
// tests of the queue rely on it.
func TestHTMLWriterTextEscapesLikeEscapeString(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []string{"a", "Z", "0", " ", "<", ">", "&", "'", "\"", "é", "\x00", "&amp;", "<script>", "€"}
	cases := []string{"", "plain", "<b>", "a&b", `"quoted" 'single'`, "&lt;", "\xff\xfe"}
	for range 2000 {
		var b strings.Builder
		for range r.IntN(20) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		var out strings.Builder
		rw := htmlWriter{w: &out}
		rw.text(s)
		if want := html.EscapeString(s); out.String() != want {
			t.Fatalf("text(%q) wrote %q, want %q", s, out.String(), want)
		}
	}
}
