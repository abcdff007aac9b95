package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// rate runs op from workers goroutines for d and returns operations/second.
func rate(ctx context.Context, workers int, d time.Duration, op func(ctx context.Context, worker, i int) error) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if err := op(ctx, w, i); err != nil {
					if ctx.Err() == nil {
						errs <- err
						cancel()
					}
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(n.Load()) / time.Since(start).Seconds(), nil
}

// latencies runs op n times and returns the sorted durations.
func latencies(n int, op func(i int) error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if err := op(i); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out, nil
}

// pairedLatencies runs a and b alternately n times each and returns both
// sorted: a machine that slows down for a while slows both alike, so their
// ratio is fair even when the absolute figures drift.
func pairedLatencies(n int, a, b func(i int) error) ([]time.Duration, []time.Duration, error) {
	da, db := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
	for i := range n {
		for _, x := range []struct {
			op  func(int) error
			out *[]time.Duration
		}{{a, &da}, {b, &db}} {
			start := time.Now()
			if err := x.op(i); err != nil {
				return nil, nil, err
			}
			*x.out = append(*x.out, time.Since(start))
		}
	}
	slices.Sort(da)
	slices.Sort(db)
	return da, db, nil
}

// pct returns the p-th percentile of sorted durations.
func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)-1))
	return sorted[i]
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// table prints aligned rows.
func table(w io.Writer, rows [][]string) {
	widths := make([]int, 0)
	for _, r := range rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		for i, c := range r {
			fmt.Fprintf(w, "%-*s  ", widths[i], c)
		}
		fmt.Fprintln(w)
	}
}
