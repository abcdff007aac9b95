package mail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

var (
	onAttrRe   = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	jsURLRe    = regexp.MustCompile(`(?i)(href|src|action|formaction|data|xlink:href)\s*=\s*["']?\s*(javascript|vbscript|data:text/html)`)
	dangerTags = regexp.MustCompile(`(?i)<\s*(script|style|iframe|object|embed|base|meta|link|form|svg|math)\b`)
)

// unsafeHTML returns the first dangerous construct left in sanitised HTML, or "".
func unsafeHTML(s string) string {
	for _, re := range []*regexp.Regexp{dangerTags, onAttrRe, jsURLRe} {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	if strings.Contains(strings.ToLower(s), "javascript:") && strings.Contains(s, "<a ") {
		if m := regexp.MustCompile(`(?i)<a [^>]*javascript:[^>]*>`).FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// xssPayloads returns every DOMPurify and H5SC vector.
func xssPayloads(t testing.TB) []string {
	root := corpora.Path(t, "")
	var out []string
	b, err := os.ReadFile(filepath.Join(root, "xss-vectors/dompurify/expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(b, &vectors); err != nil {
		t.Fatal(err)
	}
	for _, v := range vectors {
		out = append(out, v.Payload)
	}
	h, err := os.ReadFile(filepath.Join(root, "xss-vectors/h5sc/vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, regexp.MustCompile(`(?s)<div id="\d+">.*?//\["'`+"`"+`-->\]\]>\]</div>`).FindAllString(string(h), -1)...)
	return out
}

// TestXSSVectorsDoNotSurvive puts every vector into the HTML body of a mail and checks
// the parsed HTML has no script, event handler or script URL left.
func TestXSSVectorsDoNotSurvive(t *testing.T) {
	payloads := xssPayloads(t)
	if len(payloads) < 300 {
		t.Fatalf("only %d XSS vectors found; corpus layout changed?", len(payloads))
	}
	for i, payload := range payloads {
		raw := "From: a@b.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>" + payload + "</body></html>\r\n"
		p, err := Parse([]byte(raw))
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if bad := unsafeHTML(p.HTML); bad != "" {
			t.Errorf("vector %d survived as %q\npayload: %.200s\noutput: %.300s", i, bad, payload, p.HTML)
		}
		if bad := unsafeHTML(sanitizeHTML(payload)); bad != "" {
			t.Errorf("vector %d (bare) survived as %q", i, bad)
		}
	}
	t.Logf("%d XSS vectors checked", len(payloads))
}

func TestRemoteImagesAreNotLoaded(t *testing.T) {
	t.Parallel()
	in := `<p>Hi<img src="https://tracker.example/p.gif?u=1" alt="t"><img src="cid:logo@x"><IMG SRC='http://x.example/a.png' srcset="https://x.example/b.png 2x"><img src="javascript:alert(1)"></p>`
	out := sanitizeHTML(in)
	if strings.Contains(out, ` src="http`) || strings.Contains(out, "srcset") || strings.Contains(out, "javascript") {
		t.Fatalf("remote or script image source kept: %s", out)
	}
	for _, want := range []string{`data-src="https://tracker.example/p.gif?u=1"`, `src="cid:logo@x"`, `data-src="http://x.example/a.png"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
}

// TestSanitizeDropsIDAndName: mail HTML must not be able to clobber the
// workspace's DOM (the agent page has an element with id "canned").
func TestSanitizeDropsIDAndName(t *testing.T) {
	t.Parallel()
	in := `<p id="canned">hi</p><a name="reply" href="https://example.org/">x</a><img id="i" name="n" src="cid:a"><form name="f"><input name="q"></form><div ID="Upper">y</div>`
	out := sanitizeHTML(in)
	if m := regexp.MustCompile(`(?i)\s(id|name)\s*=`).FindString(out); m != "" {
		t.Fatalf("sanitised HTML keeps %q: %s", m, out)
	}
	for _, want := range []string{"<p>hi</p>", `src="cid:a"`, "y</div>"} {
		if !strings.Contains(out, want) {
			t.Errorf("sanitised HTML %q lacks %q", out, want)
		}
	}
}
