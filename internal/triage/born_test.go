package triage_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"switchboard/internal/automation"
	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
	"switchboard/internal/ticket"
	"switchboard/internal/triage"
)

// bornService is a ticket service that files new tickets triaged through r,
// as the app wires it; a ticket handed to the dispatcher is reported.
func bornService(s *seed, r *triage.Runner, untriaged func(id int64)) *ticket.Service {
	return &ticket.Service{DB: s.db,
		File: func(ctx context.Context, n postgres.NewTicket, alone bool,
			after func(context.Context, *postgres.Tx, *helpdesk.Ticket, int64) error) (*helpdesk.Ticket, bool, error) {
			return r.File(ctx, triage.Filing{Ticket: n, Alone: alone, After: after})
		},
		Triage: func(_ context.Context, id int64) { untriaged(id) }}
}

// A new ticket is written once, already triaged: Create returns it
// categorised, prioritised, timed and assigned (names included), with the
// created event followed by triage's events, all in the creating
// transaction, and the agent's load counter counts it.
func TestNewTicketBornTriaged(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", []string{"vpn"}, 0.5)
	alice := s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}})
	s.tickets = bornService(s, s.runner, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })

	tk := s.file("VPN drops every hour", "GlobalProtect disconnects.", "", helpdesk.ImpactPerson, helpdesk.UrgencyHigh)
	if tk.AssigneeID == nil || *tk.AssigneeID != alice.ID || tk.AssigneeName != "alice" || tk.TeamName != "Service Desk" ||
		tk.CategoryName != "Network" || tk.Priority == "" || tk.FirstResponseDue == nil {
		t.Fatalf("created ticket %+v: want it categorised (Network), on Service Desk, assigned to alice", tk)
	}
	var triaged bool
	var assignee *int64
	var prio string
	s.scalar(&triaged, `SELECT triaged_at IS NOT NULL FROM tickets WHERE id = $1`, tk.ID)
	s.scalar(&assignee, `SELECT assignee_id FROM tickets WHERE id = $1`, tk.ID)
	s.scalar(&prio, `SELECT priority FROM tickets WHERE id = $1`, tk.ID)
	if !triaged || assignee == nil || *assignee != alice.ID || prio != string(tk.Priority) {
		t.Fatalf("stored: triaged %v, assignee %v, priority %s; returned %s", triaged, assignee, prio, tk.Priority)
	}
	all, err := s.db.Events(s.ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range all {
		kinds = append(kinds, e.Kind)
	}
	want := []string{helpdesk.EventCreated, helpdesk.EventCategorised, helpdesk.EventPrioritised, helpdesk.EventTriaged}
	if len(kinds) != len(want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("events %v, want %v", kinds, want)
		}
	}
	if ev := all[3]; ev.Reason == "" {
		t.Errorf("triaged event without its explanation: %+v", ev)
	}
	// One transaction wrote the row and every event: the row was not
	// written by a second (triage) transaction after the insert.
	var sameTx bool
	s.scalar(&sameTx, `SELECT bool_and(e.xmin = t.xmin) FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id WHERE t.id = $1`, tk.ID)
	if !sameTx {
		t.Error("the ticket row and its events were written by different transactions: triaged after the insert")
	}
	var load int
	s.scalar(&load, `SELECT open_load FROM agent_profiles WHERE user_id = $1`, alice.ID)
	if load != triage.LoadWeight(tk.Priority) {
		t.Errorf("alice's load counter %d, want %d", load, triage.LoadWeight(tk.Priority))
	}
	// What Create returns is what is stored, field for field: for this
	// assigned ticket, and for one that matches no category and waits.
	waiting := s.file("Printer on fire", "Smoke from tray 2.", "", helpdesk.ImpactPerson, helpdesk.UrgencyHigh)
	if waiting.AssigneeID != nil || waiting.TriageWait == "" {
		t.Errorf("uncategorised ticket %+v: want it unassigned, with its wait explained", waiting)
	}
	for _, tk := range []*helpdesk.Ticket{tk, waiting} {
		got, _, err := s.db.TicketByNumber(s.ctx, tk.Number)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := comparable(tk), comparable(got); !reflect.DeepEqual(a, b) {
			t.Errorf("ticket %d as returned\n%+v\nas stored\n%+v", tk.Number, a, b)
		}
	}
}

