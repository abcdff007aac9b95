package phishing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const mailDomain = "helpdesk.example.com"

// env is a running node with SMTP on loopback, a security team whose lead
// handles reports, and security@ marked "phishing reports". The node trusts
// the loopback relay's Authentication-Results (as behind the company's MX),
// so employees' reports count as verified.
type env struct {
	*apptest.Env
	lead  *helpdesk.User // on the security team
	agent *helpdesk.User // staff, not on the security team
	smtp  string
	token string // the lead's API token
}

func setup(t *testing.T) *env {
	t.Helper()
	e := apptest.New(t, apptest.Options{Vars: map[string]string{
		"SWITCHBOARD_SMTP_ADDR":           "127.0.0.1:0",
		"SWITCHBOARD_MAIL_DOMAIN":         mailDomain,
		"SWITCHBOARD_MAIL_ORG_DOMAINS":    "example.com",
		"SWITCHBOARD_MAIL_AUTHSERV_IDS":   "mx.example.com",
		"SWITCHBOARD_MAIL_TRUSTED_RELAYS": "127.0.0.1",
		"SWITCHBOARD_DNS_SERVER":          "127.0.0.1:9", // nothing answers: no lookup leaves the machine
	}})
	ctx := context.Background()
	x := &env{Env: e, smtp: e.App.Mail.SMTP.ListenAddr()}
	x.lead = e.User(helpdesk.RoleLead, func(u *auth.NewUser) { u.Name = "Dana Whitfield" })
	x.agent = e.User(helpdesk.RoleAgent)
	for _, q := range []string{`INSERT INTO teams (slug, name) VALUES ('security', 'Security Operations')`,
		`INSERT INTO team_members (team_id, user_id) SELECT id, ` + fmt.Sprint(x.lead.ID) + ` FROM teams WHERE slug = 'security'`,
		`INSERT INTO intake_addresses (local_part, team_id, phishing) VALUES ('it', NULL, false),
			('security', (SELECT id FROM teams WHERE slug = 'security'), true)`} {
		if _, err := e.App.DB.RawPool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	tok, _, err := e.App.Tokens.Create(ctx, x.lead, auth.NewToken{Name: "checks"})
	if err != nil {
		t.Fatal(err)
	}
	x.token = tok
	return x
}

// report sends raw to security@ over SMTP, as the company's MX relays it:
// with its Authentication-Results saying the reporter's domain passed.
func (x *env) report(t *testing.T, from string, raw []byte) {
	t.Helper()
	x.send(t, from, "security@"+mailDomain, raw)
}

// send delivers raw to rcpt over SMTP, relayed by the company's MX.
func (x *env) send(t *testing.T, from, rcpt string, raw []byte) {
	t.Helper()
	ar := "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; dmarc=pass header.from=example.com\r\n"
	if err := smtp.SendMail(x.smtp, nil, from, []string{rcpt}, append([]byte(ar), raw...)); err != nil {
		t.Fatalf("send report from %s: %v", from, err)
	}
}

// ticketJSON is the API's ticket, the parts these tests read.
type ticketJSON struct {
	Number        int64  `json:"number"`
	Subject       string `json:"subject"`
	Parent        *int64 `json:"parent"`
	ChildrenCount int    `json:"children_count"`
	Phishing      *struct {
		Verdict string   `json:"verdict"`
		Score   int      `json:"score"`
		Reasons []string `json:"reasons"`
	} `json:"phishing"`
}

func (x *env) apiTicket(t *testing.T, number int64) ticketJSON {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, x.URL+fmt.Sprintf("/api/v1/tickets/%d", number), nil)
	req.Header.Set("Authorization", "Bearer "+x.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET ticket %d: %d", number, res.StatusCode)
	}
	var v ticketJSON
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// reportBy waits for the report a reporter filed and returns its number once
// its analysis is done.
func (x *env) reportBy(t *testing.T, email string) int64 {
	t.Helper()
	var n int64
	testwait.UntilNil(t, testwait.Long, "report of "+email+" analysed", func() error {
		return x.App.DB.RawPool().QueryRow(context.Background(), `SELECT t.number FROM phishing_reports r
			JOIN tickets t ON t.id = r.ticket_id JOIN users u ON u.id = r.reporter_id
			WHERE u.email = $1 AND r.analysed_at IS NOT NULL ORDER BY t.number DESC LIMIT 1`, email).Scan(&n)
	})
	return n
}

func (x *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := x.App.DB.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func has(list []string, sub string) bool {
	return strings.Contains(strings.Join(list, "\n"), sub)
}

func smtpSend(addr, from, rcpt string, raw []byte) error {
	return smtp.SendMail(addr, nil, from, []string{rcpt}, raw)
}

// quiet waits until no job of the given kinds is waiting or running, so a
// count taken afterwards is final (a condition, never a sleep).
func (x *env) quiet(t *testing.T, kinds ...string) {
	t.Helper()
	testwait.Until(t, 2*testwait.Long, "jobs "+strings.Join(kinds, ", ")+" done", func() bool {
		return x.count(t, `SELECT count(*) FROM river_job WHERE kind = ANY($1)
			AND state IN ('available', 'running', 'retryable', 'scheduled', 'pending')`, kinds) == 0
	})
}
