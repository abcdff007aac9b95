package mail

import (
	"bytes"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// normalizeSlow is normalizeInput's line-ending rule written the plain way
// (a CR without LF gets one), the reference the fast version must match.
func normalizeSlow(raw []byte) []byte {
	var b bytes.Buffer
	for i, c := range raw {
		b.WriteByte(c)
		if c == '\r' && (i+1 == len(raw) || raw[i+1] != '\n') {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// generalMessageID is RawMessageID by the general reader alone, as it was
// before the fast path.
func generalMessageID(raw []byte) string {
	hdr, _ := splitHeaderBody(normalizeInput(headPrefix(raw)))
	return boundedID(first(parseHeaderBlock(hdr)["Message-Id"]))
}

// The hot-path readers give what the general ones give: normalizeInput
// copies only what the plain rule changes, and the Message-ID of every
// header plainMessageIDField takes is the one net/mail reads (and the one
// the general reader reads); what it does not take goes to the general
// reader. On every corpus mail and whatever the fuzzer makes of them.
func FuzzFastPaths(f *testing.F) {
	fuzzSeeds(f, 400)
	f.Add([]byte("Message-ID: <a@b>\r\rSubject: x\r\n\r\n"))
	f.Add([]byte("X: y\r\n message-id: <no@fold>\r\nMessage-Id :\r\n\t<b@c>\r\nmessage-ID: <d@e>\r\n\r\nbody\r"))
	f.Add([]byte("\xef\xbb\xbfFrom x\rMessage-ID: a@b, c@d\r\r\r"))
	f.Add([]byte("MESSAGE-id:\r\n  \t\r\n <x@y>  \r\nSubject: s\r\n\r\n"))
	f.Add([]byte("Subject: s\n\nMessage-ID: <body@not.header>\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		trimmed := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		if !bytes.HasPrefix(trimmed, []byte("From ")) { // the mbox line is cut before line ends matter
			if got, want := normalizeInput(raw), normalizeSlow(trimmed); !bytes.Equal(got, want) {
				t.Fatalf("normalizeInput(%q) = %q, want %q", raw, got, want)
			}
		}
		if len(raw) > 256<<10 {
			return // RawMessageID reads the first 256 KiB, net/mail all of it
		}
		v, ok := plainMessageIDField(raw)
		if !ok {
			// The general reader reads on where net/mail gives up, but where
			// net/mail reads the header (once normalizeInput has mended its
			// line ends and dropped a BOM or mbox line, as the general reader
			// does first), both read the same Message-ID.
			msg, err := netmail.ReadMessage(bytes.NewReader(normalizeInput(raw)))
			if err != nil {
				return
			}
			for k := range msg.Header {
				if strings.ContainsAny(k, " \t") {
					// "Message-Id :" stays a field of its own name in net/mail
					// (go.dev/issue/34540); enmime and the general reader trim it.
					return
				}
			}
			if got, want := RawMessageID(raw), boundedID(msg.Header.Get("Message-Id")); got != want {
				t.Fatalf("RawMessageID(%q) = %q, net/mail reads %q", raw, got, want)
			}
			return
		}
		msg, err := netmail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("plainMessageIDField took %q, which net/mail refuses: %v", raw, err)
		}
		got, want := RawMessageID(raw), boundedID(msg.Header.Get("Message-Id"))
		if boundedID(v) != got || got != want {
			t.Fatalf("RawMessageID(%q) = %q, net/mail reads %q", raw, got, want)
		}
		if general := generalMessageID(raw); got != general {
			t.Fatalf("RawMessageID(%q) = %q, the general reader %q", raw, got, general)
		}
	})
}

// The fast path is the usual one: it takes nearly all real mail as SMTP
// delivers it (CRLF line ends, no mbox line). Mail it does not take costs
// the general reader (about six times the CPU), so a rule too strict for
// real headers shows here, not only in the benchmark.
func TestPlainMessageIDFieldTakesCorpus(t *testing.T) {
	root := corpora.Path(t, "")
	var all, taken int
	for _, c := range mailCorpora {
		for _, m := range readCorpus(t, root, c.sub, c.keep) {
			if bytes.HasPrefix(m.data, []byte("From ")) {
				continue
			}
			all++
			crlf := bytes.ReplaceAll(bytes.ReplaceAll(m.data, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			if _, ok := plainMessageIDField(crlf); ok {
				taken++
			}
		}
	}
	if all == 0 || taken*100 < all*85 {
		t.Fatalf("the fast path took %d of %d corpus mails, want 85 %%", taken, all)
	}
}

// addrRe is the regexp findAddrs replaced, the reference it must match.
var addrRe = regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`)

// findAddrs finds what the regexp finds, on every corpus mail and whatever
// the fuzzer makes of them (invalid UTF-8, delimiters, '@' at a word's
// edges, more than n words).
func FuzzFindAddrs(f *testing.F) {
	fuzzSeeds(f, 400)
	f.Add([]byte("@a b@ @ a@b@c x@@y \"q\"@r <s@t>,u@v;w@x:y@z(a@b)[c@d]\x0be@f\xff@\xfe"))
	f.Add([]byte(strings.Repeat("a@b ", 60)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, n := range []int{50, 1} {
			got, want := findAddrs(string(raw), n), addrRe.FindAllString(string(raw), n)
			if !slices.Equal(got, want) {
				t.Fatalf("findAddrs(%q, %d) = %q, want %q", raw, n, got, want)
			}
		}
	})
}
