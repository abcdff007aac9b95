package postgres_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
)

// A batch of tickets born triaged is one statement per table: each ticket
// keeps its own fields, first message, Message-ID and events, in the
// batch's order, and is returned as stored.
func TestInsertTriagedTicketsBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	id := func(sql string, args ...any) int64 {
		t.Helper()
		var v int64
		if err := db.RawPool().QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	agent := id(`INSERT INTO users (email, name, role) VALUES ('agent@example.com', 'Agent', 'agent') RETURNING id`)
	id(`INSERT INTO agent_profiles (user_id) VALUES ($1) RETURNING user_id`, agent)
	rita := id(`INSERT INTO users (email, name, role) VALUES ('rita@example.com', 'Rita', 'requester') RETURNING id`)
	sam := id(`INSERT INTO users (email, name, role) VALUES ('sam@example.com', 'Sam', 'requester') RETURNING id`)
	team := id(`INSERT INTO teams (slug, name) VALUES ('desk', 'Desk') RETURNING id`)
	cat := id(`INSERT INTO categories (name, team_id) VALUES ('Network', $1) RETURNING id`, team)

	now := time.Now().UTC().Truncate(time.Second)
	at := func(h int) *time.Time { v := now.Add(time.Duration(h) * time.Hour); return &v }
	deadlines := func(h int, due *time.Time) helpdesk.Deadlines {
		return helpdesk.Deadlines{FirstResponse: *at(h), Resolution: *at(10 * h), FirstResponseWarn: *at(h - 1),
			ResolutionWarn: *at(9 * h), DueAt: due}
	}
	ns := []postgres.NewTicket{
		{Subject: "VPN drops", Body: "GlobalProtect disconnects.", BodyHTML: "<p>GlobalProtect</p>",
			Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyHigh, RequesterID: rita, Source: helpdesk.SourceEmail,
			EmailMessageID: "<vpn@example.com>", SenderCheck: "pass", ActorID: &rita, FiledPriority: helpdesk.P3,
			Triage: &postgres.TriageResult{Priority: helpdesk.P2, CategoryID: &cat, TeamID: &team, AssigneeID: &agent,
				Deadlines: deadlines(4, at(4)),
				Events: []postgres.NewEvent{{Kind: helpdesk.EventCategorised, After: map[string]any{"category_id": cat}},
					{Kind: helpdesk.EventAssigned, After: map[string]any{"assignee_id": agent}, Reason: "least loaded"}}}},
		{Subject: "Printer on fire", Body: "Smoke from tray 2.", Impact: helpdesk.ImpactPerson,
			Urgency: helpdesk.UrgencyLow, RequesterID: sam, Source: helpdesk.SourcePortal, FiledPriority: helpdesk.P4,
			Triage: &postgres.TriageResult{Priority: helpdesk.P4, RetryAt: at(1), Wait: "no_category",
				Deadlines: deadlines(8, nil)}},
		{Subject: "New laptop", Body: "Mine is slow.", Impact: helpdesk.ImpactTeam, Urgency: helpdesk.UrgencyMedium,
			RequesterID: rita, Source: helpdesk.SourcePortal, SenderFlagged: true, FiledPriority: helpdesk.P3,
			Triage: &postgres.TriageResult{Priority: helpdesk.P3, TeamID: &team, AssigneeID: &agent, StandIn: true,
				Wait: "", WaitSkill: "", Deadlines: deadlines(6, at(6)),
				Events: []postgres.NewEvent{{Kind: helpdesk.EventPrioritised, Before: "P4", After: "P3"}}}},
	}
	var ts []*helpdesk.Ticket
	var msgs []int64
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		start, err := tx.StartFiling(ctx, []int64{rita, sam}, len(ns), []int64{agent})
		if err != nil {
			return err
		}
		born, err := tx.InsertTriagedTickets(ctx, start.IDs, ns, []int64{agent, agent})
		if err != nil {
			return err
		}
		ts, msgs = born.Tickets, born.Messages
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range ns {
		tk := ts[i]
		if i > 0 && (tk.Number <= ts[i-1].Number || msgs[i] <= msgs[i-1]) {
			t.Errorf("ticket %d: number %d, message %d not after the previous ticket's", i, tk.Number, msgs[i])
		}
		got, _, err := db.TicketByNumber(ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := stored(tk), stored(got); !reflect.DeepEqual(a, b) {
			t.Errorf("ticket %d as returned\n%+v\nas stored\n%+v", i, a, b)
		}
		if tk.Subject != n.Subject || tk.RequesterID != n.RequesterID || tk.Priority != n.Triage.Priority ||
			!reflect.DeepEqual(tk.AssigneeID, n.Triage.AssigneeID) || tk.TriageWait != n.Triage.Wait {
			t.Errorf("ticket %d stored as %+v, want %+v", i, tk, n)
		}
		var body, html, check string
		var email *string
		var flagged, standIn bool
		var retry *time.Time
		if err := db.RawPool().QueryRow(ctx, `SELECT m.body_text, m.body_html, m.email_message_id, m.sender_check,
			m.sender_flagged, t.triage_stand_in, t.triage_retry_at
			FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = $1 AND m.ticket_id = $2`, msgs[i], tk.ID).
			Scan(&body, &html, &email, &check, &flagged, &standIn, &retry); err != nil {
			t.Fatalf("ticket %d: its first message %d: %v", i, msgs[i], err)
		}
		wantEmail := (*string)(nil)
		if n.EmailMessageID != "" {
			wantEmail = &n.EmailMessageID
		}
		if body != n.Body || html != n.BodyHTML || !reflect.DeepEqual(email, wantEmail) || check != n.SenderCheck ||
			flagged != n.SenderFlagged || standIn != n.Triage.StandIn || !reflect.DeepEqual(utc(retry), utc(n.Triage.RetryAt)) {
			t.Errorf("ticket %d: message %q %q %v %q %v, stand-in %v, retry %v; want %+v", i, body, html, email, check,
				flagged, standIn, retry, n)
		}
		var threaded int
		if err := db.RawPool().QueryRow(ctx, `SELECT count(*) FROM ticket_message_ids WHERE ticket_id = $1`, tk.ID).
			Scan(&threaded); err != nil {
			t.Fatal(err)
		}
		if want := len(n.EmailMessageID) / max(1, len(n.EmailMessageID)); threaded != want {
			t.Errorf("ticket %d: %d Message-IDs to thread on, want %d", i, threaded, want)
		}
		evs, err := db.Events(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{helpdesk.EventCreated}
		for _, e := range n.Triage.Events {
			kinds = append(kinds, e.Kind)
		}
		if len(evs) != len(kinds) {
			t.Fatalf("ticket %d: %d events, want %v", i, len(evs), kinds)
		}
		for j, e := range evs {
			if e.Kind != kinds[j] {
				t.Errorf("ticket %d: event %d is %s, want %s", i, j, e.Kind, kinds[j])
			}
			if j > 0 && e.Reason != n.Triage.Events[j-1].Reason {
				t.Errorf("ticket %d: event %s reason %q, want %q", i, e.Kind, e.Reason, n.Triage.Events[j-1].Reason)
			}
		}
		var created struct {
			Subject   string `json:"subject"`
			Priority  string `json:"priority"`
			MessageID int64  `json:"message_id"`
		}
		if err := json.Unmarshal(evs[0].After, &created); err != nil {
			t.Fatal(err)
		}
		if created.Subject != n.Subject || created.Priority != string(n.FiledPriority) || created.MessageID != msgs[i] {
			t.Errorf("ticket %d: created event %+v, want subject %q, priority as filed %s, message %d", i, created,
				n.Subject, n.FiledPriority, msgs[i])
		}
		if !reflect.DeepEqual(evs[0].ActorID, n.ActorID) {
			t.Errorf("ticket %d: created by %v, want %v", i, evs[0].ActorID, n.ActorID)
		}
	}
	var load, want int
	if err := db.RawPool().QueryRow(ctx, `SELECT open_load, (SELECT sum(ticket_load_weight(status, priority))
		FROM tickets WHERE assignee_id = $1) FROM agent_profiles WHERE user_id = $1`, agent).Scan(&load, &want); err != nil {
		t.Fatal(err)
	}
	if load != want || load == 0 {
		t.Errorf("agent's load %d after two assignments, recounted %d", load, want)
	}
}

// stored is t with its times in UTC at the database's precision.
func stored(t *helpdesk.Ticket) helpdesk.Ticket {
	c := *t
	for _, p := range []**time.Time{&c.FirstResponseDue, &c.ResolutionDue, &c.DueAt, &c.FirstRespondedAt, &c.ResolvedAt} {
		*p = utc(*p)
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC().Round(time.Microsecond)
	return &v
}
