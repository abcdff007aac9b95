package incident_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// TestGenericWebhookAndScopes: the generic JSON webhook files one incident
// per key and resolves it; an alerts-scope token of a non-staff account may
// post alerts but read nothing, and a requester's read_write token may not
// post alerts.
func TestGenericWebhookAndScopes(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	monitor := e.User(helpdesk.RoleRequester)
	alerts, _, err := e.App.Tokens.Create(ctx, monitor, auth.NewToken{Name: "zabbix", Scope: auth.ScopeAlerts})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.App.Tokens.Create(ctx, monitor, auth.NewToken{Name: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	post := func(token, path, body string) int {
		req, _ := http.NewRequest(http.MethodPost, e.URL+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	if got := post(plain, "/api/v1/alerts/generic", `{"id":"x","title":"t"}`); got != http.StatusForbidden {
		t.Errorf("requester's read_write token posting alerts: %d, want 403", got)
	}
	if got := post(alerts, "/api/v1/alerts/generic", `{"id":"disk-db01","title":"Disk full on db01.corp.example.com","severity":"warning","status":"problem"}`); got != http.StatusOK {
		t.Fatalf("generic alert: %d", got)
	}
	if got := post(alerts, "/api/v1/alerts/generic", `{"id":"disk-db01","title":"Disk full on db01.corp.example.com","severity":"warning","status":"problem"}`); got != http.StatusOK {
		t.Fatalf("repeated generic alert: %d", got)
	}
	ts := alertTickets(t, e, mustToken(t, e))
	if len(ts) != 1 || ts[0].Urgency != "medium" || ts[0].Status == "resolved" {
		t.Fatalf("want one open incident with medium urgency, got %+v", ts)
	}
	if got := post(alerts, "/api/v1/alerts/generic", `{"id":"disk-db01","title":"Disk full on db01.corp.example.com","status":"resolved"}`); got != http.StatusOK {
		t.Fatalf("resolve: %d", got)
	}
	if ts := alertTickets(t, e, mustToken(t, e)); len(ts) != 1 || ts[0].Status != "resolved" {
		t.Fatalf("after the resolve: %+v", ts)
	}
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/tickets", nil)
	req.Header.Set("Authorization", "Bearer "+alerts)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("alerts token reading tickets: %d, want 403", res.StatusCode)
	}
}

// mustToken is an admin's read_write token for looking at the tickets.
func mustToken(t *testing.T, e *apptest.Env) string {
	t.Helper()
	admin := e.User(helpdesk.RoleAdmin)
	tok, _, err := e.App.Tokens.Create(context.Background(), admin, auth.NewToken{Name: "look"})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
