package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
)

// TestE2ESSOSignInWithRoleMapping: in Chromium, a person of the provider's
// it-staff group clicks "Sign in with single sign-on", signs in on the
// provider's own page and lands in the staff queue as an agent of the
// mapped team, with an account made just in time.
func TestE2ESSOSignInWithRoleMapping(t *testing.T) {
	t.Parallel()
	s := newSSO(t, nil)
	ctx := apptest.Browser(t)
	do(t, ctx, "start single sign-on", chromedp.Navigate(s.e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#sso-start")),
		chromedp.Click(chromedp.CSS("#sso-start")), chromedp.WaitVisible(chromedp.CSS("#username")))
	if loc := jsString(t, ctx, "location.origin"); loc != s.p.Issuer {
		t.Fatalf("sign-in page at %s, want the provider %s", loc, s.p.Issuer)
	}
	do(t, ctx, "sign in at the provider", chromedp.SendKeys(chromedp.CSS("#username"), "ana"),
		chromedp.SendKeys(chromedp.CSS("#password"), apptest.ProviderPassword), chromedp.Submit(chromedp.CSS("#password")))
	// The path changes before the page is parsed: wait for the page itself
	// (waitJS prints the body if Ana never shows).
	waitJS(t, ctx, "the staff queue showing Ana signed in",
		`location.pathname === "/desk" && document.readyState === "complete" && document.body.innerText.includes("Ana Lima")`)
	people := s.ac.Get("/admin/people?q=ana@corp.example")
	if txt := people.Text("main"); !strings.Contains(txt, "agent") || !strings.Contains(txt, "Service desk") {
		t.Fatalf("Ana's account: %s", txt)
	}
}
