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

func countRows(t *testing.T, e *apptest.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.App.DB.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func roleOf(t *testing.T, e *apptest.Env, id int64) string {
	t.Helper()
	var r string
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT role FROM users WHERE id = $1`, id).Scan(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func grantOf(t *testing.T, e *apptest.Env, userID int64) string {
	t.Helper()
	var id int64
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM admin_grants WHERE user_id = $1 ORDER BY id DESC LIMIT 1`,
		userID).Scan(&id); err != nil {
		t.Fatalf("no admin grant for user %d: %v", userID, err)
	}
	return strconv.FormatInt(id, 10)
}

// Granting the admin role waits for a second admin: the one who asked
// cannot approve, nor can the person concerned; another admin's approval
// makes it take effect, with before/after in the audit log. A request
// that ran out cannot be approved.
func TestFourEyesAdminGrant(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	first, second := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleAdmin)
	agent := e.User(helpdesk.RoleAgent)
	c1, c2 := e.SignIn(first), e.SignIn(second)
	id := strconv.FormatInt(agent.ID, 10)

	r := c1.PostForm("/admin/people/"+id, url.Values{"name": {agent.Name}, "role": {"admin"}})
	wantStatus(t, r, http.StatusSeeOther)
	if got := roleOf(t, e, agent.ID); got != "agent" {
		t.Fatalf("role is %q right after the request, want agent until a second admin approves", got)
	}
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE action = 'admin_grant_requested' AND object_id = $1
		AND before->>'role' = 'agent' AND after->>'requested_role' = 'admin'`, id); n != 1 {
		t.Errorf("%d audit entries for the request", n)
	}
	grant := grantOf(t, e, agent.ID)

	page := c1.Get("/admin/access")
	wantStatus(t, page, http.StatusOK)
	if !page.Has(`#grants tr[data-grant="` + grant + `"][data-status="pending"] button`) {
		t.Fatalf("the access review does not list the waiting request:\n%s", page.Text("#grants"))
	}
	// The asker cannot approve; neither can the person once an admin elsewhere.
	r = c1.PostForm("/admin/access/grants/"+grant+"/approve", nil)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Text(".alert"), "second admin") {
		t.Errorf("refusal says %q", r.Text(".alert"))
	}
	if got := roleOf(t, e, agent.ID); got != "agent" {
		t.Fatalf("the asker's own approval made the role %q", got)
	}
	wantStatus(t, e.SignIn(agent).Get("/admin/access"), http.StatusNotFound)

	r = c2.PostForm("/admin/access/grants/"+grant+"/approve", nil)
	wantStatus(t, r, http.StatusSeeOther)
	if got := roleOf(t, e, agent.ID); got != "admin" {
		t.Fatalf("role %q after the second admin approved", got)
	}
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE action = 'admin_grant_approved' AND object_id = $1
		AND before->>'role' = 'agent' AND after->>'role' = 'admin' AND actor_id = $2`, id, second.ID); n != 1 {
		t.Errorf("%d audit entries for the approval with before/after", n)
	}
	wantStatus(t, c2.PostForm("/admin/access/grants/"+grant+"/approve", nil), http.StatusUnprocessableEntity)

	// An expired request cannot be approved and shows as expired.
	late := e.User(helpdesk.RoleLead)
	wantStatus(t, c1.PostForm("/admin/people/"+strconv.FormatInt(late.ID, 10), url.Values{"name": {late.Name}, "role": {"admin"}}),
		http.StatusSeeOther)
	lateGrant := grantOf(t, e, late.ID)
	if _, err := e.App.DB.RawPool().Exec(context.Background(), `UPDATE admin_grants SET expires_at = now() - interval '1 minute' WHERE id = $1`,
		lateGrant); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, c2.PostForm("/admin/access/grants/"+lateGrant+"/approve", nil), http.StatusUnprocessableEntity)
	if got := roleOf(t, e, late.ID); got != "lead" {
		t.Fatalf("an expired request made the role %q", got)
	}
	if !c2.Get("/admin/access").Has(`tr[data-grant="` + lateGrant + `"][data-status="expired"]`) {
		t.Error("the expired request is not shown as expired")
	}

	// Rejected: the role stays.
	other := e.User(helpdesk.RoleAgent)
	wantStatus(t, c1.PostForm("/admin/people/"+strconv.FormatInt(other.ID, 10), url.Values{"name": {other.Name}, "role": {"admin"}}),
		http.StatusSeeOther)
	wantStatus(t, c2.PostForm("/admin/access/grants/"+grantOf(t, e, other.ID)+"/reject", nil), http.StatusSeeOther)
	if got := roleOf(t, e, other.ID); got != "agent" {
		t.Errorf("rejected request left role %q", got)
	}

	// A new person asked for as an admin starts as an agent.
	wantStatus(t, c1.PostForm("/admin/people", url.Values{"name": {"New Admin"}, "email": {"newadmin@example.com"}, "role": {"admin"},
		"timezone": {"UTC"}, "password": {"long-enough-pw"}}), http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM users u JOIN admin_grants g ON g.user_id = u.id AND g.status = 'pending'
		WHERE u.email = 'newadmin@example.com' AND u.role = 'agent'`); n != 1 {
		t.Error("a new person asked for as admin is not an agent with a waiting request")
	}
}

