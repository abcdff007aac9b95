package postgres

import (
	"context"
	"time"

	"switchboard/internal/helpdesk"
)

// PhishFigures computes the awareness figures over reports since a time:
// verdict counts, reports per week, the median time from a campaign's first
// delivery (its Date header) to its first report, reports per department
// (the reporter's first team), repeat reporters and the top indicators.
func (db *DB) PhishFigures(ctx context.Context, since time.Time) (*helpdesk.PhishFigures, error) {
	f := &helpdesk.PhishFigures{Since: since}
	rows, err := db.pool.Query(ctx, `SELECT verdict, count(*) FROM phishing_reports WHERE reported_at >= $1 GROUP BY verdict`, since)
	if err != nil {
		return nil, mapError(err)
	}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			rows.Close()
			return nil, mapError(err)
		}
		f.Reports += n
		switch v {
		case "malicious":
			f.Malicious = n
		case "suspicious":
			f.Suspicious = n
		case "likely_safe":
			f.Safe = n
		case "simulation":
			f.Simulation = n
		default:
			f.Pending += n
		}
	}
	rows.Close()
	weeks := map[time.Time]int{}
	if err := db.scanPairs(ctx, `SELECT date_trunc('week', reported_at AT TIME ZONE 'UTC'), count(*) FROM phishing_reports
		WHERE reported_at >= $1 GROUP BY 1`, since, func(w time.Time, n int) { weeks[w.UTC()] = n }); err != nil {
		return nil, err
	}
	start := since.UTC().Truncate(24 * time.Hour)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, -1)
	}
	for w := start; !w.After(time.Now().UTC()); w = w.AddDate(0, 0, 7) {
		f.Weeks = append(f.Weeks, helpdesk.WeekCount{Start: w, Count: weeks[w]})
	}
	var median *float64
	if err := db.pool.QueryRow(ctx, `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_rep - first_del))
		FROM (SELECT min(reported_at) first_rep, min(delivered_at) first_del FROM phishing_reports
		      WHERE reported_at >= $1 AND delivered_at IS NOT NULL GROUP BY coalesce(campaign_id, -ticket_id)) c
		WHERE first_rep >= first_del`, since).Scan(&median); err != nil {
		return nil, mapError(err)
	}
	if median != nil {
		d := time.Duration(*median * float64(time.Second))
		f.MedianToReport = &d
	}
	if err := db.scanNames(ctx, `SELECT coalesce((SELECT t.name FROM team_members m JOIN teams t ON t.id = m.team_id
			WHERE m.user_id = r.reporter_id ORDER BY t.name LIMIT 1), 'No team'), count(*)
		FROM phishing_reports r WHERE r.reported_at >= $1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 12`, since, &f.Departments); err != nil {
		return nil, err
	}
	if err := db.scanNames(ctx, `SELECT u.email, count(*) FROM phishing_reports r JOIN users u ON u.id = r.reporter_id
		WHERE r.reported_at >= $1 GROUP BY u.email HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT 20`, since, &f.RepeatReporters); err != nil {
		return nil, err
	}
	f.TopIndicators, err = db.phishIndicators(ctx, `WHERE r.reported_at >= $1`, since, 10)
	return f, err
}

func (db *DB) scanPairs(ctx context.Context, sql string, arg any, fn func(time.Time, int)) error {
	rows, err := db.pool.Query(ctx, sql, arg)
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return mapError(err)
		}
		fn(t, n)
	}
	return mapError(rows.Err())
}

func (db *DB) scanNames(ctx context.Context, sql string, arg any, out *[]helpdesk.NameCount) error {
	rows, err := db.pool.Query(ctx, sql, arg)
	if err != nil {
		return mapError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var nc helpdesk.NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return mapError(err)
		}
		*out = append(*out, nc)
	}
	return mapError(rows.Err())
}
