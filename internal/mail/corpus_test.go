package mail

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"switchboard/internal/corpora"
)

// corpusFile is one message read from a corpus, named relative to the corpora root.
type corpusFile struct {
	name string
	data []byte
}

// readCorpus returns the files under root/sub whose names satisfy keep, sorted.
func readCorpus(t testing.TB, root, sub string, keep func(path string) bool) []corpusFile {
	t.Helper()
	var out []corpusFile
	err := filepath.WalkDir(filepath.Join(root, sub), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !keep(path) {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, corpusFile{rel, b})
		return nil
	})
	if err != nil {
		t.Fatalf("reading corpus %s: %v", sub, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func hasExt(exts ...string) func(string) bool {
	return func(p string) bool {
		for _, e := range exts {
			if strings.HasSuffix(strings.ToLower(p), e) {
				return true
			}
		}
		return false
	}
}

// mailCorpora lists every raw-message corpus and which files in it are messages.
var mailCorpora = []struct {
	sub  string
	keep func(string) bool
}{
	{"enmime-testdata/testdata", hasExt(".raw", ".eml", ".txt")},
	{"mikel-mail-fixtures/spec/fixtures/emails", func(p string) bool { return !strings.HasSuffix(p, ".rb") }},
	{"stalwart-mail-parser/resources/eml", hasExt(".eml")},
	{"mimekit-testdata/UnitTests/TestData/messages", func(string) bool { return true }},
	{"sisimai-set-of-emails/maildir", hasExt(".eml")},
	{"reply-parsing/mailgun-talon/tests/fixtures", hasExt(".eml")},
}

// parseWithTimeout parses in a goroutine so that one message that makes the parser
// loop fails the test with its name instead of hanging the whole run.
func parseWithTimeout(raw []byte, d time.Duration) (p *Parsed, panicked any, timedOut bool, err error) {
	type result struct {
		p   *Parsed
		err error
		pan any
	}
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			r.pan = recover()
			ch <- r
		}()
		r.p, r.err = Parse(raw)
	}()
	select {
	case r := <-ch:
		return r.p, r.pan, false, r.err
	case <-time.After(d):
		return nil, nil, true, nil
	}
}

// TestParseEveryCorpusMessage parses every message of every corpus: no panic, no
// hang, a result (or a recorded reason) for each, and counts logged per corpus.
func TestParseEveryCorpusMessage(t *testing.T) {
	root := corpora.Path(t, "")
	total := 0
	for _, c := range mailCorpora {
		files := readCorpus(t, root, c.sub, c.keep)
		if len(files) == 0 {
			t.Errorf("%s: no files found; corpus layout changed?", c.sub)
			continue
		}
		var parsed, withWarnings, rejected int
		for _, f := range files {
			p, pan, timedOut, err := parseWithTimeout(f.data, 10*time.Second)
			switch {
			case timedOut:
				t.Errorf("%s: Parse did not return within 10s", f.name)
			case pan != nil:
				t.Errorf("%s: Parse panicked: %v", f.name, pan)
			case err != nil:
				// Only input without any header may be rejected.
				rejected++
				if hasHeader(normalizeInput(f.data)) {
					t.Errorf("%s: rejected although it has a header: %v", f.name, err)
				} else {
					t.Logf("%s: rejected: %v", f.name, err)
				}
			case p == nil:
				t.Errorf("%s: nil result without error", f.name)
			default:
				parsed++
				if len(p.Warnings) > 0 {
					withWarnings++
				}
				checkParsedInvariants(t, f.name, p)
			}
		}
		total += len(files)
		t.Logf("%-45s files=%4d parsed=%4d with-warnings=%4d rejected=%d", c.sub, len(files), parsed, withWarnings, rejected)
	}
	t.Logf("total messages: %d", total)
}

// checkParsedInvariants holds for every parsed message, however broken its input.
func checkParsedInvariants(t *testing.T, name string, p *Parsed) {
	t.Helper()
	for field, s := range map[string]string{"Subject": p.Subject, "Text": p.Text, "HTML": p.HTML, "From.Name": p.From.Name} {
		if !isValidUTF8(s) {
			t.Errorf("%s: %s is not valid UTF-8", name, field)
		}
	}
	if bad := unsafeHTML(p.HTML); bad != "" {
		t.Errorf("%s: sanitised HTML still contains %q", name, bad)
	}
	for _, a := range p.Attachments {
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\x00") || strings.HasPrefix(a.Filename, ".") {
			t.Errorf("%s: unsafe attachment filename %q", name, a.Filename)
		}
	}
	for _, id := range append(append([]string{p.MessageID}, p.InReplyTo...), p.References...) {
		if strings.ContainsAny(id, "<> \t\r\n") {
			t.Errorf("%s: message id %q not bare", name, id)
		}
	}
}

// withLineEndings returns the message with every line ending replaced by eol.
func withLineEndings(b []byte, eol string) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
	return bytes.ReplaceAll(b, []byte("\n"), []byte(eol))
}

func kindCounts(m map[Kind]int) string {
	var parts []string
	for k := KindNormal; k <= KindLoop; k++ {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
		}
	}
	return strings.Join(parts, " ")
}
