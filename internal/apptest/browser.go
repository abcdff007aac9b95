package apptest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"switchboard/internal/helpdesk"
)

// BrowserOptions tune Browser.
type BrowserOptions struct {
	Width, Height int           // window size; default 1280 x 900
	Timeout       time.Duration // for the whole browser context; default 3 minutes
}

// Browser starts a headless Chromium (Debian's /usr/bin/chromium) with a
// fresh profile for this test and returns a chromedp context for it; the
// browser is closed at test end. Without Chromium the test is skipped, or
// fails when CI=true, since CI installs it.
func Browser(t testing.TB, opts ...BrowserOptions) context.Context {
	t.Helper()
	o := BrowserOptions{Width: 1280, Height: 900, Timeout: 3 * time.Minute}
	if len(opts) > 0 {
		if opts[0].Width > 0 {
			o.Width, o.Height = opts[0].Width, opts[0].Height
		}
		if opts[0].Timeout > 0 {
			o.Timeout = opts[0].Timeout
		}
	}
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("apptest: Chromium is not installed (apt-get install chromium)")
		}
		t.Skip("apptest: Chromium is not installed (apt-get install chromium); skipping browser test")
	}
	// Not t.TempDir: Chromium may still be flushing its profile while the
	// test's own cleanup runs, and a failed removal must not fail the test.
	profile, err := os.MkdirTemp("", "switchboard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // tests run as root in CI
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(o.Width, o.Height),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, o.Timeout)
	t.Cleanup(func() {
		cancelTimeout()
		_ = chromedp.Cancel(ctx)
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(o.Width), int64(o.Height))); err != nil {
		t.Fatalf("apptest: start Chromium: %v", err)
	}
	return ctx
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// BrowserSignIn signs u in through the real sign-in form and waits until
// the browser has left /login.
func BrowserSignIn(ctx context.Context, e *Env, u *helpdesk.User) {
	e.T.Helper()
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), u.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitNotPresent(chromedp.CSS("#password")),
	)
	if err != nil {
		e.T.Fatalf("browser sign in as %s: %v", u.Email, err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		e.T.Fatalf("browser sign in as %s: %v", u.Email, err)
	}
	if strings.Contains(url, "/login") {
		e.T.Fatalf("browser sign in as %s: still on %s", u.Email, url)
	}
}

// Screenshot saves a full-page PNG of the current page, for people to look
// at (layout at 375 px and on a desktop).
func Screenshot(ctx context.Context, path string) error {
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; below that Chromium sends JPEG
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o600)
}

// trapJS runs in every frame before the page's own scripts: the dialog
// functions an XSS payload usually calls report instead of blocking, and a
// blocked inline script (a CSP violation) is reported too.
const trapJS = `(() => {
  const report = (what) => {
    try { (window.top.__xssTrap = window.top.__xssTrap || []).push(what + " @ " + location.href); } catch (e) {}
    console.log("XSS-TRAP " + what);
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    try {
      Object.defineProperty(window, name, { value: function () { report(name + "(" + Array.from(arguments).join(",") + ")"); }, writable: false, configurable: false });
    } catch (e) {}
  }
  document.addEventListener("securitypolicyviolation", (e) => {
    if (String(e.effectiveDirective).startsWith("script-src")) report("csp " + e.effectiveDirective + " blocked " + e.blockedURI + " " + (e.sample || ""));
  }, true);
})();`

// ScriptTrap records any sign of script that a page did not mean to run:
// calls to alert, confirm, prompt or print (in any frame), JavaScript
// dialogs, and inline script that the CSP had to block. Install it before
// navigating; check Fired after each page.
type ScriptTrap struct {
	mu    sync.Mutex
	fired []string
}

// InstallScriptTrap arms the trap in the browser context.
func InstallScriptTrap(ctx context.Context) (*ScriptTrap, error) {
	tr := &ScriptTrap{}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			tr.add("dialog " + string(ev.Type) + ": " + ev.Message)
			// A listener must not send commands itself.
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				if strings.Contains(string(a.Value), "XSS-TRAP") {
					tr.add("console: " + string(a.Value))
				}
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		return nil, err
	}
	if _, err := chromedp.Call(ctx, page.Enable, page.EnableParams{}); err != nil {
		return nil, err
	}
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: trapJS})
	return tr, err
}

func (tr *ScriptTrap) add(s string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.fired = append(tr.fired, s)
}

// Fired returns what the trap caught so far, from the console and dialog
// events and from the current page's own record.
func (tr *ScriptTrap) Fired(ctx context.Context) []string {
	inPage, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__xssTrap || []`))
	if err != nil {
		inPage = []string{fmt.Sprintf("could not read the trap: %v", err)}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append(append([]string{}, tr.fired...), inPage...)
}

// Reset forgets what was caught (after a deliberate positive control).
func (tr *ScriptTrap) Reset() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.fired = nil
}
