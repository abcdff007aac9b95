package devdata

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"switchboard/internal/postgres"
)

// vocab is the loader's word list with frequencies, each word's English
// lexeme (as PostgreSQL's to_tsvector makes it; "" for stop words), so the
// loader can write search vectors itself instead of making PostgreSQL parse
// a gigabyte of text.
type vocab struct {
	words  []string
	lex    []string
	cum    []int // cumulative frequency, for Zipf-like sampling
	total  int
	cities []string
}

// fallbackWords keep the loader working without the shared corpus.
var fallbackWords = strings.Fields(`printer laptop password reset vpn connection error screen monitor keyboard
mouse email outlook calendar meeting teams access account locked license software install update windows
network wifi slow server disk storage backup restore file folder share permission request new user
onboarding offboarding phone mobile battery charger docking station cable adapter badge door camera
audio headset microphone driver crash freeze restart login token certificate expired browser chrome
firefox excel word powerpoint database report invoice purchase order approval manager hardware replace`)

// loadVocab reads the words of the ticket corpus (a gzip'd CSV whose first
// column is ticket text), keeps the most frequent ones and asks PostgreSQL
// for their lexemes.
func loadVocab(ctx context.Context, db *postgres.DB, corpus string, maxWords int) (*vocab, error) {
	counts := map[string]int{}
	if corpus != "" {
		if err := countCorpus(corpus, counts); err != nil {
			return nil, err
		}
	}
	if len(counts) < 100 {
		for i, w := range fallbackWords {
			counts[w] += len(fallbackWords) - i
		}
	}
	type wc struct {
		w string
		c int
	}
	list := make([]wc, 0, len(counts))
	for w, c := range counts {
		list = append(list, wc{w, c})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].c > list[j].c || (list[i].c == list[j].c && list[i].w < list[j].w) })
	if len(list) > maxWords {
		list = list[:maxWords]
	}
	v := &vocab{cities: []string{"berlin", "lisbon", "austin", "manila", "pune", "krakow", "dublin", "toronto"}}
	words := make([]string, len(list))
	for i, x := range list {
		words[i] = x.w
	}
	// One round trip: the lexeme of every word ('' for stop words).
	lex, err := db.Lexemes(ctx, words)
	if err != nil {
		return nil, err
	}
	for _, x := range list {
		l := lex[x.w]
		if strings.Contains(l, " ") {
			continue // a word PostgreSQL splits; rare, and simpler to leave out
		}
		v.words = append(v.words, x.w)
		v.lex = append(v.lex, l)
		v.total += x.c
		v.cum = append(v.cum, v.total)
	}
	return v, nil
}

func countCorpus(path string, counts map[string]int) error {
	f, err := os.Open(path) //nolint:gosec // the corpus file the operator named with --corpus
	if err != nil {
		return fmt.Errorf("corpus: %w", err)
	}
	defer f.Close() //nolint:errcheck // read only
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		defer gz.Close() //nolint:errcheck // a read-side close; a bad checksum already failed the read
		r = gz
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	if _, err := cr.Read(); err != nil { // header
		return fmt.Errorf("corpus: %w", err)
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("corpus: %w", err)
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(rec[0]), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len(w) >= 3 && len(w) <= 14 {
				counts[w]++
			}
		}
	}
}

// pick returns a word index, frequent words more often.
func (v *vocab) pick(r *rand.Rand) int {
	x := r.IntN(v.total)
	return sort.SearchInts(v.cum, x+1)
}

// text is generated text and its search vector entries.
type text struct {
	b    strings.Builder
	pos  int // last tsvector position used
	lexs map[string][]string
}

func newText() *text { return &text{lexs: map[string][]string{}} }

// sentence appends n words (plus, now and then, a hostname) and records
// each lexeme's position with weight w ('A'..'D').
func (t *text) sentence(v *vocab, r *rand.Rand, n int, w byte, host string) {
	for i := 0; i < n; i++ {
		k := v.pick(r)
		word := v.words[k]
		if i == 0 {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		if t.b.Len() > 0 {
			t.b.WriteByte(' ')
		}
		t.b.WriteString(word)
		t.add(v.lex[k], w)
		if host != "" && i == n/2 {
			// PostgreSQL reads "lt-berlin-0421" as 'lt-berlin', 'lt',
			// 'berlin', '0421' at consecutive positions.
			t.b.WriteString(" " + host)
			parts := strings.Split(host, "-")
			t.add(parts[0]+"-"+parts[1], w)
			t.add(parts[0], w)
			t.add(parts[1], w)
			t.add(parts[2], w)
		}
	}
	t.b.WriteByte('.')
}

func (t *text) add(lex string, w byte) {
	t.pos++
	if lex == "" || t.pos > 16383 {
		return
	}
	entry := strconv.Itoa(t.pos)
	if w != 'D' {
		entry += string(w)
	}
	if len(t.lexs[lex]) < 256 { // PostgreSQL keeps at most 256 positions
		t.lexs[lex] = append(t.lexs[lex], entry)
	}
}

// vector renders the tsvector literal ('lex':1A,5B …), lexemes sorted as
// PostgreSQL stores them.
func (t *text) vector() string {
	keys := make([]string, 0, len(t.lexs))
	for k := range t.lexs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("'" + strings.ReplaceAll(k, "'", "''") + "':" + strings.Join(t.lexs[k], ","))
	}
	return b.String()
}

// DefaultCorpus finds the shared ticket corpus beside the checkout, or "".
func DefaultCorpus() string {
	for _, p := range []string{"../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz",
		"../../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz",
		"../../../shared/test-corpora/it-tickets/endava-kaggle-47k/train.csv.gz"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
