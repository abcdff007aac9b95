package slack_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

// A team-channel card shows the SLA state on the card itself: an SLA
// warning edits the card in place to say "SLA at risk" with the deadline,
// and a breach edits it again to say "SLA breached".
func TestSlackCardShowsSLAState(t *testing.T) {
	e := setup(t)
	admin := e.User(helpdesk.RoleAdmin)
	var teamID int64
	if err := e.App.DB.RawPool().QueryRow(e.ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id`).Scan(&teamID); err != nil {
		t.Fatal(err)
	}
	ac := e.SignIn(admin)
	if res := ac.PostForm("/admin/chat/channels", url.Values{"connector": {"slack"}, "channel": {"C_DESK"},
		"team": {fmt.Sprint(teamID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add channel: %d\n%s", res.StatusCode, res.Body)
	}
	// The scan's first run only marks where it starts.
	if err := e.App.Chat.Scan(e.ctx); err != nil {
		t.Fatal(err)
	}
	tk, err := e.App.Tickets.Create(e.ctx, admin, ticket.CreateInput{Subject: "VPN concentrator down", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	e.Settle()
	if _, err := e.App.DB.RawPool().Exec(e.ctx, `UPDATE tickets SET team_id = $1, assignee_id = NULL WHERE id = $2`, teamID, tk.ID); err != nil {
		t.Fatal(err)
	}
	p1 := helpdesk.P1
	if _, err := e.App.Tickets.Update(e.ctx, admin, tk.Number, ticket.Changes{Priority: &p1}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the P1 card in C_DESK", func() bool {
		_, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
			return f.Get("channel") == "C_DESK" && strings.Contains(f.Get("text"), "VPN concentrator down")
		})
		return ok
	})
	e.Settle()
	if _, ok := e.slack.find("chat.postMessage", func(f url.Values) bool {
		return f.Get("channel") == "C_DESK" && strings.Contains(f.Get("text"), "SLA")
	}); ok {
		t.Fatal("a fresh card already shows an SLA state")
	}
	var due time.Time
	waitFor(t, "the ticket's resolution deadline", func() bool {
		got, err := e.App.Tickets.Get(e.ctx, admin, tk.Number)
		if err != nil || got.ResolutionDue == nil {
			return false
		}
		due = *got.ResolutionDue
		return true
	})
	// The SLA scanner's alarm, recorded as sla.fire records it.
	alarm := func(kind string) {
		t.Helper()
		err := e.App.DB.InTx(e.ctx, func(tx *postgres.Tx) error {
			return tx.RecordEvent(e.ctx, postgres.NewEvent{TicketID: tk.ID, Number: tk.Number, Kind: kind,
				After:  map[string]any{"target": "resolution", "due": due, "elapsed": 0.8, "notify": []string{}},
				Reason: "resolution at 80% of its target"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	when := due.UTC().Format("Mon 2 Jan 15:04 UTC")
	updated := func(want string) func() bool {
		return func() bool {
			if err := e.App.Chat.Scan(e.ctx); err != nil {
				t.Errorf("scan: %v", err)
			}
			_, ok := e.slack.find("chat.update", func(f url.Values) bool {
				return f.Get("channel") == "C_DESK" && strings.Contains(f.Get("text"), "VPN concentrator down") &&
					strings.Contains(f.Get("text"), want)
			})
			return ok
		}
	}
	alarm(helpdesk.EventSLAWarning)
	waitFor(t, "the card edited to say SLA at risk with the deadline", updated("SLA at risk: resolution due "+when))
	alarm(helpdesk.EventSLABreached)
	waitFor(t, "the card edited to say SLA breached with the deadline", updated("SLA breached: resolution was due "+when))
}
