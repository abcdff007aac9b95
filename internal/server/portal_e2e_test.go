package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
	"switchboard/internal/testwait"
)

// waitJS polls a JavaScript expression until it is true; it survives page
// loads, which an in-page poll does not.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	testwait.UntilNil(t, testwait.Long, what+" ("+expr+")", func() error {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("Boolean("+expr+")"))
		if err == nil && ok {
			return nil
		}
		if err == nil {
			err = errors.New("false")
		}
		// Where the browser is and what it shows, in case this is the last try.
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
		return fmt.Errorf("%w\nat %s:\n%s", err, loc, body)
	})
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func jsString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// shoot saves a screenshot when PORTAL_SCREENSHOTS names a folder, so a
// person can look at the layout; tests never depend on it.
func shoot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("PORTAL_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := apptest.Screenshot(ctx, filepath.Join(dir, name+".png")); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// TestE2EPortal walks the requester's whole path in Chromium: sign in, file
// a ticket that first comes back with an error, find it, reply without a
// reload, resolve, rate and sign out; with a trap that fails the test if
// any script runs that should not.
func TestE2EPortal(t *testing.T) {
	t.Parallel()
	for _, width := range []int{1280, 375} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			e2ePortal(t, width)
		})
	}
}

func e2ePortal(t *testing.T, width int) {
	e := apptest.New(t)
	u := e.User(helpdesk.RoleRequester)
	ctx := apptest.Browser(t, apptest.BrowserOptions{Width: width, Height: 900})
	trap, err := apptest.InstallScriptTrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "printer-log.txt")
	if err := os.WriteFile(file, []byte("error 42 at 09:14\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	apptest.BrowserSignIn(ctx, e, u)
	waitJS(t, ctx, "My tickets after sign-in", `location.pathname === "/tickets"`)
	// The skip link is the first thing the keyboard reaches.
	do(t, ctx, "tab", chromedp.KeyEvent("\t"))
	if got := jsString(t, ctx, `document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	// File a ticket, first without a subject.
	desc := "The printer shows **error 42** on every job."
	do(t, ctx, "new ticket form",
		chromedp.Navigate(e.URL+"/tickets/new"),
		chromedp.WaitVisible(chromedp.CSS("#description")),
		chromedp.SendKeys(chromedp.CSS("#description"), desc),
		chromedp.SetUploadFiles(chromedp.CSS("#attachments"), []string{file}),
		chromedp.Click(chromedp.CSS("#new-ticket button.primary")),
	)
	waitJS(t, ctx, "the subject error", `document.querySelector("#subject-error") && document.querySelector("#subject-error").textContent.includes("Enter a subject")`)
	if got := jsString(t, ctx, `document.querySelector("#description").value`); got != desc {
		t.Errorf("description after 422: %q", got)
	}
	if got := jsString(t, ctx, `document.querySelector("#subject").getAttribute("aria-invalid") || ""`); got != "true" {
		t.Errorf("subject aria-invalid = %q", got)
	}
	if got := jsString(t, ctx, `(document.querySelector("#attachments-again")||{}).textContent || ""`); !strings.Contains(got, "choose your files again") {
		t.Errorf("no note to choose the files again: %q", got)
	}
	shoot(t, ctx, fmt.Sprintf("portal-new-422-%d", width))
	// The htmx preview renders the Markdown in place.
	do(t, ctx, "preview", chromedp.Click(chromedp.CSS(`button[value=preview]`)))
	waitJS(t, ctx, "the preview", `document.querySelector("#description-preview strong") && document.querySelector("#description-preview strong").textContent === "error 42"`)
	if got := jsString(t, ctx, `location.pathname`); got != "/tickets/new" {
		t.Errorf("preview navigated to %s", got)
	}
	do(t, ctx, "fix and send",
		chromedp.SendKeys(chromedp.CSS("#subject"), "Printer error 42"),
		chromedp.SetUploadFiles(chromedp.CSS("#attachments"), []string{file}),
		chromedp.Click(chromedp.CSS("#new-ticket button.primary")),
	)
	waitJS(t, ctx, "the ticket page", `document.querySelector("#ticket-number")`)
	number := strings.TrimPrefix(jsString(t, ctx, `document.querySelector("#ticket-number").textContent`), "#")
	if got := jsString(t, ctx, `document.querySelector(".attachments .filename").textContent`); got != "printer-log.txt" {
		t.Errorf("attachment %q", got)
	}

	// Find it in My tickets and open it.
	do(t, ctx, "my tickets", chromedp.Navigate(e.URL+"/tickets"), chromedp.WaitVisible(chromedp.CSS("#my-tickets")))
	if got := jsString(t, ctx, `document.querySelector("#my-tickets tbody tr .subject").textContent.trim()`); got != "Printer error 42" {
		t.Errorf("first row %q", got)
	}
	shoot(t, ctx, fmt.Sprintf("portal-list-%d", width))
	do(t, ctx, "open ticket", chromedp.Click(chromedp.CSS(`#my-tickets tbody tr[data-number="`+number+`"] .subject a`)))
	waitJS(t, ctx, "the ticket page", `location.pathname === "/tickets/`+number+`" && document.querySelector("#body")`)

	// Reply: htmx appends it without a reload (the marker survives).
	do(t, ctx, "reply",
		chromedp.Evaluate[chromedp.Void](`window.__noReload = true`),
		chromedp.SendKeys(chromedp.CSS("#body"), "It happens on tray 2 only."),
		chromedp.Click(chromedp.CSS("#reply-form button.primary")),
	)
	waitJS(t, ctx, "the reply in the conversation", `document.querySelectorAll("#conversation > li").length === 2`)
	if jsString(t, ctx, `String(window.__noReload === true)`) != "true" {
		t.Error("the reply reloaded the page")
	}
	if got := jsString(t, ctx, `document.querySelector("#body").value`); got != "" {
		t.Errorf("reply box not cleared: %q", got)
	}
	shoot(t, ctx, fmt.Sprintf("portal-ticket-%d", width))

	// This is solved, then rate.
	do(t, ctx, "resolve", chromedp.Click(chromedp.CSS("#resolve-form button")))
	waitJS(t, ctx, "resolved", `document.querySelector("#ticket-status") && document.querySelector("#ticket-status").textContent === "Resolved"`)
	do(t, ctx, "rate",
		chromedp.Click(chromedp.CSS(`#rating-form input[name=rating][value="4"]`)),
		chromedp.SendKeys(chromedp.CSS("#comment"), "Fast, thanks"),
		chromedp.Click(chromedp.CSS("#rating-form button")),
	)
	waitJS(t, ctx, "the rating", `document.querySelector("#your-rating") && document.querySelector("#your-rating").textContent.includes("4 out of 5")`)
	shoot(t, ctx, fmt.Sprintf("portal-rated-%d", width))

	// Sign out; the portal is closed afterwards.
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".usermenu form[action='/logout'] button")))
	waitJS(t, ctx, "the sign-in page", `location.pathname === "/login"`)
	do(t, ctx, "back to my tickets", chromedp.Navigate(e.URL+"/tickets"))
	waitJS(t, ctx, "redirect to sign in", `location.pathname === "/login" && document.querySelector("#email")`)
	if fired := trap.Fired(ctx); len(fired) > 0 {
		t.Errorf("unexpected script ran: %q", fired)
	}
}
