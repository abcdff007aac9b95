package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"

	"blitiri.com.ar/go/spf"
	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-msgauth/dmarc"
	"golang.org/x/net/publicsuffix"
)

// Resolver is the DNS the sender checks use. *net.Resolver satisfies it; the
// intake wraps one with timeouts and a cache.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// AuthInput is what sender authentication looks at: the mail as received and
// the SMTP session it came in.
type AuthInput struct {
	Raw        []byte
	FromDomain string // domain of the From address, the identity a reader sees
	ClientIP   net.IP // nil when unknown (IMAP): no SPF check then
	HELO       string
	MailFrom   string // envelope sender; "" for the null reverse-path
	// AuthServIDs are the authserv-ids whose Authentication-Results are
	// believed, and only when TrustResults says the mail came through the
	// server that writes them (a listed relay, or a mailbox it delivers to).
	AuthServIDs  []string
	TrustResults bool
}

// Verdict values.
const (
	AuthPass = "pass" // the From domain is vouched for by an aligned DKIM signature or SPF
	AuthFail = "fail" // the From domain publishes DMARC or SPF that this mail does not meet
	AuthNone = "none" // nothing vouches for the sender, nothing says it is forged
)

// AuthVerdict is the outcome of sender authentication, stored on the inbound
// mail and shown on its message.
type AuthVerdict struct {
	Result     string   `json:"result"`           // AuthPass, AuthFail or AuthNone
	Method     string   `json:"method,omitempty"` // what verified it: "DKIM" or "SPF"
	Domain     string   `json:"domain,omitempty"` // the domain that verified it
	FromDomain string   `json:"from_domain"`
	DKIM       string   `json:"dkim"`  // best DKIM result: pass, fail, none
	SPF        string   `json:"spf"`   // SPF result of the envelope sender (or HELO)
	DMARC      string   `json:"dmarc"` // pass, fail, none (no record)
	Policy     string   `json:"policy,omitempty"`
	Source     string   `json:"source"` // "local" or the trusted authserv-id
	Reasons    []string `json:"reasons"`
}

// Verified reports whether the From domain is vouched for.
func (v AuthVerdict) Verified() bool { return v.Result == AuthPass }

// Summary is the line shown on the message in the workspace.
func (v AuthVerdict) Summary() string {
	switch v.Result {
	case AuthPass:
		return "Sender verified by " + v.Method + " for " + v.Domain
	case AuthFail:
		return "Sender not verified: " + v.FromDomain + " does not vouch for this mail"
	}
	return "Sender not verified"
}

func (v *AuthVerdict) because(s string) {
	if len(v.Reasons) < 20 {
		v.Reasons = append(v.Reasons, s)
	}
}

