package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"

	"switchboard/internal/mail"
)

// benchDNS serves, on loopback, what a sending domain publishes: the
// envelope domain bench.example's SPF record (this machine may send for it),
// its DMARC policy and a DKIM key; every other name is NXDOMAIN, answered at
// once. sign adds a real DKIM signature of the mail's From domain.
func benchDNS(ctx context.Context) (addr string, sign func([]byte) ([]byte, error), stop func(), err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", nil, nil, err
	}
	p := base64.StdEncoding.EncodeToString(pub)
	// Every sending domain signs with the same key and publishes DMARC, so
	// each mail's DKIM signature aligns with its From domain.
	records := func(name string) ([]string, bool) {
		switch {
		case name == "bench.example.":
			return []string{"v=spf1 ip4:127.0.0.1 -all"}, true
		case strings.HasPrefix(name, "_dmarc."):
			return []string{"v=DMARC1; p=none"}, true
		case strings.HasPrefix(name, "b1._domainkey."):
			return []string{"v=DKIM1; k=rsa; p=" + p}, true
		}
		return nil, false
	}
	pc, err := new(net.ListenConfig).ListenPacket(ctx, "udp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		for _, q := range req.Question {
			recs, ok := records(strings.ToLower(q.Name))
			if !ok {
				m.Rcode = dns.RcodeNameError
				continue
			}
			if q.Qtype != dns.TypeTXT {
				continue
			}
			for _, r := range recs {
				var parts []string
				for len(r) > 255 {
					parts, r = append(parts, r[:255]), r[255:]
				}
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT,
					Class: dns.ClassINET, Ttl: 300}, Txt: append(parts, r)})
			}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe() //nolint:errcheck // ends with Shutdown
	<-started
	sign = func(raw []byte) ([]byte, error) {
		pm, err := mail.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("parse mail to sign: %w", err)
		}
		_, d, ok := strings.Cut(pm.From.Email, "@")
		if !ok {
			d = "bench.example"
		}
		var b bytes.Buffer
		if err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{Domain: d, Selector: "b1",
			Signer: crypto.Signer(key), HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"}}); err != nil {
			return raw, nil //nolint:nilerr // a mail the signer cannot read (no body) goes unsigned, as from a domain that does not sign
		}
		return b.Bytes(), nil
	}
	return pc.LocalAddr().String(), sign, func() { _ = srv.Shutdown() }, nil
}
