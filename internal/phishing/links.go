package phishing

import (
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime"
	"golang.org/x/net/html"
)

// shorteners hide where a link goes; their host says nothing about a campaign.
var shorteners = map[string]bool{"bit.ly": true, "tinyurl.com": true, "t.co": true, "goo.gl": true, "ow.ly": true,
	"is.gd": true, "buff.ly": true, "rebrand.ly": true, "cutt.ly": true, "shorturl.at": true, "rb.gy": true,
	"t.ly": true, "s.id": true, "tiny.cc": true, "bl.ink": true, "lnkd.in": true, "v.gd": true, "qrco.de": true, "tr.im": true}

// benignHosts are hosts that appear in ordinary HTML mail (namespaces,
// fonts) and say nothing about a campaign.
var benignHosts = []string{"w3.org", "schemas.microsoft.com", "schemas.openxmlformats.org", "purl.org", "fonts.googleapis.com", "fonts.gstatic.com"}

var credentialWords = regexp.MustCompile(`(?i)(log-?in|sign-?in|signon|verify|verification|password|passwd|credential|account|unlock|validate|webscr|auth|sso|wallet|mfa|2fa|reset)`)

var textURL = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"'\)\]]+`)

var hostLike = regexp.MustCompile(`(?i)\b((?:[a-z0-9-]+\.)+[a-z]{2,})\b`)

// checkLinks lists every URL of the text and HTML and what is odd about it.
// Nothing is fetched.
func checkLinks(cfg Config, env *enmime.Envelope, a *Analysis) {
	seen := map[string]int{}
	addLink := func(raw, anchor string) {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") || strings.HasPrefix(strings.ToLower(raw), "mailto:") || strings.HasPrefix(strings.ToLower(raw), "cid:") {
			return
		}
		key := raw + "\x00" + anchor
		if _, ok := seen[key]; ok || len(a.Links) >= 200 {
			return
		}
		seen[key] = len(a.Links)
		a.Links = append(a.Links, inspectLink(cfg, raw, anchor, a))
	}
	if env.HTML != "" {
		htmlLinks(env.HTML, addLink, a)
	}
	for _, m := range textURL.FindAllString(env.Text, 200) {
		addLink(strings.TrimRight(m, ".,;:!?"), "")
	}
}

// inspectLink flags one URL and adds its findings.
func inspectLink(cfg Config, raw, anchor string, a *Analysis) Link {
	l := Link{URL: raw, Anchor: truncate(strings.TrimSpace(anchor), 200)}
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "javascript:"):
		l.Flags = append(l.Flags, "javascript")
		a.add("link", 35, "A link runs a script in the browser instead of opening a page.", truncate(raw, 80))
		return l
	case strings.HasPrefix(lower, "data:"):
		l.Flags = append(l.Flags, "data")
		a.add("link", 35, "A link opens a page hidden inside the mail itself (a data: link), a way to dodge web filters.", truncate(raw, 60))
		return l
	case strings.HasPrefix(lower, "www."):
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return l
	}
	host := strings.ToLower(u.Hostname())
	l.Host = host
	ours := inDomains(host, cfg.OrgDomains)
	if u.User != nil {
		l.Flags = append(l.Flags, "userinfo")
		a.add("link", 25, "A link hides its real destination behind an @ ("+Defang(raw)+").", Defang(raw))
	}
	if net.ParseIP(strings.Trim(host, "[]")) != nil {
		l.Flags = append(l.Flags, "ip")
		a.add("link", 25, "A link goes to a bare internet address ("+host+") instead of a named site.", Defang(raw))
	}
	if shorteners[host] {
		l.Flags = append(l.Flags, "shortener")
		a.add("link", 10, "A link is shortened ("+host+"), which hides where it goes.", Defang(raw))
	}
	if f, w := lookalikeWeight(host, cfg.OrgDomains); f != "" {
		l.Flags = append(l.Flags, "lookalike")
		a.add("link", w, "A link goes to "+Defang(host)+", which imitates our own "+f+".", Defang(raw))
	} else if strings.Contains(host, "xn--") || hasNonASCII(host) {
		l.Flags = append(l.Flags, "punycode")
		a.add("link", 15, "A link's address uses international characters ("+asciiHost(host)+") that can look like other letters.", Defang(raw))
	}
	if !ours && credentialWords.MatchString(u.Path+"?"+u.RawQuery) {
		l.Flags = append(l.Flags, "credential")
		a.add("link", 10, "A link outside our organisation leads to what looks like a sign-in or password page.", Defang(raw))
	}
	if shown := shownHost(anchor); shown != "" && !sameSite(shown, host) {
		l.Flags = append(l.Flags, "mismatch")
		a.add("link", 35, "A link shows "+Defang(shown)+" but really goes to "+Defang(host)+".", Defang(raw))
	}
	return l
}