// Authenticate checks who vouches for a mail's From domain: DKIM signatures
// (verified against keys in DNS), SPF of the SMTP session, and the domain's
// DMARC record, or, behind an upstream MTA, that MTA's Authentication-Results.
// A DNS failure is never a pass: the verdict is at best "none".
func Authenticate(ctx context.Context, r Resolver, in AuthInput) AuthVerdict {
	v := AuthVerdict{Result: AuthNone, FromDomain: strings.ToLower(strings.TrimSuffix(in.FromDomain, ".")),
		DKIM: AuthNone, SPF: AuthNone, DMARC: AuthNone, Source: "local", Reasons: []string{}}
	if v.FromDomain == "" {
		v.because("no From domain")
		return v
	}
	if in.TrustResults {
		if id, res, ok := TrustedResults(in.Raw, in.AuthServIDs); ok {
			v.Source = id
			fromResults(&v, res)
			return v
		}
	}
	// The three checks ask DNS for different names: run them at once, so a
	// slow answer costs one timeout, not three in a row. Each writes its own
	// verdict; the reasons are joined in a fixed order.
	spfV, dmarcV := AuthVerdict{SPF: AuthNone}, AuthVerdict{}
	var spfDomain string
	var rec *dmarc.Record
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		spfDomain = checkSPF(ctx, r, in, &spfV)
	}()
	go func() {
		defer wg.Done()
		rec = lookupDMARC(ctx, r, v.FromDomain, &dmarcV)
	}()
	dkimDomains := checkDKIM(ctx, r, in.Raw, &v)
	wg.Wait()
	v.SPF = spfV.SPF
	for _, reason := range slices.Concat(spfV.Reasons, dmarcV.Reasons) {
		v.because(reason)
	}
	var dkimMode, spfMode dmarc.AlignmentMode = dmarc.AlignmentRelaxed, dmarc.AlignmentRelaxed
	if rec != nil {
		dkimMode, spfMode = rec.DKIMAlignment, rec.SPFAlignment
		v.Policy = string(rec.Policy)
	}
	for _, d := range dkimDomains {
		if aligned(d, v.FromDomain, dkimMode) {
			v.Result, v.Method, v.Domain = AuthPass, "DKIM", d
			break
		}
	}
	if v.Result != AuthPass && v.SPF == string(spf.Pass) && aligned(spfDomain, v.FromDomain, spfMode) {
		v.Result, v.Method, v.Domain = AuthPass, "SPF", spfDomain
	}
	switch {
	case v.Result == AuthPass:
		if rec != nil {
			v.DMARC = AuthPass
		}
	case rec != nil:
		v.DMARC, v.Result = AuthFail, AuthFail
		v.because("DMARC policy of " + v.FromDomain + " not met (no aligned DKIM or SPF pass)")
	case v.SPF == string(spf.Fail) && aligned(spfDomain, v.FromDomain, dmarc.AlignmentRelaxed):
		v.Result = AuthFail
		v.because("SPF of " + spfDomain + " fails for this client")
	case v.DKIM == AuthFail:
		v.because("DKIM signature did not verify")
	}
	return v
}

// checkDKIM verifies up to five signatures and returns the domains whose
// signature holds.
func checkDKIM(ctx context.Context, r Resolver, raw []byte, v *AuthVerdict) []string {
	lines, size, total := worstFoldedField(raw)
	if lines*size > maxDKIMFieldWork {
		// go-msgauth's dkim joins a field's folded lines by string
		// concatenation: time grows with lines x size. A 138 KB header of
		// one-word lines takes it 0.3 s; a few MB, minutes. Such a mail is
		// not verified (never a pass) rather than allowed to pin a core.
		v.because(fmt.Sprintf("DKIM: not checked: a header field of %d folded lines (%d bytes)", lines, size))
		return nil
	}
	if total > maxDKIMHeaderWork {
		// Many fields each just under the bound cost as much together: a
		// 2.4 MB header of 300 such fields took 2.4 s, a 35 MB mail would
		// pin a core for half a minute.
		v.because(fmt.Sprintf("DKIM: not checked: header fields folded over too many lines (%d lines x bytes)", total))
		return nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return r.LookupTXT(ctx, name) },
		MaxVerifications: 5,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		v.because("DKIM: " + err.Error())
	}
	var ok []string
	for _, s := range vs {
		if s.Err == nil {
			v.DKIM = AuthPass
			ok = append(ok, strings.ToLower(s.Domain))
			v.because("DKIM signature of " + s.Domain + " verified")
			continue
		}
		if v.DKIM != AuthPass {
			v.DKIM = AuthFail
		}
		v.because("DKIM signature of " + s.Domain + ": " + s.Err.Error())
	}
	return ok
}

// maxDKIMFieldWork bounds folded lines x bytes of the largest header field
// the DKIM verifier is given (see checkDKIM): 16 Mi is a few milliseconds,
// and more than any real field needs (References of a 500-mail thread,
// folded one id a line, is about 10 Mi).
const maxDKIMFieldWork = 16 << 20

// maxDKIMHeaderWork bounds the same product summed over all the header's
// fields: real headers add little to their largest field.
const maxDKIMHeaderWork = 32 << 20

