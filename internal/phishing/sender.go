package phishing

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"
)

// teamNames are display names attackers borrow to look like IT or security.
var teamNames = regexp.MustCompile(`(?i)\b(it|help ?desk|service ?desk|it support|tech(nical)? support|support team|security team|it security|administrator|sysadmin|system admin|mail(box)? admin|webmaster|postmaster|it department|payroll|hr department)\b`)

// checkSender looks for tricks in who the mail claims to be from.
func checkSender(cfg Config, in Input, a *Analysis) {
	fromDom := domainOf(a.From)
	if fromDom == "" {
		a.add("sender", 10, "The mail has no readable sender address.", "")
		return
	}
	ours := inDomains(fromDom, cfg.OrgDomains)
	name := strings.TrimSpace(a.FromName)
	if name != "" && !ours {
		if p, ok := colleagueNamed(cfg.Staff, name); ok {
			if freemail(fromDom) {
				a.add("sender", 10, "The mail came from a free mail account ("+fromDom+"), which anyone can open under any name.", a.From)
			}
			a.add("sender", 45, "The sender's name was "+p.Name+", a colleague, but the address was "+DefangAddress(a.From)+", which is not theirs.",
				name+" <"+DefangAddress(a.From)+">")
		} else if b, ok := brandNamed(name); ok && !brandDomain(b, fromDom) {
			a.add("sender", 35, "The sender calls themselves \""+name+"\" but wrote from "+Defang(fromDom)+", which does not belong to "+b+".",
				name+" <"+DefangAddress(a.From)+">")
		} else if teamNames.MatchString(name) {
			a.add("sender", 25, "The sender called themselves \""+name+"\" but wrote from an outside address ("+DefangAddress(a.From)+").",
				name+" <"+DefangAddress(a.From)+">")
		}
		if m := emailInName.FindString(name); m != "" && !strings.EqualFold(m, a.From) {
			a.add("sender", 25, "The sender's name shows the address "+DefangAddress(m)+", but the mail really came from "+DefangAddress(a.From)+".",
				name+" <"+DefangAddress(a.From)+">")
		}
	}
	if a.ReplyTo != "" && registrable(domainOf(a.ReplyTo)) != registrable(fromDom) {
		w := 15
		if freemail(domainOf(a.ReplyTo)) {
			w = 25
		}
		a.add("sender", w, "Answers would go to "+DefangAddress(a.ReplyTo)+", not to the sender "+DefangAddress(a.From)+".", "Reply-To: "+DefangAddress(a.ReplyTo))
	}
	if rp := domainOf(a.ReturnPath); rp != "" && ours && !inDomains(rp, cfg.OrgDomains) {
		a.add("sender", 15, "It claims to come from our own domain but its bounce address is outside ("+DefangAddress(a.ReturnPath)+").", "Return-Path: "+DefangAddress(a.ReturnPath))
	}
	if f, w := lookalikeWeight(fromDom, cfg.OrgDomains); f != "" {
		a.add("sender", w, "The sender's domain "+Defang(fromDom)+" imitates our own "+f+".", a.From)
	} else if strings.Contains(fromDom, "xn--") || hasNonASCII(fromDom) {
		a.add("sender", 15, "The sender's domain uses international characters ("+asciiHost(fromDom)+") that can look like other letters.", fromDom)
	}
	if in.SenderSeen != nil && !*in.SenderSeen && !ours {
		a.add("sender", 5, "We have never had mail from "+Defang(fromDom)+" before.", fromDom)
	}
}

var emailInName = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)

// colleagueNamed finds a colleague whose full name is the display name.
func colleagueNamed(staff []Person, name string) (Person, bool) {
	n := foldName(name)
	if !strings.Contains(n, " ") {
		return Person{}, false // a single word ("Anna") matches too many people
	}
	for _, p := range staff {
		if foldName(p.Name) == n {
			return p, true
		}
	}
	return Person{}, false
}

// foldName lower-cases, drops accents and punctuation, and orders
// "Last, First" as "first last".
func foldName(s string) string {
	if l, f, ok := strings.Cut(s, ","); ok {
		s = f + " " + l
	}
	s = norm.NFKD.String(s)
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// lookalike reports which of our domains host imitates: the same letters
// after homoglyphs are folded, an edit distance of one or two on the
// registered name, or our name with words added ("example-login.com").
func lookalike(host string, ours []string) string {
	o, _ := lookalikeKind(host, ours)
	return o
}

// lookalikeWeight is how much a lookalike of ours weighs: our very name
// under another ending (example.net) is common among real businesses too,
// so it weighs less than a homoglyph or a typo.
func lookalikeWeight(host string, ours []string) (string, int) {
	o, sameName := lookalikeKind(host, ours)
	if o == "" {
		return "", 0
	}
	if sameName {
		return o, 20
	}
	return o, 45
}

// lookalikeKind is lookalike, also saying whether host is our exact name
// under another top-level domain.
func lookalikeKind(host string, ours []string) (string, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || inDomains(host, ours) {
		return "", false
	}
	uhost := unicodeHost(host)
	reg := registrable(host)
	label := firstLabel(reg)
	for _, o := range ours {
		o = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(o), "@"))
		if o == "" {
			continue
		}
		oreg := registrable(o)
		olabel := firstLabel(oreg)
		if len(olabel) < 4 {
			continue // "it.com": every short word is "close"
		}
		if label == olabel {
			return oreg, true
		}
		if skeleton(firstLabel(registrable(uhost))) == skeleton(olabel) || skeleton(label) == skeleton(olabel) {
			return oreg, false
		}
		if d := levenshtein(label, olabel); d > 0 && d <= maxEdits(olabel) {
			return oreg, false
		}
		if len(label) > len(olabel) && containsWord(label, olabel) {
			return oreg, false
		}
		// Our name, disguised, as one word of a longer name: examp1e-helpdesk.com.
		for _, part := range strings.Split(firstLabel(registrable(uhost)), "-") {
			if part != olabel && skeleton(part) == skeleton(olabel) {
				return oreg, false
			}
		}
	}
	return "", false
}