// comparable is t with its times in UTC at the database's precision.
func comparable(t *helpdesk.Ticket) helpdesk.Ticket {
	c := *t
	for _, p := range []**time.Time{&c.FirstResponseDue, &c.ResolutionDue, &c.DueAt, &c.FirstRespondedAt, &c.ResolvedAt} {
		if *p != nil {
			v := (*p).UTC().Round(time.Microsecond)
			*p = &v
		}
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

// Tickets created at once on two nodes (each batching its own) are each
// triaged once at creation, and no agent gets more than their capacity.
func TestBornConcurrentCreatesKeepCapacity(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	var agents []int64
	for _, name := range []string{"alice", "bob"} {
		agents = append(agents, s.agent(s.team, agentSpec{name: name, skills: map[string]int{"network": 2}, capacity: 3}).ID)
	}
	other := &triage.Runner{DB: s.db, Classifier: &triage.Classifier{DB: s.db}, NoCache: true}
	untriaged := func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) }
	nodes := []*ticket.Service{bornService(s, s.runner, untriaged), bornService(s, other, untriaged)}
	cat := s.cats["Network"]
	var mu sync.Mutex
	var ids []int64
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := nodes[i%2].Create(s.ctx, s.req, ticket.CreateInput{Subject: "VPN drops", Description: "Again.",
				CategoryID: &cat})
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			ids = append(ids, tk.ID)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s.checkOnce(ids, agents, 3)
}

// A bad ticket among concurrent ones fails alone: its caller gets its own
// error and nothing of it is stored; the others are filed triaged.
func TestBornBadTicketFailsAlone(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	s.tickets = bornService(s, s.runner, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })
	good, bad := s.cats["Network"], int64(1<<40)
	var wg sync.WaitGroup
	type result struct {
		bad bool
		tk  *helpdesk.Ticket
		err error
	}
	results := make(chan result, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cat := &good
			if i%5 == 0 {
				cat = &bad
			}
			tk, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: "VPN drops", Description: "Again.", CategoryID: cat})
			results <- result{bad: cat == &bad, tk: tk, err: err}
		}()
	}
	wg.Wait()
	close(results)
	var stored int
	for r := range results {
		switch {
		case r.bad && helpdesk.ErrorCode(r.err) != helpdesk.EINVALID:
			t.Errorf("ticket with an unknown category: %v, want a field error", r.err)
		case !r.bad && r.err != nil:
			t.Errorf("good ticket failed with a bad one: %v", r.err)
		case !r.bad && r.tk.AssigneeID == nil:
			t.Errorf("good ticket %d not assigned at creation", r.tk.ID)
		case !r.bad:
			stored++
		}
	}
	var n int
	s.scalar(&n, `SELECT count(*) FROM tickets`)
	if n != stored {
		t.Errorf("%d tickets stored, want the %d good ones", n, stored)
	}
}

