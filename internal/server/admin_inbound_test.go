package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// TestAdminInboundPage: an admin creates an inbound webhook on
// /admin/inbound (a bad mapping comes back 422 at its field with the input
// kept), sees its endpoint and token once, and the token works; rotating
// shows a new token and the old one stops working; leads get 404.
func TestAdminInboundPage(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	e.StopWorkers()
	if _, err := e.App.DB.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('ops', 'Operations')`); err != nil {
		t.Fatal(err)
	}
	lead := e.SignIn(e.User(helpdesk.RoleLead, func(u *auth.NewUser) { u.TeamSlug = "ops" }))
	wantStatus(t, lead.Get("/admin/inbound"), http.StatusNotFound)
	admin := e.SignIn(e.User(helpdesk.RoleAdmin))
	r := admin.Get("/admin/inbound")
	wantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Doc.Find("#mapping").Text(), `"external_id"`) {
		t.Errorf("the form does not start with an example mapping: %q", r.Doc.Find("#mapping").Text())
	}
	bad := url.Values{"name": {"Monitoring"}, "team": {"ops"}, "mapping": {`{"subject": "title"}`}}
	r = admin.PostForm("/admin/inbound", bad)
	wantStatus(t, r, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Text("#mapping-error"), "JSON Pointer") || r.Doc.Find("#mapping").Text() != `{"subject": "title"}` {
		t.Errorf("bad mapping: message %q, kept %q", r.Text("#mapping-error"), r.Doc.Find("#mapping").Text())
	}
	good := url.Values{"name": {"Monitoring"}, "team": {"ops"}, "mapping": {`{"external_id": "/id", "subject": "/title"}`}}
	r = admin.PostForm("/admin/inbound", good)
	wantStatus(t, r, http.StatusOK)
	token, endpoint := r.Text("#token"), r.Text("#token-url")
	if !strings.HasPrefix(token, "sbin_") || !strings.Contains(endpoint, "/api/v1/inbound/") {
		t.Fatalf("token %q at %q", token, endpoint)
	}
	if row := r.Text("#inbound tbody tr"); !strings.Contains(row, "Monitoring") || !strings.Contains(row, "ops") {
		t.Errorf("the webhook is not listed: %q", row)
	}
	call := func(tok, id string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/api/v1/inbound/"+id, strings.NewReader(`{"id": "a1", "title": "Router down"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	id := endpoint[strings.LastIndex(endpoint, "/")+1:]
	if got := call(token, id); got != http.StatusCreated {
		t.Errorf("call with the new token: %d", got)
	}
	rotate, ok := r.Doc.Find("#inbound tbody tr form").First().Attr("action")
	if !ok || !strings.HasSuffix(rotate, "/rotate") {
		t.Fatalf("no rotate button: %q", rotate)
	}
	r = admin.PostForm(rotate, nil)
	wantStatus(t, r, http.StatusOK)
	fresh := r.Text("#token")
	if fresh == "" || fresh == token {
		t.Fatalf("rotated token %q", fresh)
	}
	if got := call(token, id); got != http.StatusUnauthorized {
		t.Errorf("old token after rotation: %d", got)
	}
	if got := call(fresh, id); got != http.StatusOK {
		t.Errorf("new token after rotation (same alert id: an update): %d", got)
	}
}