// Small teams: with four-eyes turned off (audited), or with no second
// admin at all, the grant takes effect at once and the audit says why.
func TestFourEyesOffAndSoleAdmin(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	boss := e.User(helpdesk.RoleAdmin)
	c := e.SignIn(boss)
	lone := e.User(helpdesk.RoleAgent)
	wantStatus(t, c.PostForm("/admin/people/"+strconv.FormatInt(lone.ID, 10), url.Values{"name": {lone.Name}, "role": {"admin"}}),
		http.StatusSeeOther)
	if got := roleOf(t, e, lone.ID); got != "admin" {
		t.Fatalf("with no second admin to ask, role is %q", got)
	}
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'update'
		AND after->>'admin_without_approval' = 'no second active admin to approve'`, strconv.FormatInt(lone.ID, 10)); n != 1 {
		t.Error("the audit does not say why the grant did not wait")
	}

	r := c.PostForm("/admin/access/settings", url.Values{"grant_hours": {"0"}, "unused_days": {"30"}})
	wantStatus(t, r, http.StatusUnprocessableEntity)
	wantStatus(t, c.PostForm("/admin/access/settings", url.Values{"grant_hours": {"24"}, "unused_days": {"30"}}), http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND before->>'four_eyes' = 'true'
		AND after->>'four_eyes' = 'false'`, auth.SettingPrivilege); n != 1 {
		t.Error("turning four-eyes off is not audited with before/after")
	}
	agent := e.User(helpdesk.RoleAgent)
	wantStatus(t, c.PostForm("/admin/people/"+strconv.FormatInt(agent.ID, 10), url.Values{"name": {agent.Name}, "role": {"admin"}}),
		http.StatusSeeOther)
	if got := roleOf(t, e, agent.ID); got != "admin" {
		t.Errorf("with four-eyes off, role is %q", got)
	}
}

// The access review lists who holds what (role, teams with restricted
// ones marked, token scopes, last use), flags accounts and tokens unused
// for the configured days, is admins-only, and records a review.
func TestAccessReview(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	boss, lead := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleLead)
	agent, idle := e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleAgent)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.App.DB.RawPool().Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO teams (slug, name, restricted) VALUES ('hr-secrets', 'HR', true)`)
	exec(`INSERT INTO team_members (team_id, user_id) SELECT id, $1 FROM teams WHERE slug = 'hr-secrets'`, agent.ID)
	exec(`UPDATE users SET created_at = now() - interval '200 days' WHERE id = $1`, idle.ID)
	_, fresh, err := e.App.Tokens.Create(ctx, agent, auth.NewToken{Name: "backup script", Scope: auth.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	_, old, err := e.App.Tokens.Create(ctx, agent, auth.NewToken{Name: "forgotten cron"})
	if err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE api_tokens SET created_at = now() - interval '200 days', last_used_at = now() - interval '120 days' WHERE id = $1`, old.ID)
	e.SignIn(agent) // agent's account is in use

	c := e.SignIn(boss)
	wantStatus(t, e.SignIn(lead).Get("/admin/access"), http.StatusNotFound)
	page := c.Get("/admin/access")
	wantStatus(t, page, http.StatusOK)
	row := func(u *helpdesk.User) string { return `#access tr[data-user="` + strconv.FormatInt(u.ID, 10) + `"]` }
	if txt := page.Text(row(agent)); !strings.Contains(txt, "hr-secrets") || !strings.Contains(txt, "restricted") {
		t.Errorf("restricted membership not shown: %q", txt)
	}
	if txt := page.Text(row(agent) + ` li[data-token="` + strconv.FormatInt(fresh.ID, 10) + `"]`); !strings.Contains(txt, "backup script (read)") {
		t.Errorf("token and scope not shown: %q", txt)
	}
	if page.Has(row(agent) + `[data-unused]`) {
		t.Error("an account signed in just now is flagged unused")
	}
	if !page.Has(row(idle) + `[data-unused]`) {
		t.Error("an account never used in 200 days is not flagged")
	}
	if !page.Has(`li[data-token="` + strconv.FormatInt(old.ID, 10) + `"][data-unused]`) {
		t.Error("a token last used 120 days ago is not flagged")
	}
	if page.Has(`li[data-token="` + strconv.FormatInt(fresh.ID, 10) + `"][data-unused]`) {
		t.Error("a new token is flagged unused")
	}
	if !page.Has("#review-due") {
		t.Error("a never-reviewed install does not say a review is due")
	}
	wantStatus(t, c.PostForm("/admin/access/review", url.Values{"note": {"revoked the forgotten cron"}}), http.StatusSeeOther)
	page = c.Get("/admin/access")
	if page.Has("#review-due") || !strings.Contains(page.Text("#review"), "Last reviewed") {
		t.Errorf("recorded review not shown: %q", page.Text("#review"))
	}
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_type = 'access_review' AND (after->>'unused_tokens')::int >= 1
		AND after->>'note' = 'revoked the forgotten cron'`); n != 1 {
		t.Error("the review is not in the audit log with its figures")
	}
}

// Privilege changes are audited with before and after: a token's scope
// (created, changed, revoked) and a restricted-team membership.
func TestPrivilegeAuditBeforeAfter(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	boss, agent, stranger := e.User(helpdesk.RoleAdmin), e.User(helpdesk.RoleAgent), e.User(helpdesk.RoleAgent)
	c := e.SignIn(agent)
	wantStatus(t, c.PostForm("/profile/tokens", url.Values{"name": {"reporting"}, "scope": {"read_write"}}), http.StatusOK)
	var tid int64
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM api_tokens WHERE user_id = $1`, agent.ID).Scan(&tid); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(tid, 10)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_type = 'api_token' AND object_id = $1 AND action = 'create'
		AND after->>'scope' = 'read_write'`, id); n != 1 {
		t.Error("token creation not audited with its scope")
	}
	wantStatus(t, e.SignIn(stranger).PostForm("/profile/tokens/"+id+"/scope", url.Values{"scope": {"read"}}), http.StatusNotFound)
	wantStatus(t, c.PostForm("/profile/tokens/"+id+"/scope", url.Values{"scope": {"read"}}), http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_type = 'api_token' AND object_id = $1 AND action = 'scope'
		AND before->>'scope' = 'read_write' AND after->>'scope' = 'read' AND actor_id = $2`, id, agent.ID); n != 1 {
		t.Error("scope change not audited with before/after")
	}
	if n := countRows(t, e, `SELECT count(*) FROM api_tokens WHERE id = $1 AND scope = 'read'`, tid); n != 1 {
		t.Error("scope not changed")
	}
	wantStatus(t, c.PostForm("/profile/tokens/"+id+"/revoke", nil), http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_type = 'api_token' AND object_id = $1 AND action = 'revoke'
		AND before->>'scope' = 'read'`, id); n != 1 {
		t.Error("revocation not audited with the scope it had")
	}

	if _, err := e.App.DB.RawPool().Exec(context.Background(), `INSERT INTO teams (slug, name, restricted) VALUES ('legal', 'Legal', true)`); err != nil {
		t.Fatal(err)
	}
	var team int64
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id FROM teams WHERE slug = 'legal'`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.SignIn(boss).PostForm("/admin/people/"+strconv.FormatInt(agent.ID, 10),
		url.Values{"name": {agent.Name}, "role": {"agent"}, "team": {strconv.FormatInt(team, 10)}}), http.StatusSeeOther)
	if n := countRows(t, e, `SELECT count(*) FROM audit_log WHERE object_id = $1 AND action = 'update'
		AND before->'teams' IS NULL AND after->'teams'->0->>'Restricted' = 'true'`, strconv.FormatInt(agent.ID, 10)); n != 1 {
		t.Error("joining a restricted team is not audited as such")
	}
}