// A ticket that cannot be written triaged (here a trigger refuses the
// triaged insert of "poison" tickets) is still filed: its batch neighbours
// are written triaged, it is written as filed and handed to the dispatcher,
// and a triage run then triages it.
func TestBornUntriageableTicketIsFiledAndTriagedLater(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	s.exec(`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'poison ticket triaged'; END $$`)
	s.exec(`CREATE TRIGGER refuse_poison BEFORE INSERT ON tickets FOR EACH ROW
WHEN (NEW.triaged_at IS NOT NULL AND NEW.subject LIKE 'poison%') EXECUTE FUNCTION refuse_poison()`)
	var mu sync.Mutex
	handed := map[int64]bool{}
	s.tickets = bornService(s, s.runner, func(id int64) {
		mu.Lock()
		handed[id] = true
		mu.Unlock()
	})
	cat := s.cats["Network"]
	type result struct {
		poison bool
		tk     *helpdesk.Ticket
		err    error
	}
	results := make(chan result, 16)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			subject := "VPN drops"
			if i%4 == 0 {
				subject = "poison VPN drops"
			}
			tk, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: subject, Description: "Again.", CategoryID: &cat})
			results <- result{poison: i%4 == 0, tk: tk, err: err}
		}()
	}
	wg.Wait()
	close(results)
	var poisoned []int64
	for r := range results {
		if r.err != nil {
			t.Errorf("create (poison %v): %v", r.poison, r.err)
			continue
		}
		var triaged bool
		s.scalar(&triaged, `SELECT triaged_at IS NOT NULL FROM tickets WHERE id = $1`, r.tk.ID)
		switch {
		case r.poison && (triaged || r.tk.AssigneeID != nil || !handed[r.tk.ID]):
			t.Errorf("poison ticket %d: triaged %v, assignee %v, handed to the dispatcher %v; want it filed untriaged and handed on",
				r.tk.ID, triaged, r.tk.AssigneeID, handed[r.tk.ID])
		case !r.poison && (!triaged || r.tk.AssigneeID == nil || handed[r.tk.ID]):
			t.Errorf("good ticket %d: triaged %v, assignee %v, handed to the dispatcher %v; want it born triaged",
				r.tk.ID, triaged, r.tk.AssigneeID, handed[r.tk.ID])
		case r.poison:
			poisoned = append(poisoned, r.tk.ID)
		}
	}
	if len(poisoned) != 4 {
		t.Fatalf("%d poison tickets filed, want 4", len(poisoned))
	}
	for _, id := range poisoned {
		s.triage(id)
		if s.assignee(id) == nil || len(s.events(id, helpdesk.EventTriaged)) != 1 {
			t.Errorf("poison ticket %d not triaged by the dispatcher's run", id)
		}
	}
}

// A ticket with large attachments, filed in a transaction of its own, is
// born triaged too, its attachment stored with it.
func TestBornLargeAttachmentFiledTriaged(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	alice := s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	s.tickets = bornService(s, s.runner, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })
	cat := s.cats["Network"]
	data := make([]byte, 1<<20)
	tk, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: "VPN drops", Description: "Log attached.",
		CategoryID: &cat, Attachments: []helpdesk.Upload{{Filename: "vpn.log", Data: data}}})
	if err != nil {
		t.Fatal(err)
	}
	var size int
	s.scalar(&size, `SELECT coalesce(sum(size), 0) FROM attachments WHERE ticket_id = $1`, tk.ID)
	if tk.AssigneeID == nil || *tk.AssigneeID != alice.ID || size != len(data) {
		t.Errorf("ticket %d: assignee %v, attachments %d bytes; want alice and %d bytes", tk.ID, tk.AssigneeID, size, len(data))
	}
}

// A creation that asks for triage later (mail intake) is written as filed
// and handed to the dispatcher, not triaged in a batch.
func TestBornTriageLater(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	var handed []int64
	s.tickets = bornService(s, s.runner, func(id int64) { handed = append(handed, id) })
	cat := s.cats["Network"]
	tk, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: "VPN drops", Description: "Again.",
		CategoryID: &cat, TriageLater: true})
	if err != nil {
		t.Fatal(err)
	}
	var triaged bool
	s.scalar(&triaged, `SELECT triaged_at IS NOT NULL FROM tickets WHERE id = $1`, tk.ID)
	if triaged || tk.AssigneeID != nil || len(handed) != 1 || handed[0] != tk.ID {
		t.Fatalf("ticket %d: triaged %v, assignee %v, handed on %v; want it filed untriaged and handed on", tk.ID, triaged,
			tk.AssigneeID, handed)
	}
	s.triage(tk.ID)
	if s.assignee(tk.ID) == nil {
		t.Error("not assigned by the dispatcher's run")
	}
}