// worstFoldedField scans the header section of raw once and returns the
// folded line count and byte size of the field where their product is
// largest, and that product summed over all fields.
func worstFoldedField(raw []byte) (lines, size, total int) {
	var curLines, curSize int
	flush := func() {
		total += curLines * curSize
		if curLines*curSize > lines*size {
			lines, size = curLines, curSize
		}
	}
	for len(raw) > 0 {
		n := bytes.IndexByte(raw, '\n') + 1
		if n == 0 {
			n = len(raw)
		}
		line := raw[:n]
		raw = raw[n:]
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			break // end of the header section
		}
		if line[0] == ' ' || line[0] == '\t' {
			curLines, curSize = curLines+1, curSize+n
			continue
		}
		flush()
		curLines, curSize = 1, n
	}
	flush()
	return lines, size, total
}

// checkSPF evaluates the envelope sender's domain (the HELO name for the
// null reverse-path) against the client address; it returns that domain.
func checkSPF(ctx context.Context, r Resolver, in AuthInput, v *AuthVerdict) string {
	sender := strings.Trim(strings.TrimSpace(in.MailFrom), "<>")
	domain := strings.ToLower(in.HELO)
	if i := strings.LastIndexByte(sender, '@'); i >= 0 {
		domain = strings.ToLower(sender[i+1:])
	} else {
		sender = "postmaster@" + in.HELO
	}
	if in.ClientIP == nil || domain == "" {
		return domain
	}
	res, err := spf.CheckHostWithSender(in.ClientIP, in.HELO, sender, spf.WithResolver(r), spf.WithContext(ctx))
	v.SPF = string(res)
	if err != nil && res != spf.Pass {
		v.because("SPF " + string(res) + " for " + domain + ": " + err.Error())
	} else {
		v.because("SPF " + string(res) + " for " + domain)
	}
	return domain
}

// lookupDMARC finds the DMARC record of the From domain, or of its
// organisational domain.
func lookupDMARC(ctx context.Context, r Resolver, domain string, v *AuthVerdict) *dmarc.Record {
	opts := &dmarc.LookupOptions{LookupTXT: func(name string) ([]string, error) { return r.LookupTXT(ctx, name) }}
	for _, d := range []string{domain, orgDomain(domain)} {
		rec, err := dmarc.LookupWithOptions(d, opts)
		if err == nil {
			return rec
		}
		if !errors.Is(err, dmarc.ErrNoPolicy) {
			v.because("DMARC lookup for " + d + ": " + err.Error())
		}
		if d == orgDomain(domain) {
			break
		}
	}
	return nil
}

// orgDomain is the registered domain (example.co.uk for a.b.example.co.uk).
func orgDomain(d string) string {
	if o, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return o
	}
	return d
}

// aligned is DMARC identifier alignment (RFC 7489 3.1).
func aligned(id, from string, mode dmarc.AlignmentMode) bool {
	id, from = strings.ToLower(id), strings.ToLower(from)
	if id == "" || from == "" {
		return false
	}
	if mode == dmarc.AlignmentStrict {
		return id == from
	}
	return orgDomain(id) == orgDomain(from)
}

// TrustedResults returns the topmost Authentication-Results field written by
// a trusted authserv-id.
func TrustedResults(raw []byte, ids []string) (string, []authres.Result, bool) {
	hdr, _ := splitHeaderBody(headPrefix(raw))
	for _, f := range parseHeaderBlock(hdr)["Authentication-Results"] {
		id, res, err := authres.Parse(f)
		if err != nil || !containsFold(ids, id) {
			continue
		}
		return strings.ToLower(id), res, true
	}
	return "", nil, false
}