func maxEdits(s string) int {
	if len(s) >= 8 {
		return 2
	}
	return 1
}

// containsWord reports whether label holds name as a part split by a hyphen
// or joined to a bait word ("examplecorp-secure", "example-login").
func containsWord(label, name string) bool {
	if !strings.Contains(label, name) {
		return false
	}
	for _, part := range strings.Split(label, "-") {
		if part == name {
			return true
		}
	}
	rest := strings.Replace(label, name, "", 1)
	for _, w := range []string{"login", "secure", "verify", "account", "support", "it", "helpdesk", "mail", "portal", "sso", "auth", "online", "update", "service"} {
		if rest == w {
			return true
		}
	}
	return false
}

func firstLabel(domain string) string {
	l, _, _ := strings.Cut(domain, ".")
	return l
}

// unicodeHost decodes punycode labels so homoglyphs can be folded.
func unicodeHost(h string) string {
	if u, err := idna.ToUnicode(h); err == nil {
		return strings.ToLower(u)
	}
	return h
}

func asciiHost(h string) string {
	if a, err := idna.ToASCII(h); err == nil {
		return a
	}
	return h
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return true
		}
	}
	return false
}

// confusables folds letters that look alike onto one: Cyrillic and Greek
// lookalikes of Latin letters, digits that pass for letters, and letter
// pairs that read as one letter.
var confusables = strings.NewReplacer(
	"а", "a", "е", "e", "о", "o", "р", "p", "с", "c", "х", "x", "у", "y", "і", "i", "ј", "j", "ӏ", "l", "ԁ", "d",
	"ѕ", "s", "һ", "h", "ԛ", "q", "ԝ", "w", "ν", "v", "ο", "o", "α", "a", "ε", "e", "ι", "i", "κ", "k", "τ", "t",
	"ɑ", "a", "ɡ", "g", "ı", "i", "ł", "l", "0", "o", "1", "l", "3", "e", "5", "s", "rn", "m", "vv", "w", "cl", "d", "i", "l",
)

func skeleton(s string) string {
	s = norm.NFKD.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(confusables.Replace(b.String()), "-", "")
}

// levenshtein is the edit distance of two short strings (by rune).
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 99
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// freemail reports whether a domain gives out addresses to anyone.
func freemail(d string) bool {
	return inDomains(d, []string{"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "proton.me",
		"protonmail.com", "gmx.com", "gmx.net", "mail.ru", "aol.com", "icloud.com", "yandex.com", "web.de", "zoho.com"})
}

// brands are names attackers borrow, with the domains that really send for them.
var brands = map[string][]string{
	"Microsoft":  {"microsoft.com", "office.com", "office365.com", "outlook.com", "live.com", "hotmail.com", "microsoftonline.com", "sharepoint.com", "onmicrosoft.com", "microsoft365.com", "teams.microsoft.com", "skype.com", "linkedin.com"},
	"DocuSign":   {"docusign.com", "docusign.net"},
	"PayPal":     {"paypal.com", "paypal.de", "paypal.co.uk"},
	"DHL":        {"dhl.com", "dhl.de", "dhl.co.uk"},
	"Apple":      {"apple.com", "icloud.com", "me.com"},
	"Google":     {"google.com", "gmail.com", "googlemail.com", "googlegroups.com", "youtube.com"},
	"Amazon":     {"amazon.com", "amazon.de", "amazon.co.uk", "amazon.fr", "amazonses.com", "amazonaws.com"},
	"Dropbox":    {"dropbox.com", "dropboxmail.com"},
	"Adobe":      {"adobe.com", "adobesign.com", "echosign.com"},
	"Zoom":       {"zoom.us", "zoom.com"},
	"FedEx":      {"fedex.com"},
	"UPS":        {"ups.com"},
	"WeTransfer": {"wetransfer.com"},
	"Netflix":    {"netflix.com"},
}

var brandWords = regexp.MustCompile(`(?i)\b(microsoft|office ?365|m365|outlook|onedrive|sharepoint|teams|docusign|paypal|dhl|apple|icloud|google|gmail|amazon|dropbox|adobe|zoom|fedex|ups|wetransfer|netflix)\b`)

var brandOf = map[string]string{"microsoft": "Microsoft", "office365": "Microsoft", "office 365": "Microsoft", "m365": "Microsoft",
	"outlook": "Microsoft", "onedrive": "Microsoft", "sharepoint": "Microsoft", "teams": "Microsoft", "docusign": "DocuSign",
	"paypal": "PayPal", "dhl": "DHL", "apple": "Apple", "icloud": "Apple", "google": "Google", "gmail": "Google", "amazon": "Amazon",
	"dropbox": "Dropbox", "adobe": "Adobe", "zoom": "Zoom", "fedex": "FedEx", "ups": "UPS", "wetransfer": "WeTransfer", "netflix": "Netflix"}

// brandNamed finds a well-known brand in a display name.
func brandNamed(name string) (string, bool) {
	m := brandWords.FindString(name)
	if m == "" {
		return "", false
	}
	b, ok := brandOf[strings.ToLower(m)]
	return b, ok
}

// brandDomain reports whether a domain really sends for a brand.
func brandDomain(brand, domain string) bool {
	return inDomains(domain, brands[brand])
}