// A batch whose commit fails is not filed again: the commit may have
// written it (only the answer lost), and a second attempt would write its
// tickets twice. Here a deferred trigger fails the commit and counts the
// attempts; the caller gets the error after exactly one.
func TestBornFailedCommitIsNotRetried(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	s.category("Network", s.team, "network", nil, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	s.exec(`CREATE SEQUENCE commit_attempts`)
	s.exec(`CREATE FUNCTION fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nextval('commit_attempts'); RAISE EXCEPTION 'commit failed'; END $$`)
	s.exec(`CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON tickets DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (NEW.subject LIKE 'doomed%') EXECUTE FUNCTION fail_commit()`)
	s.tickets = bornService(s, s.runner, func(int64) {})
	cat := s.cats["Network"]
	if _, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: "doomed VPN", Description: "Again.", CategoryID: &cat}); err == nil {
		t.Fatal("create succeeded despite its failed commit")
	}
	// The sequence's nextval is not rolled back: it counts every attempt.
	var attempts int64
	s.scalar(&attempts, `SELECT last_value FROM commit_attempts`)
	var n int
	s.scalar(&n, `SELECT count(*) FROM tickets`)
	if attempts != 1 || n != 0 {
		t.Errorf("%d commit attempts and %d tickets, want 1 attempt and none", attempts, n)
	}
}

// Each born batch is counted with the time it held the profile locks
// (switchboard_born_* on /metrics). Not parallel: the counters are the
// process's, and no other test files tickets meanwhile.
func TestBornBatchMetrics(t *testing.T) {
	s := newSeed(t)
	s.category("Network", s.team, "network", []string{"vpn"}, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}})
	s.tickets = bornService(s, s.runner, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })
	tickets0, locked0 := triage.BornFiled()
	s.file("VPN drops every hour", "GlobalProtect disconnects.", "", helpdesk.ImpactPerson, helpdesk.UrgencyHigh)
	s.file("VPN slow", "Since this morning.", "", helpdesk.ImpactPerson, helpdesk.UrgencyLow)
	tickets1, locked1 := triage.BornFiled()
	if tickets1-tickets0 != 2 || locked1 <= locked0 {
		t.Errorf("after two tickets: %v tickets counted, locks held %v s more; want 2 and some time", tickets1-tickets0, locked1-locked0)
	}
}

// bornWithJobs is a seed whose new tickets are born triaged by a runner
// that enqueues jobs (insert only) and judges created rules with may:
// tickets with "vpn" go to alice, who has room for them all.
func bornWithJobs(t *testing.T, may func([]helpdesk.Rule, *helpdesk.Ticket, string, bool, time.Time) bool) *seed {
	t.Helper()
	s := newSeed(t)
	s.category("Network", s.team, "network", []string{"vpn"}, 0.5)
	s.agent(s.team, agentSpec{name: "alice", skills: map[string]int{"network": 2}, capacity: 100})
	client, err := s.db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	r := &triage.Runner{DB: s.db, Classifier: &triage.Classifier{DB: s.db}, NoCache: true, Jobs: client,
		MayActOnCreated: may}
	s.tickets = bornService(s, r, func(id int64) { t.Errorf("ticket %d handed to the dispatcher untriaged", id) })
	return s
}

// With a rule on ticket.created enabled, the tickets a born batch files get
// their rules run by one job, enqueued in the transaction that files them
// (so rules run after triage decided, and only for tickets that exist),
// which names each ticket once.
func TestBornTicketsQueueTheirRulesRun(t *testing.T) {
	t.Parallel()
	s := bornWithJobs(t, nil)
	s.exec(`INSERT INTO automation_rules (name, trigger, enabled) VALUES ('Any', 'ticket.created', true)`)
	var wg sync.WaitGroup
	ids := make([]int64, 6)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tk, err := s.tickets.Create(s.ctx, s.req, ticket.CreateInput{Subject: fmt.Sprintf("VPN drops %d", i), Description: "Again."})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = tk.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		var runs int
		var sameTx bool
		s.scalar(&runs, `SELECT count(*) FROM river_job WHERE kind = 'automation' AND args->'ticket_ids' @> to_jsonb(ARRAY[$1::bigint])`, id)
		s.scalar(&sameTx, `SELECT coalesce(bool_and(j.xmin = t.xmin), false) FROM river_job j JOIN tickets t ON t.id = $1
			WHERE j.kind = 'automation' AND j.args->'ticket_ids' @> to_jsonb(ARRAY[$1::bigint])`, id)
		if runs != 1 || !sameTx {
			t.Errorf("ticket %d: in %d rules jobs (written in the filing transaction: %v), want 1 that was", id, runs, sameTx)
		}
	}
}

