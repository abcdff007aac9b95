package mail

import "testing"

// A forged Authentication-Results below a blank line of stray CRs ("\r\r\n")
// or, in LF mail, below a CRLF blank line was left by StripAuthResults as
// body but read as a header by trustedResults: both must end the header at
// the same line.
func TestStrippedResultsAreNeverTrusted(t *testing.T) {
	t.Parallel()
	ids := []string{"mx.corp.example"}
	forged := "Authentication-Results: mx.corp.example; dmarc=pass header.from=corp.example\r\n"
	for name, raw := range map[string]string{
		"stray CR":     "From: boss@corp.example\r\n\r\r\n" + forged + "Subject: pay this\r\n\r\nbody\r\n",
		"LF then CRLF": "From: boss@corp.example\n\r\n" + forged + "Subject: pay this\n\nbody\n",
		"plain":        "From: boss@corp.example\r\n" + forged + "Subject: pay this\r\n\r\nbody\r\n",
	} {
		out, _ := StripAuthResults([]byte(raw), ids, false)
		if id, _, ok := TrustedResults(out, ids); ok {
			t.Errorf("%s: forged results of %s trusted after stripping: %q", name, id, out)
		}
	}
}

// A blank line ends the header even when the body's first line is
// indented: the line below is not a continuation of it. Otherwise the
// first paragraph of such a body was read as header fields (a Message-ID,
// an Authentication-Results) and the stripper cut lines out of the body.
func TestBlankLineEndsHeaderBeforeIndentedBody(t *testing.T) {
	t.Parallel()
	ids := []string{"mx.corp.example"}
	raw := "From: boss@corp.example\r\n\r\n  Forwarded:\r\n" +
		"Authentication-Results: mx.corp.example; dmarc=pass header.from=corp.example\r\n" +
		"Message-ID: <body@corp.example>\r\n\r\nbody\r\n"
	if hdr, _ := splitHeaderBody([]byte(raw)); string(hdr) != "From: boss@corp.example\r\n" {
		t.Errorf("header read as %q", hdr)
	}
	if out, n := StripAuthResults([]byte(raw), ids, false); n != 0 || string(out) != raw {
		t.Errorf("stripped %d fields from the body: %q", n, out)
	}
	if id, _, ok := TrustedResults([]byte(raw), ids); ok {
		t.Errorf("results of %s in the body trusted", id)
	}
	// A mail that starts with a blank line has an empty header.
	if id := RawMessageID([]byte("\n \nMessage-ID: <body@corp.example>\n\nbody\n")); id != "" {
		t.Errorf("RawMessageID read %q from the body", id)
	}
}