// An SSO group mapped to the admin role does not bypass four-eyes: the
// person signs in with their role so far (a new account as an agent) and
// a request waits for an admin; the SSO sign-in is recorded for threat
// detection like a password one.
func TestSSOAdminMappingWaitsForApproval(t *testing.T) {
	t.Parallel()
	s := newSSO(t, nil, apptest.ProviderUser{Username: "root", Email: "root@corp.example", First: "Ro", Last: "Ot",
		Groups: []string{"it-admins"}})
	e := s.e
	c := e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "root")); !ok {
		t.Fatalf("SSO sign-in: %d -> %q", r.StatusCode, r.Header.Get("Location"))
	}
	var id int64
	var role string
	if err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT id, role FROM users WHERE email = 'root@corp.example'`).
		Scan(&id, &role); err != nil {
		t.Fatal(err)
	}
	if role != "agent" {
		t.Fatalf("the SSO mapping made the new account %q at once", role)
	}
	if n := countRows(t, e, `SELECT count(*) FROM admin_grants WHERE user_id = $1 AND status = 'pending' AND requested_by IS NULL`, id); n != 1 {
		t.Fatal("no waiting request from the SSO mapping")
	}
	wantStatus(t, c.Get("/admin/access"), http.StatusNotFound)
	if n := countRows(t, e, `SELECT count(*) FROM sign_ins WHERE user_id = $1 AND method = 'sso' AND ok`, id); n != 1 {
		t.Errorf("the SSO sign-in is not recorded for threat detection (%d)", n)
	}
	wantStatus(t, s.ac.PostForm("/admin/access/grants/"+grantOf(t, e, id)+"/approve", nil), http.StatusSeeOther)
	if got := roleOf(t, e, id); got != "admin" {
		t.Errorf("approved, role is %q", got)
	}
	// The next SSO sign-in keeps the approved role.
	c = e.Anonymous()
	if r, ok := callback(t, c, s.roundTrip(t, c, "root")); !ok {
		t.Fatalf("second SSO sign-in: %d", r.StatusCode)
	}
	if got := roleOf(t, e, id); got != "admin" {
		t.Errorf("after the next sign-in, role is %q", got)
	}
}
