package phishing

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// corpusMails returns every .eml/.msg-less mail file of the shared corpora
// that parses as mail.
func corpusMails(t *testing.T, dirs ...string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, d := range dirs {
		root := filepath.Join(corpora.Path(t, ""), d)
		if _, err := os.Stat(root); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("corpus %s missing: %v", root, err)
			}
			t.Skipf("corpus %s missing", root)
		}
		_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || (!strings.HasSuffix(p, ".eml") && !strings.HasSuffix(p, ".txt") && !strings.HasSuffix(p, ".msg")) {
				return nil
			}
			b, err := os.ReadFile(p)
			if err == nil && len(b) < 2<<20 && looksLikeMail(b) {
				out[p] = b
			}
			return nil
		})
	}
	return out
}

// TestCorpusNoFalseMalicious analyses every ordinary mail of the shared
// corpora as if it had been reported: none is called malicious (they are
// newsletters, bounces, personal and list mail), and none breaks the analysis.
func TestCorpusNoFalseMalicious(t *testing.T) {
	t.Parallel()
	mails := corpusMails(t, "enmime-testdata", "mimekit-testdata/UnitTests/TestData/messages", "mikel-mail-fixtures", "stalwart-mail-parser",
		"sisimai-set-of-emails/maildir", "reply-parsing")
	if len(mails) < 50 {
		t.Fatalf("only %d corpus mails found", len(mails))
	}
	bad := 0
	for p, raw := range mails {
		a, err := Analyse(context.Background(), testCfg, Input{Suspect: &Suspect{Raw: raw, How: FoundUpload}})
		if err != nil {
			continue // enmime refuses a few deliberately broken files; that is not ours to judge
		}
		if a.Verdict == VerdictMalicious {
			bad++
			t.Logf("%s: malicious (%d): %v", p, a.Score, a.Reasons)
		}
	}
	t.Logf("%d corpus mails analysed, %d called malicious", len(mails), bad)
	if bad > 0 {
		t.Errorf("%d ordinary corpus mails called malicious", bad)
	}
}

// TestCorpusEmbeddedMessage: a real mail with an attached message (MimeKit's
// corpus) yields the attached one as the suspect.
func TestCorpusEmbeddedMessage(t *testing.T) {
	t.Parallel()
	p := filepath.Join(corpora.Path(t, ""), "mimekit-testdata/UnitTests/TestData/messages/simple-embedded-message.eml")
	raw, err := os.ReadFile(p)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := FindSuspect(raw)
	if err != nil {
		t.Fatal(err)
	}
	if s.How != FoundAttachment || len(s.Raw) == 0 || len(s.Raw) >= len(raw) {
		t.Fatalf("suspect by %s, %d of %d bytes", s.How, len(s.Raw), len(raw))
	}
}
