package sim

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints one row per result, aligned for a terminal.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\ttickets\tfirst-response SLA met\tmedian to on-shift\tp90 to on-shift\toff-shift assignments\ton-call pages\thand-overs\tmax load\tmean load\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%s\t%s\t%.1f%%\t%d\t%d\t%d\t%.2f\t\n", r.Strategy, r.Tickets, 100*r.FirstResponseMet,
			short(r.MedianToOnShift), short(r.P90ToOnShift), 100*r.OffShiftShare, r.Pages, r.Handovers, r.MaxLoad, r.MeanLoad)
	}
	return tw.Flush()
}

// WriteBreakdown prints the time to an on-shift owner (tickets, median,
// p90) by cause, by team and by category, one column per strategy. The
// cause is Switchboard's reason for not assigning at arrival ("none": it
// did), so the baselines' rows show how the same tickets fared with them.
func WriteBreakdown(w io.Writer, results []Result) error {
	causeOf := map[int]string{}
	for _, r := range results {
		if r.Strategy == Switchboard {
			causeOf = r.causeOf
		}
	}
	for _, part := range []struct {
		title string
		get   func(Result) map[string]Stat
	}{
		{"cause (switchboard's reason at arrival)", func(r Result) map[string]Stat { return regroup(r, causeOf) }},
		{"team", func(r Result) map[string]Stat { return r.ByTeam }},
		{"category", func(r Result) map[string]Stat { return r.ByCategory }},
	} {
		fmt.Fprintf(w, "\ntime to an on-shift owner by %s: tickets, median / p90\n", part.title)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		keys := map[string]bool{}
		head := []string{part.title[:strings.IndexByte(part.title+" ", ' ')], "tickets"}
		for _, r := range results {
			head = append(head, string(r.Strategy))
			for k := range part.get(r) {
				keys[k] = true
			}
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, k := range slices.Sorted(mapKeys(keys)) {
			row := []string{k, ""}
			for _, r := range results {
				st := part.get(r)[k]
				row[1] = fmt.Sprint(st.Tickets)
				row = append(row, short(st.Median)+" / "+short(st.P90))
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func mapKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// short formats a duration as "3h05m" or "12m".
func short(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
