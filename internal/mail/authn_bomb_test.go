package mail

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// noDNS answers every question with "no such name".
type noDNS struct{}

var errNoName = errors.New("no such name")

func (noDNS) LookupTXT(context.Context, string) ([]string, error)        { return nil, errNoName }
func (noDNS) LookupMX(context.Context, string) ([]*net.MX, error)        { return nil, errNoName }
func (noDNS) LookupIPAddr(context.Context, string) ([]net.IPAddr, error) { return nil, errNoName }
func (noDNS) LookupAddr(context.Context, string) ([]string, error)       { return nil, errNoName }

// TestAuthenticateFoldedHeaderBomb: a mail with one header field folded over
// tens of thousands of lines (2 MB) is authenticated within its budget and
// never passes. The DKIM verifier joins folded lines quadratically: without
// the bound it took minutes for this mail (0.3 s for a real 138 KB one).
func TestAuthenticateFoldedHeaderBomb(t *testing.T) {
	t.Parallel()
	raw := hugeHeader(2 << 20)
	raw = append([]byte("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=x; b=x\r\n"), raw...)
	done := make(chan AuthVerdict, 1)
	go func() {
		done <- Authenticate(context.Background(), noDNS{}, AuthInput{Raw: raw, FromDomain: "example.org"})
	}()
	select {
	case v := <-done:
		if v.Result == AuthPass || v.DKIM == AuthPass {
			t.Errorf("verdict %+v, want no pass", v)
		}
		if !strings.Contains(strings.Join(v.Reasons, "; "), "DKIM: not checked") {
			t.Errorf("reasons %q do not say DKIM was not checked", v.Reasons)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("authentication of a 2 MB folded header did not finish in 20 s")
	}
}

// TestWorstFoldedField: the field whose folded lines x size is largest.
func TestWorstFoldedField(t *testing.T) {
	t.Parallel()
	raw := []byte("From: a@b\r\nReferences: <1@x>\r\n <2@x>\r\n <3@x>\r\nSubject: s\r\n\r\nbody\r\n continued\r\n")
	if lines, size, _ := worstFoldedField(raw); lines != 3 || size != len("References: <1@x>\r\n <2@x>\r\n <3@x>\r\n") {
		t.Errorf("worst field: %d lines, %d bytes", lines, size)
	}
}

// TestAuthenticateManyFoldedFields: many header fields, each folded just
// under the per-field bound, cost the DKIM verifier as much together (2.4
// MB: seconds of CPU); past the bound on their sum the mail is not verified
// by DKIM and says why.
func TestAuthenticateManyFoldedFields(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=from; bh=x; b=x\r\n")
	for range 300 {
		b.WriteString("X-Filler: a\r\n" + strings.Repeat(" x\r\n", 2000))
	}
	b.WriteString("From: a@example.org\r\n\r\nbody\r\n")
	raw := []byte(b.String())
	if lines, size, _ := worstFoldedField(raw); lines*size > maxDKIMFieldWork {
		t.Fatalf("a field of %d lines x %d bytes is past the per-field bound: the test needs fields under it", lines, size)
	}
	v := Authenticate(context.Background(), noDNS{}, AuthInput{Raw: raw, FromDomain: "example.org"})
	if v.Result == AuthPass || v.DKIM == AuthPass {
		t.Errorf("verdict %+v, want no pass", v)
	}
	if !strings.Contains(strings.Join(v.Reasons, "; "), "DKIM: not checked") {
		t.Errorf("reasons %q do not say DKIM was not checked", v.Reasons)
	}
}
