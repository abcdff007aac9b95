package server_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// TestE2EAdminSetsUpATeam is the end-to-end check in Chromium: an
// admin creates a team in Asia/Manila, a category it owns and an agent on
// shift now, all through the console; a requester files a ticket in that
// category; triage assigns it to that agent, and the workspace explains why.
func TestE2EAdminSetsUpATeam(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := apptest.Browser(t)
	adminUser := e.User(helpdesk.RoleAdmin)
	requester := e.User(helpdesk.RoleRequester)

	// Hours around the current Manila time, every day, so "on shift now"
	// holds whenever the test runs (a range may cross midnight).
	manila, _ := time.LoadLocation("Asia/Manila")
	h := time.Now().In(manila).Hour()
	hours := fmt.Sprintf("%02d:00-%02d:00", (h+23)%24, (h+2)%24)

	apptest.BrowserSignIn(ctx, e, adminUser)
	set := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.CSS(sel), v) }

	// 1. The team.
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.URL + "/admin/teams"), chromedp.WaitVisible(chromedp.CSS("#add-team")),
		set("#name", "Manila Service Desk"), set("#slug", "manila"), set("#timezone", "Asia/Manila")}
	for d := range 7 {
		steps = append(steps, set("#hours_"+strconv.Itoa(d), hours))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("#add-team button.primary")))
	do(t, ctx, "create the team", steps...)
	waitJS(t, ctx, "the team page", `/^\/admin\/teams\/\d+$/.test(location.pathname)`)
	teamID := strings.TrimPrefix(jsString(t, ctx, "location.pathname"), "/admin/teams/")

	// 2. The category it owns.
	do(t, ctx, "create the category", chromedp.Navigate(e.URL+"/admin/categories"), chromedp.WaitVisible(chromedp.CSS("#add-category")),
		set("#name", "Laptop repair"), set("#team", teamID), set("#keywords", "laptop, screen"),
		chromedp.Click(chromedp.CSS("#add-category button.primary")))
	waitJS(t, ctx, "the category in the list", `document.querySelector("#categories") && document.querySelector("#categories").innerText.includes("Laptop repair")`)

	// 3. The agent, in the team, with a password, then on shift now in Manila.
	do(t, ctx, "create the agent", chromedp.Navigate(e.URL+"/admin/people"), chromedp.WaitVisible(chromedp.CSS("#add-person")),
		set("#name", "Maria Santos"), set("#email", "maria@example.com"), set("#role", "agent"), set("#timezone", "Asia/Manila"),
		chromedp.Click(chromedp.CSS("#team-"+teamID)), set("#password", apptest.Password),
		chromedp.Click(chromedp.CSS("#add-person button.primary")))
	waitJS(t, ctx, "the person page", `/^\/admin\/people\/\d+$/.test(location.pathname)`)
	agentPath := jsString(t, ctx, "location.pathname")
	steps = []chromedp.Action[chromedp.Void]{chromedp.Navigate(e.URL + agentPath + "/profile"), chromedp.WaitVisible(chromedp.CSS("#on-shift")),
		set("#capacity", "10")}
	for d := range 7 {
		steps = append(steps, set("#hours_"+strconv.Itoa(d), hours))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS("form[action$='/profile'] button.primary")))
	do(t, ctx, "set the agent's hours", steps...)
	waitJS(t, ctx, "the saved schedule", `document.querySelector(".flash") && document.querySelector("#on-shift tbody tr")`)
	shoot(t, ctx, "admin-profile")

	// 4. The requester files a ticket in that category.
	do(t, ctx, "admin signs out", chromedp.Click(chromedp.CSS(".usermenu form[action='/logout'] button")))
	waitJS(t, ctx, "signed out", `location.pathname === "/login"`)
	apptest.BrowserSignIn(ctx, e, requester)
	do(t, ctx, "file a ticket", chromedp.Navigate(e.URL+"/tickets/new"), chromedp.WaitVisible(chromedp.CSS("#subject")),
		set("#subject", "Laptop screen flickers"), set("#description", "Since this morning the screen flickers."),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("#category");
			for (const o of s.options) { if (o.textContent.trim() === "Laptop repair") { s.value = o.value; } } })()`),
		chromedp.Click(chromedp.CSS("#new-ticket button.primary")))
	waitJS(t, ctx, "the ticket page", `document.querySelector("#ticket-number")`)
	number, _ := strconv.ParseInt(strings.TrimPrefix(jsString(t, ctx, `document.querySelector("#ticket-number").textContent`), "#"), 10, 64)

	// 5. Triage places it with Maria (it runs as a River job).
	var team, assignee string
	testwait.Until(t, testwait.Long, fmt.Sprintf("triage to assign #%d", number), func() bool {
		err := e.App.DB.RawPool().QueryRow(context.Background(), `SELECT coalesce(t.team_id::text, ''), coalesce(u.email, '')
			FROM tickets t LEFT JOIN users u ON u.id = t.assignee_id WHERE t.number = $1`, number).Scan(&team, &assignee)
		if err != nil {
			t.Fatal(err)
		}
		return assignee != ""
	})
	if team != teamID {
		t.Fatalf("ticket #%d is in team %q, want the category's team %s", number, team, teamID)
	}
	if assignee != "maria@example.com" {
		t.Fatalf("ticket #%d assigned to %q, want the agent on shift", number, assignee)
	}

	// 6. Maria sees why in the workspace.
	do(t, ctx, "requester signs out", chromedp.Click(chromedp.CSS(".usermenu form[action='/logout'] button")))
	waitJS(t, ctx, "signed out", `location.pathname === "/login"`)
	apptest.BrowserSignIn(ctx, e, &helpdesk.User{Email: "maria@example.com"})
	do(t, ctx, "open the workspace", chromedp.Navigate(fmt.Sprintf("%s/desk/tickets/%d", e.URL, number)))
	waitJS(t, ctx, "the triage explanation", `document.body.innerText.includes("triaged the ticket") && document.body.innerText.includes("Chosen: Maria Santos")`)
	shoot(t, ctx, "admin-e2e-workspace")
}
