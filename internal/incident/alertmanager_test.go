package incident_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// alertmanagerBinary finds Debian's prometheus-alertmanager (or an
// upstream alertmanager); the test skips without one, except under CI.
func alertmanagerBinary(t *testing.T) string {
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("prometheus-alertmanager is not installed (.ci/run installs it)")
	}
	t.Skip("prometheus-alertmanager not installed")
	return ""
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port
}

// startAlertmanager runs a real Alertmanager on loopback whose only
// receiver is Switchboard's webhook, with short group timers so a test
// sees notifications in seconds.
func startAlertmanager(t *testing.T, webhook, token string) string {
	bin := alertmanagerBinary(t)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`route:
  receiver: switchboard
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: switchboard
    webhook_configs:
      - url: %q
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: %q
`, webhook, token)
	if err := os.WriteFile(filepath.Join(dir, "am.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "am.yml"), "--storage.path="+dir,
		"--web.listen-address="+addr, "--cluster.listen-address=", "--log.level=debug")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", logs.String())
		}
	})
	base := "http://" + addr
	testwait.Until(t, testwait.Long, "alertmanager ready", func() bool {
		res, err := http.Get(base + "/-/ready")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return base
}

// pushAlert posts one alert to Alertmanager's API; a past endsAt resolves it.
func pushAlert(t *testing.T, am string, resolved bool) {
	t.Helper()
	a := map[string]any{
		"labels":      map[string]string{"alertname": "VPNGatewayDown", "instance": "vpn-gw-01.corp.example.com", "severity": "critical"},
		"annotations": map[string]string{"summary": "VPN gateway vpn-gw-01 is down"},
		"startsAt":    time.Now().Add(-time.Minute).UTC().Format(time.RFC3339),
	}
	if resolved {
		a["endsAt"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	}
	body, _ := json.Marshal([]any{a})
	res, err := http.Post(am+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("push alert: status %d", res.StatusCode)
	}
}

type apiTicket struct {
	Number        int64  `json:"number"`
	Status        string `json:"status"`
	Source        string `json:"source"`
	Subject       string `json:"subject"`
	Urgency       string `json:"urgency"`
	Parent        *int64 `json:"parent"`
	ChildrenCount *int   `json:"children_count"`
}

func alertTickets(t *testing.T, e *apptest.Env, token string) []apiTicket {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+"/api/v1/tickets?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	var list struct {
		Tickets []apiTicket `json:"tickets"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var out []apiTicket
	for _, tk := range list.Tickets {
		if tk.Source == "alert" {
			out = append(out, tk)
		}
	}
	return out
}

// TestAlertmanagerEndToEnd: a real Alertmanager fires, repeats, resolves
// and flaps one alert at Switchboard; it stays one incident ticket, which
// is resolved at the end.
func TestAlertmanagerEndToEnd(t *testing.T) {
	e := apptest.New(t)
	agent := e.User(helpdesk.RoleAgent)
	ctx := context.Background()
	token, _, err := e.App.Tokens.Create(ctx, agent, auth.NewToken{Name: "monitoring"})
	if err != nil {
		t.Fatal(err)
	}
	am := startAlertmanager(t, e.URL+"/api/v1/alerts/alertmanager", token)
	status := func(want string) func() bool {
		return func() bool {
			ts := alertTickets(t, e, token)
			return len(ts) == 1 && ts[0].Status == want
		}
	}
	incidents := func() []helpdesk.Event {
		ts := alertTickets(t, e, token)
		if len(ts) != 1 {
			t.Fatalf("want one alert incident, got %+v", ts)
		}
		tk, err := e.App.Tickets.Get(ctx, agent, ts[0].Number)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := e.App.Tickets.Events(ctx, agent, tk)
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}

	pushAlert(t, am, false) // fire
	testwait.Until(t, testwait.Long, "the incident ticket", func() bool { return len(alertTickets(t, e, token)) == 1 })
	first := alertTickets(t, e, token)[0]
	if !strings.Contains(first.Subject, "VPNGatewayDown") || first.Urgency != "critical" || first.Parent != nil ||
		first.ChildrenCount == nil || *first.ChildrenCount != 0 {
		t.Errorf("incident ticket %+v: want the alert name, critical urgency, parent null, children_count 0", first)
	}
	pushAlert(t, am, false) // repeat: Alertmanager re-sends, nothing new
	pushAlert(t, am, true)  // resolve
	testwait.Until(t, testwait.Long, "the incident resolved", status("resolved"))
	pushAlert(t, am, false) // flap: fires again
	testwait.Until(t, testwait.Long, "the incident reopened", status("open"))
	pushAlert(t, am, true) // and resolves again
	testwait.Until(t, testwait.Long, "the incident resolved again", status("resolved"))

	ts := alertTickets(t, e, token)
	if len(ts) != 1 || ts[0].Number != first.Number {
		t.Fatalf("flapping made %d incidents (%+v), want the one #%d", len(ts), ts, first.Number)
	}
	var fired, resolved int
	for _, ev := range incidents() {
		var after struct{ Status string }
		if ev.Kind == helpdesk.EventAlert && json.Unmarshal(ev.After, &after) == nil {
			switch after.Status {
			case "firing":
				fired++
			case "resolved":
				resolved++
			}
		}
	}
	if fired != 1 || resolved != 2 {
		// The first firing is the ticket itself; later changes are events.
		t.Errorf("alert events: %d firing, %d resolved; want 1 re-fire and 2 resolves", fired, resolved)
	}
}
