package phishing

import "strings"

// Match says why two reports are one campaign, or "" when they are not:
// the same attachment, a shared link host (or shortened URL), the same
// sender address, or near-identical text under the same subject.
func Match(a, b Indicators) string {
	if v := shared(a.Hashes, b.Hashes); v != "" {
		return "same attachment (sha256 " + v[:16] + "…)"
	}
	if v := shared(a.Hosts, b.Hosts); v != "" {
		return "same link host " + Defang(v)
	}
	if v := shared(a.URLs, b.URLs); v != "" {
		return "same shortened link " + Defang(v)
	}
	if v := shared(a.Senders, b.Senders); v != "" {
		return "same sender " + DefangAddress(v)
	}
	if NearText(a.SimHash, b.SimHash) {
		return "near-identical text"
	}
	return ""
}

func shared(a, b []string) string {
	for _, x := range a {
		for _, y := range b {
			if x != "" && strings.EqualFold(x, y) {
				return x
			}
		}
	}
	return ""
}
