package phishing

import (
	"bytes"
	"context"
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/jhillyerd/enmime"
	"golang.org/x/net/publicsuffix"

	swmail "switchboard/internal/mail"
)

func effectiveTLDPlusOne(host string) (string, error) { return publicsuffix.EffectiveTLDPlusOne(host) }

// checkAuth reads the results our own receiving servers recorded in the
// suspect's headers (by authserv-id: anything else in the headers may be the
// attacker's) and verifies its DKIM signatures again.
func checkAuth(ctx context.Context, cfg Config, raw []byte, a *Analysis) {
	a.Auth = AuthInfo{SPF: "none", DKIM: "none", DMARC: "none", FreshDKIM: "skipped"}
	fromDom := domainOf(a.From)
	if id, res, ok := swmail.TrustedResults(raw, cfg.AuthServIDs); ok {
		a.Auth.Source = id
		for _, r := range res {
			switch r := r.(type) {
			case *authres.SPFResult:
				a.Auth.SPF = string(r.Value)
			case *authres.DKIMResult:
				if a.Auth.DKIM != "pass" {
					a.Auth.DKIM = string(r.Value)
				}
			case *authres.DMARCResult:
				a.Auth.DMARC = string(r.Value)
			}
		}
		ev := "Authentication-Results of " + id + ": spf=" + a.Auth.SPF + " dkim=" + a.Auth.DKIM + " dmarc=" + a.Auth.DMARC
		switch {
		case a.Auth.DMARC == "fail":
			a.add("auth", 35, "Our mail server found that the sender's domain ("+fromDom+") does not vouch for this mail (DMARC failed): the From address is forged.", ev)
		case a.Auth.SPF == "fail" || a.Auth.SPF == "softfail":
			a.add("auth", 15, "The server that sent this mail is not allowed to send for its domain (SPF "+a.Auth.SPF+").", ev)
		case a.Auth.DMARC == "pass":
			a.add("auth", -10, "The sender's domain vouches for this mail (DMARC passed), so the From address is real, though a real address can still send phishing.", ev)
		}
		if a.Auth.DKIM == "fail" && a.Auth.DMARC != "fail" {
			a.add("auth", 10, "Its DKIM signature did not verify when it arrived.", ev)
		}
	} else if len(cfg.AuthServIDs) > 0 {
		a.add("auth", 0, "No authentication results of our own mail servers were found in its headers.", "")
	}
	if cfg.Resolver == nil {
		return
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        func(name string) ([]string, error) { return cfg.Resolver.LookupTXT(ctx, name) },
		MaxVerifications: 5,
	})
	if err != nil && len(vs) == 0 {
		a.Auth.FreshDKIM = "none"
		return
	}
	a.Auth.FreshDKIM = "none"
	for _, v := range vs {
		if v.Err == nil {
			a.Auth.FreshDKIM = "pass (" + strings.ToLower(v.Domain) + ")"
			if fromDom != "" && registrable(v.Domain) == registrable(fromDom) {
				a.add("auth", -10, "Its DKIM signature by "+strings.ToLower(v.Domain)+" still verifies: the mail really comes from that domain and was not altered.", "d="+v.Domain)
			}
			return
		}
		a.Auth.FreshDKIM = "fail"
	}
}

// simulationHeaders are set by phishing-simulation tools on their mails.
var simulationHeaders = []string{"X-Phishing-Simulation", "X-PHISHTEST", "X-Gophish-Contact", "X-Gophish-Signature",
	"X-KnowBe4-Campaign", "X-PhishMe", "X-PhishMeTracking", "X-Lucy-Campaign", "X-Simulated-Phish"}

// simulation recognises the organisation's own phishing exercises.
func simulation(env *enmime.Envelope, cfg Config, a *Analysis) *Finding {
	for _, h := range simulationHeaders {
		if v := env.GetHeader(h); v != "" {
			return &Finding{Area: "simulation", Reason: "This was one of our own phishing exercises. Well spotted!", Evidence: h + ": " + truncate(v, 80)}
		}
	}
	if d := domainOf(a.From); d != "" && inDomains(d, cfg.SimulationDomains) {
		return &Finding{Area: "simulation", Reason: "This was one of our own phishing exercises. Well spotted!", Evidence: "sender domain " + d}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
