package detect

import (
	"net"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
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
//
// It runs for every new ticket (twice before: to store and to detect), so
// it skips a pattern whose required characters the text lacks (a URL needs
// "://", an address three dots, an error code one of its keywords) and
// keeps the vocabulary's normalised names between calls.
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
	lowerText := strings.ToLower(text)
	rest := text
	if strings.Contains(text, "://") {
		for _, u := range reURL.FindAllString(text, -1) {
			add(KindURL, strings.TrimRight(u, ".,;:!?"))
			rest = strings.Replace(rest, u, " ", 1)
		}
	}
	if strings.Count(rest, ".") >= 3 {
		for _, ip := range reIP.FindAllString(rest, -1) {
			if net.ParseIP(ip) != nil {
				add(KindIP, ip)
			}
		}
	}
	if mayHaveError(text, lowerText) {
		for _, m := range reError.FindAllStringSubmatch(rest, -1) {
			add(KindError, m[0])
		}
	}
	for _, h := range findHosts(rest) {
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
	cv := compileVocabulary(voc)
	// A name is found when its words follow one another in the text's
	// words (what looking for " name " in the words joined by spaces did).
	ws := strings.FieldsFunc(lowerText, notWordish)
	found := make([]bool, cv.forms)
	for i, w := range ws {
		for _, f := range cv.byFirst[w] {
			if i+len(f.words) <= len(ws) && slices.Equal(ws[i:i+len(f.words)], f.words) {
				found[f.id] = true
			}
		}
	}
	for _, list := range []struct {
		kind    string
		entries []vocabEntry
	}{{KindService, cv.services}, {KindOffice, cv.offices}} {
		for _, entry := range list.entries {
			for _, id := range entry.forms {
				if found[id] {
					add(list.kind, entry.name)
					break
				}
			}
		}
	}
	if c := strings.TrimSpace(category); c != "" {
		add(KindService, c)
	}
	slices.SortStableFunc(out, byKind)
	return out
}

func byKind(a, b Entity) int { return strings.Compare(a.Kind, b.Kind) }

// WithCategory returns what Extract(text, category, voc) returns, given
// ents = Extract(text, "", voc): the category is one more service.
func WithCategory(ents []Entity, category string) []Entity {
	c := strings.TrimSpace(category)
	if c == "" {
		return ents
	}
	v := strings.Trim(strings.ToLower(c), ".,;:!?/")
	e := Entity{KindService, v}
	if v == "" || slices.Contains(ents, e) {
		return ents
	}
	out := append(slices.Clip(ents), e)
	slices.SortStableFunc(out, byKind)
	return out
}

// findHosts is reHost.FindAllString(s, -1), faster. Every character a
// match can hold is in [A-Za-z0-9.-] (in ASCII text; elsewhere the regexp's
// case folding reaches further, so such text is searched whole), and every
// other ASCII character is a non-word character, so a match never crosses
// the end of a run of [A-Za-z0-9._-] and \b reads the same at a run's edges
// as at the text's: searching each run alone finds the same matches. A run
// with neither a dot nor a digit cannot match (each alternative needs one),
// so most words are never searched.
func findHosts(s string) []string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return reHost.FindAllString(s, -1)
		}
	}
	var out []string
	for i := 0; i < len(s); {
		if !hostRunChar(s[i]) {
			i++
			continue
		}
		j, cand := i, false
		for ; j < len(s) && hostRunChar(s[j]); j++ {
			if c := s[j]; c == '.' || c >= '0' && c <= '9' {
				cand = true
			}
		}
		if cand {
			out = append(out, reHost.FindAllString(s[i:j], -1)...)
		}
		i = j
	}
	return out
}

func hostRunChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_'
}

// errorNeedles are what any match of reError contains, lower-cased: one
// of its keywords, "0x", or the underscore of a CONSTANT_NAME.
var errorNeedles = []string{"err", "code", "http", "status", "0x", "_", "ora", "sql", "kb", "aadsts"}

// mayHaveError reports whether reError can match text. Outside ASCII the
// regexp's case folding reaches further than strings.ToLower (the Kelvin
// sign matches k, the long s matches s), so such text is always searched.
func mayHaveError(text, lower string) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return true
		}
	}
	for _, n := range errorNeedles {
		if strings.Contains(lower, n) {
			return true
		}
	}
	return false
}

// vocabEntry is one vocabulary line normalised for matching: the name an
// entity takes and the ids of its forms (the name and its aliases).
type vocabEntry struct {
	name  string
	forms []int
}

// vocabForm is one name or alias as its words.
type vocabForm struct {
	id    int
	words []string
}

type compiledVocab struct {
	srcServices, srcOffices []string
	services, offices       []vocabEntry
	byFirst                 map[string][]vocabForm // by first word
	forms                   int
}

// lastVocab is the most recent vocabulary compiled: every caller passes
// the same lists (the defaults plus the admin's) until an admin changes them.
var lastVocab atomic.Pointer[compiledVocab]

func compileVocabulary(voc Vocabulary) *compiledVocab {
	if c := lastVocab.Load(); c != nil && slices.Equal(c.srcServices, voc.Services) && slices.Equal(c.srcOffices, voc.Offices) {
		return c
	}
	c := &compiledVocab{srcServices: slices.Clone(voc.Services), srcOffices: slices.Clone(voc.Offices),
		byFirst: map[string][]vocabForm{}}
	compile := func(entries []string) []vocabEntry {
		out := make([]vocabEntry, 0, len(entries))
		for _, entry := range entries {
			name, aliases, _ := strings.Cut(entry, "=")
			name = strings.TrimSpace(strings.ToLower(name))
			ve := vocabEntry{name: name}
			for _, n := range append([]string{name}, strings.Split(strings.ToLower(aliases), ",")...) {
				if ws := strings.FieldsFunc(n, notWordish); len(ws) > 0 {
					f := vocabForm{id: c.forms, words: ws}
					c.forms++
					c.byFirst[ws[0]] = append(c.byFirst[ws[0]], f)
					ve.forms = append(ve.forms, f.id)
				}
			}
			out = append(out, ve)
		}
		return out
	}
	c.services, c.offices = compile(voc.Services), compile(voc.Offices)
	lastVocab.Store(c)
	return c
}

func notWordish(r rune) bool {
	return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' && r <= 127
}
