package automation_test

import (
	"context"
	"testing"
	"time"

	"switchboard/internal/auth"
	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/pgtest"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	db        *postgres.DB
	tickets   *ticket.Service
	auto      *automation.Service
	admin     *helpdesk.User
	lead      *helpdesk.User
	agent     *helpdesk.User
	requester *helpdesk.User
	now       time.Time
}

// setup gives a database with a team "desk" (led by lead), an agent and a
// requester; the rules engine's clock is a fixed time four days ahead, so
// every ticket made now is "idle for 96 hours" to schedule rules. Jobs are
// only inserted, never worked: tests drain the inbox themselves, so nothing
// depends on timing.
func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	if _, err := db.RawPool().Exec(ctx, `INSERT INTO teams (slug, name) VALUES ('desk', 'Service Desk'), ('net', 'Network')`); err != nil {
		t.Fatal(err)
	}
	jc, err := db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email string, role helpdesk.Role, team string) *helpdesk.User {
		u, err := auth.CreateUser(ctx, db, auth.NewUser{Email: email, Name: email, Role: role, TeamSlug: team})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	b := &bundle{db: db, tickets: &ticket.Service{DB: db, Jobs: jc, MaxAttachment: 1 << 20},
		admin: mk("admin@example.com", helpdesk.RoleAdmin, ""), lead: mk("lead@example.com", helpdesk.RoleLead, "desk"),
		agent: mk("agent@example.com", helpdesk.RoleAgent, "desk"), requester: mk("req@example.com", helpdesk.RoleRequester, ""),
		now: time.Now().Add(96 * time.Hour)}
	if _, err := db.RawPool().Exec(ctx, `UPDATE team_members SET is_lead = true WHERE user_id = $1`, b.lead.ID); err != nil {
		t.Fatal(err)
	}
	b.auto = &automation.Service{DB: db, Jobs: jc, Tickets: b.tickets, Now: func() time.Time { return b.now }}
	return b
}

// ticket files a ticket in team desk, marked as triaged.
func (b *bundle) ticket(t *testing.T, subject string) *helpdesk.Ticket {
	t.Helper()
	ctx := context.Background()
	tk, err := b.tickets.Create(ctx, b.requester, ticket.CreateInput{Subject: subject, Description: "Details of " + subject,
		Impact: helpdesk.ImpactPerson, Urgency: helpdesk.UrgencyMedium})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.db.RawPool().Exec(ctx, `UPDATE tickets SET team_id = (SELECT id FROM teams WHERE slug = 'desk'),
		triaged_at = now() WHERE id = $1`, tk.ID); err != nil {
		t.Fatal(err)
	}
	return tk
}

func (b *bundle) set(t *testing.T, number int64, c ticket.Changes) {
	t.Helper()
	if _, err := b.tickets.Update(context.Background(), b.agent, number, c); err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) get(t *testing.T, number int64) *helpdesk.Ticket {
	t.Helper()
	tk, _, err := b.db.TicketByNumber(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// drainAll runs the rules until no ticket has events waiting (bounded, so a
// loop the engine failed to stop fails the test instead of hanging it).
func (b *bundle) drainAll(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for range 200 {
		var ids []int64
		rows, err := b.db.RawPool().Query(ctx, `SELECT DISTINCT ticket_id FROM automation_inbox`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if len(ids) == 0 {
			return
		}
		for _, id := range ids {
			if err := b.auto.Drain(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Fatal("the inbox never emptied: rules kept triggering each other")
}

func (b *bundle) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.RawPool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func status(s helpdesk.Status) *helpdesk.Status       { return &s }
func priority(p helpdesk.Priority) *helpdesk.Priority { return &p }
