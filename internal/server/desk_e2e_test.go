package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/auth"
	"switchboard/internal/helpdesk"
)

// TestE2EDesk: a requester files a ticket in one browser and it appears in
// an agent's open queue in another without a reload; the agent opens it
// from the keyboard, replies, adds a note, assigns and resolves it; the
// requester sees the reply and never the note.
func TestE2EDesk(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	agent := e.User(helpdesk.RoleAgent, func(n *auth.NewUser) { n.Name = "Ana Agent" })
	req := e.User(helpdesk.RoleRequester)
	actx := apptest.Browser(t)
	rctx := apptest.Browser(t)
	trap, err := apptest.InstallScriptTrap(actx)
	if err != nil {
		t.Fatal(err)
	}

	apptest.BrowserSignIn(actx, e, agent)
	do(t, actx, "open queue", chromedp.Navigate(e.URL+"/desk?view=open"))
	waitJS(t, actx, "the live stream", `document.querySelector("[data-live-status]").textContent === "Live"`)
	do(t, actx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.__noReload = true`))
	shoot(t, actx, "desk-empty")

	apptest.BrowserSignIn(rctx, e, req)
	do(t, rctx, "file a ticket",
		chromedp.Navigate(e.URL+"/tickets/new"),
		chromedp.WaitVisible(chromedp.CSS("#subject")),
		chromedp.SendKeys(chromedp.CSS("#subject"), "Docking station flickers"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Both screens go black every minute."),
		chromedp.Click(chromedp.CSS("#new-ticket button.primary")),
	)
	waitJS(t, rctx, "the ticket page", `document.querySelector("#ticket-number")`)
	number := strings.TrimPrefix(jsString(t, rctx, `document.querySelector("#ticket-number").textContent`), "#")

	// It appears in the agent's queue by itself.
	waitJS(t, actx, "the new row", `document.querySelector('#queue tr[data-number="`+number+`"]')`)
	if jsString(t, actx, `String(window.__noReload === true)`) != "true" {
		t.Fatal("the queue reloaded instead of updating in place")
	}
	shoot(t, actx, "desk-live")
	// Keyboard: ? shows the keys; j selects the first row, o opens it.
	do(t, actx, "help", chromedp.KeyEvent("?"))
	waitJS(t, actx, "the key help", `document.querySelector("#key-help").open`)
	do(t, actx, "close help", chromedp.KeyEvent("\x1b"))
	waitJS(t, actx, "help closed", `!document.querySelector("#key-help").open`)
	do(t, actx, "j o", chromedp.KeyEvent("j"), chromedp.KeyEvent("o"))
	waitJS(t, actx, "the workspace", `location.pathname === "/desk/tickets/`+number+`"`)

	// Reply (r focuses the reply box), then a note.
	do(t, actx, "reply",
		chromedp.WaitVisible(chromedp.CSS("#reply-body")),
		chromedp.KeyEvent("r"),
	)
	waitJS(t, actx, "reply focused", `document.activeElement.id === "reply-body"`)
	// Each form posts and redirects; a marker on the old page tells the
	// new page apart.
	submit := func(what, form, cond string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		steps = append([]chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`window.__stale = true`)}, steps...)
		do(t, actx, what, append(steps, chromedp.Click(chromedp.CSS(form+" button")))...)
		waitJS(t, actx, what, `window.__stale !== true && document.readyState === "complete" && `+cond)
	}
	submit("reply", "#reply-form", `document.querySelector(".timeline").textContent.includes("other USB-C port")`,
		chromedp.SendKeys(chromedp.CSS("#reply-body"), "Please try the other USB-C port."))
	submit("note", "#note-form", `document.querySelector(".timeline .note") && document.querySelector(".timeline").textContent.includes("DS-17")`,
		chromedp.SendKeys(chromedp.CSS("#note-body"), "Known firmware bug DS-17, internal only."))
	// Assign to self, then resolve, through the fields form.
	submit("assign", "#fields-form", `document.querySelector("#assignee").value === "`+agent.Email+`"`,
		chromedp.SetValue(chromedp.CSS("#assignee"), agent.Email))
	submit("resolve", "#fields-form", `document.querySelector("#status").value === "resolved"`,
		chromedp.SetValue(chromedp.CSS("#status"), "resolved"))
	shoot(t, actx, "desk-ticket")

	// The requester sees the reply and the resolution, never the note.
	do(t, rctx, "requester reloads", chromedp.Navigate(e.URL+"/tickets/"+number))
	waitJS(t, rctx, "the reply", `document.body.textContent.includes("other USB-C port")`)
	if strings.Contains(jsString(t, rctx, `document.body.textContent`), "DS-17") {
		t.Error("the requester sees the internal note")
	}
	if got := jsString(t, rctx, `(document.querySelector("#ticket-status")||{}).textContent || ""`); got != "Resolved" {
		t.Errorf("requester sees status %q", got)
	}
	if strings.Contains(jsString(t, actx, `document.querySelector(".timeline").textContent`), "rPlease") {
		t.Error("the r shortcut typed itself into the reply")
	}
	if fired := trap.Fired(actx); len(fired) > 0 {
		t.Errorf("unexpected script ran: %q", fired)
	}
}
