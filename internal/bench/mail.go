package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"switchboard/internal/app"
	"switchboard/internal/corpora"
	"switchboard/internal/mail"
)

func init() { register(Bench{Name: "mail", Order: 50, Run: benchMail}) }

const benchMailDomain = "helpdesk.bench"

// benchMail: mail per second from SMTP to a committed ticket (250 received
// and the mail processed into a ticket or message), 8 concurrent senders on
// persistent connections, real corpus messages, each DKIM-signed by the
// sending domain; once with sender authentication off and once on (DKIM,
// SPF and DMARC, DNS answered by a server on loopback); beside them the
// rate of a raw INSERT of the same bytes into inbound_mail, same pool, same run.
func benchMail(ctx context.Context, env *Env) error {
	corpus, err := mailCorpus()
	if err != nil {
		return err
	}
	dnsAddr, signer, stop, err := benchDNS(ctx)
	if err != nil {
		return err
	}
	defer stop()
	const senders, total = 8, 2000
	run := time.Now().UnixNano()
	mails := make([][]byte, total+1)
	for i := range mails {
		// A fresh Message-ID per send: the corpus repeats, the duplicate rule must not.
		id := fmt.Sprintf("Message-ID: <bench-%d-%d@bench.example>\r\n", run, i)
		if mails[i], err = signer(append([]byte(id), corpus[i%len(corpus)]...)); err != nil {
			return err
		}
	}
	off, err := mailIntakeRun(ctx, env, "bench_mail", map[string]string{"SWITCHBOARD_MAIL_AUTH": "off"}, senders, mails[:total])
	if err != nil {
		return err
	}
	off.app.Shutdown(context.WithoutCancel(ctx))
	on, err := mailIntakeRun(ctx, env, "bench_mail_auth", map[string]string{"SWITCHBOARD_MAIL_AUTH": "on",
		"SWITCHBOARD_DNS_SERVER": dnsAddr}, senders, mails[:total])
	if err != nil {
		return err
	}
	// Baseline: the same bytes straight into inbound_mail, no job, no SMTP.
	var seq atomic.Int64
	raw, err := rate(ctx, senders, 5*time.Second, func(ctx context.Context, _, _ int) error {
		i := int(seq.Add(1))
		_, err := on.app.DB.RawPool().Exec(ctx, `INSERT INTO inbound_mail (raw, via, message_id, status) VALUES ($1, 'smtp', $2, 'ignored')`,
			mails[i%len(mails)], fmt.Sprintf("base-%d-%d@bench.example", run, i))
		return err
	})
	on.app.Shutdown(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	table(env.Out, [][]string{
		{fmt.Sprintf("mail intake (%d corpus mails, %d senders)", total, senders), "rate"},
		{"raw INSERT of the same bytes into inbound_mail (baseline)", fmt.Sprintf("%.0f /s", raw)},
		{"SMTP accepted, authentication off (250 after the mail is committed)", fmt.Sprintf("%.0f /s", off.accepted)},
		{fmt.Sprintf("SMTP to committed ticket, authentication off (%d tickets, %d threaded)", off.tickets, off.messages), fmt.Sprintf("%.0f /s", off.e2e)},
		{"SMTP accepted, authentication on", fmt.Sprintf("%.0f /s", on.accepted)},
		{fmt.Sprintf("SMTP to committed ticket, authentication on: DKIM+SPF+DMARC, local DNS (%d tickets, %d threaded, %d verified)",
			on.tickets, on.messages, on.verified), fmt.Sprintf("%.0f /s", on.e2e)},
		{"CPU per mail, authentication off: this process (node + senders) + PostgreSQL", cpuPair(off)},
		{"CPU per mail, authentication on: this process (node + senders) + PostgreSQL", cpuPair(on)},
		{"ratio (raw inserts per mail to ticket), authentication off", fmt.Sprintf("%.2f", raw/off.e2e)},
		{"ratio (raw inserts per mail to ticket), authentication on", fmt.Sprintf("%.2f", raw/on.e2e)},
		{"ratio authentication on / off (mail to ticket)", fmt.Sprintf("%.2f", on.e2e/off.e2e)},
	})
	if len(on.statements) > 0 {
		_, _ = fmt.Fprintln(env.Out, "\npg_stat_statements, authentication on (per mail, top by time):")
		table(env.Out, append([][]string{{"calls", "ms", "statement"}}, on.statements...))
	}
	return nil
}

func cpuPair(r *intakeRun) string {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return fmt.Sprintf("%.2f + %.2f = %.2f ms", ms(r.appCPU), ms(r.pgCPU), ms(r.appCPU+r.pgCPU))
}

// intakeRun is one measured pass of the mail benchmark.
type intakeRun struct {
	app                         *app.App // left running for the baseline
	accepted, e2e               float64  // per second
	tickets, messages, verified int
	// CPU per mail from the first send until every mail is processed: this
	// process (the node and the SMTP senders) and the PostgreSQL cluster.
	appCPU, pgCPU time.Duration
	statements    [][]string // pg_stat_statements per mail, top by time
}

// mailIntakeRun starts a node on a fresh database with vars, sends mails
// over SMTP from senders connections and waits until all are processed.
func mailIntakeRun(ctx context.Context, env *Env, db string, vars map[string]string, senders int, mails [][]byte) (*intakeRun, error) {
	conn, err := env.Database(ctx, db, true)
	if err != nil {
		return nil, err
	}
	all := map[string]string{"NO_HTTP": "1", "SWITCHBOARD_SMTP_ADDR": "127.0.0.1:0", "SWITCHBOARD_MAIL_DOMAIN": benchMailDomain}
	for k, v := range vars {
		all[k] = v
	}
	a, err := env.StartApp(ctx, conn, all)
	if err != nil {
		return nil, err
	}
	r := &intakeRun{app: a}
	keep := false
	defer func() {
		if !keep {
			a.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO intake_addresses (local_part) VALUES ('it')`); err != nil {
		return nil, err
	}
	addr := a.Mail.SMTP.ListenAddr()
	total := len(mails)
	var backend int
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return nil, err
	}
	postmaster, err := parentPID(backend)
	if err != nil {
		postmaster = 0 // PostgreSQL on another machine: its CPU is not measured
	}
	_, _ = a.DB.RawPool().Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`)
	resetStatements(ctx, a.DB)
	app0, err := procCPU(os.Getpid(), false)
	if err != nil {
		return nil, err
	}
	pg0, err := clusterCPU(postmaster)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sendLoop(ctx, addr, total, &next, func(i int) []byte { return mails[i] }); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	accepted := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	for {
		var queued int
		if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FROM inbound_mail WHERE status = 'queued'`).Scan(&queued); err != nil {
			return nil, err
		}
		if queued == 0 {
			break
		}
		if time.Since(start) > 5*time.Minute {
			return nil, errors.New("mail queue did not drain in 5 minutes")
		}
		// Polled every 50 ms (the run takes ~10 s: at most 0.5 % late):
		// the count costs PostgreSQL ~1 ms with a backlog, and every 10 ms
		// it took a tenth of a core from the system being measured.
		time.Sleep(50 * time.Millisecond)
	}
	done := time.Since(start)
	app1, err := procCPU(os.Getpid(), false)
	if err != nil {
		return nil, err
	}
	pg1, err := clusterCPU(postmaster)
	if err != nil {
		return nil, err
	}
	r.appCPU, r.pgCPU = (app1-app0)/time.Duration(total), (pg1-pg0)/time.Duration(total)
	r.statements = statements(ctx, a.DB, total, 15)
	if err := a.DB.RawPool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'ticket'), count(*) FILTER (WHERE status = 'message'),
		count(*) FILTER (WHERE auth->>'result' = 'pass') FROM inbound_mail`).Scan(&r.tickets, &r.messages, &r.verified); err != nil {
		return nil, err
	}
	r.accepted, r.e2e = float64(total)/accepted.Seconds(), float64(total)/done.Seconds()
	keep = true
	return r, nil
}

// sendLoop sends mail on one connection (as an MTA does) until total mails
// are sent; the first failed send ends it with its error.
func sendLoop(ctx context.Context, addr string, total int, next *atomic.Int64, mail func(int) []byte) error {
	var c *smtp.Client
	defer func() {
		if c != nil {
			_ = c.Quit()
		}
	}()
	for {
		i := int(next.Add(1)) - 1
		if i >= total {
			return nil
		}
		if c == nil {
			conn, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", addr)
			if err != nil {
				return err
			}
			if c, err = smtp.NewClient(conn, "127.0.0.1"); err != nil {
				return err
			}
		}
		if err := sendOn(c, mail(i)); err != nil {
			return fmt.Errorf("mail %d: %w", i, err)
		}
	}
}

func sendOn(c *smtp.Client, raw []byte) error {
	if err := c.Mail("bench@bench.example"); err != nil {
		return err
	}
	if err := c.Rcpt("it@" + benchMailDomain); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(raw); err != nil {
		return err
	}
	return w.Close()
}

var messageIDHeader = regexp.MustCompile(`(?im)^message-id:[^\r\n]*\r?\n`)

// mailCorpus loads real messages that become tickets (normal and machine
// mail, no bounces or auto-replies) from ../shared/test-corpora, CRLF, with
// their own Message-ID removed (each send gets a fresh one).
func mailCorpus() ([][]byte, error) {
	root, err := corpora.Find("")
	if err != nil {
		return nil, fmt.Errorf("mail corpus: %w", err)
	}
	var out [][]byte
	for _, pat := range []string{"mikel-mail-fixtures/spec/fixtures/emails/*/*", "enmime-testdata/testdata/mail/*",
		"stalwart-mail-parser/resources/eml/*/*.eml", "mimekit-testdata/UnitTests/TestData/messages/*",
		"reply-parsing/mailgun-talon/tests/fixtures/standard_replies/*.eml", "sisimai-set-of-emails/maildir/not/*.eml"} {
		files, _ := filepath.Glob(filepath.Join(root, pat))
		for _, f := range files {
			raw, err := os.ReadFile(f) //nolint:gosec // the benchmark's own corpus files
			if err != nil || len(raw) > 512<<10 {
				continue
			}
			p, err := mail.Parse(raw)
			if err != nil || p.From.Email == "" {
				continue
			}
			if k := mail.Classify(p, benchMailDomain).Kind; k != mail.KindNormal && k != mail.KindMachine {
				continue
			}
			raw = messageIDHeader.ReplaceAll(raw, nil)
			raw = bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			out = append(out, raw)
		}
	}
	if len(out) < 20 {
		return nil, fmt.Errorf("only %d usable corpus mails under %s", len(out), root)
	}
	return out, nil
}
