package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// TestFoldQuotedCorpus checks folding on real replies. Expectations come from what
// each fixture is (its upstream test or its own text), not from our output.
func TestFoldQuotedCorpus(t *testing.T) {
	root := corpora.Path(t, "")
	gh := "reply-parsing/github-email_reply_parser/test/emails/"
	cr := "reply-parsing/crisp-email-reply-parser/test/fixtures/"
	tests := []struct {
		file        string
		wantVisible string   // exact visible text, if set
		contains    []string // must stay visible
		folded      []string // must not be visible
	}{
		{file: gh + "correct_sig.txt", wantVisible: "this is an email with a correct -- signature."},
		{file: gh + "email_1_4.txt", wantVisible: "Awesome! I haven't had another problem with it."},
		{file: gh + "email_1_3.txt", contains: []string{"Having the function would be great.", "-Abhishek Kona"}, folded: []string{"Russell Brown wrote", "riakClient"}},
		{file: gh + "email_1_2.txt", contains: []string{"You can list the keys", "> What is the best way"}}, // inline answer keeps its quote
		{file: gh + "email_2_1.txt", contains: []string{"Outlook with a reply"}, folded: []string{"Google Apps Sync Team"}},
		{file: gh + "email_2_2.txt", wantVisible: "Outlook with a reply directly above line"},
		{file: gh + "email_BlackBerry.txt", wantVisible: "Here is another email"},
		{file: gh + "email_iPhone.txt", wantVisible: "Here is another email"},
		{file: gh + "email_multi_word_sent_from_my_mobile_device.txt", wantVisible: "Here is another email"},
		{file: gh + "email_sent_from_my_not_signature.txt", contains: []string{"Sent from my desk, is much easier"}},
		{file: gh + "email_sig_delimiter_in_middle_of_line.txt", contains: []string{"this is not a signature", "kthxbai"}},
		{file: gh + "greedy_on.txt", contains: []string{"On your remote host you can run:", "the tunnel is not working."}, folded: []string{"George Plymale wrote"}},
		{file: gh + "pathological.txt", contains: []string{"I think you're onto something."}, folded: []string{"wrote:"}},
		{file: gh + "email_bullets.txt", contains: []string{"- and another"}, folded: []string{"wrote:"}},
		{file: cr + "email_german.txt", folded: []string{"schrieb"}},
		{file: cr + "email_italian.txt", folded: []string{"ha scritto"}},
		{file: cr + "email_russian.txt", folded: []string{"привет"}},
		{file: cr + "email_danish_dash_separator.txt", folded: []string{"Oprindelig besked"}},
		{file: cr + "email_zoho.txt", folded: []string{"wrote ----"}},
		{file: cr + "email_9.txt", folded: []string{"Company Questions"}},
		{file: cr + "email_customer_quote_header_3.txt", contains: []string{"merci d'avance"}, folded: []string{"Objet"}},
		{file: cr + "email_german_outlook.txt", folded: []string{"Betreff"}},
		{file: cr + "email_gmail_split_line_from.txt", folded: []string{"wrote:"}},
		{file: cr + "email_tricky_1_on_false_positive.txt", contains: []string{"performance is great"}},
		{file: cr + "email_tricky_2_url_with_wrote.txt", contains: []string{"Best regards,\nJohn"}},
		{file: cr + "email_tricky_4_from_in_body.txt", contains: []string{"This is the actual message content."}},
		{file: cr + "email_tricky_8_sent_from_in_content.txt", contains: []string{"All messages are sent from the main server."}},
		{file: cr + "email_tricky_13_timestamp_variations.txt", contains: []string{"not quote headers."}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(root, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			visible, quoted := FoldQuoted(string(b))
			if tt.wantVisible != "" && visible != tt.wantVisible {
				t.Errorf("visible = %q, want %q", visible, tt.wantVisible)
			}
			for _, s := range tt.contains {
				if !strings.Contains(visible, s) {
					t.Errorf("visible lost %q:\n%s", s, visible)
				}
			}
			for _, s := range tt.folded {
				if strings.Contains(visible, s) {
					t.Errorf("visible still has %q:\n%s", s, visible)
				}
				if !strings.Contains(quoted, s) {
					t.Errorf("quoted lacks %q (text lost?)", s)
				}
			}
		})
	}
}

