package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"switchboard/internal/admin"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

func init() { register(Bench{Name: "admin", Order: 70, Run: benchAdmin}) }

// benchAdmin: saving an agent's schedule and skills through the admin
// service (validate, lock, replace hours and skills, audit with before and
// after, one transaction) against a raw one-row UPDATE of the same user;
// then exporting the audit log as CSV against a raw SELECT of the same rows.
func benchAdmin(ctx context.Context, env *Env) error {
	a, err := env.QuietApp(ctx, "bench_admin")
	if err != nil {
		return err
	}
	defer a.Shutdown(context.WithoutCancel(ctx))
	svc, err := admin.New(a.DB, a.Jobs, a.Env.Config.SecretKey, admin.Options{})
	if err != nil {
		return err
	}
	boss, err := auth.CreateUser(ctx, a.DB, auth.NewUser{Email: "boss@example.com", Name: "Boss", Role: helpdesk.RoleAdmin})
	if err != nil {
		return err
	}
	const workers = 4
	agents := make([]*helpdesk.User, workers)
	for i := range agents {
		if agents[i], err = auth.CreateUser(ctx, a.DB, auth.NewUser{Email: fmt.Sprintf("agent%d@example.com", i),
			Name: fmt.Sprintf("Agent %d", i), Role: helpdesk.RoleAgent}); err != nil {
			return err
		}
	}
	d := 6 * time.Second
	raw, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		_, err := a.DB.RawPool().Exec(ctx, "UPDATE users SET time_zone = $2, updated_at = now() WHERE id = $1",
			agents[w].ID, []string{"Asia/Manila", "Europe/Berlin"}[i%2])
		return err
	})
	if err != nil {
		return err
	}
	save, err := rate(ctx, workers, d, func(ctx context.Context, w, i int) error {
		return svc.UpdateProfile(ctx, boss, agents[w].ID, admin.ProfileInput{
			TimeZone: []string{"Asia/Manila", "Europe/Berlin"}[i%2],
			Hours:    [7]string{1: "09:00-12:00, 13:00-17:00", 2: "09:00-17:00", 3: "09:00-17:00", 4: "09:00-17:00", 5: "22:00-06:00"},
			Capacity: fmt.Sprint(5 + i%5), Languages: "en, de",
			Skills: []admin.SkillInput{{Name: "network", Level: "3"}, {Name: "vpn", Level: "2"}, {Name: "printers", Level: "1"}},
		})
	})
	if err != nil {
		return err
	}
	// CSV export of everything just audited.
	var n int
	_ = a.DB.RawPool().QueryRow(ctx, "SELECT count(*) FROM audit_log").Scan(&n)
	rawSel, err := latencies(5, func(int) error {
		rows, err := a.DB.RawPool().Query(ctx, "SELECT id, actor_id, object_type, object_id, action, before::text, after::text, created_at FROM audit_log ORDER BY created_at DESC, id DESC")
		if err != nil {
			return err
		}
		for rows.Next() {
		}
		rows.Close()
		return rows.Err()
	})
	if err != nil {
		return err
	}
	export, err := latencies(5, func(int) error {
		entries, _, err := svc.Audit(ctx, boss, helpdesk.AuditFilter{Limit: admin.MaxAuditExport})
		if err != nil {
			return err
		}
		return admin.WriteAuditCSV(io.Discard, entries, time.UTC)
	})
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{"operation", "figure"},
		{fmt.Sprintf("raw one-row UPDATE users (%d workers, %s)", workers, d), fmt.Sprintf("%.0f /s", raw)},
		{"admin.UpdateProfile (validate+lock+hours+skills+audit, 1 tx)", fmt.Sprintf("%.0f /s", save)},
		{"ratio (raw updates per profile save)", fmt.Sprintf("%.2f", raw/save)},
		{fmt.Sprintf("raw SELECT of %d audit rows, median", n), ms(pct(rawSel, 50))},
		{"audit CSV export (filter query + CSV-safe writing), median", ms(pct(export, 50))},
		{"ratio (export / raw select)", fmt.Sprintf("%.2f", float64(pct(export, 50))/float64(pct(rawSel, 50)))},
	})
	return nil
}
