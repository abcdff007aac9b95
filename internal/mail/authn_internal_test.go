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
		if id, _, ok := trustedResults(out, ids); ok {
			t.Errorf("%s: forged results of %s trusted after stripping: %q", name, id, out)
		}
	}
}