// TestFoldQuotedTalonReplies parses whole client mails and compares with talon's
// expected reply texts.
func TestFoldQuotedTalonReplies(t *testing.T) {
	root := corpora.Path(t, "")
	dir := filepath.Join(root, "reply-parsing/mailgun-talon/tests/fixtures/standard_replies")
	for _, name := range []string{"iphone", "sparrow"} {
		raw, err1 := os.ReadFile(filepath.Join(dir, name+".eml"))
		want, err2 := os.ReadFile(filepath.Join(dir, name+"_reply_text"))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		p, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		visible, _ := FoldQuoted(p.Text)
		// talon keeps a signature in its expected text; we fold it, so compare up to it.
		w := strings.TrimSpace(strings.ReplaceAll(string(want), "\r\n", "\n"))
		if i := strings.Index(w, "\n-- \n"); i >= 0 {
			w = strings.TrimSpace(w[:i])
		}
		if i := strings.Index(w, "\n\nSent from my"); i >= 0 {
			w = strings.TrimSpace(w[:i])
		}
		if strings.TrimSpace(visible) != w {
			t.Errorf("%s: visible = %q, want %q", name, visible, w)
		}
	}
	// Every standard reply must fold something and keep some text.
	files := readCorpus(t, root, "reply-parsing/mailgun-talon/tests/fixtures/standard_replies", hasExt(".eml"))
	for _, f := range files {
		p, err := Parse(f.data)
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		visible, quoted := FoldQuoted(p.Text)
		if strings.TrimSpace(visible) == "" || strings.TrimSpace(quoted) == "" {
			t.Errorf("%s: visible=%q quoted=%d bytes", f.name, visible, len(quoted))
		}
	}
}

// TestFoldQuotedKeepsEveryLine checks, on every reply fixture, that folding never
// loses text: each non-blank input line is in visible or quoted.
func TestFoldQuotedKeepsEveryLine(t *testing.T) {
	root := corpora.Path(t, "")
	files := readCorpus(t, root, "reply-parsing", hasExt(".txt"))
	folded := 0
	for _, f := range files {
		text := strings.ReplaceAll(string(f.data), "\r\n", "\n")
		visible, quoted := FoldQuoted(text)
		if strings.TrimSpace(text) != "" && strings.TrimSpace(visible) == "" {
			t.Errorf("%s: nothing visible", f.name)
		}
		if quoted != "" {
			folded++
		}
		both := visible + "\n" + quoted
		for _, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(both, l) {
				t.Errorf("%s: line lost: %q", f.name, l)
				break
			}
		}
	}
	t.Logf("%d reply fixtures, %d with folded history/signature", len(files), folded)
}

func TestFoldQuotedTable(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, visible string }{
		{"Thanks, fixed.\n\nOn Mon, 3 Feb 2025 at 10:00, Ann <ann@x.example> wrote:\n> broken\n", "Thanks, fixed."},
		{"Danke!\n\nAm 03.02.2025 um 10:00 schrieb Ann <ann@x.example>:\n> kaputt\n", "Danke!"},
		{"Works now.\r\n\r\n-----Original Message-----\r\nFrom: IT\r\nSent: Monday\r\n", "Works now."},
		{"Done\n\nFrom: IT Desk <it@x.example>\nSent: Monday, 3 February 2025 10:00\nTo: Ann\nSubject: VPN\n\nold", "Done"},
		{"See below\n-- \nAnn Example\nPhone 123", "See below"},
		{"Yes.\n\n> old question\n> more\n", "Yes."},
		{"Reply in the old Mac way\rOn Mon, Ann wrote:\r> old\r", "Reply in the old Mac way"},
		{"> only a quote\n", "> only a quote"},                                               // nothing new: keep all visible
		{"From: me to you, the printer is broken", "From: me to you, the printer is broken"}, // not a header block
		{"FYI\n\n---------- Forwarded message ---------\nFrom: Bob <b@x.example>\nDate: Mon\nSubject: VPN\nTo: Ann\n\nVPN down", "FYI\n\n---------- Forwarded message ---------\nFrom: Bob <b@x.example>\nDate: Mon\nSubject: VPN\nTo: Ann\n\nVPN down"},
		{"", ""},
	}
	for _, tt := range tests {
		if v, _ := FoldQuoted(tt.in); v != tt.visible {
			t.Errorf("FoldQuoted(%q) visible = %q, want %q", tt.in, v, tt.visible)
		}
	}
}
