package mail

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"switchboard/internal/corpora"
)

func isValidUTF8(s string) bool { return utf8.ValidString(s) }

const testDomain = "helpdesk.example.com"

// sisimaiExpectation says what a file of the sisimai set is, from its family name.
// The families are sisimai's own (rfc3834 = RFC 3834 auto-replies, is-not-bounce =
// ordinary mail); rb-issue-368 sits in "not" only because sisimai once failed on it:
// it is a postmaster "mailbox full" bounce, so we expect a bounce.
func sisimaiExpectation(name string) Kind {
	base := filepath.Base(name)
	switch {
	case strings.HasPrefix(base, "rfc3834-"):
		return KindAutoReply
	case strings.HasPrefix(base, "is-not-bounce-"):
		return KindNormal
	case base == "lhost-sendmail-14.eml":
		// "Fwd: Returned mail: …" from a person (shironeko@example.jp) who
		// forwarded a bounce: issue 13 wants such mail to be a ticket.
		return KindNormal
	}
	return KindBounce
}

// TestSisimaiClassification classifies every sisimai message, including in-memory LF,
// CRLF and CR-only copies of each, and requires the right kind for every one.
func TestSisimaiClassification(t *testing.T) {
	root := corpora.Path(t, "")
	files := readCorpus(t, root, "sisimai-set-of-emails/maildir", hasExt(".eml"))
	type tally struct{ want, hit int }
	byKind := map[Kind]*tally{}
	got := map[Kind]int{}
	var withID, withRcpt, bounces int
	for _, f := range files {
		want := sisimaiExpectation(f.name)
		variants := map[string][]byte{"as-is": f.data}
		if strings.Contains(f.name, "/bsd/") {
			variants["lf"] = withLineEndings(f.data, "\n")
			variants["crlf"] = withLineEndings(f.data, "\r\n")
			variants["cr"] = withLineEndings(f.data, "\r")
		}
		for v, data := range variants {
			p, err := Parse(data)
			if err != nil {
				t.Errorf("%s (%s): %v", f.name, v, err)
				continue
			}
			c := Classify(p, testDomain)
			if byKind[want] == nil {
				byKind[want] = &tally{}
			}
			byKind[want].want++
			if v == "as-is" {
				got[c.Kind]++
			}
			if c.Kind != want {
				t.Errorf("%s (%s): got %s (%s), want %s; subject %q from %q", f.name, v, c.Kind, c.Reason, want, p.Subject, p.From.Email)
				continue
			}
			byKind[want].hit++
			if want != KindNormal && !c.SuppressReplies {
				t.Errorf("%s (%s): %s without SuppressReplies", f.name, v, c.Kind)
			}
			if want == KindBounce && v == "as-is" {
				bounces++
				if c.Bounce == nil {
					t.Errorf("%s: bounce without BounceInfo", f.name)
					continue
				}
				if c.Bounce.OriginalMessageID != "" {
					withID++
				}
				if len(c.Bounce.FailedRecipients) > 0 {
					withRcpt++
				}
			}
		}
	}
	for k, tl := range byKind {
		t.Logf("expected %-10s: %4d/%4d detected (%.1f%%)", k, tl.hit, tl.want, 100*float64(tl.hit)/float64(max(tl.want, 1)))
	}
	t.Logf("as-is files by kind: %s", kindCounts(got))
	t.Logf("bounces with original Message-ID: %d/%d, with failed recipients: %d/%d", withID, bounces, withRcpt, bounces)
	// Extraction is best-effort on non-standard bounces, but most must yield a key.
	if bounces > 0 && float64(withID)/float64(bounces) < 0.6 {
		t.Errorf("original Message-ID found in only %d/%d bounces", withID, bounces)
	}
	if bounces > 0 && float64(withRcpt)/float64(bounces) < 0.8 {
		t.Errorf("failed recipients found in only %d/%d bounces", withRcpt, bounces)
	}
}

