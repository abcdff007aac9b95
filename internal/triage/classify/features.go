package classify

import (
	"math"
	"unicode"
	"unicode/utf8"
)

// maxCharToken caps how much of one token feeds character n-grams: long
// tokens are mostly pasted paths, hashes and URLs, whose inner n-grams are
// noise and would only cost time.
const maxCharToken = 24

// featurizer maps text to hashed feature buckets. Hashing bounds memory
// no matter how large the vocabulary grows; collisions cost a little
// accuracy, which 2^20 buckets keep small for helpdesk-sized data.
type featurizer struct {
	bits    uint8 // log2 of the bucket count
	charMin uint8 // smallest character n-gram; 0 disables character n-grams
	charMax uint8 // largest character n-gram
	bigrams bool  // add word bigrams, which catch phrases like "access request"
}

// scratch holds reusable buffers so extraction allocates little.
type scratch struct {
	words, chars []uint32 // raw bucket ids per group, with repeats
	runes        []int    // rune start offsets of the padded token
	text         []byte   // lower-cased token bytes
	tokOff       []int    // start and end of each token in text
	scores       []float64
	buf          []byte
	idx          []uint32 // output vector: compact feature ids
	val          []float32
	tf           [][2]uint32 // per output entry: term frequency in each group
	stamp        []uint32    // per feature: cur if it is in the vector being built
	pos          []int32     // per feature: its index in idx, valid when stamped
	cur          uint32
}

// FNV-1a, inlined so hashing a window of a string neither allocates nor
// goes through an interface.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// bucket folds a 64-bit hash into the table with a multiplicative mix,
// taking high bits, because FNV's low bits are poorly mixed for short keys.
func (f featurizer) bucket(h uint64) uint32 {
	return uint32((h * 0x9E3779B97F4A7C15) >> (64 - uint(f.bits)))
}

// tokenize splits text into lower-cased runs of letters and digits,
// written to sc.text with boundaries in sc.tokOff. It reuses the scratch
// buffers instead of allocating strings, because training tokenises every
// ticket twice and garbage there would dominate the heap's peak.
func tokenize(text string, sc *scratch) {
	sc.text, sc.tokOff = sc.text[:0], sc.tokOff[:0]
	in := false
	for i := 0; i < len(text); {
		c := text[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			i++
			if 'A' <= c && c <= 'Z' {
				r += 'a' - 'A'
			}
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
				r = -1
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				r = unicode.ToLower(r)
			} else {
				r = -1
			}
		}
		switch {
		case r >= 0 && !in:
			sc.tokOff = append(sc.tokOff, len(sc.text))
			in = true
		case r < 0 && in:
			sc.tokOff = append(sc.tokOff, len(sc.text))
			in = false
		}
		if r >= 0 {
			sc.text = utf8.AppendRune(sc.text, r)
		}
	}
	if in {
		sc.tokOff = append(sc.tokOff, len(sc.text))
	}
}

// token returns the i-th token of the last tokenize.
func (sc *scratch) token(i int) []byte {
	return sc.text[sc.tokOff[2*i]:sc.tokOff[2*i+1]]
}

// Hash seeds per feature kind, so a word, a bigram and an n-gram with the
// same bytes land in different buckets.
var (
	seedWord   = fnvString(fnvOffset, "w\x00")
	seedBigram = fnvString(fnvOffset, "b\x00")
	seedChar   = [...]uint64{fnvString(fnvOffset, "c0"), fnvString(fnvOffset, "c1"), fnvString(fnvOffset, "c2"),
		fnvString(fnvOffset, "c3"), fnvString(fnvOffset, "c4"), fnvString(fnvOffset, "c5"), fnvString(fnvOffset, "c6"),
		fnvString(fnvOffset, "c7"), fnvString(fnvOffset, "c8")}
)

// maxCharGram is the largest supported character n-gram.
const maxCharGram = len(seedChar) - 1

// extract fills sc.words and sc.chars with the buckets of text's features.
func (f featurizer) extract(text string, sc *scratch) {
	sc.words, sc.chars = sc.words[:0], sc.chars[:0]
	tokenize(text, sc)
	nt := len(sc.tokOff) / 2
	for i := range nt {
		t := sc.token(i)
		sc.words = append(sc.words, f.bucket(fnvBytes(seedWord, t)))
		if f.bigrams && i+1 < nt {
			h := fnvBytes(fnvBytes(seedBigram, t), []byte{0})
			sc.words = append(sc.words, f.bucket(fnvBytes(h, sc.token(i+1))))
		}
		if f.charMin > 0 {
			f.charGrams(t, sc)
		}
	}
}

