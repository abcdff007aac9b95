package intake_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

// dnsServer is an authoritative DNS server on loopback answering TXT queries
// from a map, as real domains publish SPF, DKIM and DMARC records.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	txt  map[string][]string // fully qualified lower-case name -> records
	hits map[string]int
	hold chan struct{} // when set, answers wait until it is closed
}

func newDNSServer(t *testing.T) *dnsServer {
	t.Helper()
	s := &dnsServer{txt: map[string][]string{}, hits: map[string]int{}}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve)}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe() //nolint:errcheck // ends with Shutdown
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return s
}

// set publishes the TXT records of name.
func (s *dnsServer) set(name string, records ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[dns.Fqdn(strings.ToLower(name))] = records
}

func (s *dnsServer) queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[dns.Fqdn(strings.ToLower(name))]
}

func (s *dnsServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	s.mu.Lock()
	hold := s.hold
	for _, q := range req.Question {
		s.hits[strings.ToLower(q.Name)]++
	}
	s.mu.Unlock()
	if hold != nil {
		<-hold
	}
	s.mu.Lock()
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		recs, ok := s.txt[name]
		if !ok {
			m.Rcode = dns.RcodeNameError
			continue
		}
		if q.Qtype != dns.TypeTXT {
			continue // the name exists, with no record of that type
		}
		for _, r := range recs {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300},
				Txt: chunks(r)})
		}
	}
	s.mu.Unlock()
	_ = w.WriteMsg(m)
}

// chunks splits a record into the 255-byte strings a TXT record holds.
func chunks(s string) []string {
	var out []string
	for len(s) > 255 {
		out, s = append(out, s[:255]), s[255:]
	}
	return append(out, s)
}

// dkimKey is a domain's DKIM signing key, published in the test DNS.
type dkimKey struct {
	domain, selector string
	key              *rsa.PrivateKey
}

func newDKIMKey(t *testing.T, s *dnsServer, domain string) *dkimKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	s.set("sel1._domainkey."+domain, "v=DKIM1; k=rsa; p="+base64.StdEncoding.EncodeToString(pub))
	return &dkimKey{domain: domain, selector: "sel1", key: k}
}

// sign returns raw with a real DKIM-Signature prepended, in LF lines as
// mailEnv.send expects (it sends CRLF, the form that was signed).
func (k *dkimKey) sign(t *testing.T, raw string) string {
	t.Helper()
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	var b strings.Builder
	err := dkim.Sign(&b, strings.NewReader(raw), &dkim.SignOptions{Domain: k.domain, Selector: k.selector,
		Signer: crypto.Signer(k.key), HeaderKeys: []string{"From", "To", "Subject", "Date", "Message-ID"}})
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(b.String(), "\r\n", "\n")
}
