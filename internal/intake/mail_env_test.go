package intake_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"switchboard/internal/app"
	"switchboard/internal/config"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/testwait"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	domain = "helpdesk.test"
	secret = "mail-test-secret-0123456789abcdef0123456789"
)

// mailEnv is a running node with its SMTP listener, on a fresh database, whose
// relay is a capturing SMTP sink on loopback.
type mailEnv struct {
	t    *testing.T
	app  *app.App
	db   *postgres.DB
	smtp string // listener address
	sink *sink
	dns  *dnsServer // answers the sender checks; publish records with dns.set
}

func setup(t *testing.T, vars map[string]string) *mailEnv {
	t.Helper()
	conn := pgtest.NewDatabase(t)
	sk := newSink(t)
	dnsSrv := newDNSServer(t)
	all := map[string]string{
		"DATABASE_URL":            conn,
		"SWITCHBOARD_DATA_DIR":    t.TempDir(),
		"SWITCHBOARD_SMTP_ADDR":   "127.0.0.1:0",
		"SWITCHBOARD_HTTP_ADDR":   "127.0.0.1:0",
		"SWITCHBOARD_MAIL_DOMAIN": domain,
		"SWITCHBOARD_SECRET_KEY":  secret,
		"SWITCHBOARD_SMTP_RELAY":  "smtp://" + sk.addr,
		"SWITCHBOARD_BASE_URL":    "https://help.example.com",
		"SWITCHBOARD_LOG_LEVEL":   "error",
		"SWITCHBOARD_DNS_SERVER":  dnsSrv.addr,
	}
	for k, v := range vars {
		all[k] = v
	}
	getenv := func(k string) string { return all[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	env := &app.Env{Config: cfg, Getenv: getenv, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Log: app.NewLogger(io.Discard, "error")}
	ctx := context.Background()
	a, err := app.Start(ctx, env, app.Options{NoHTTP: true, MaxWorkers: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	if _, err := a.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('security', 'Security');
		INSERT INTO intake_addresses (local_part, team_id) VALUES ('it', NULL), ('security', (SELECT id FROM teams WHERE slug = 'security'))`); err != nil {
		t.Fatal(err)
	}
	e := &mailEnv{t: t, app: a, db: a.DB, sink: sk, dns: dnsSrv}
	// The domains the tests write from send from this machine, as a real
	// domain's SPF record says of its own servers.
	for _, d := range []string{"example.com", "example.org", "example.net", "mail.example.com", "sub.example.com",
		"other.example", "partner.example", "corp.example"} {
		dnsSrv.set(d, "v=spf1 ip4:127.0.0.1 ip6:::1 -all")
	}
	if a.Mail.SMTP != nil {
		e.smtp = a.Mail.SMTP.ListenAddr()
	}
	return e
}

// send delivers raw with net/smtp, the standard library's client.
func (e *mailEnv) send(from string, to []string, raw string) error {
	return smtp.SendMail(e.smtp, nil, from, to, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
}

func (e *mailEnv) mustSend(from string, to []string, raw string) {
	e.t.Helper()
	if err := e.send(from, to, raw); err != nil {
		e.t.Fatalf("send: %v", err)
	}
}

// idle waits until every mail is processed and no job is left to run.
func (e *mailEnv) idle() {
	e.t.Helper()
	drained := false
	defer func() {
		if drained {
			return
		}
		// testwait failed the test: show what was left.
		rows, _ := e.db.RawPool().Query(context.Background(), `SELECT kind, state, attempt, coalesce(errors::text,'') FROM river_job WHERE state <> 'completed' LIMIT 5`)
		for rows.Next() {
			var k, s, er string
			var a int
			_ = rows.Scan(&k, &s, &a, &er)
			e.t.Logf("job %s %s %d %.300s", k, s, a, er)
		}
		rows.Close()
	}()
	testwait.UntilNil(e.t, testwait.Long, "the mail queue to drain", func() error {
		var pending int
		if err := e.db.RawPool().QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM inbound_mail WHERE status = 'queued') +
			(SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending')
			 AND (kind LIKE 'mail_%' OR kind = 'ticket_changed'))`).Scan(&pending); err != nil {
			e.t.Fatal(err)
		}
		if pending > 0 {
			return fmt.Errorf("%d mails or jobs pending", pending)
		}
		return nil
	})
	drained = true
}

func (e *mailEnv) count(sql string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (e *mailEnv) str(sql string, args ...any) string {
	e.t.Helper()
	var s string
	if err := e.db.RawPool().QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func (e *mailEnv) user(email string) *helpdesk.User {
	e.t.Helper()
	var u helpdesk.User
	if err := e.db.RawPool().QueryRow(context.Background(), `SELECT id, email, name, role, active FROM users WHERE lower(email) = lower($1)`,
		email).Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Active); err != nil {
		e.t.Fatalf("user %s: %v", email, err)
	}
	return &u
}

// mail builds a simple message.
func msg(from, to, subject, msgID, body string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\nTo: %s\nSubject: %s\nDate: Mon, 2 Jun 2025 10:00:00 +0000\n", from, to, subject)
	if msgID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\n", msgID)
	}
	for _, h := range extra {
		b.WriteString(h + "\n")
	}
	b.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n" + body + "\n")
	return b.String()
}

// smtpCode extracts the reply code from a net/smtp error.
func smtpCode(err error) int {
	var te interface{ Error() string }
	if errors.As(err, &te) {
		var code int
		if _, err := fmt.Sscanf(err.Error(), "%d", &code); err != nil {
			return 0 // no reply code: not an SMTP answer
		}
		return code
	}
	return 0
}

// sink is a loopback SMTP server that keeps what it receives, standing in
// for the relay.
type sink struct {
	addr string
	mu   sync.Mutex
	msgs []sunk
	fail func(rcpt string) error // optional: refuse some recipients
}

type sunk struct {
	From string
	To   []string
	Raw  []byte
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *sink) all() []sunk {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sunk(nil), s.msgs...)
}

// to returns what reached addr.
func (s *sink) to(addr string) []sunk {
	var out []sunk
	for _, m := range s.all() {
		for _, r := range m.To {
			if strings.EqualFold(r, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if ss.s.fail != nil {
		if err := ss.s.fail(to); err != nil {
			return err
		}
	}
	ss.to = append(ss.to, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, sunk{From: ss.from, To: ss.to, Raw: b})
	ss.s.mu.Unlock()
	return nil
}

var smtpErr550 = gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
