package classify

import (
	"math/rand/v2"
	"sync"
)

// biasX is the value of the constant feature that carries each SVM's
// bias, regularised like any other weight, as in LIBLINEAR.
const biasX = 1.0

// ovr is a one-vs-rest linear SVM in training: one binary problem per
// category, solved by dual coordinate descent (Hsieh et al., ICML 2008;
// LIBLINEAR's default solver) on the L2-regularised squared hinge loss.
// That solver converges in a few passes on sparse text and needs no
// learning rate; squared hinge gives smoother margins than plain hinge.
//
// The dual state is kept between calls to solve, so training can stop on
// part of the rows (to fit the confidence temperature on the rest) and
// then continue on all of them from a warm start instead of from zero.
type ovr struct {
	d    *dataset
	cost float64
	qii  []float64 // x_i·x_i + bias² + 1/(2C), the same for every category
	cls  []binaryState
}

// binaryState is one category's primal weights and dual variables. The
// invariant w = Σ alpha_i y_i x_i holds after every step.
type binaryState struct {
	w     []float64
	bias  float64
	alpha []float64
	rng   *rand.Rand
}

func newOvR(d *dataset, k int, cost float64, seed uint64) *ovr {
	o := &ovr{d: d, cost: cost, qii: make([]float64, d.rows()), cls: make([]binaryState, k)}
	for i := range o.qii {
		var s float64
		for _, x := range d.val[i] {
			v := float64(x) / valScale
			s += v * v
		}
		o.qii[i] = s + biasX*biasX + 1/(2*cost)
	}
	for c := range o.cls {
		o.cls[c] = binaryState{
			w:     make([]float64, d.nf),
			alpha: make([]float64, d.rows()),
			// One source per category: the result does not depend on
			// which worker runs which category.
			rng: rand.New(rand.NewPCG(seed, uint64(c))), //nolint:gosec // seeded on purpose: training must be reproducible; nothing secret
		}
	}
	return o
}

// solve runs up to epochs passes over rows for every category, spread
// over workers, stopping each category once it has converged.
func (o *ovr) solve(rows []int, epochs, workers int) {
	next := make(chan int, len(o.cls))
	for c := range o.cls {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for range min(workers, len(o.cls)) {
		wg.Go(func() {
			order := make([]int, len(rows))
			for c := range next {
				copy(order, rows)
				o.solveBinary(c, order, epochs)
			}
		})
	}
	wg.Wait()
}

// solveBinary is the coordinate-descent loop for "category c versus the
// rest" over the rows in order, which it shuffles each pass.
func (o *ovr) solveBinary(c int, order []int, epochs int) {
	const eps = 0.1 // LIBLINEAR's default stopping tolerance
	d, s := o.d, &o.cls[c]
	diag := 1 / (2 * o.cost) // squared hinge adds 1/(2C) to Q's diagonal
	for range epochs {
		s.rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		pgMax, pgMin := -1e300, 1e300
		for _, i := range order {
			idx, val := d.idx[i], d.val[i]
			y := -1.0
			if d.y[i] == c {
				y = 1
			}
			var dot float64
			for j, f := range idx {
				dot += s.w[f] * float64(val[j])
			}
			dot = dot/valScale + s.bias*biasX
			g := y*dot - 1 + diag*s.alpha[i]
			pg := g
			if s.alpha[i] == 0 && g > 0 {
				pg = 0
			}
			pgMax, pgMin = max(pgMax, pg), min(pgMin, pg)
			if pg == 0 {
				continue
			}
			old := s.alpha[i]
			s.alpha[i] = max(old-g/o.qii[i], 0)
			delta := (s.alpha[i] - old) * y
			if delta == 0 {
				continue
			}
			s.bias += delta * biasX
			delta /= valScale
			for j, f := range idx {
				s.w[f] += delta * float64(val[j])
			}
		}
		if pgMax-pgMin <= eps {
			break
		}
	}
}