// fromResults turns an upstream server's results into a verdict.
func fromResults(v *AuthVerdict, res []authres.Result) {
	v.because("Authentication-Results of " + v.Source)
	for _, r := range res {
		switch r := r.(type) {
		case *authres.DMARCResult:
			v.DMARC = string(r.Value)
			switch r.Value {
			case authres.ResultPass:
				v.Result, v.Method, v.Domain = AuthPass, "DMARC", v.FromDomain
			case authres.ResultFail:
				v.Result = AuthFail
			}
		case *authres.DKIMResult:
			if r.Value == authres.ResultPass {
				v.DKIM = AuthPass
				if v.Result != AuthPass && aligned(r.Domain, v.FromDomain, dmarc.AlignmentRelaxed) {
					v.Result, v.Method, v.Domain = AuthPass, "DKIM", strings.ToLower(r.Domain)
				}
			} else if v.DKIM != AuthPass {
				v.DKIM = string(r.Value)
			}
		case *authres.SPFResult:
			v.SPF = string(r.Value)
			dom := r.From
			if i := strings.LastIndexByte(dom, '@'); i >= 0 {
				dom = dom[i+1:]
			}
			if r.Value == authres.ResultPass && v.Result != AuthPass && aligned(dom, v.FromDomain, dmarc.AlignmentRelaxed) {
				v.Result, v.Method, v.Domain = AuthPass, "SPF", strings.ToLower(dom)
			}
		}
	}
	if v.DMARC == string(authres.ResultFail) {
		v.Result = AuthFail
	}
}

// StripAuthResults removes Authentication-Results fields that claim a
// trusted authserv-id but cannot come from that server: all of them when the
// mail did not come through it (keepFirst false), else all but the topmost
// (the one it wrote; anything below came with the mail). It returns the mail
// unchanged when there is nothing to strip.
func StripAuthResults(raw []byte, ids []string, keepFirst bool) ([]byte, int) {
	if len(ids) == 0 || !bytes.Contains(bytes.ToLower(headPrefix(raw)), []byte("authentication-results")) {
		return raw, 0
	}
	var out bytes.Buffer
	out.Grow(len(raw))
	stripped, kept := 0, false
	rest := raw
	for len(rest) > 0 {
		field := rest[:fieldLen(rest)]
		if blankLine(field) {
			out.Write(rest) // the blank line and the body
			break
		}
		rest = rest[len(field):]
		if name, val, ok := bytes.Cut(field, []byte(":")); ok &&
			strings.EqualFold(strings.TrimSpace(string(name)), "Authentication-Results") {
			id, _, _ := authres.Parse(string(bytes.TrimSpace(val)))
			if id == "" {
				id = strings.TrimSpace(strings.SplitN(string(val), ";", 2)[0])
			}
			if containsFold(ids, id) {
				if keepFirst && !kept {
					kept = true
				} else {
					stripped++
					continue
				}
			}
		}
		out.Write(field)
	}
	if stripped == 0 {
		return raw, 0
	}
	return out.Bytes(), stripped
}

// fieldLen is the length of the header field rest starts with: its first
// line and every folded continuation line. A blank line is never folded:
// it ends the header even when the body's first line is indented, as it
// does for net/mail and the MIME reader.
func fieldLen(rest []byte) int {
	end := bytes.IndexByte(rest, '\n') + 1
	if end == 0 {
		return len(rest)
	}
	if blankLine(rest[:end]) {
		return end
	}
	for end < len(rest) && (rest[end] == ' ' || rest[end] == '\t') {
		i := bytes.IndexByte(rest[end:], '\n')
		if i < 0 {
			return len(rest)
		}
		end += i + 1
	}
	return end
}

// blankLine: a field of nothing but CR and LF ends the header.
func blankLine(field []byte) bool { return len(bytes.TrimRight(field, "\r\n")) == 0 }

// headerEnd returns where the header of raw ends (its blank line) and
// where the body starts, len(raw) for both when there is no blank line.
// The stripping of Authentication-Results (StripAuthResults) and every
// reader of header fields (splitHeaderBody) find the end the same way, so
// a field the stripper left as body is never read as a header: with two
// rules, "\r\r\n" or an LF header's "\r\n" ended the header for one and
// not for the other, and a forged result below it was trusted.
func headerEnd(raw []byte) (end, body int) {
	for off := 0; off < len(raw); {
		n := fieldLen(raw[off:])
		if blankLine(raw[off : off+n]) {
			return off, off + n
		}
		off += n
	}
	return len(raw), len(raw)
}

func containsFold(list []string, s string) bool {
	s = strings.TrimSpace(s)
	for _, x := range list {
		if s != "" && strings.EqualFold(strings.TrimSpace(x), s) {
			return true
		}
	}
	return false
}
