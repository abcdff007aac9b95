package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// virtualAuthenticator plugs Chromium's DevTools virtual authenticator in:
// a platform passkey store with user verification that always succeeds.
func virtualAuthenticator(t *testing.T, ctx context.Context) webauthn.AuthenticatorID {
	t.Helper()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	res, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
	return res.AuthenticatorID
}

// TestE2EPasskeys: in Chromium with a virtual authenticator, an agent adds
// a passkey on the security page; then signs in with it alone (no
// password), and as the second step after the password.
func TestE2EPasskeys(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.Options{Localhost: true})
	ctx := apptest.Browser(t)
	u := e.User(helpdesk.RoleAgent)
	virtualAuthenticator(t, ctx)
	apptest.BrowserSignIn(ctx, e, u)

	do(t, ctx, "add a passkey", chromedp.Navigate(e.URL+"/profile/security"), chromedp.WaitVisible(chromedp.CSS("#passkey-add")),
		chromedp.SetValue(chromedp.CSS("#passkey-name"), "Work laptop"), chromedp.Click(chromedp.CSS("#passkey-add")))
	waitJS(t, ctx, "the passkey in the list", `document.querySelector("#passkeys") && document.querySelector("#passkeys").innerText.includes("Work laptop")`)

	// Passwordless: the sign-in page's passkey button, nothing typed.
	signOutBrowser(t, ctx)
	do(t, ctx, "sign in with the passkey", chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#passkey-login")),
		chromedp.Click(chromedp.CSS("#passkey-login")))
	waitJS(t, ctx, "the queue after a passwordless sign-in", `location.pathname === "/desk"`)

	// Second factor: the password leads to the second step, where the passkey finishes it.
	signOutBrowser(t, ctx)
	do(t, ctx, "password step", chromedp.Navigate(e.URL+"/login?next=/profile"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email), chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#passkey-verify")))
	do(t, ctx, "use the passkey", chromedp.Click(chromedp.CSS("#passkey-verify")))
	// Wait for the page itself, not only its path (waitJS prints the body
	// if the agent never shows).
	waitJS(t, ctx, "the profile showing the agent after the passkey step",
		`location.pathname === "/profile" && document.readyState === "complete" && document.body.innerText.includes(`+strconv.Quote(u.Email)+`)`)
	if r := e.SignIn(e.User(helpdesk.RoleAdmin)).Get("/admin/people/" + strconv.FormatInt(u.ID, 10)); !strings.Contains(r.Text("#person-factors"), "Passkeys: 1") {
		t.Fatalf("person page: %q", r.Text("#person-factors"))
	}
}