// TestOrdinaryMailIsNormal spot-checks ordinary messages from the other corpora: none
// may be taken for a bounce or an auto-reply, which would silently lose a ticket.
func TestOrdinaryMailIsNormal(t *testing.T) {
	root := corpora.Path(t, "")
	var files []corpusFile
	for _, sub := range []string{
		"mikel-mail-fixtures/spec/fixtures/emails/plain_emails",
		"mikel-mail-fixtures/spec/fixtures/emails/multi_charset",
		"mikel-mail-fixtures/spec/fixtures/emails/attachment_emails",
		"mikel-mail-fixtures/spec/fixtures/emails/mime_emails",
		"mikel-mail-fixtures/spec/fixtures/emails/rfc2822",
		"stalwart-mail-parser/resources/eml/rfc",
		"enmime-testdata/testdata/mail",
		"reply-parsing/mailgun-talon/tests/fixtures/standard_replies",
	} {
		files = append(files, readCorpus(t, root, sub, func(p string) bool {
			return !strings.HasSuffix(p, ".json") && !strings.HasSuffix(p, "_reply_text")
		})...)
	}
	// These two sit among ordinary fixtures but are real DSNs; they must be bounces.
	knownBounces := map[string]bool{
		"mikel-mail-fixtures/spec/fixtures/emails/mime_emails/raw_email_with_mimepart_without_content_type.eml": true,
		"enmime-testdata/testdata/mail/multipart-wo-boundary.raw":                                               true,
	}
	counts := map[Kind]int{}
	for _, f := range files {
		p, err := Parse(f.data)
		if err != nil {
			continue
		}
		c := Classify(p, testDomain)
		counts[c.Kind]++
		if knownBounces[filepath.ToSlash(f.name)] {
			if c.Kind != KindBounce {
				t.Errorf("%s: a DSN classified %s (%s)", f.name, c.Kind, c.Reason)
			}
			continue
		}
		if c.Kind == KindBounce || c.Kind == KindAutoReply || c.Kind == KindLoop {
			t.Errorf("%s: ordinary mail classified %s (%s); subject %q from %q", f.name, c.Kind, c.Reason, p.Subject, p.From.Email)
		}
	}
	t.Logf("%d ordinary messages: %s", len(files), kindCounts(counts))
}

// TestReportMessagesFromOtherCorpora checks the DSNs and read receipts that other
// projects ship, so detection does not depend on sisimai's particular MTAs.
func TestReportMessagesFromOtherCorpora(t *testing.T) {
	root := corpora.Path(t, "")
	for _, f := range readCorpus(t, root, "mikel-mail-fixtures/spec/fixtures/emails/multipart_report_emails", func(string) bool { return true }) {
		p, err := Parse(f.data)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if c := Classify(p, testDomain); c.Kind != KindBounce {
			t.Errorf("%s: got %s (%s), want bounce", f.name, c.Kind, c.Reason)
		}
	}
	mimekit := map[string]Kind{
		"bounce.txt": KindBounce, "delivery-status.txt": KindBounce, "delivery-status2.txt": KindBounce,
		"delivery-status-multiple-blank-lines.txt": KindBounce, "delivery-status-no-blank-line.txt": KindBounce,
		"feedback-report.txt": KindBounce, "disposition-notification.txt": KindAutoReply,
		"simple-multipart.eml": KindNormal, "japanese.txt": KindNormal,
	}
	files := readCorpus(t, root, "mimekit-testdata/UnitTests/TestData/messages", func(p string) bool {
		return mimekit[filepath.Base(p)] != 0 || strings.HasSuffix(p, "simple-multipart.eml") || strings.HasSuffix(p, "japanese.txt")
	})
	if len(files) != len(mimekit) {
		t.Errorf("found %d of %d mimekit report messages", len(files), len(mimekit))
	}
	for _, f := range files {
		p, err := Parse(f.data)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if c, want := Classify(p, testDomain), mimekit[filepath.Base(f.name)]; c.Kind != want {
			t.Errorf("%s: got %s (%s), want %s", f.name, c.Kind, c.Reason, want)
		}
	}
}

