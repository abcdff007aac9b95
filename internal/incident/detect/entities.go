package detect

import (
	"net"
	"regexp"
	"slices"
	"strings"
)

// Entity kinds: the things several tickets about one outage tend to name.
const (
	KindHost    = "host"
	KindIP      = "ip"
	KindURL     = "url"
	KindError   = "error"
	KindService = "service"
	KindOffice  = "office"
)

// Entity is one extracted thing, its value normalised (lower case, no
// trailing dots) so that two tickets naming it compare equal.
type Entity struct {
	Kind  string
	Value string
}

// String renders kind:value, the form the replay command prints.
func (e Entity) String() string { return e.Kind + ":" + e.Value }

// Vocabulary is what the extractor recognises besides patterns: known
// service and application names and office locations, both configurable
// by admins. Each entry may have aliases: "vpn=globalprotect,anyconnect".
type Vocabulary struct {
	Services []string
	Offices  []string
}

// DefaultServices are the applications most IT departments run; admins add
// their own.
var DefaultServices = []string{
	"vpn=globalprotect,anyconnect,forticlient", "email=outlook,exchange,mailbox,mail", "teams", "sharepoint",
	"onedrive", "wifi=wi-fi,wlan,wireless", "printer=printing,print", "citrix", "zoom", "slack", "jira",
	"confluence", "sap", "oracle", "salesforce", "okta=sso,single sign-on", "gitlab", "github", "jenkins",
	"active directory=ad,ldap", "internet=network", "intranet", "erp", "crm", "dns", "dhcp", "file server=file share,fileserver",
	"phone=telephony,voip", "webex", "workday", "servicenow", "azure", "aws", "office 365=o365,m365,office365",
}

// DefaultOffices is empty: office names differ per organisation, and
// guessing city names would match ordinary words.
var DefaultOffices []string

var (
	reURL   = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"'()]+`)
	reIP    = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	reHost  = regexp.MustCompile(`(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,24})\b|\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\d\b|\b[a-z]{2,}\d{2,}[a-z0-9]*\b`)
	reError = regexp.MustCompile(`(?i)\b0x[0-9a-f]{6,8}\b|\b(?:error|err|code|http|status)[\s:#-]*([0-9]{3,5}|[a-z_]*[0-9]+[a-z0-9_]*)\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]{3,}\b|\b(?:ORA|SQL|KB|AADSTS|ERR)-?[0-9]{3,8}\b`)
)

// hostTLDs are the endings a dotted name must have to count as a host:
// without the check "e.g." or "file.txt" would be hosts.
var hostTLDs = map[string]bool{"com": true, "net": true, "org": true, "local": true, "lan": true, "corp": true,
	"internal": true, "io": true, "cloud": true, "de": true, "uk": true, "fr": true, "nl": true, "eu": true,
	"us": true, "intra": true, "example": true, "localhost": true, "int": true, "ch": true, "at": true, "app": true,
	"dev": true, "co": true, "biz": true, "info": true, "es": true, "it": true, "se": true, "dk": true, "no": true}

// Extract finds the entities in a ticket's text (subject and body) and its
// category name, each once, in a stable order.
func Extract(text, category string, voc Vocabulary) []Entity {
	seen := map[Entity]bool{}
	var out []Entity
	add := func(kind, v string) {
		v = strings.Trim(strings.ToLower(v), ".,;:!?/")
		if v == "" {
			return
		}
		e := Entity{kind, v}
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	rest := text
	for _, u := range reURL.FindAllString(text, -1) {
		add(KindURL, strings.TrimRight(u, ".,;:!?"))
		rest = strings.Replace(rest, u, " ", 1)
	}
	for _, ip := range reIP.FindAllString(rest, -1) {
		if net.ParseIP(ip) != nil {
			add(KindIP, ip)
		}
	}
	for _, m := range reError.FindAllStringSubmatch(rest, -1) {
		add(KindError, m[0])
	}
	for _, h := range reHost.FindAllString(rest, -1) {
		h = strings.ToLower(h)
		if reIP.MatchString(h) {
			continue
		}
		if i := strings.LastIndexByte(h, '.'); i >= 0 {
			if !hostTLDs[h[i+1:]] || strings.Contains(h, "@") {
				continue
			}
		}
		add(KindHost, h)
	}
	if voc.Services == nil {
		voc.Services = DefaultServices
	}
	if voc.Offices == nil {
		voc.Offices = DefaultOffices
	}
	lower := " " + strings.Join(strings.FieldsFunc(strings.ToLower(text), notWordish), " ") + " "
	for _, list := range []struct {
		kind    string
		entries []string
	}{{KindService, voc.Services}, {KindOffice, voc.Offices}} {
		for _, entry := range list.entries {
			name, aliases, _ := strings.Cut(entry, "=")
			name = strings.TrimSpace(strings.ToLower(name))
			names := append([]string{name}, strings.Split(strings.ToLower(aliases), ",")...)
			for _, n := range names {
				n = strings.Join(strings.FieldsFunc(n, notWordish), " ")
				if n != "" && strings.Contains(lower, " "+n+" ") {
					add(list.kind, name)
					break
				}
			}
		}
	}
	if c := strings.TrimSpace(category); c != "" {
		add(KindService, c)
	}
	slices.SortStableFunc(out, func(a, b Entity) int { return strings.Compare(a.Kind, b.Kind) })
	return out
}

func notWordish(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r <= 127
}
