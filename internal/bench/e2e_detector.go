package main

import (
	"context"
	"fmt"
	"time"

	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// detectorCaughtUp asks the node's incident detector to scan now and waits
// until its cursor has passed every ticket, so that each path's CPU figures
// include the detector's work for its own tickets. The detector runs every
// 20 s by itself: without this, whichever path happened to be measured when
// the scan came paid for the tickets of the path before it (the API path
// showed 1.36 entity writes per ticket, the portal path 0.02).
func detectorCaughtUp(ctx context.Context, db *postgres.DB, limit time.Duration) error {
	var last int64
	if err := db.RawPool().QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM tickets`).Scan(&last); err != nil {
		return err
	}
	jc, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		return err
	}
	if _, err := jc.Insert(ctx, jobs.IncidentScanArgs{}, nil); err != nil {
		return fmt.Errorf("enqueue incident scan: %w", err)
	}
	deadline := time.Now().Add(limit)
	for {
		var cursor int64
		err := db.RawPool().QueryRow(ctx, `SELECT coalesce((SELECT value::text::bigint FROM settings
			WHERE key = 'incident_detector_cursor'), 0)`).Scan(&cursor)
		if err != nil {
			return err
		}
		if cursor >= last {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("incident detector at ticket %d after %s, want %d", cursor, limit, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
