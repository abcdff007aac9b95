package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
)

// TestE2EHelpSuggestions: in Chromium, typing a ticket subject shows
// matching articles under the field without a reload, never a staff-only
// one, and "This solved it" records the deflection instead of a ticket.
func TestE2EHelpSuggestions(t *testing.T) {
	t.Parallel()
	b := helpSetup(t)
	ctx := apptest.Browser(t, apptest.BrowserOptions{Width: 1280, Height: 900})
	apptest.BrowserSignIn(ctx, b.e, b.employee)
	waitJS(t, ctx, "My tickets after sign-in", `location.pathname === "/tickets"`)
	do(t, ctx, "type a subject",
		chromedp.Navigate(b.e.URL+"/tickets/new"),
		chromedp.WaitVisible(chromedp.CSS("#subject")),
		chromedp.Evaluate[chromedp.Void](`window.__marker = 1`),
		chromedp.SendKeys(chromedp.CSS("#subject"), "vpn gateway on my lapt"),
	)
	waitJS(t, ctx, "a suggestion", `document.querySelector("#suggestions li.suggestion a") && document.querySelector("#suggestions li.suggestion a").textContent.includes("Set up the VPN")`)
	if got := jsString(t, ctx, `String(window.__marker) + location.pathname`); got != "1/tickets/new" {
		t.Errorf("the page reloaded or moved: %s", got)
	}
	if got := jsString(t, ctx, `document.querySelector("#suggestions").textContent`); contains(got, "runbook") {
		t.Errorf("an employee was offered the staff-only article: %q", got)
	}
	do(t, ctx, "this solved it", chromedp.Click(chromedp.CSS(`#suggestions button[formaction="/help/deflect"]`)))
	waitJS(t, ctx, "the article", `location.pathname.startsWith("/help/articles/") && document.querySelector("#article")`)
	var n int
	if err := b.e.App.DB.RawPool().QueryRow(context.Background(), `SELECT count(*) FROM kb_deflections WHERE article_id = $1 AND subject = 'vpn gateway on my lapt'`, b.pub.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("deflections recorded: %d", n)
	}
}

func contains(s, sub string) bool { return has(s, sub) }
