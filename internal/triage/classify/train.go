package classify

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

// dataset is the training matrix: one sparse vector per ticket. Rows
// point into large shared pages rather than owning small slices, which
// keeps ~40k vectors from fragmenting the heap, and lets a subset share
// storage instead of copying tens of megabytes.
type dataset struct {
	idx [][]uint32 // feature ids per row, ascending
	val [][]uint16 // values in [0,1] scaled by valScale: half the bytes of float32, and far finer than the model needs
	y   []int      // label index per row
	nf  int        // number of features
}

func (d *dataset) rows() int { return len(d.idx) }

// valScale maps a feature value in [0,1] (vectors are L2-normalised) to
// uint16 and back.
const valScale = 65535

// pageSize is the number of entries per storage page: big enough that
// per-page waste is small, small enough that the last page wastes little.
const pageSize = 1 << 18

// pager hands out row storage from fixed pages, so building the matrix
// never re-allocates and copies a growing slice.
type pager struct {
	idx []uint32
	val []uint16
}

func (p *pager) add(idx []uint32, val []float32) ([]uint32, []uint16) {
	n := len(idx)
	if cap(p.idx)-len(p.idx) < n {
		size := max(pageSize, n)
		p.idx, p.val = make([]uint32, 0, size), make([]uint16, 0, size)
	}
	at := len(p.idx)
	p.idx = append(p.idx, idx...)
	for _, x := range val {
		p.val = append(p.val, uint16(min(max(x, 0), 1)*valScale+0.5))
	}
	return p.idx[at : at+n : at+n], p.val[at : at+n : at+n]
}

// Train learns a model from labelled examples. It fails when there are no
// usable examples or fewer than two distinct labels, since a classifier
// with one answer is a constant, not a model.
func Train(examples []Example, opts Options) (*Model, error) {
	o := opts.withDefaults()
	var texts []string
	var labelOf []string
	for _, ex := range examples {
		if ex.Label == "" {
			continue
		}
		texts = append(texts, ex.Text)
		labelOf = append(labelOf, ex.Label)
	}
	if len(texts) == 0 {
		return nil, errors.New("classify: train: no labelled examples")
	}
	labels := slices.Compact(slices.Sorted(slices.Values(slices.Clone(labelOf))))
	if len(labels) < 2 {
		return nil, fmt.Errorf("classify: train: need at least 2 labels, got %d", len(labels))
	}
	m := &Model{
		labels: labels,
		feat: featurizer{
			bits:    uint8(o.HashBits),
			charMin: uint8(o.CharMin),
			charMax: uint8(o.CharMax),
			bigrams: !o.NoBigrams,
		},
		wordWeight: 1,
		charWeight: float32(o.CharWeight),
		temp:       defaultTemperature,
	}
	if o.CharMin == 0 {
		m.charWeight = 0
	}
	// Calibration rows are chosen first, so no garbage is made once the
	// training matrix (the bulk of the memory) is live.
	var fit, held []int
	if o.CalibrationPercent > 0 && o.CalibrationPercent < 100 {
		fit, held = splitRows(texts, o.CalibrationPercent)
	}
	m.buildVocab(texts, o)
	d := m.vectorizeAll(texts, labelOf, o.Workers)

	all := make([]int, d.rows())
	for i := range all {
		all[i] = i
	}
	svm := newOvR(d, len(labels), o.C, o.Seed)
	if len(held) > 0 && len(fit) > 0 {
		svm.solve(fit, o.Epochs, o.Workers)
		m.setWeights(svm)
		m.temp = fitTemperature(m, d, held)
	}
	svm.solve(all, o.Epochs, o.Workers)
	m.setWeights(svm)
	return m, nil
}

// buildVocab counts document frequencies per bucket, keeps buckets seen
// in at least MinDF tickets and numbers them compactly. Only kept
// features cost space in the stored model.
func (m *Model) buildVocab(texts []string, o Options) {
	nb := 1 << o.HashBits
	parts := make([][]uint32, o.Workers)
	parallelChunks(len(texts), o.Workers, func(w, lo, hi int) {
		df := make([]uint32, nb)
		last := make([]int32, nb) // 1 + the last row that counted the bucket
		var sc scratch
		for i := lo; i < hi; i++ {
			m.feat.extract(texts[i], &sc)
			for _, g := range [2][]uint32{sc.words, sc.chars} {
				for _, b := range g {
					if last[b] != int32(i+1) {
						last[b] = int32(i + 1)
						df[b]++
					}
				}
			}
		}
		parts[w] = df
	})
	df := parts[0]
	for _, p := range parts[1:] {
		for i, c := range p {
			df[i] += c
		}
	}
	m.ids = make([]int32, nb)
	m.df = m.df[:0]
	for b, c := range df {
		m.ids[b] = -1
		if c >= uint32(o.MinDF) {
			m.ids[b] = int32(len(m.df))
			m.df = append(m.df, c)
		}
	}
	m.nDocs = uint32(len(texts))
	m.computeIDF()
}

