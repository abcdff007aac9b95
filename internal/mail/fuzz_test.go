package mail

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"switchboard/internal/corpora"
)

// fuzzSeeds adds a bounded, evenly spread sample of corpus messages, so the normal
// test run stays fast while the fuzzer starts from real-world structure.
func fuzzSeeds(f *testing.F, limit int) {
	root := corpora.Path(f, "")
	var all []corpusFile
	for _, c := range mailCorpora {
		all = append(all, readCorpus(f, root, c.sub, c.keep)...)
	}
	step := max(1, len(all)/limit)
	for i := 0; i < len(all); i += step {
		f.Add(all[i].data)
	}
	f.Add([]byte("From: a@b\r\n\r\n"))
	f.Add([]byte("Subject: x\rContent-Type: multipart/mixed; boundary=b\r\r--b\rContent-Type: text/plain; charset=x-unknown\r\r\xff\xfe\r--b--"))
}

func FuzzParse(f *testing.F) {
	fuzzSeeds(f, 60)
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			if p != nil {
				t.Fatal("result and error both set")
			}
			return
		}
		if p == nil {
			t.Fatal("nil result without error")
		}
		for _, s := range []string{p.Subject, p.Text, p.HTML, p.From.Name, p.From.Email} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in result: %q", s)
			}
		}
		if bad := unsafeHTML(p.HTML); bad != "" {
			t.Fatalf("unsafe HTML survived: %q", bad)
		}
		for _, a := range p.Attachments {
			if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") {
				t.Fatalf("unsafe filename %q", a.Filename)
			}
		}
	})
}

func FuzzClassify(f *testing.F) {
	fuzzSeeds(f, 60)
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw)
		if err != nil {
			return
		}
		c := Classify(p, testDomain)
		if c.Kind < KindNormal || c.Kind > KindLoop || c.Reason == "" {
			t.Fatalf("bad classification %+v", c)
		}
		if c.SuppressReplies != (c.Kind != KindNormal) {
			t.Fatalf("SuppressReplies=%v for %s", c.SuppressReplies, c.Kind)
		}
		if (c.Bounce != nil) != (c.Kind == KindBounce) {
			t.Fatalf("Bounce info %v for %s", c.Bounce, c.Kind)
		}
	})
}

func FuzzParseReplyAddress(f *testing.F) {
	f.Add([]byte("secret"), "it", int64(1042), "it+1042.abcdefghij@helpdesk.example.com")
	f.Add([]byte(""), "security", int64(1), "Security <security+1.aaaaaaaaaa@HELPDESK.example.com>")
	f.Add([]byte("k"), "a.b+c", int64(99), "+.@")
	f.Fuzz(func(t *testing.T, secret []byte, local string, n int64, addr string) {
		// Arbitrary input never verifies by accident unless it is our own output.
		if l, num, ok := ParseReplyAddress(secret, addr, testDomain); ok {
			if got := ReplyAddress(secret, l, num, testDomain); !strings.Contains(strings.ToLower(addr), got) {
				t.Fatalf("accepted %q, but we would write %q", addr, got)
			}
		}
		// Our own output always verifies, for any sane local part and number.
		if n <= 0 || local == "" || strings.ContainsAny(local, "@<>\"") || !utf8.ValidString(local) ||
			strings.IndexFunc(local, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return
		}
		a := ReplyAddress(secret, local, n, testDomain)
		l, num, ok := ParseReplyAddress(secret, a, testDomain)
		if !ok || num != n || l != strings.ToLower(local) {
			t.Fatalf("round trip of %q failed: %q %d %v", a, l, num, ok)
		}
	})
}

func FuzzFoldQuoted(f *testing.F) {
	root := corpora.Path(f, "")
	files := readCorpus(f, root, "reply-parsing", hasExt(".txt"))
	for i := 0; i < len(files); i += max(1, len(files)/40) {
		f.Add(string(files[i].data))
	}
	f.Fuzz(func(t *testing.T, text string) {
		visible, quoted := FoldQuoted(text)
		norm := strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
		if strings.TrimSpace(norm) != "" && strings.TrimSpace(visible) == "" {
			t.Fatalf("nothing visible for %q", text)
		}
		// Output lines are input lines, so a set lookup keeps the check linear.
		kept := map[string]bool{}
		for _, l := range strings.Split(visible+"\n"+quoted, "\n") {
			kept[strings.TrimSpace(l)] = true
		}
		for _, l := range strings.Split(norm, "\n") {
			if l = strings.TrimSpace(l); l != "" && !kept[l] {
				t.Fatalf("line %q lost", l)
			}
		}
	})
}
