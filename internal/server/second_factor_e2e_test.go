package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// signOutBrowser drops the browser's cookies: the next visit is a stranger's.
func signOutBrowser(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
}

// TestE2ETOTPEnrolmentAndSignIn: in Chromium, an agent sets up an
// authenticator app from the QR page, sees ten recovery codes, and the next
// sign-in asks for a code after the password before reaching the queue.
func TestE2ETOTPEnrolmentAndSignIn(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := apptest.Browser(t)
	u := e.User(helpdesk.RoleAgent)
	apptest.BrowserSignIn(ctx, e, u)

	do(t, ctx, "open sign-in security", chromedp.Navigate(e.URL+"/profile"), chromedp.Click(chromedp.CSS(`a[href="/profile/security"]`)),
		chromedp.WaitVisible(chromedp.CSS("#totp-setup")), chromedp.Click(chromedp.CSS("#totp-setup")),
		chromedp.WaitVisible(chromedp.CSS(`img[alt="QR code for your authenticator app"]`)))
	if w := jsString(t, ctx, `String(document.querySelector('img[alt^="QR code"]').naturalWidth)`); w != "220" {
		t.Fatalf("QR code image width %s, want 220 (a decoded PNG)", w)
	}
	secret := jsString(t, ctx, `document.querySelector("#totp-secret").textContent`)
	code, step := totpCode(t, secret, 0)
	do(t, ctx, "enter the first code", chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Submit(chromedp.CSS("#code")),
		chromedp.WaitVisible(chromedp.CSS("#recovery-codes")))
	if n := jsString(t, ctx, `String(document.querySelectorAll("#recovery-codes li").length)`); n != "10" {
		t.Fatalf("%s recovery codes shown, want 10", n)
	}
	do(t, ctx, "continue", chromedp.Click(chromedp.CSS("#recovery-continue")), chromedp.WaitVisible(chromedp.CSS("#totp-status")))
	if s := jsString(t, ctx, `document.querySelector("#totp-status").textContent`); s != "On." {
		t.Fatalf("status after set-up: %q", s)
	}

	signOutBrowser(t, ctx)
	do(t, ctx, "password step", chromedp.Navigate(e.URL+"/desk"), chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email), chromedp.SendKeys(chromedp.CSS("#password"), apptest.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(`label[for="code"]`)))
	waitJS(t, ctx, "the second step", `location.pathname === "/login/verify"`)
	code, _ = totpCode(t, secret, step)
	do(t, ctx, "enter a code", chromedp.SendKeys(chromedp.CSS("#code"), code), chromedp.Submit(chromedp.CSS("#code")))
	waitJS(t, ctx, "the queue after the second factor", `location.pathname === "/desk"`)
}
