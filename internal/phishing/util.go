package phishing

import (
	"mime"
	"strings"
	"time"
)

func parseTime(layout, s string) (time.Time, error) { return time.Parse(layout, strings.TrimSpace(s)) }

func encodeWord(s string) string { return mime.QEncoding.Encode("utf-8", s) }

// Defang makes a URL or host safe to show and to mail: nobody can click it by
// accident and no mail client turns it into a link ("hxxps://evil[.]example").
func Defang(s string) string {
	s = strings.NewReplacer("http://", "hxxp://", "https://", "hxxps://", "HTTP://", "hxxp://", "HTTPS://", "hxxps://").Replace(s)
	// Every dot of the host part (before the first "/" after the scheme).
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		scheme, rest = "", s
	}
	host, path, _ := strings.Cut(rest, "/")
	host = strings.ReplaceAll(host, ".", "[.]")
	host = strings.ReplaceAll(host, "@", "[@]")
	out := host
	if path != "" || strings.Contains(rest, "/") {
		out += "/" + path
	}
	if scheme != "" {
		out = scheme + "://" + out
	}
	return out
}

// DefangAddress makes an email address unclickable ("ceo@evil[.]example").
func DefangAddress(addr string) string {
	local, dom, ok := strings.Cut(addr, "@")
	if !ok {
		return Defang(addr)
	}
	return local + "@" + strings.ReplaceAll(dom, ".", "[.]")
}

// registrable returns the registered domain of a host (a.b.example.co.uk ->
// example.co.uk), or the host itself.
func registrable(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if d, err := effectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

func domainOf(addr string) string {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// inDomains reports whether host is one of domains or below one.
func inDomains(host string, domains []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}
