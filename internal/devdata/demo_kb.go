package devdata

import (
	"context"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
)

// demoArticles are the demo's knowledge base: the questions its tickets
// keep asking, one staff-only runbook, and one draft.
var demoArticles = []struct {
	title, category, body string
	vis                   helpdesk.Visibility
	published             bool
	reviewDays            int // review date relative to today; negative: overdue
}{
	{"Set up the VPN on a new laptop", "Network & VPN", `Install **GlobalProtect** from the Company Portal, then:

1. Open GlobalProtect and enter the portal address ` + "`vpn.example.com`" + `.
2. Sign in with your usual company account and approve the prompt on your phone.
3. The icon turns blue when the VPN is connected.

If the VPN connects but internal sites do not load, restart the laptop once: the new network settings apply at sign-in.`,
		helpdesk.VisibleEmployees, true, 90},
	{"VPN keeps disconnecting at home", "Network & VPN", `A VPN that drops every few minutes is nearly always the home Wi-Fi.

- Move closer to the router or use a cable.
- Switch the laptop to the 5 GHz network if your router offers one.
- Turn off "Wi-Fi power saving" in the laptop's battery settings.

Still dropping? File a ticket with the time it last dropped.`, helpdesk.VisibleEmployees, true, -3},
	{"Reset your password or unlock your account", "Accounts & access", `Go to **https://id.example.com/reset**, enter your work email and follow the link we send to your phone.

Your account locks for 15 minutes after five wrong passwords; it unlocks by itself.`, helpdesk.VisibleEmployees, true, 180},
	{"Set up multi-factor authentication on a new phone", "Accounts & access", `Before you wipe the old phone, open **My sign-ins** and add the new phone as a second method. Lost the old phone already? File a ticket: IT verifies you by video call.`,
		helpdesk.VisibleEmployees, true, 120},
	{"Printer jams or prints blank pages", "Hardware", `Open the front cover, remove any paper, and close it firmly until it clicks. Blank pages mean the toner is empty: the spare cartridges are in the cupboard next to the printer.`,
		helpdesk.VisibleEmployees, true, 60},
	{"Runbook: VPN gateway failover", "Runbooks", `Staff only. When the primary gateway fails its health check:

1. Check the status page of the firewall cluster.
2. Promote the standby: ` + "`fw-ctl failover --to standby`" + `.
3. Post a known-issue banner; users reconnect within two minutes.`, helpdesk.VisibleStaff, true, 30},
	{"Request a new monitor or headset", "Hardware", `Draft: the ordering process is changing next quarter.`, helpdesk.VisibleEmployees, false, 30},
}

// loadDemoArticles writes the demo articles as the given staff member.
func loadDemoArticles(ctx context.Context, svc *kb.Service, author *helpdesk.User) error {
	today := time.Now().UTC()
	for _, d := range demoArticles {
		in := kb.Input{Title: d.title, Body: d.body, Category: d.category, Visibility: d.vis, Published: d.published,
			ReviewOn: today.AddDate(0, 0, d.reviewDays).Format(time.DateOnly), Note: "First version"}
		if _, err := svc.Create(ctx, author, in); err != nil {
			return err
		}
	}
	return nil
}
