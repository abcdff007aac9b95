package app

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"switchboard/internal/jobs"
	"switchboard/internal/report"
)

// reportRollupEvery is how often ticket changes are folded into the daily
// report rollups. Reports are exact in between (days with unfolded
// changes are read from the tickets), so this only bounds how many such
// days a report computes live.
const reportRollupEvery = time.Minute

// wireReports builds the report service and registers the rollup job; it
// must run before the River client is built.
func (a *App) wireReports() {
	a.Reports = &report.Service{DB: a.DB}
	river.AddWorker(a.Workers, &funcWorker[jobs.ReportRollupArgs]{run: func(ctx context.Context, _ jobs.ReportRollupArgs) error {
		_, err := a.Reports.Rollup(ctx)
		return err
	}, limit: time.Hour}) // a zone's first backfill reads the whole history
	a.Periodic = append(a.Periodic, periodic(reportRollupEvery, jobs.ReportRollupArgs{}, true))
}
