package detect

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// words splits text into lower-cased runs of letters and digits, the same
// tokens the triage classifier's word features use, minus stop words,
// helpdesk pleasantries and bare numbers, which every ticket shares and so
// say nothing about which problem it reports.
func words(text string) []string {
	var out []string
	start := -1
	lower := strings.ToLower(text)
	for i, r := range lower {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if alnum && start < 0 {
			start = i
		} else if !alnum && start >= 0 {
			out = appendWord(out, lower[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendWord(out, lower[start:])
	}
	return out
}

func appendWord(out []string, w string) []string {
	if utf8.RuneCountInString(w) < 2 || stop[w] {
		return out
	}
	digits := true
	for _, r := range w {
		if !unicode.IsDigit(r) {
			digits = false
			break
		}
	}
	if digits {
		return out
	}
	return append(out, stem(w))
}

// stem folds the commonest English plural so "email" and "emails" match;
// anything cleverer mangles product names.
func stem(w string) string {
	if len(w) > 3 && w[len(w)-1] == 's' && w[len(w)-2] != 's' && w[len(w)-2] != 'u' && w[len(w)-2] != 'i' {
		return w[:len(w)-1]
	}
	return w
}

// stop lists English function words and the phrases every helpdesk ticket
// carries ("hi", "please", "thanks", "issue", "working").
var stop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a about above after again against all am an and any are as at be because been
	before being below between both but by can cannot could did do does doing down during each few for from further
	had has have having he her here hers herself him himself his how i if in into is it its itself just me more most
	my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such
	than that the their theirs them themselves then there these they this those through to too under until up very was
	we were what when where which while who whom why will with would you your yours yourself yourselves also get got
	getting since still cant can't dont don't doesnt isnt im ive re pm am
	hi hello hey dear thanks thank regards best kind kindly please pls help need needs needed urgent asap issue issues
	problem problems ticket request requests requesting working work works worked anyone someone team today morning
	afternoon yesterday currently right now again able unable seems seem trying tried try know let us one see
	like would could regards cheers sent subject fw fwd`) {
		m[w] = true
	}
	return m
}()

// Words is the detector's tokeniser for other packages: lower-cased words
// without stop words, plurals folded.
func Words(text string) []string { return words(text) }
