package mail

import "testing"

// The Message-ID stored when SMTP accepts a mail is the one Parse gives the
// mail later: with two Message-ID fields (against RFC 5322) both read the
// first, even when it is empty or holds no id.
func TestRawMessageIDIsParsesMessageID(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"Message-ID:\r\nMessage-ID: <second@example.com>\r\n\r\nbody\r\n",
		"Message-ID: junk\r\nMessage-ID: <second@example.com>\r\n\r\nbody\r\n",
		"Message-ID: <first@example.com>\r\nMessage-ID: <second@example.com>\r\n\r\nbody\r\n",
		"Message-ID: <one@example.com>\r\n\r\nbody\r\n",
	} {
		p, err := Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := RawMessageID([]byte(raw)); got != p.MessageID {
			t.Errorf("RawMessageID(%q) = %q, Parse reads %q", raw, got, p.MessageID)
		}
	}
}
