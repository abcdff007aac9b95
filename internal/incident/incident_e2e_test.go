package incident_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
	"switchboard/internal/ticket"
)

// TestIncidentsE2E drives the incident pages in Chromium: an agent
// dismisses one suspected incident and confirms another, reads its
// evidence timeline and publishes it; an employee sees the banner in the
// portal and, typing on the new-ticket form, "Is it this?", and clicks
// "I'm affected too" instead of filing.
func TestIncidentsE2E(t *testing.T) {
	e := apptest.New(t)
	ctx := context.Background()
	b := apptest.Browser(t)
	agent := e.User(helpdesk.RoleAgent)
	file := func(subject, body string) {
		u := e.User(helpdesk.RoleRequester)
		if _, err := e.App.Tickets.Create(ctx, u, ticket.CreateInput{Subject: subject, Description: body}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		file("printer jammed on floor 2", fmt.Sprintf("the floor 2 printer jams on every page %d", i))
	}
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		file("VPN not connecting", fmt.Sprintf("cannot connect to vpn gateway vpn-gw-01.corp.example.com (%d)", i))
	}
	if _, err := e.App.Incidents.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	do := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}
	apptest.BrowserSignIn(b, e, agent)
	do(b, "suspects", chromedp.Navigate(e.URL+"/desk/incidents"), chromedp.WaitVisible(chromedp.CSS(".suspect")))
	page := text(b, "main")
	if !strings.Contains(page, "printer") || !strings.Contains(page, "vpn") {
		t.Fatalf("want both bursts proposed, page:\n%s", page)
	}
	// Dismiss the printer burst (proposed first, so listed last).
	// Wait for the page after the redirect (its flash), not for .suspect,
	// which the old page still shows while the form posts.
	do(b, "dismiss", chromedp.Click(chromedp.CSS(`.suspect:last-of-type form[action$="/dismiss"] button`)),
		chromedp.WaitVisible(chromedp.CSS("p.flash")))
	page = text(b, "main")
	if strings.Contains(page, "floor") {
		t.Fatalf("dismissed burst still listed:\n%s", page)
	}
	do(b, "confirm", chromedp.Click(chromedp.CSS(`.suspect form[action$="/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".incident-timeline")))
	page = text(b, "main")
	if !strings.Contains(page, "host:vpn-gw-01.corp.example.com") || strings.Count(page, "VPN not connecting") < 5 ||
		!strings.Contains(page, "explains 5 tickets") {
		t.Fatalf("timeline lacks the tickets, the shared host or what it explains:\n%s", page)
	}
	do(b, "publish", chromedp.SendKeys(chromedp.CSS("#title"), "VPN outage"),
		chromedp.SendKeys(chromedp.CSS("#message"), "We are on it."),
		chromedp.Click(chromedp.CSS(`button[name=publish][value=yes]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name=publish][value=no]`)))

	emp := e.User(helpdesk.RoleRequester)
	eb := apptest.Browser(t)
	apptest.BrowserSignIn(eb, e, emp)
	do(eb, "portal banner", chromedp.Navigate(e.URL+"/tickets"), chromedp.WaitVisible(chromedp.CSS(".known-issue")))
	banner := text(eb, ".known-issue")
	if !strings.Contains(banner, "VPN outage") {
		t.Fatalf("banner %q", banner)
	}
	do(eb, "new-ticket form", chromedp.Navigate(e.URL+"/tickets/new"), chromedp.WaitVisible(chromedp.CSS("#subject")),
		chromedp.SendKeys(chromedp.CSS("#subject"), "my vpn is down"),
		chromedp.WaitVisible(chromedp.CSS("#suggestions .known-issue")))
	hint := text(eb, "#suggestions .known-issue")
	do(eb, "affected too", chromedp.Click(chromedp.CSS("#suggestions .affected-too")),
		chromedp.WaitVisible(chromedp.CSS("#my-tickets")))
	if !strings.Contains(hint, "Is it this?") || !strings.Contains(hint, "VPN outage") {
		t.Errorf("new-ticket hint %q", hint)
	}
	testwait.UntilNil(t, testwait.Long, `"I'm affected too" counted`, func() error {
		known, err := e.App.Incidents.KnownIssues(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(known) != 1 || known[0].Affected != 1 {
			return fmt.Errorf("known issues %+v", known)
		}
		return nil
	})
}
