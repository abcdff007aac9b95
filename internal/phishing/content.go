package phishing

import (
	"hash/fnv"
	"math/bits"
	"regexp"
	"sort"
	"strings"

	"github.com/jhillyerd/enmime"
)

// pressure are phrases that rush or scare the reader; each is weak alone.
var pressure = regexp.MustCompile(`(?i)(urgent|immediately|within 24 hours|within 48 hours|account (?:will be |has been )?(?:suspended|locked|disabled|closed)|verify your (?:account|identity|password|mailbox)|password (?:expires|will expire|has expired)|unusual (?:sign-?in )?activity|confirm your (?:account|details|identity)|mailbox (?:is )?(?:full|storage)|gift cards?|wire transfer|payment (?:is )?overdue|final notice|action required|click (?:here|below) to)`)

// checkContent notes pressure in the text: a weak signal, capped.
func checkContent(env *enmime.Envelope, a *Analysis) {
	text := env.Text + " " + a.Subject
	found := map[string]bool{}
	for _, m := range pressure.FindAllString(text, 20) {
		found[strings.ToLower(m)] = true
	}
	if len(found) == 0 {
		return
	}
	var list []string
	for m := range found {
		list = append(list, "\""+m+"\"")
	}
	sort.Strings(list)
	w := min(5*len(list), 15)
	a.add("content", w, "The text pushes you to act quickly or scares you ("+strings.Join(list[:min(3, len(list))], ", ")+").", strings.Join(list, ", "))
}

// indicatorsOf collects what identifies the campaign.
func indicatorsOf(cfg Config, env *enmime.Envelope, a *Analysis) Indicators {
	ind := Indicators{Senders: []string{}, Hosts: []string{}, URLs: []string{}, Hashes: []string{}, Subject: normSubject(a.Subject)}
	add := func(list *[]string, v string) {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" {
			return
		}
		for _, x := range *list {
			if x == v {
				return
			}
		}
		*list = append(*list, v)
	}
	if a.From != "" && !inDomains(domainOf(a.From), cfg.OrgDomains) {
		add(&ind.Senders, a.From)
	}
	if a.ReplyTo != "" && !inDomains(domainOf(a.ReplyTo), cfg.OrgDomains) {
		add(&ind.Senders, a.ReplyTo)
	}
	for _, l := range a.Links {
		if l.Host == "" || inDomains(l.Host, cfg.OrgDomains) || inDomains(l.Host, benignHosts) {
			continue
		}
		if shorteners[l.Host] {
			add(&ind.URLs, l.URL)
			continue
		}
		add(&ind.Hosts, l.Host)
	}
	for _, at := range a.Attachments {
		add(&ind.Hashes, at.SHA256)
	}
	ind.SimHash = simHash(env.Text)
	return ind
}

// normSubject is a subject without forward/reply prefixes, numbers and case.
func normSubject(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	for {
		t := strings.TrimSpace(strings.TrimLeft(s, " "))
		for _, p := range []string{"fwd:", "fw:", "re:", "wg:", "aw:", "tr:"} {
			t = strings.TrimSpace(strings.TrimPrefix(t, p))
		}
		if t == s {
			break
		}
		s = t
	}
	return strings.Join(strings.Fields(digits.ReplaceAllString(s, "#")), " ")
}

var digits = regexp.MustCompile(`[0-9]+`)

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+`)

// simHash is a 64-bit SimHash of the text's word trigrams, with numbers and
// URLs folded so tracking ids and greetings by name change few bits.
func simHash(text string) uint64 {
	text = textURL.ReplaceAllString(strings.ToLower(text), " url ")
	text = digits.ReplaceAllString(text, "0")
	words := wordRE.FindAllString(text, 5000)
	if len(words) < 3 {
		return 0
	}
	var v [64]int
	for i := 0; i+2 < len(words); i++ {
		h := fnv.New64a()
		h.Write([]byte(words[i] + " " + words[i+1] + " " + words[i+2]))
		x := h.Sum64()
		for b := 0; b < 64; b++ {
			if x&(1<<uint(b)) != 0 {
				v[b]++
			} else {
				v[b]--
			}
		}
	}
	var out uint64
	for b := 0; b < 64; b++ {
		if v[b] > 0 {
			out |= 1 << uint(b)
		}
	}
	return out
}

// NearText reports whether two SimHashes are of near-identical texts.
func NearText(a, b uint64) bool {
	return a != 0 && b != 0 && bits.OnesCount64(a^b) <= 8
}