// A new ticket whose waiting events nothing acts on (no created rule
// matches it, no webhook hears it) needs no rules job: its events leave
// the inbox in the filing transaction. A ticket a rule matches, one whose
// filing adds to it after the row, and any ticket once a webhook hears
// ticket.created, still go to the drain.
func TestBornTicketsNobodyActsOnSkipTheDrain(t *testing.T) {
	t.Parallel()
	s := bornWithJobs(t, automation.MayActOnCreated)
	s.exec(`INSERT INTO automation_rules (name, trigger, enabled, condition) VALUES
		('Printers', 'ticket.created', true, 'ticket.text contains "printer"'),
		('Off', 'ticket.created', false, 'true')`)
	file := func(subject string, extras bool) int64 {
		in := ticket.CreateInput{Subject: subject, Description: "Since this morning."}
		if extras {
			in.AfterInsert = func(context.Context, *postgres.Tx, *helpdesk.Ticket) error { return nil }
		}
		tk, err := s.tickets.Create(s.ctx, s.req, in)
		if err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	drained := func(id int64) (jobs, inbox int) {
		s.scalar(&jobs, `SELECT count(*) FROM river_job WHERE kind = 'automation' AND args->'ticket_ids' @> to_jsonb(ARRAY[$1::bigint])`, id)
		s.scalar(&inbox, `SELECT count(*) FROM automation_inbox WHERE ticket_id = $1`, id)
		return jobs, inbox
	}
	want := func(what string, id int64, drain bool) {
		t.Helper()
		jobs, inbox := drained(id)
		if drain && (jobs != 1 || inbox == 0) {
			t.Errorf("%s: %d rules jobs, %d events waiting; want a job and its events", what, jobs, inbox)
		}
		if !drain && (jobs != 0 || inbox != 0) {
			t.Errorf("%s: %d rules jobs, %d events waiting; want neither", what, jobs, inbox)
		}
	}
	want("assigned VPN ticket no rule matches", file("VPN drops", false), false)
	want("unassigned ticket no rule matches", file("Strange noise", false), false)
	want("printer ticket", file("printer jams", false), true)
	want("ticket its filing adds to", file("VPN drops again", true), true)
	s.exec(`INSERT INTO webhooks (name, url, events, secret) VALUES ('CMDB', 'https://cmdb.example.com/hook', '{ticket.created}', 'x')`)
	want("ticket while a webhook hears ticket.created", file("Strange light", false), true)
}

// A ticket triaged after its commit whose inbox holds more than its
// created event (here the requester's reply, added before triage ran) gets
// its rules job too: what waits, not only a lone created event, is
// drained.
func TestTriagedTicketWithMoreWaitingQueuesItsRules(t *testing.T) {
	t.Parallel()
	s := newSeed(t)
	client, err := s.db.NewJobClient(postgres.JobConfig{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	s.runner.Jobs = client
	s.exec(`INSERT INTO automation_rules (name, trigger, enabled) VALUES ('Any', 'ticket.created', true)`)
	tk := s.file("Strange noise", "From the server room.", "", helpdesk.ImpactPerson, helpdesk.UrgencyLow)
	if _, err := s.tickets.AddMessage(s.ctx, s.req, tk.Number, ticket.MessageInput{Body: "It got louder."}); err != nil {
		t.Fatal(err)
	}
	var kinds int
	s.scalar(&kinds, `SELECT count(DISTINCT kind) FROM automation_inbox WHERE ticket_id = $1`, tk.ID)
	if kinds < 2 {
		t.Fatalf("%d kinds of events waiting; the test needs the created event and more", kinds)
	}
	s.triage(tk.ID)
	var jobs int
	s.scalar(&jobs, `SELECT count(*) FROM river_job WHERE kind = 'automation' AND args->'ticket_ids' @> to_jsonb(ARRAY[$1::bigint])`, tk.ID)
	if jobs != 1 {
		t.Errorf("%d rules jobs for the triaged ticket, want 1", jobs)
	}
}