// computeIDF uses the smoothed form ln((1+N)/(1+df))+1, so a feature in
// every ticket still counts a little rather than vanishing.
func (m *Model) computeIDF() {
	m.idf = make([]float32, len(m.df))
	for i, c := range m.df {
		m.idf[i] = float32(math.Log(float64(1+m.nDocs)/float64(1+c)) + 1)
	}
}

// vectorizeAll builds the training matrix in parallel; each worker
// writes its own rows, so the result does not depend on scheduling.
func (m *Model) vectorizeAll(texts, labelOf []string, workers int) *dataset {
	n := len(texts)
	d := &dataset{idx: make([][]uint32, n), val: make([][]uint16, n), y: make([]int, n), nf: len(m.df)}
	parallelChunks(n, workers, func(_, lo, hi int) {
		var sc scratch
		var p pager
		for i := lo; i < hi; i++ {
			m.feat.extract(texts[i], &sc)
			vectorize(&sc, m)
			d.idx[i], d.val[i] = p.add(sc.idx, sc.val)
		}
	})
	for i, l := range labelOf {
		d.y[i], _ = slices.BinarySearch(m.labels, l)
	}
	return d
}

// splitRows splits row numbers by a hash of the text, like Split, but with
// a different salt so calibration tickets are not the ones a caller's
// Split already set aside.
func splitRows(texts []string, percent int) (fit, held []int) {
	seed := fnvString(fnvOffset, "calibrate\x00")
	for i, t := range texts {
		if textHash(seed, t)%100 < uint64(percent) {
			held = append(held, i)
		} else {
			fit = append(fit, i)
		}
	}
	return fit, held
}

// setWeights quantises the solver's weights to int8 with one scale per
// category, the form both Predict and MarshalBinary use, so a trained and
// a loaded model agree exactly and the stored model is a quarter of its
// float32 size. Measured on the reference corpus, int8 changes held-out
// accuracy by less than 0.1 point.
func (m *Model) setWeights(o *ovr) {
	k, nf := len(o.cls), o.d.nf
	m.weights = make([]int8, nf*k)
	m.scale = make([]float32, k)
	m.bias = make([]float32, k)
	for c, s := range o.cls {
		var mx float64
		for _, w := range s.w {
			mx = max(mx, math.Abs(w))
		}
		if mx == 0 {
			mx = 1
		}
		m.scale[c] = float32(mx / 127)
		inv := 127 / mx
		for j, w := range s.w {
			m.weights[j*k+c] = int8(math.Round(w * inv))
		}
		m.bias[c] = float32(s.bias)
	}
}

// fitTemperature picks the softmax temperature that minimises the log
// loss on held rows (golden-section search over log t), which makes the
// confidence track the actual hit rate instead of raw SVM margins.
func fitTemperature(m *Model, d *dataset, held []int) float32 {
	scores := make([][]float64, len(held))
	var val []float32
	for i, r := range held {
		val = val[:0]
		for _, x := range d.val[r] {
			val = append(val, float32(x)/valScale)
		}
		scores[i] = m.scores(d.idx[r], val, nil)
	}
	loss := func(logT float64) float64 {
		t := math.Exp(logT)
		var sum float64
		for i, r := range held {
			s := scores[i]
			mx := slices.Max(s)
			var z float64
			for _, v := range s {
				z += math.Exp(t * (v - mx))
			}
			sum += math.Log(z) - t*(s[d.y[r]]-mx)
		}
		return sum
	}
	lo, hi := math.Log(0.1), math.Log(100.0)
	g := (math.Sqrt(5) - 1) / 2
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := loss(a), loss(b)
	for range 40 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = loss(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = loss(b)
		}
	}
	return float32(math.Exp((lo + hi) / 2))
}

// parallelChunks runs fn over [0,n) split into up to workers contiguous
// chunks and waits for all of them.
func parallelChunks(n, workers int, fn func(w, lo, hi int)) {
	workers = max(1, min(workers, n))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { fn(w, lo, hi) })
	}
	wg.Wait()
}
