package phishing

import (
	"context"
	"testing"
)

// FuzzAnalyse feeds arbitrary bytes to the suspect finder and the analysis:
// neither may panic, and a verdict is always one of the five.
func FuzzAnalyse(f *testing.F) {
	f.Add(forwardInline("me@example.com", "IT <it@examp1e.com>", "Reset", "Reset at https://examp1e.com/r"))
	f.Add(mailOf([]string{"From: a@b.example", "Content-Type: text/html"}, `<a href="javascript:x">https://example.com</a><form action=//x><input type=password>`))
	f.Add([]byte("From: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nFrom: y@z.example\r\n\r\nhi\r\n--b--\r\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		if s, err := FindSuspect(raw); err == nil {
			if _, err := Analyse(context.Background(), testCfg, Input{Suspect: s}); err != nil {
				return
			}
		}
		a, err := Analyse(context.Background(), testCfg, Input{Suspect: &Suspect{Raw: raw, How: FoundUpload}})
		if err != nil {
			return
		}
		switch a.Verdict {
		case VerdictMalicious, VerdictSuspicious, VerdictSafe, VerdictSimulation:
		default:
			t.Fatalf("verdict %q", a.Verdict)
		}
		if a.Score < 0 || a.Score > 100 {
			t.Fatalf("score %d", a.Score)
		}
		_ = MakePreview(raw)
	})
}
