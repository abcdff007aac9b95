package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// TestProfileTokens: a user creates a token on their profile, sees the
// secret once, uses it on the API, and revokes it.
func TestProfileTokens(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	c := e.SignIn(u)
	r := c.Get("/profile/tokens")
	if r.StatusCode != http.StatusOK || !r.Has(`label[for="name"]`) || !r.Has(`label[for="expires"]`) {
		t.Fatalf("tokens page: %d", r.StatusCode)
	}
	r = c.PostForm("/profile/tokens", url.Values{"name": {""}, "scope": {"read"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.Text("#name-error") == "" || r.Has("#new-token-secret") {
		t.Fatalf("empty name: %d %q", r.StatusCode, r.Text("#name-error"))
	}
	r = c.PostForm("/profile/tokens", url.Values{"name": {"backup script"}, "scope": {"read_write"}, "expires": {"2999-01-01"}})
	secret := r.Text("#new-token-secret")
	if r.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "sbt_") {
		t.Fatalf("create: %d secret %q", r.StatusCode, secret)
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/tickets", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := api(); got != http.StatusOK {
		t.Fatalf("API with the new token: %d", got)
	}
	r = c.Get("/profile/tokens")
	row := r.Doc.Find("#tokens tbody tr").First()
	lastUsed := strings.TrimSpace(row.Find(`td[data-label="Last used"]`).Text())
	if r.Has("#new-token-secret") || !strings.Contains(row.Text(), "backup script") || lastUsed == "Never" {
		t.Fatalf("list: %s", row.Text())
	}
	action, _ := row.Find(`form[action$="/revoke"]`).Attr("action")
	if r := c.PostForm(action, nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.StatusCode)
	}
	if got := api(); got != http.StatusUnauthorized {
		t.Errorf("API after revoke: %d", got)
	}
	// Another user cannot revoke it (or learn it exists).
	other := e.SignIn(e.User(helpdesk.RoleRequester))
	if r := other.PostForm(action, nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("other user's revoke: %d", r.StatusCode)
	}
}
