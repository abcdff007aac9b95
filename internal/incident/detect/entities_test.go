package detect

import (
	"math/rand/v2"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"

	"switchboard/internal/corpora"
)

// extractReference is Extract as it was before it skipped patterns and
// kept the vocabulary compiled: the reference the faster one must equal.
func extractReference(text, category string, voc Vocabulary) []Entity {
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

// samples are texts that reach every pattern and the skips' edge cases.
var samples = []string{
	"",
	"VPN drops every few minutes on laptop 3-5\nSince this morning the VPN client disconnects every few minutes.\n\nI am on the **office Wi-Fi**, laptop model X1.",
	"Printer on floor 2 jams (7)",
	"see https://intranet.corp.example.com/x?y=1. and http://10.0.0.1:8080/a, also 10.1.2.3 and 999.1.1.1",
	"Outlook error 0x800CCC0E, code: 550 and ORA-12541, AADSTS50076 and ERR_CONNECTION_RESET on vpn-gw-01.corp.example.com",
	"status 503 from srv12 web-node-3 host file.txt e.g. mail.example.de user@example.com",
	"\u212aB4012345 \u017ftatus 404 K\u0042 5012345", // Kelvin sign and long s fold to k and s in (?i)
	"Teams and SharePoint down, single sign-on broken, Wi-Fi in the office 365 suite",
	"Printer in the New York office; nyc-prn-01 offline, payroll (paie) down, new  york again",
	"err-42 Code#1234 HTTP-500 status:abc_1 foo_BAR_BAZ 0xdeadbeef",
}

func TestExtractEqualsReference(t *testing.T) {
	t.Parallel()
	vocs := []Vocabulary{{}, {Services: append(slices.Clone(DefaultServices), "payroll=paie,lohn"), Offices: []string{"berlin=bln", "new york=nyc"}}}
	check := func(text, cat string) {
		t.Helper()
		for _, voc := range vocs {
			got, want := Extract(text, cat, voc), extractReference(text, cat, voc)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Extract(%q, %q) = %v, want %v", text, cat, got, want)
			}
			if base := Extract(text, "", voc); !reflect.DeepEqual(WithCategory(base, cat), want) {
				t.Fatalf("WithCategory(Extract(%q), %q) = %v, want %v", text, cat, WithCategory(base, cat), want)
			}
		}
	}
	for _, s := range samples {
		for _, cat := range []string{"", "Network", " VPN. ", "printer", "?"} {
			check(s, cat)
		}
	}
	// Random splices of the samples' pieces.
	r := rand.New(rand.NewPCG(1, 2))
	var pieces []string
	for _, s := range samples {
		pieces = append(pieces, strings.Fields(s)...)
	}
	for range 3000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString([]string{" ", ".", "", "\n", "-", "_"}[r.IntN(6)])
		}
		check(b.String(), "")
	}
	rows, err := LoadCorpus(corpora.Path(t, CorpusFile))
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows {
		if i%20 != 0 {
			continue // every twentieth row: ~2,400 real tickets
		}
		check(row.Text, row.Category)
	}
}

func BenchmarkExtract(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range samples[1:3] {
			Extract(s, "", Vocabulary{})
		}
	}
}

func BenchmarkExtractReference(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range samples[1:3] {
			extractReference(s, "", Vocabulary{})
		}
	}
}
