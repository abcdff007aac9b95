package report

import (
	"context"

	"switchboard/internal/postgres"
)

// rollupBatch is how many marked hours one rollup transaction takes.
const rollupBatch = 5000

// Rollup brings the daily report rollups up to date: it backfills zones
// requested since the last run and folds in the marked changes, in
// batches, until nothing is pending. Reports are exact without it (marked
// days are computed live); it only keeps them fast.
func (s *Service) Rollup(ctx context.Context) (postgres.RollupStats, error) {
	var total postgres.RollupStats
	for range 100 {
		st, err := s.DB.RollupReports(ctx, rollupBatch)
		if err != nil {
			return total, err
		}
		total.Hours += st.Hours
		total.Days += st.Days
		if st.Backfilled != "" {
			total.Backfilled = st.Backfilled
		}
		if !st.Pending {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	total.Pending = true
	return total, nil
}
