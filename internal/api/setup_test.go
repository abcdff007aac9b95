package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// bundle is a running node with one user and token per role.
type bundle struct {
	e                       *apptest.Env
	req, other, agent, lead *client
	admin                   *client
	secTeamID               int64
}

// setup starts a node with River stopped (triage would otherwise change
// tickets under the assertions), a restricted "security" team led by lead,
// a "VPN" category, and a read_write token for each role.
func setup(t *testing.T) *bundle {
	t.Helper()
	e := apptest.New(t)
	ctx := context.Background()
	e.StopWorkers()
	b := &bundle{e: e}
	err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name, restricted) VALUES ('security', 'Security', true) RETURNING id`).Scan(&b.secTeamID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Service Desk');
		INSERT INTO categories (name, team_id) SELECT 'VPN', id FROM teams WHERE slug = 'desk'`); err != nil {
		t.Fatal(err)
	}
	b.req = b.client(e.User(helpdesk.RoleRequester), auth.ScopeReadWrite)
	b.other = b.client(e.User(helpdesk.RoleRequester), auth.ScopeReadWrite)
	b.agent = b.client(e.User(helpdesk.RoleAgent), auth.ScopeReadWrite)
	b.lead = b.client(e.User(helpdesk.RoleLead, func(u *auth.NewUser) { u.TeamSlug = "security" }), auth.ScopeReadWrite)
	b.admin = b.client(e.User(helpdesk.RoleAdmin), auth.ScopeReadWrite)
	return b
}

func (b *bundle) client(u *helpdesk.User, scope auth.Scope) *client {
	b.e.T.Helper()
	secret, _, err := b.e.App.Tokens.Create(context.Background(), u, auth.NewToken{Name: "test", Scope: scope})
	if err != nil {
		b.e.T.Fatal(err)
	}
	return &client{t: b.e.T.(*testing.T), base: b.e.URL, token: secret, user: u}
}

// client speaks the API with one token and checks every answer against
// the OpenAPI document.
type client struct {
	t     *testing.T
	base  string
	token string
	user  *helpdesk.User
}

// reply is a finished response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem decodes a problem+json body.
func (r reply) problem(t *testing.T) problemBody {
	t.Helper()
	var p problemBody
	r.decode(t, &p)
	// Clients branch on the type: it must name the status's section of
	// /api/docs, as the docs' problem table lists them.
	slug := map[int]string{400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
		405: "method-not-allowed", 409: "conflict", 413: "too-large", 415: "unsupported-media-type", 422: "invalid",
		429: "too-many-requests", 500: "internal"}[r.status]
	if p.Status != r.status || p.Title != http.StatusText(r.status) || p.Type != "/api/docs#problem-"+slug {
		t.Errorf("problem for %d = %+v, want type /api/docs#problem-%s", r.status, p, slug)
	}
	return p
}

type problemBody struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail"`
	Errors []helpdesk.FieldError `json:"errors"`
}

// send sends a request with a raw body and headers ("Name: value").
func (c *client) send(method, path, contentType string, body []byte, headers ...string) reply {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if strings.HasPrefix(path, "/api/v1/") && path != "/api/v1/openapi.json" {
		p, _, _ := strings.Cut(path, "?")
		if err := validateResponse(document(c.t), method, p, res.StatusCode, res.Header.Get("Content-Type"), b); err != nil {
			c.t.Errorf("answer does not match openapi.json: %v\nbody: %s", err, b)
		}
	}
	return reply{status: res.StatusCode, header: res.Header, body: b}
}

// do sends v as JSON (nil: no body).
func (c *client) do(method, path string, v any, headers ...string) reply {
	c.t.Helper()
	if v == nil {
		return c.send(method, path, "", nil, headers...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.send(method, path, "application/json", b, headers...)
}

// must sends and fails the test unless the status is want.
func (c *client) must(want int, method, path string, v any, headers ...string) reply {
	c.t.Helper()
	r := c.do(method, path, v, headers...)
	if r.status != want {
		c.t.Fatalf("%s %s as %s: status %d, want %d\n%s", method, path, c.user.Role, r.status, want, r.body)
	}
	return r
}

// upload posts files as multipart.
func (c *client) upload(path string, fields map[string]string, files map[string][]byte, headers ...string) reply {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile("file", name)
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	return c.send(http.MethodPost, path, mw.FormDataContentType(), buf.Bytes(), headers...)
}

// ticketBody is the ticket JSON fields the tests read.
type ticketBody struct {
	Number    int64   `json:"number"`
	Subject   string  `json:"subject"`
	Status    string  `json:"status"`
	Priority  string  `json:"priority"`
	Category  *string `json:"category"`
	Team      *string `json:"team"`
	Assignee  *string `json:"assignee"`
	Requester string  `json:"requester"`
}

type messageBody struct {
	ID          int64  `json:"id"`
	Internal    bool   `json:"internal"`
	Body        string `json:"body"`
	Attachments []struct {
		ID       int64  `json:"id"`
		Filename string `json:"filename"`
		URL      string `json:"url"`
	} `json:"attachments"`
}

type eventBody struct {
	Kind  string          `json:"kind"`
	After json.RawMessage `json:"after"`
}

func (c *client) create(subject string) ticketBody {
	c.t.Helper()
	var tb ticketBody
	c.must(http.StatusCreated, "POST", "/api/v1/tickets", map[string]any{"subject": subject,
		"description": "It broke this morning."}).decode(c.t, &tb)
	return tb
}

func (b *bundle) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := b.e.App.DB.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (tb ticketBody) path() string { return "/api/v1/tickets/" + strconv.FormatInt(tb.Number, 10) }
