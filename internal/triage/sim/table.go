package sim

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// WriteTable prints one row per result, aligned for a terminal.
func WriteTable(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strategy\ttickets\tfirst-response SLA met\tmedian to on-shift\tp90 to on-shift\toff-shift assignments\ton-call pages\tmax load\tmean load\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.1f%%\t%s\t%s\t%.1f%%\t%d\t%d\t%.2f\t\n", r.Strategy, r.Tickets, 100*r.FirstResponseMet,
			short(r.MedianToOnShift), short(r.P90ToOnShift), 100*r.OffShiftShare, r.Pages, r.MaxLoad, r.MeanLoad)
	}
	return tw.Flush()
}

// short formats a duration as "3h05m" or "12m".
func short(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
