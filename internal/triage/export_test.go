package triage

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// TriageTogether triages ids in one transaction, as a batch of concurrent
// runs would be.
func (r *Runner) TriageTogether(ctx context.Context, ids []int64) error {
	return r.triageTickets(ctx, ids)
}

// BornFiled is how many tickets born batches have filed, and the seconds
// they held the profile locks (born_metrics.go), in this process so far.
func BornFiled() (tickets, locked float64) {
	return counted(bornTickets), counted(bornLocked)
}

func counted(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}
