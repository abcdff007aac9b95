package app

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Two nodes starting at the same moment on one database both become ready,
// and each migration ran once.
func TestConcurrentStartMigratesOnce(t *testing.T) {
	t.Parallel()
	admin := pgtest.AdminConn(t)
	// A database that is NOT cloned from the migrated template.
	name := "raw_" + strings.ReplaceAll(t.Name(), "/", "_")
	ctx := context.Background()
	adm, err := postgres.Open(ctx, admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(adm.Close)
	_, _ = adm.RawPool().Exec(ctx, `DROP DATABASE IF EXISTS "`+strings.ToLower(name)+`" WITH (FORCE)`)
	if _, err := adm.RawPool().Exec(ctx, `CREATE DATABASE "`+strings.ToLower(name)+`"`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if !t.Failed() { // a failed test keeps its database, like pgtest's
			_, _ = adm.RawPool().Exec(context.Background(), `DROP DATABASE IF EXISTS "`+strings.ToLower(name)+`" WITH (FORCE)`)
		}
	})
	conn := postgres.WithDatabase(admin, strings.ToLower(name))
	var wg sync.WaitGroup
	apps := make([]*App, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vars := map[string]string{"DATABASE_URL": conn, "SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_HTTP_ADDR": "127.0.0.1:0",
				"SWITCHBOARD_SMTP_ADDR": "off", "SWITCHBOARD_SECRET_KEY": strings.Repeat("k", 40), "SWITCHBOARD_LOG_LEVEL": "error"}
			var stderr bytes.Buffer
			env := newTestEnv(t, vars, &stderr)
			apps[i], errs[i] = Start(ctx, env, Options{})
		}()
	}
	wg.Wait()
	for i, a := range apps {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		defer a.Shutdown(context.Background())
		res, err := http.Get("http://" + a.Addr + "/readyz")
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("node %d readyz: %v %v", i, err, res)
		}
		res.Body.Close()
	}
	var rows, distinct int
	if err := apps[0].DB.RawPool().QueryRow(ctx, "SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != distinct || rows == 0 {
		t.Errorf("goose versions: %d rows for %d versions", rows, distinct)
	}
}

// serve --demo loads the demo organisation once: a second start on the same
// database adds nothing.
func TestDemoLoadsOnce(t *testing.T) {
	t.Parallel()
	conn := pgtest.NewDatabase(t)
	counts := func(a *App) [3]int {
		var c [3]int
		err := a.DB.RawPool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM teams WHERE slug <> 'needs-triage'),
			(SELECT count(*) FROM users WHERE role <> 'requester'), (SELECT count(*) FROM tickets)`).Scan(&c[0], &c[1], &c[2])
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var first [3]int
	for i := range 2 {
		vars := map[string]string{"DATABASE_URL": conn, "SWITCHBOARD_DATA_DIR": t.TempDir(), "SWITCHBOARD_SMTP_ADDR": "off",
			"SWITCHBOARD_SECRET_KEY": strings.Repeat("k", 40), "SWITCHBOARD_LOG_LEVEL": "error"}
		var stderr bytes.Buffer
		a, err := Start(context.Background(), newTestEnv(t, vars, &stderr), Options{Demo: true, NoHTTP: true})
		if err != nil {
			t.Fatalf("start %d: %v\n%s", i, err, stderr.String())
		}
		defer a.Shutdown(context.Background())
		c := counts(a)
		if i == 0 {
			first = c
			if c[0] < 3 || c[1] < 10 || c[2] < 50 {
				t.Fatalf("demo too small: teams %d, staff %d, tickets %d", c[0], c[1], c[2])
			}
			var statuses, priorities, zones int
			if err := a.DB.RawPool().QueryRow(context.Background(), `SELECT (SELECT count(DISTINCT status) FROM tickets),
				(SELECT count(DISTINCT priority) FROM tickets), (SELECT count(DISTINCT time_zone) FROM teams)`).Scan(&statuses, &priorities, &zones); err != nil {
				t.Fatal(err)
			}
			if statuses != 6 || priorities != 4 || zones < 3 {
				t.Errorf("demo covers %d statuses, %d priorities, %d team time zones", statuses, priorities, zones)
			}
			var articles, staffOnly, drafts int
			if err := a.DB.RawPool().QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE visibility = 'staff'),
				count(*) FILTER (WHERE NOT published) FROM kb_articles`).Scan(&articles, &staffOnly, &drafts); err != nil {
				t.Fatal(err)
			}
			if articles < 5 || staffOnly == 0 || drafts == 0 {
				t.Errorf("demo knowledge base: %d articles, %d staff-only, %d drafts", articles, staffOnly, drafts)
			}
			// A small phishing campaign: one incident with its reports as children, all analysed.
			var campaignReports, malicious int
			if err := a.DB.RawPool().QueryRow(context.Background(), `SELECT
				(SELECT count(*) FROM tickets c JOIN incidents i ON i.ticket_id = c.parent_id WHERE i.kind = 'phishing'),
				(SELECT count(*) FROM phishing_reports WHERE verdict = 'malicious')`).Scan(&campaignReports, &malicious); err != nil {
				t.Fatal(err)
			}
			if campaignReports < 3 || malicious < 3 {
				t.Errorf("demo phishing campaign: %d reports under a campaign incident, %d malicious", campaignReports, malicious)
			}
			continue
		}
		if c != first {
			t.Errorf("second start changed the demo: %v -> %v", first, c)
		}
	}
}
