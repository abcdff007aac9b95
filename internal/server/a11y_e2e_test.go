package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
	"switchboard/internal/ticket"
)

// axeFile is axe-core, vendored with its licence (see testdata/axe/README.md)
// so the check needs no network.
const axeFile = "testdata/axe/axe.min.js"

// axeViolation is one failed axe rule and the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Impact  string   `json:"impact"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeResult is what axeRun returns: the violations, how many rules passed
// and the rules axe could not decide alone ("needs review").
type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Passes     int            `json:"passes"`
	Incomplete []axeViolation `json:"incomplete"`
}

// axeRun is evaluated in the page after axe itself. It runs every rule that
// axe enables by default (WCAG 2.x A and AA plus best practices) on the
// whole document, flattened to plain JSON.
const axeRun = `axe.run(document).then(r => {
  const flat = (vs) => vs.map(v => ({
    id: v.id, impact: v.impact || "", help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.map(String), impact: n.impact || "", summary: n.failureSummary || ""}))
  }));
  return {violations: flat(r.violations), passes: r.passes.length, incomplete: flat(r.incomplete)};
})`

// axeCheck injects axe into the current page through the DevTools protocol
// (Runtime.evaluate is not subject to the page's Content-Security-Policy,
// which allows only nonce'd scripts) and runs it.
func axeCheck(t *testing.T, ctx context.Context, src string) axeResult {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";\ntypeof window.axe === 'object'"))
	if err != nil || !ok {
		t.Fatalf("inject axe: %v (loaded: %v)", err, ok)
	}
	r, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe: %v", err)
	}
	if r.Passes == 0 {
		t.Fatal("axe passed no rule at all: it did not look at the page")
	}
	return r
}

// blocking keeps the violations of impact serious or critical, the ones
// that stop someone from using the page with a screen reader, a keyboard
// or low vision; the rest is logged.
func blocking(t *testing.T, page string, vs []axeViolation) []axeViolation {
	var out []axeViolation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
			continue
		}
		t.Logf("%s: %s (%s, %d elements): %s", page, v.ID, v.Impact, len(v.Nodes), v.Help)
	}
	return out
}

// formErrorsJS finds what axe does not check about form errors: a bare
// aria-invalid (its empty value means "false", so the field is not
// announced as invalid), and an error message on show that no control
// points at with aria-describedby (a screen reader never reads it with
// the field).
const formErrorsJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('[aria-invalid=""]')) out.push("#" + el.id + " has aria-invalid without a value, which means false");
  const described = new Set();
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\s+/)) described.add(id);
  }
  for (const el of document.querySelectorAll(".field-error")) {
    const msg = el.textContent.trim();
    if (msg !== "" && !described.has(el.id)) out.push("error message #" + el.id + " (" + JSON.stringify(msg) + ") is not any control's aria-describedby");
  }
  return out;
})()`

// describeViolations lists each rule with the selectors of the failing
// elements and axe's advice, for the failure message.
func describeViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n    %s\n      %s", strings.Join(n.Target, " >> "), strings.ReplaceAll(n.Summary, "\n", "\n      "))
		}
	}
	return b.String()
}

// TestE2EAccessibility runs axe-core in Chromium on the main pages of each
// role (sign-in, the portal, the desk, the admin console), in their error
// and htmx-updated states, at desktop and phone width, and fails on any
// serious or critical violation, naming the rule and the elements.
func TestE2EAccessibility(t *testing.T) {
	t.Parallel()
	axe, err := os.ReadFile(axeFile)
	if err != nil {
		t.Fatalf("axe-core is vendored in %s: %v", axeFile, err)
	}
	for _, width := range []int{1280, 375} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			e2eAccessibility(t, string(axe), width)
		})
	}
}

func e2eAccessibility(t *testing.T, src string, width int) {
	e := apptest.New(t)
	if csp := e.Anonymous().Get("/login").Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'nonce-") {
		t.Fatalf("the pages no longer send the strict CSP this test is meant to run under: %q", csp)
	}
	ctx := apptest.Browser(t, apptest.BrowserOptions{Width: width, Height: 900})

	// Self-check: the same injection and threshold flag a page with an
	// image without alt text and a field without a label, so a clean result
	// below means something.
	control := `<!DOCTYPE html><html lang="en"><head><title>control</title></head><body><main><h1>Control</h1>
