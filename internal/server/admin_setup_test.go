package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// adm is the bundle every admin test starts from: a node, a team "alpha"
// led by leadA with agent agentA, a team "beta" led by leadB with agentB,
// an admin and a requester, each with a signed-in client.
type adm struct {
	e                    *apptest.Env
	alpha, beta          int64
	admin, leadA, leadB  *helpdesk.User
	agentA, agentB, reqr *helpdesk.User
	as                   map[string]*apptest.Client
}

func admSetup(t *testing.T) *adm {
	t.Helper()
	e := apptest.New(t)
	ctx := context.Background()
	a := &adm{e: e, as: map[string]*apptest.Client{}}
	for slug, dst := range map[string]*int64{"alpha": &a.alpha, "beta": &a.beta} {
		if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name, time_zone) VALUES ($1, $2, 'Europe/Berlin') RETURNING id`,
			slug, strings.ToUpper(slug[:1])+slug[1:]).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	inTeam := func(slug string) func(*auth.NewUser) { return func(n *auth.NewUser) { n.TeamSlug = slug } }
	a.admin = e.User(helpdesk.RoleAdmin)
	a.leadA = e.User(helpdesk.RoleLead, inTeam("alpha"))
	a.leadB = e.User(helpdesk.RoleLead, inTeam("beta"))
	a.agentA = e.User(helpdesk.RoleAgent, inTeam("alpha"))
	a.agentB = e.User(helpdesk.RoleAgent, inTeam("beta"))
	a.reqr = e.User(helpdesk.RoleRequester)
	for name, u := range map[string]*helpdesk.User{"admin": a.admin, "leadA": a.leadA, "leadB": a.leadB,
		"agent": a.agentA, "requester": a.reqr} {
		a.as[name] = e.SignIn(u)
	}
	return a
}

// count runs a COUNT query.
func (a *adm) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := a.e.App.DB.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// audits counts audit rows of an object type and action.
func (a *adm) audits(t *testing.T, objType, action string) int {
	t.Helper()
	return a.count(t, "SELECT count(*) FROM audit_log WHERE object_type = $1 AND action = $2", objType, action)
}

func admStatus(t *testing.T, r *apptest.Response, want int) {
	t.Helper()
	if r.StatusCode != want {
		body := r.Body
		if len(body) > 2000 {
			body = body[:2000]
		}
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, body)
	}
}

// admFieldError asserts a 422 with msgPart next to field and the input kept.
func admFieldError(t *testing.T, r *apptest.Response, field, msgPart string) {
	t.Helper()
	admStatus(t, r, http.StatusUnprocessableEntity)
	got := r.Text("#" + field + "-error")
	if !strings.Contains(got, msgPart) {
		t.Fatalf("error at %s = %q, want it to contain %q", field, got, msgPart)
	}
}

// admKept asserts that input field kept value.
func admKept(t *testing.T, r *apptest.Response, field, value string) {
	t.Helper()
	if got := r.Doc.Find("#"+field).AttrOr("value", "<none>"); got != value {
		t.Fatalf("input %s = %q, want the submitted %q kept", field, got, value)
	}
}

func admVals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func admID(n int64) string { return strconv.FormatInt(n, 10) }
