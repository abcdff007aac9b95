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
	if lines, size := worstFoldedField(raw); lines != 3 || size != len("References: <1@x>\r\n <2@x>\r\n <3@x>\r\n") {
		t.Errorf("worst field: %d lines, %d bytes", lines, size)
	}
}
