package server_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/intake"
)

// The IMAP mailbox setting reaches no internal address unless an admin
// explicitly allows it, never link-local, and never shows what the remote
// answered.
func TestLeakIMAPHost(t *testing.T) {
	t.Parallel()
	a := admSetup(t)
	c := a.as["admin"]
	form := func(host string, allow bool) url.Values {
		v := admVals("mb_name", "X", "mb_host", host, "mb_port", "143", "mb_username", "u", "mb_password", "pw")
		if allow {
			v.Set("mb_allow_private", "on")
		}
		return v
	}
	for _, host := range []string{"169.254.169.254", "127.0.0.1", "localhost", "10.1.2.3", "192.168.0.10", "100.64.0.1", "0.0.0.0"} {
		admFieldError(t, c.PostForm("/admin/mail/mailboxes", form(host, false)), "mb_host", "internal address")
	}
	for _, host := range []string{"169.254.169.254", "169.254.0.1", "0.0.0.0"} {
		admFieldError(t, c.PostForm("/admin/mail/mailboxes", form(host, true)), "mb_host", "never allowed")
	}
	if n := a.count(t, "SELECT count(*) FROM mailboxes"); n != 0 {
		t.Fatalf("%d refused mailboxes stored", n)
	}

	// A fake service on loopback that answers every command with a secret.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close() //nolint:errcheck // the fake server's end; the client's side is under test
				_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
				fmt.Fprintf(conn, "* OK internal-banner-7731 ready\r\n")
				sc := bufio.NewScanner(conn)
				for sc.Scan() {
					tag, _, _ := strings.Cut(sc.Text(), " ")
					fmt.Fprintf(conn, "%s NO db-password-is-hunter2\r\n", tag)
				}
			}()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	// Stored without the tick (as by an older version, or by hand) under a
	// host name: the connection is refused once the name resolves.
	sealed, err := intake.SealSecret([]byte(a.e.App.Env.Config.SecretKey), "pw")
	if err != nil {
		t.Fatal(err)
	}
	var raw int64
	if err := a.e.App.DB.RawPool().QueryRow(context.Background(), `INSERT INTO mailboxes (name, host, port, tls, username, password_enc, folder)
		VALUES ('raw', 'localhost', $1, false, 'u', $2, 'INBOX') RETURNING id`, port, sealed).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	r := c.PostForm(fmt.Sprintf("/admin/mail/mailboxes/%d/test", raw), nil)
	if got := r.Text(fmt.Sprintf(`tr[data-mailbox="%d"] [role=status]`, raw)); !strings.Contains(got, "internal address") {
		t.Errorf("a stored loopback mailbox without the tick: %q", got)
	}
	if _, err := a.e.App.DB.RawPool().Exec(context.Background(), "DELETE FROM mailboxes"); err != nil {
		t.Fatal(err)
	}
	// With the tick the admin may test it, and learns nothing of the
	// remote's words.
	vals := form("127.0.0.1", true)
	vals.Set("mb_port", port)
	vals.Set("mb_tls", "")
	admStatus(t, c.PostForm("/admin/mail/mailboxes", vals), http.StatusSeeOther)
	var allowed int64
	_ = a.e.App.DB.RawPool().QueryRow(context.Background(), "SELECT id FROM mailboxes WHERE allow_private").Scan(&allowed)
	r = c.PostForm(fmt.Sprintf("/admin/mail/mailboxes/%d/test", allowed), nil)
	got := r.Text(fmt.Sprintf(`tr[data-mailbox="%d"] [role=status]`, allowed))
	if !strings.Contains(got, "signing in") {
		t.Fatalf("test connection result %q", got)
	}
	if strings.Contains(r.Body, "hunter2") || strings.Contains(r.Body, "internal-banner") {
		t.Errorf("the page shows the remote's reply: %q", got)
	}
}

// /metrics needs a bearer token on the web address; with a separate
// metrics address it is only there.
func TestLeakMetrics(t *testing.T) {
	t.Parallel()
	const tok = "metrics-token-0123456789"
	e := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_METRICS_TOKEN": tok}})
	get := func(base, bearer string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	adm, agent := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleAgent)
	admTok, _, err := e.App.Tokens.Create(context.Background(), adm, auth.NewToken{Name: "prom"})
	if err != nil {
		t.Fatal(err)
	}
	agentTok, _, _ := e.App.Tokens.Create(context.Background(), agent, auth.NewToken{Name: "prom"})
	for bearer, want := range map[string]int{"": 401, "wrong-token-0123456789": 401, agentTok: 401, tok: 200, admTok: 200} {
		if got := get(e.URL, bearer); got != want {
			t.Errorf("GET /metrics with %q: %d, want %d", bearer, got, want)
		}
	}
	// A separate listener: nothing on the web address, all there.
	e2 := apptest.New(t, apptest.Options{Vars: map[string]string{"SWITCHBOARD_METRICS_ADDR": "127.0.0.1:0"}})
	if got := get(e2.URL, ""); got != http.StatusNotFound {
		t.Errorf("/metrics on the web address with SWITCHBOARD_METRICS_ADDR: %d", got)
	}
	if got := get("http://"+e2.App.MetricsAddr, ""); got != http.StatusOK {
		t.Errorf("/metrics on SWITCHBOARD_METRICS_ADDR: %d", got)
	}
}

// A Markdown bomb (400 KB of "[a](") is answered at once instead of
// burning half a minute of CPU; 100 KB, the longest accepted, stays within
// the rendering budget.
func TestLeakMarkdownBomb(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := e.SignIn(e.User(helpdesk.RoleRequester))
	for _, n := range []int{400_000, 100_000} {
		start := time.Now()
		r := c.PostForm("/preview", url.Values{"description": {strings.Repeat("[a](", n/4)}})
		took := time.Since(start)
		if r.StatusCode != http.StatusOK {
			t.Errorf("%d bytes: status %d", n, r.StatusCode)
		}
		// Generous for a loaded machine; unbounded, this took 35 s.
		if took > 15*time.Second {
			t.Errorf("preview of %d bytes took %s", n, took)
		}
	}
}
