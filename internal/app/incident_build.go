package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
)

// incidentScanEvery is how often the incident detector reads new tickets:
// a burst is proposed within this long of the ticket that completes it.
const incidentScanEvery = 20 * time.Second

// wireIncidents registers the detector's periodic scan; it must run before
// the River client is built.
func (a *App) wireIncidents() {
	river.AddWorker(a.Workers, &funcWorker[jobs.IncidentScanArgs]{run: func(ctx context.Context, _ jobs.IncidentScanArgs) error {
		_, err := a.Incidents.Scan(ctx)
		return err
	}, limit: 5 * time.Minute})
	a.Periodic = append(a.Periodic, periodic(incidentScanEvery, jobs.IncidentScanArgs{}, true))
}
