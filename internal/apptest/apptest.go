// Package apptest starts a whole Switchboard node on a fresh test database
// and gives tests signed-in HTTP clients that read pages by CSS selector.
// Test-only.
package apptest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"switchboard/internal/app"
	"switchboard/internal/auth"
	"switchboard/internal/config"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/testwait"
)

// Password is every test user's password.
const Password = "correct-horse-battery"

// Env is a running node and its HTTP test server.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	URL    string
	n      atomic.Int64
	logs   *syncWriter
}

// Options tune New.
type Options struct {
	// Vars overrides environment variables for the node (DATABASE_URL is set).
	Vars map[string]string
	// Conn reuses an existing test database (a second node on the same data).
	Conn string
	// Localhost names the node http://localhost:PORT instead of 127.0.0.1:
	// browsers refuse passkeys (WebAuthn) on an IP address.
	Localhost bool
}

// New starts a node on a fresh database. Everything stops at test end.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	conn := o.Conn
	if conn == "" {
		conn = pgtest.NewDatabase(t)
	}
	vars := map[string]string{
		"DATABASE_URL":           conn,
		"SWITCHBOARD_DATA_DIR":   t.TempDir(),
		"SWITCHBOARD_SMTP_ADDR":  "off",
		"SWITCHBOARD_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
		"SWITCHBOARD_LOG_LEVEL":  "warn",
	}
	for k, v := range o.Vars {
		vars[k] = v
	}
	ts := httptest.NewUnstartedServer(nil)
	vars["SWITCHBOARD_BASE_URL"] = "http://" + ts.Listener.Addr().String()
	if o.Localhost {
		vars["SWITCHBOARD_BASE_URL"] = "http://localhost:" + strconv.Itoa(ts.Listener.Addr().(*net.TCPAddr).Port)
	}
	vars["SWITCHBOARD_HTTP_ADDR"] = ts.Listener.Addr().String()
	getenv := func(k string) string { return vars[k] }
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	// The log and stderr share one buffer, written from many goroutines.
	var logs bytes.Buffer
	sw := &syncWriter{w: &logs}
	env := &app.Env{Config: cfg, Getenv: getenv, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: sw,
		Log: app.NewLogger(sw, vars["SWITCHBOARD_LOG_LEVEL"])}
	ctx := context.Background()
	a, err := app.Start(ctx, env, app.Options{NoHTTP: true})
	if err != nil {
		t.Fatalf("app.Start: %v", err)
	}
	ts.Config.Handler = a.HTTP
	ts.Start()
	e := &Env{T: t, App: a, Server: ts, URL: vars["SWITCHBOARD_BASE_URL"], logs: sw}
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(sctx)
		if t.Failed() && logs.Len() > 0 {
			t.Logf("app log:\n%s", logs.String())
		}
	})
	return e
}

// Logs returns what the node has logged so far (at SWITCHBOARD_LOG_LEVEL,
// warn unless the test sets it in Options.Vars).
func (e *Env) Logs() string { return e.logs.String() }

// User creates a user of role with a unique email and Password.
func (e *Env) User(role helpdesk.Role, opts ...func(*auth.NewUser)) *helpdesk.User {
	e.T.Helper()
	n := e.n.Add(1)
	in := auth.NewUser{Email: fmt.Sprintf("%s%d@example.com", role, n), Name: fmt.Sprintf("%s %d", strings.ToUpper(string(role[:1]))+string(role[1:]), n),
		Role: role, Password: Password, TimeZone: "Europe/Berlin"}
	for _, o := range opts {
		o(&in)
	}
	u, err := auth.CreateUser(context.Background(), e.App.DB, in)
	if err != nil {
		e.T.Fatalf("create user: %v", err)
	}
	return u
}

// Client is a browser-like HTTP client with its own cookie jar.
type Client struct {
	e    *Env
	HTTP *http.Client
}

// Anonymous returns a client that is not signed in.
func (e *Env) Anonymous() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{e: e, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// SignIn returns a client signed in as u.
func (e *Env) SignIn(u *helpdesk.User) *Client {
	e.T.Helper()
	c := e.Anonymous()
	res := c.PostForm("/login", url.Values{"email": {u.Email}, "password": {Password}})
	if res.StatusCode != http.StatusSeeOther {
		e.T.Fatalf("sign in as %s: status %d\n%s", u.Email, res.StatusCode, res.Body)
	}
	return c
}

// Response is a finished response with its body read and parsed.
type Response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

// Text returns the trimmed text of the first element matching sel.
func (r *Response) Text(sel string) string { return strings.TrimSpace(r.Doc.Find(sel).First().Text()) }

// Has reports whether sel matches anything.
func (r *Response) Has(sel string) bool { return r.Doc.Find(sel).Length() > 0 }

// Do sends req with same-origin headers, as a browser would for a form.
func (c *Client) Do(req *http.Request) *Response {
	c.e.T.Helper()
	if req.Method != http.MethodGet && req.Header.Get("Origin") == "" {
		req.Header.Set("Origin", c.e.URL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.e.T.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(b))
	return &Response{Response: res, Body: string(b), Doc: doc}
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, c.e.URL+path, nil)
	return c.Do(req)
}

// PostForm posts an urlencoded form.
func (c *Client) PostForm(path string, form url.Values) *Response {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.e.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// File is a file for PostMultipart.
type File struct {
	Field, Name string
	Data        []byte
}

// PostMultipart posts a multipart form with files.
func (c *Client) PostMultipart(path string, form url.Values, files ...File) *Response {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, _ := mw.CreateFormFile(f.Field, f.Name)
		_, _ = w.Write(f.Data)
	}
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, c.e.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.Do(req)
}

// Settle waits until the node's background jobs (triage, SLA, mail) are done,
// so a test sees the state a user would see once things are quiet.
func (e *Env) Settle() {
	e.T.Helper()
	testwait.UntilNil(e.T, testwait.Long, "background jobs to finish", func() error {
		// New tickets are triaged on this node without a job
		// (triage.Dispatcher); what it hands to River shows as a job below.
		if d := e.App.TriageDispatch; d != nil && !d.Idle() {
			return fmt.Errorf("triage dispatcher busy")
		}
		var n int
		if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM river_job
			WHERE state IN ('available', 'running', 'retryable') OR (state = 'scheduled' AND scheduled_at < now() + interval '1 second')`).Scan(&n); err != nil {
			e.T.Fatal(err)
		}
		if n > 0 {
			return fmt.Errorf("%d jobs still to run", n)
		}
		return nil
	})
}

// StopWorkers stops what changes tickets in the background on this node:
// triage at creation and the triage dispatcher (new tickets then wait
// untriaged, as River jobs) and River. Tests whose assertions triage would
// disturb call it first, before any request.
func (e *Env) StopWorkers() {
	e.T.Helper()
	ctx := context.Background()
	e.App.Tickets.File = nil
	if d := e.App.TriageDispatch; d != nil {
		if err := d.Stop(ctx); err != nil {
			e.T.Fatal(err)
		}
	}
	if err := e.App.Jobs.Stop(ctx); err != nil {
		e.T.Fatal(err)
	}
}