// charGrams adds the character n-grams of one token padded with a space on
// each side, so prefixes and suffixes ("pass", "word ") are their own
// features and n-grams never span two words.
func (f featurizer) charGrams(t []byte, sc *scratch) {
	sc.buf = append(append(append(sc.buf[:0], ' '), t...), ' ')
	sc.runes = sc.runes[:0]
	for i := 0; i < len(sc.buf) && len(sc.runes) <= maxCharToken; {
		sc.runes = append(sc.runes, i)
		_, size := utf8.DecodeRune(sc.buf[i:])
		i += size
	}
	end := len(sc.buf)
	if len(sc.runes) > maxCharToken {
		end = sc.runes[maxCharToken]
		sc.runes = sc.runes[:maxCharToken]
	}
	sc.runes = append(sc.runes, end)
	nr := len(sc.runes) - 1
	for n := int(f.charMin); n <= int(f.charMax); n++ {
		seed := seedChar[n]
		for i := 0; i+n <= nr; i++ {
			sc.chars = append(sc.chars, f.bucket(fnvBytes(seed, sc.buf[sc.runes[i]:sc.runes[i+n]])))
		}
	}
}

// vectorize turns the last extract into a sparse, L2-normalised TF-IDF
// vector in sc.idx/sc.val (in first-seen order: nothing downstream needs
// it sorted). Term frequency is sublinear (1+ln tf) because a word
// repeated in a pasted log says little more than once. Each group is
// normalised to its weight (group 0 words, group 1 character n-grams),
// so the many n-grams of a long ticket cannot drown its few, more telling
// words; then the whole vector to length 1.
//
// Counting uses a stamped dense table instead of sorting or a map: a slot
// whose stamp is not the current one is free, so nothing is cleared
// between tickets, and this is the hot path of both training and Predict.
func vectorize(sc *scratch, m *Model) {
	nf := len(m.df)
	if len(sc.stamp) < nf {
		sc.stamp, sc.pos = make([]uint32, nf), make([]int32, nf)
		sc.cur = 0
	}
	sc.cur++
	if sc.cur == 0 { // wrapped: stale stamps could look current
		clear(sc.stamp)
		sc.cur = 1
	}
	sc.idx, sc.tf = sc.idx[:0], sc.tf[:0]
	sc.count(m, sc.words, 0)
	sc.count(m, sc.chars, 1)
	var norm [2]float64
	sc.val = sc.val[:0]
	for i, id := range sc.idx {
		idf := float64(m.idf[id])
		for g, tf := range sc.tf[i] {
			if tf > 0 {
				x := (1 + math.Log(float64(tf))) * idf
				norm[g] += x * x
			}
		}
	}
	weight := [2]float64{float64(m.wordWeight), float64(m.charWeight)}
	for g := range norm {
		if norm[g] > 0 {
			norm[g] = weight[g] / math.Sqrt(norm[g])
		}
	}
	var sum float64
	for i, id := range sc.idx {
		idf := float64(m.idf[id])
		var x float64
		for g, tf := range sc.tf[i] {
			if tf > 0 {
				x += (1 + math.Log(float64(tf))) * idf * norm[g]
			}
		}
		sc.val = append(sc.val, float32(x))
		sum += x * x
	}
	if sum > 0 {
		inv := 1 / math.Sqrt(sum)
		for i := range sc.val {
			sc.val[i] = float32(float64(sc.val[i]) * inv)
		}
	}
}

// count adds one group's buckets to the vector's term frequencies,
// skipping buckets outside the vocabulary.
func (sc *scratch) count(m *Model, buckets []uint32, group int) {
	for _, b := range buckets {
		id := m.ids[b]
		if id < 0 {
			continue
		}
		if sc.stamp[id] != sc.cur {
			sc.stamp[id] = sc.cur
			sc.pos[id] = int32(len(sc.idx))
			sc.idx = append(sc.idx, uint32(id))
			sc.tf = append(sc.tf, [2]uint32{})
		}
		sc.tf[sc.pos[id]][group]++
	}
}
