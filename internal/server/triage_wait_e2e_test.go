package server_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// TestE2ETicketWaitsForSkill: a ticket whose category needs a skill nobody
// on shift has, with nobody at all on shift before its deadline, gets no
// owner; in Chromium the lead sees why and what triage does next in the
// workspace, in the queue and in "Waiting for a skill".
func TestE2ETicketWaitsForSkill(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := context.Background()
	lead := e.User(helpdesk.RoleLead)
	ava := e.User(helpdesk.RoleAgent, func(n *auth.NewUser) { n.Name = "Ava Nguyen" })
	requester := e.User(helpdesk.RoleRequester)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := e.App.DB.RawPool().Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var team, cat int64
	if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO teams (slug, name, time_zone, hours) VALUES ('field', 'Field Service', 'UTC', '[]') RETURNING id`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB.RawPool().QueryRow(ctx, `INSERT INTO categories (name, team_id, required_skill, keywords, confidence_threshold)
		VALUES ('Laptop repair', $1, 'hardware', '{}', 0.5) RETURNING id`, team).Scan(&cat); err != nil {
		t.Fatal(err)
	}
	// Both work one hour a day, twelve hours from now: off shift for the
	// whole test, and back only after the P2's four-hour deadline.
	now := time.Now().UTC()
	start := (now.Hour()*60 + now.Minute() + 720) % 1440
	end := min(start+60, 1440)
	for _, u := range []*helpdesk.User{lead, ava} {
		exec(`INSERT INTO agent_profiles (user_id, capacity, availability) VALUES ($1, 10, 'available')
			ON CONFLICT (user_id) DO UPDATE SET availability = 'available'`, u.ID)
		exec(`UPDATE users SET time_zone = 'UTC' WHERE id = $1`, u.ID)
		exec(`INSERT INTO team_members (team_id, user_id, is_lead) VALUES ($1, $2, $3)`, team, u.ID, u.ID == lead.ID)
		exec(`DELETE FROM agent_hours WHERE user_id = $1`, u.ID)
		for d := range 7 {
			exec(`INSERT INTO agent_hours VALUES ($1, $2, $3, $4)`, u.ID, d, start, end)
		}
	}
	exec(`INSERT INTO agent_skills VALUES ($1, 'hardware', 3)`, ava.ID)

	r := e.SignIn(requester).PostForm("/tickets/new", url.Values{"subject": {"Laptop will not boot"}, "description": {"Black screen."},
		"category": {strconv.FormatInt(cat, 10)}, "urgency": {"critical"}, "impact": {"team"}})
	if r.StatusCode != 303 && r.StatusCode != 200 {
		t.Fatalf("file the ticket: %d", r.StatusCode)
	}
	var number int64
	var wait string
	// A loaded machine; the wait ends as soon as triage ran.
	testwait.Until(t, 3*time.Minute, "triage to store a reason for the wait", func() bool {
		err := e.App.DB.RawPool().QueryRow(ctx, `SELECT number, coalesce(triage_wait, '') FROM tickets ORDER BY id DESC LIMIT 1`).Scan(&number, &wait)
		if err != nil {
			t.Fatal(err)
		}
		return wait != ""
	})

	b := apptest.Browser(t)
	apptest.BrowserSignIn(b, e, lead)
	do(t, b, "open the workspace", chromedp.Navigate(fmt.Sprintf("%s/desk/tickets/%d", e.URL, number)))
	waitJS(t, b, "the reason and the next step", `(() => { const p = document.querySelector("#triage-wait");
		return p && p.innerText.includes("No owner yet") && p.innerText.includes("no one with Hardware on shift in Field Service until")
			&& p.innerText.includes("the team lead is alerted"); })()`)
	shoot(t, b, "triage-wait-workspace")
	do(t, b, "open the queue", chromedp.Navigate(e.URL+"/desk?view=open"))
	waitJS(t, b, "the reason in the queue", fmt.Sprintf(`(() => { const r = document.querySelector('#queue tr[data-number="%d"] .wait-reason');
		return r && r.innerText.includes("no one with Hardware on shift"); })()`, number))
	do(t, b, "open waiting for a skill", chromedp.Click(chromedp.CSS(`a[href="/desk/waiting"]`)))
	waitJS(t, b, "the waiting list", fmt.Sprintf(`(() => { const t = document.querySelector("#waiting");
		return t && t.innerText.includes("Laptop will not boot") && t.innerText.includes("hardware") && t.innerText.includes("the team lead is alerted")
			&& !!t.querySelector('a[href="/desk/tickets/%d"]'); })()`, number))
	shoot(t, b, "triage-waiting-view")
}
