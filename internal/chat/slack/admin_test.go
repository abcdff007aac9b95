package slack_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/helpdesk"
)

// Settings saved in the admin console override the environment, are
// stored sealed (never in clear, never shown again), and "Test connection"
// calls Slack with them. Non-admins get 404.
func TestSlackAdminSettingsSealedAndTested(t *testing.T) {
	e := setup(t)
	admin := e.User(helpdesk.RoleAdmin)
	c := e.SignIn(admin)
	const token = "xoxb-saved-in-the-console-123"
	res := c.PostForm("/admin/chat/slack", url.Values{"api_url": {e.slack.srv.GetAPIURL()}, "secret": {"console-signing-secret"}, "token": {token}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.Body)
	}
	var sealed []byte
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `SELECT sealed_token FROM chat_connectors WHERE name = 'slack'`).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(token)) {
		t.Fatalf("the token is not sealed: %q", sealed)
	}
	st, err := e.App.Chat.Settings(e.ctx, "slack")
	if err != nil || st.Token != token || st.Secret != "console-signing-secret" {
		t.Fatalf("effective settings = %+v, %v", st, err)
	}
	page := c.Get("/admin/chat")
	if page.StatusCode != http.StatusOK || strings.Contains(page.Body, token) || strings.Contains(page.Body, "console-signing-secret") {
		t.Fatalf("/admin/chat shows a secret (or failed: %d)", page.StatusCode)
	}
	res = c.PostForm("/admin/chat/slack/test", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test connection: %d", res.StatusCode)
	}
	if flash := c.Get("/admin/chat"); !strings.Contains(flash.Body, "Connected as") {
		t.Errorf("no 'Connected as' after Test connection")
	}
	// The console's secret is now the one requests must be signed with.
	body := url.Values{"team_id": {"T1"}, "user_id": {"U1"}, "text": {"help"}}.Encode()
	if status, _ := e.send("/chat/slack/commands", "application/x-www-form-urlencoded", body, sign(signingSecret, body, nowish())); status != http.StatusUnauthorized {
		t.Errorf("signed with the environment's secret after the console's was saved: %d, want 401", status)
	}
	if status, _ := e.send("/chat/slack/commands", "application/x-www-form-urlencoded", body, sign("console-signing-secret", body, nowish())); status != http.StatusOK {
		t.Errorf("signed with the console's secret: %d, want 200", status)
	}
	// Agents and leads: 404.
	if res := e.SignIn(e.User(helpdesk.RoleLead)).Get("/admin/chat"); res.StatusCode != http.StatusNotFound {
		t.Errorf("lead on /admin/chat: %d, want 404", res.StatusCode)
	}
}