func TestClassifyRules(t *testing.T) {
	t.Parallel()
	const normal = "From: Ann <ann@corp.example>\r\nTo: it@helpdesk.example.com\r\nMessage-ID: <a1@corp.example>\r\n"
	tests := []struct {
		name    string
		headers string
		subject string
		body    string
		want    Kind
	}{
		{"person", "", "Printer on 3rd floor jams", "It jams.", KindNormal},
		{"person mentioning out of office", "", "My out of office reply does not work", "help", KindNormal},
		{"person mentioning failure", "", "Backup failed again", "see log", KindNormal},
		{"auto-submitted replied", "Auto-Submitted: auto-replied\r\n", "Re: VPN", "away", KindAutoReply},
		{"x-autoreply", "X-Autoreply: yes\r\n", "Re: VPN", "away", KindAutoReply},
		// The subject alone never drops mail: with a header an automatic
		// answer carries, it does.
		{"outlook automatic reply", "X-Auto-Response-Suppress: All\r\n", "Automatic reply: VPN broken [#12]", "I am away", KindAutoReply},
		{"german ooo", "Return-Path: <>\r\n", "Abwesenheitsnotiz: VPN", "nicht da", KindAutoReply},
		{"french ooo", "Precedence: junk\r\n", "Réponse automatique : VPN", "absent", KindAutoReply},
		{"auto-reply subject alone", "", "Automatic reply: VPN broken", "I am away", KindNormal},
		{"vacation over bulk", "Precedence: bulk\r\n", "Out of Office: VPN", "away", KindAutoReply},
		{"auto-generated", "Auto-Submitted: auto-generated\r\n", "Disk full on srv1", "alert", KindMachine},
		{"bulk", "Precedence: bulk\r\n", "Newsletter", "news", KindMachine},
		{"list", "List-Id: <ops.lists.example>\r\n", "ops digest", "x", KindMachine},
		{"suppress header", "X-Auto-Response-Suppress: All\r\n", "Meeting", "x", KindMachine},
		{"auto-submitted no", "Auto-Submitted: no\r\n", "Hello", "x", KindNormal},
		{"loop header", LoopHeader + ": 1\r\n", "Re: VPN", "x", KindLoop},
		{"failed recipients from a mail system", "X-Failed-Recipients: bob@corp.example\r\nReturn-Path: <>\r\n", "Mail delivery failed", "x", KindBounce},
		// A person's mail with a bounce-like header or subject is a ticket.
		{"failed recipients header alone", "X-Failed-Recipients: bob@corp.example\r\n", "Mail delivery failed", "x", KindNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Parse([]byte(normal + tt.headers + "Subject: " + tt.subject + "\r\n\r\n" + tt.body + "\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			c := Classify(p, testDomain)
			if c.Kind != tt.want {
				t.Fatalf("got %s (%s), want %s", c.Kind, c.Reason, tt.want)
			}
			if c.SuppressReplies != (tt.want != KindNormal) {
				t.Errorf("SuppressReplies = %v for %s", c.SuppressReplies, c.Kind)
			}
		})
	}
}

func TestClassifyOwnMessageID(t *testing.T) {
	t.Parallel()
	p, _ := Parse([]byte("From: it@helpdesk.example.com\r\nMessage-ID: <t1042.x@HELPDESK.example.com>\r\nSubject: [#1042] Re: VPN\r\n\r\nhi\r\n"))
	if c := Classify(p, testDomain); c.Kind != KindLoop {
		t.Fatalf("got %s, want loop", c.Kind)
	}
}

// TestBounceExtractsOurKeys builds a DSN for a mail we sent and checks that the
// original Message-ID, the failed recipient and our signed reply address come out.
func TestBounceExtractsOurKeys(t *testing.T) {
	t.Parallel()
	reply := ReplyAddress([]byte("k"), "it", 1042, testDomain)
	raw := "From: MAILER-DAEMON@mx.corp.example\r\nTo: " + reply + "\r\nSubject: Undelivered Mail Returned to Sender\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry.\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; Bob@Corp.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: " + reply + "\r\nMessage-ID: <t1042.5@" + testDomain + ">\r\nSubject: [#1042] VPN\r\n\r\n" +
		"--b--\r\n"
	p, err := Parse([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := Classify(p, testDomain)
	if c.Kind != KindBounce || c.Bounce == nil {
		t.Fatalf("got %s, want bounce", c.Kind)
	}
	b := c.Bounce
	if b.OriginalMessageID != "t1042.5@"+testDomain || !slices.Equal(b.FailedRecipients, []string{"bob@corp.example"}) || b.ReplyAddress != reply || !b.Permanent {
		t.Fatalf("bounce info = %+v", *b)
	}
	if _, n, ok := ParseReplyAddress([]byte("k"), b.ReplyAddress, testDomain); !ok || n != 1042 {
		t.Fatalf("reply address from bounce does not verify")
	}
}