<img src="/static/none.png"><input id="q" name="q">
<label for="city">City</label><input id="city" name="city" aria-invalid><p class="field-error" id="city-error">Enter a city.</p></main></body></html>`
	do(t, ctx, "control page", chromedp.Navigate("data:text/html,"+url.PathEscape(control)))
	got := blocking(t, "control", axeCheck(t, ctx, src).Violations)
	ids := make([]string, len(got))
	for i, v := range got {
		ids[i] = v.ID
	}
	if !slices.Contains(ids, "image-alt") || !slices.Contains(ids, "label") {
		t.Fatalf("axe did not flag an image without alt and an unlabelled field (got %q); the test could not fail", ids)
	}
	if errs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](formErrorsJS)); err != nil || len(errs) != 2 {
		t.Fatalf("the form-error check missed a bare aria-invalid or an unreferenced message: %q (%v)", errs, err)
	}

	// Data so every page has something to show: a requester's tickets in a
	// team, one with an inline screenshot, a staff reply and an internal
	// note, one resolved (the rating form), and the badges a queue shows
	// (P1, breached, at risk).
	ctxb := context.Background()
	var team int64
	if err := e.App.DB.RawPool().QueryRow(ctxb, `INSERT INTO teams (slug, name, time_zone) VALUES ('desk', 'Service desk', 'Europe/Berlin') RETURNING id`).Scan(&team); err != nil {
		t.Fatal(err)
	}
	inDesk := func(n *auth.NewUser) { n.TeamSlug = "desk" }
	req := e.User(helpdesk.RoleRequester, func(n *auth.NewUser) { n.Name = "Rita Requester" })
	agent := e.User(helpdesk.RoleAgent, inDesk, func(n *auth.NewUser) { n.Name = "Ana Agent" })
	admin := e.User(helpdesk.RoleAdmin, inDesk, func(n *auth.NewUser) { n.Name = "Ada Admin" })
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var shot bytes.Buffer
	if err := png.Encode(&shot, img); err != nil {
		t.Fatal(err)
	}
	var tickets []*helpdesk.Ticket
	for i, subject := range []string{"VPN drops every hour", "Printer on 3rd floor jams", "New starter needs a laptop", "Password reset"} {
		in := ticket.CreateInput{Subject: subject, Description: "It started **yesterday** on the VPN.\n\n- step one\n- `step two`", TeamID: &team,
			Urgency: helpdesk.UrgencyHigh, Impact: helpdesk.ImpactTeam}
		if i == 0 {
			in.Attachments = []helpdesk.Upload{{Filename: "screenshot.png", Data: shot.Bytes()}}
		}
		tk, err := e.App.Tickets.Create(ctxb, req, in)
		if err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, tk)
	}
	tk, done := tickets[0], tickets[3]
	if _, err := e.App.Tickets.AddMessage(ctxb, agent, tk.Number, ticket.MessageInput{Body: "Which VPN client version do you use?"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.AddMessage(ctxb, agent, tk.Number, ticket.MessageInput{Body: "Probably the known MTU issue, @ana.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.AddMessage(ctxb, agent, done.Number, ticket.MessageInput{Body: "Done: check your inbox."}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Tickets.SetStatus(ctxb, agent, done.Number, helpdesk.StatusResolved, "sent the link"); err != nil {
		t.Fatal(err)
	}
	e.Settle()
	for i, set := range []string{`priority = 'P1', due_at = now() - interval '1 hour'`, `priority = 'P2', due_at = now() + interval '20 minutes'`} {
		if _, err := e.App.DB.RawPool().Exec(ctxb, `UPDATE tickets SET `+set+` WHERE id = $1`, tickets[i+1].ID); err != nil {
			t.Fatal(err)
		}
	}

	// check loads path (unless empty: the page is already there), waits
	// until ready matches, runs axe and reports the blocking violations
	// under the page's name.
	check := func(name, path, ready string) {
		t.Helper()
		if path != "" {
			do(t, ctx, name, chromedp.Navigate(e.URL+path))
		}
		waitJS(t, ctx, name, `document.readyState === "complete" && document.querySelector(`+jsQuote(ready)+`)`)
		start := time.Now()
		r := axeCheck(t, ctx, src)
		vs := blocking(t, name, r.Violations)
		var review []string
		for _, v := range r.Incomplete {
			review = append(review, fmt.Sprintf("%s (%s, %d)", v.ID, v.Impact, len(v.Nodes)))
		}
		t.Logf("%s: axe ran in %v: %d rules passed, %d violated, to review by hand: %s", name,
			time.Since(start).Round(time.Millisecond), r.Passes, len(r.Violations), strings.Join(review, ", "))
		if len(vs) > 0 {
			t.Errorf("%s (%s): %d serious or critical accessibility violations:%s", name, path, len(vs), describeViolations(vs))
		}
		if errs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](formErrorsJS)); err != nil || len(errs) > 0 {
			t.Errorf("%s (%s): form errors not exposed to assistive technology: %v%s", name, path, err, "\n  "+strings.Join(errs, "\n  "))
		}
	}
	signOut := func() {
		t.Helper()
		do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".usermenu form[action='/logout'] button")))
		waitJS(t, ctx, "the sign-in page", `location.pathname === "/login" && document.querySelector("#email")`)
	}
	number := func(tk *helpdesk.Ticket) string { return fmt.Sprint(tk.Number) }

	check("sign-in", "/login", "#email")
	do(t, ctx, "wrong password",
		chromedp.SendKeys(chromedp.CSS("#email"), req.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Submit(chromedp.CSS("#password")))
	check("sign-in (refused)", "", "main [role=alert], main .alert, main .field-error:not(:empty)")

	apptest.BrowserSignIn(ctx, e, req)
	check("new ticket", "/tickets/new", "#new-ticket")
	// 422: sent empty, every required field comes back with its message;
	// then the htmx preview fills in.
	do(t, ctx, "send the empty form", chromedp.Click(chromedp.CSS("#new-ticket button.primary")))
	waitJS(t, ctx, "the 422 form", `document.querySelector("#form-errors") && document.querySelector("#subject-error")`)
	check("new ticket (422)", "", "#form-errors")
	do(t, ctx, "preview",
		chromedp.SendKeys(chromedp.CSS("#description"), "## Steps\n\n1. **Open** the [VPN page](https://example.com)\n2. `connect`"),
		chromedp.Click(chromedp.CSS(`button[value=preview]`)))
	check("new ticket (preview)", "", "#description-preview strong")
	check("my tickets", "/tickets", "#my-tickets")
	check("portal ticket", "/tickets/"+number(tk), "#conversation")
	do(t, ctx, "reply with htmx",
		chromedp.SendKeys(chromedp.CSS("#body"), "Version 5.2, on **Wi-Fi** only."),
		chromedp.Click(chromedp.CSS("#reply-form button.primary")))
	check("portal ticket (htmx reply)", "", "#conversation > li:nth-child(3)")
	check("portal ticket (resolved, rating)", "/tickets/"+number(done), "#rating-form")
	signOut()

	apptest.BrowserSignIn(ctx, e, agent)
	check("desk queue", "/desk?view=open", "#queue tbody tr")
	check("desk search", "/desk?view=open&q=VPN", "#queue tbody tr")
	check("desk ticket", "/desk/tickets/"+number(tk), "#reply-form")
	do(t, ctx, "send an empty reply", chromedp.Click(chromedp.CSS("#reply-form button.primary")))
	check("desk ticket (422)", "", "#reply-body[aria-invalid=true]")
	check("desk overview", "/desk/overview", "main h1")
	signOut()

	apptest.BrowserSignIn(ctx, e, admin)
	check("admin people", "/admin/people", "main h1")
	do(t, ctx, "add an empty person", chromedp.Click(chromedp.CSS(`form[action="/admin/people"][method=post] button.primary`)))
	check("admin people (422)", "", `[aria-invalid="true"]`)
	check("admin person", fmt.Sprintf("/admin/people/%d", agent.ID), "main form")
	check("access review", "/admin/access", "#access tbody tr")
	check("sign-in security", "/admin/security", "#threat-response")
	check("threat detections", "/admin/security/events", "main h1")
}

// jsQuote quotes s as a JavaScript string literal.
func jsQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
