package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"switchboard/internal/apptest"
	"switchboard/internal/helpdesk"
)

// TestE2ERuleBuilder: in a real browser, a lead-level user writes a rule
// with the row builder instead of expr and JSON: two condition rows and an
// action row, "Write into the rule" fills the condition and actions, a
// row that does not fit its field is refused at the builder, and saving
// stores exactly the written rule.
func TestE2ERuleBuilder(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	ctx := apptest.Browser(t)
	admin := e.User(helpdesk.RoleAdmin)
	apptest.BrowserSignIn(ctx, e, admin)
	set := func(sel, v string) chromedp.Action[chromedp.Void] { return chromedp.SetValue(chromedp.CSS(sel), v) }

	do(t, ctx, "fill a bad row", chromedp.Navigate(e.URL+"/admin/rules/new"), chromedp.WaitVisible(chromedp.CSS("#builder")),
		set("#cond_field_0", "ticket.idle_business_days"), set("#cond_op_0", ">="), set("#cond_value_0", "soon"),
		chromedp.Click(chromedp.CSS("#builder-write")))
	waitJS(t, ctx, "the builder's message", `document.querySelector("#builder-error") && document.querySelector("#builder-error").innerText.includes("is a number")`)

	do(t, ctx, "fill the rows", set("#name", "Printer P1s"),
		set("#cond_field_0", "ticket.priority"), set("#cond_op_0", "=="), set("#cond_value_0", "P1"),
		set("#cond_field_1", "ticket.subject"), set("#cond_op_1", "contains"), set("#cond_value_1", "printer"),
		set("#act_type_0", "add_tag"), set("#act_value_0", "printer"),
		set("#act_type_1", "set:team"),
		chromedp.Click(chromedp.CSS("#builder-write")))
	want := `ticket.priority == "P1" && ticket.subject contains "printer"`
	waitJS(t, ctx, "the written condition", `document.querySelector("#condition").value === `+jsQuote(want))
	actions := jsString(t, ctx, `document.querySelector("#actions").value`)
	if !strings.Contains(actions, `"add_tag"`) || !strings.Contains(actions, `"tag": "printer"`) || !strings.Contains(actions, `"field": "team"`) {
		t.Errorf("written actions: %s", actions)
	}
	do(t, ctx, "save", chromedp.Click(chromedp.CSS("#rule-form button.primary")))
	waitJS(t, ctx, "the rule page", `/^\/admin\/rules\/\d+$/.test(location.pathname)`)
	rules, err := e.App.Automation.List(context.Background(), admin)
	if err != nil || len(rules) != 1 {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	r := rules[0]
	if r.Name != "Printer P1s" || r.Condition != want || len(r.Actions) != 2 || r.Actions[0].Tag != "printer" ||
		r.Actions[1].Field != "team" || r.Actions[1].Value != "" {
		t.Errorf("saved rule = %+v", r)
	}
}
