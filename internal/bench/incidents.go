package main

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/corpora"
	"switchboard/internal/incident/detect"
)

func init() { register(Bench{Name: "incidents", Order: 80, Run: benchIncidents}) }

// benchIncidents replays five synthetic two-week scenarios built from the
// shared IT ticket corpus (normal arrivals, five injected outages of 10–40
// related tickets, noise bursts sharing a common word) through the
// incident detector, and prints the grouping figures: outage recall,
// false proposals per week, ticket precision and recall, and the delay
// from each outage's 5th ticket to its proposal. The baseline is the
// aim the issue sets (recall 0.9, one false proposal a week, 10 minutes).
func benchIncidents(_ context.Context, env *Env) error {
	path, err := corpora.Find(detect.CorpusFile)
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	corpus, err := detect.LoadCorpus(path)
	if err != nil {
		return err
	}
	var detected, outages, falses int
	var weeks, prec, rec float64
	var maxDelay time.Duration
	var took time.Duration
	var tickets int
	seeds := []uint64{1, 2, 3, 4, 5}
	for _, seed := range seeds {
		s := detect.NewScenario(corpus, 2, 5, 200, seed)
		start := time.Now()
		sc := s.Evaluate(detect.Replay(s.Rows, detect.Config{}))
		took += time.Since(start)
		tickets += len(s.Rows)
		_, _ = fmt.Fprintf(env.Out, "incidents: seed %d: %s\n", seed, sc)
		detected += sc.Detected
		outages += sc.Outages
		falses += sc.False
		weeks += sc.Weeks
		prec += sc.Precision
		rec += sc.Recall
		maxDelay = max(maxDelay, sc.MaxDelay)
	}
	n := float64(len(seeds))
	_, _ = fmt.Fprintf(env.Out, "incidents: outage recall %.2f (aim 0.90), false proposals %.2f/week (aim <= 1), "+
		"ticket precision %.3f, ticket recall %.3f, slowest proposal %s after the 5th ticket (aim <= 10m); "+
		"%d tickets replayed in %s (%.0f µs/ticket)\n",
		float64(detected)/float64(outages), float64(falses)/weeks, prec/n, rec/n, maxDelay.Round(time.Second),
		tickets, took.Round(time.Millisecond), float64(took.Microseconds())/float64(tickets))
	return nil
}