// shownHost is the host a link's visible text names, if it names one.
func shownHost(anchor string) string {
	anchor = strings.TrimSpace(anchor)
	if anchor == "" {
		return ""
	}
	if m := textURL.FindString(anchor); m != "" {
		if !strings.Contains(m, "://") {
			m = "http://" + m
		}
		if u, err := url.Parse(m); err == nil && u.Hostname() != "" {
			return strings.ToLower(u.Hostname())
		}
	}
	if m := hostLike.FindString(anchor); m != "" && len(strings.Fields(anchor)) <= 2 {
		m = strings.ToLower(m)
		if _, err := effectiveTLDPlusOne(m); err == nil && isKnownTLD(m) {
			return m
		}
	}
	return ""
}

// isKnownTLD keeps "e.g." or "file.pdf" from being read as host names.
func isKnownTLD(host string) bool {
	i := strings.LastIndexByte(host, '.')
	switch host[i+1:] {
	case "com", "net", "org", "io", "co", "uk", "de", "fr", "nl", "eu", "us", "info", "biz", "gov", "edu", "ch", "at", "be", "it", "es", "ru", "cn", "app", "dev", "online", "site", "xyz", "top", "me", "ly", "cc":
		return true
	}
	return false
}

func sameSite(a, b string) bool { return registrable(a) == registrable(b) }

// htmlLinks walks the HTML for links, form targets and forms that ask for
// a password.
func htmlLinks(doc string, add func(raw, anchor string), a *Analysis) {
	z := html.NewTokenizer(strings.NewReader(doc))
	var href string
	var anchor strings.Builder
	inA := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if inA {
				add(href, anchor.String())
			}
			return
		case html.TextToken:
			if inA && anchor.Len() < 400 {
				anchor.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "a", "area":
				if inA {
					add(href, anchor.String())
				}
				href, inA = attr(tok, "href"), tok.Data == "a" && tt == html.StartTagToken
				anchor.Reset()
				if !inA {
					add(href, "")
				}
			case "form":
				act := attr(tok, "action")
				a.add("link", 20, "The mail contains a form that sends what you type to "+Defang(hostOf(act))+".", Defang(act))
				if act != "" {
					add(act, "")
				}
			case "input":
				if strings.EqualFold(attr(tok, "type"), "password") {
					a.add("link", 40, "The mail asks for a password right inside it; real services never do that.", "<input type=password>")
				}
			case "meta":
				if strings.EqualFold(attr(tok, "http-equiv"), "refresh") {
					if _, u, ok := strings.Cut(strings.ToLower(attr(tok, "content")), "url="); ok {
						add(strings.Trim(u, `'" `), "")
					}
				}
			}
		case html.EndTagToken:
			if name, _ := z.TagName(); string(name) == "a" && inA {
				add(href, anchor.String())
				inA = false
			}
		}
	}
}

func attr(t html.Token, key string) string {
	for _, at := range t.Attr {
		if at.Key == key {
			return at.Val
		}
	}
	return ""
}

func hostOf(raw string) string {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.Host != "" {
		return u.Hostname()
	}
	if raw == "" {
		return "(the same page)"
	}
	return raw
}
