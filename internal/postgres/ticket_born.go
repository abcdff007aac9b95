package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// A new ticket is triaged before it is written (triage.Runner.File), so its
// row is stored once. These are the statements of that batch transaction:
// two round trips between BEGIN and COMMIT, both inside the time the batch
// holds the agents' profile locks (which every other triage and creation
// for those agents waits on): StartFiling, then InsertTriagedTickets.

// Filer is what triage reads about the requester of a new ticket.
type Filer struct {
	VIP    bool
	Locale string
}

// Filing is what StartFiling read and locked.
type Filing struct {
	// Now is the transaction's clock: the created_at of every ticket of
	// the batch, which their deadlines count from.
	Now time.Time
	// Filers are the requesters by id.
	Filers map[int64]Filer
	// IDs are the new tickets' ids, taken from the sequence in advance so
	// that the rules' check can go with the inserts.
	IDs []int64
	// Loads are the candidates' profiles, locked (LockAgentLoads).
	Loads []helpdesk.AgentLoad
	// LeadTeams are the teams with an active lead: a ticket alarming the
	// lead of another team has nobody to mail, so its alarm is only an
	// event, written with it.
	LeadTeams map[int64]bool
}

// StartFiling reads, in one round trip, the requesters' VIP flag and locale
// and the clock, takes n ticket ids, reads which teams have leads, and
// locks the candidate agents' profiles in id order (as LockAgentLoads does;
// the statements run in that order, so the locks come last and are held
// the least).
func (tx *Tx) StartFiling(ctx context.Context, requesters []int64, n int, candidates []int64) (*Filing, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT now(), coalesce(array_agg(id), '{}'), coalesce(array_agg(vip), '{}'), coalesce(array_agg(locale), '{}')
FROM users WHERE id = ANY($1::bigint[])`, requesters)
	b.Queue(`SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, $1::integer)`, n)
	b.Queue(`SELECT DISTINCT tm.team_id FROM team_members tm JOIN users u ON u.id = tm.user_id WHERE tm.is_lead AND u.active`)
	if len(candidates) > 0 {
		// LockAgentProfiles (queries/triage.sql), queued.
		b.Queue(`SELECT p.user_id, p.capacity, p.availability, p.last_assigned_at, p.open_load, u.active
FROM agent_profiles p JOIN users u ON u.id = p.user_id
WHERE p.user_id = ANY($1::bigint[])
ORDER BY p.user_id
FOR UPDATE OF p`, candidates)
	}
	f := &Filing{Filers: map[int64]Filer{}}
	err := func() (err error) {
		br := tx.tx.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		var ids []int64
		var vips []bool
		var locales []string
		if err := br.QueryRow().Scan(&f.Now, &ids, &vips, &locales); err != nil {
			return err
		}
		for i, id := range ids {
			f.Filers[id] = Filer{VIP: vips[i], Locale: locales[i]}
		}
		rows, err := br.Query()
		if err != nil {
			return err
		}
		if f.IDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		if f.LeadTeams, err = idSet(rows); err != nil {
			return err
		}
		if len(candidates) == 0 {
			return nil
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		f.Loads, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (helpdesk.AgentLoad, error) {
			var r dbsqlc.LockAgentProfilesRow
			err := row.Scan(&r.UserID, &r.Capacity, &r.Availability, &r.LastAssignedAt, &r.OpenLoad, &r.Active)
			return agentLoad(r), err
		})
		return err
	}()
	if err != nil {
		return nil, fmt.Errorf("start filing %d tickets: %w", n, mapError(err))
	}
	return f, nil
}

// insertTriagedSQL is InsertTicket for a batch of tickets triaged before
// they are written: each row is stored once with triage's decision,
// deadlines on the team's calendar and the wait, with its first message,
// Message-ID, and the "created" event followed by triage's events in order
// (one INSERT per table, ordered by the batch's order, so numbers, message
// ids and event ids keep that order). A triage UPDATE after the insert is
// never HOT (it changes indexed columns), so it added a second row version
// with an entry in every index of tickets, a dead tuple for vacuum and a
// second commit. One statement for the whole batch rather than one per
// ticket: the batch holds the agents' profile locks while it runs, and a
// statement's fixed cost (executor start with ~30 indexes to open, the
// report triggers that run per statement) was paid per ticket
// (pgbench, 4 tickets: 2.5 ms as four statements, 1.7-1.9 ms as one).
// The created event keeps the priority as filed (the matrix's): the
// prioritised event explains the change. The ids are taken in advance
// (StartFiling).
const insertTriagedSQL = `WITH i AS MATERIALIZED (
    SELECT x.*, message_vector(x.body) AS bodyv
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[],
                $9::bigint[], $10::bigint[], $11::text[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[],
                $15::timestamptz[], $16::timestamptz[], $17::timestamptz[], $18::text[], $19::text[], $20::boolean[],
                $21::text[], $22::text[], $23::text[], $24::boolean[], $25::bigint[], $26::text[], $27::text[])
         WITH ORDINALITY AS x(id, body, subject, priority, impact, urgency, category_id, team_id, assignee_id,
                              requester_id, source, frd, rd, due, frw, rw, retry_at, wait, wait_skill, stand_in,
                              body_html, email_id, sender_check, sender_flagged, actor_id, filed_priority, events, ord)
), t AS (
    INSERT INTO tickets (id, subject, status, priority, impact, urgency, category_id, team_id, assignee_id, requester_id,
                         source, first_response_due, resolution_due, due_at, first_response_warn_at, resolution_warn_at,
                         triaged_at, triage_retry_at, triage_wait, triage_wait_skill, triage_stand_in, search)
    SELECT id, subject, 'new', priority, impact, urgency, category_id, team_id, assignee_id, requester_id,
           source, frd, rd, due, frw, rw, now(), retry_at, NULLIF(wait, ''), NULLIF(wait_skill, ''), stand_in,
           setweight(to_tsvector('english', subject), 'A') || setweight(bodyv, 'B')
    FROM i ORDER BY ord
    RETURNING id, number, created_at, updated_at
), m AS (
    INSERT INTO messages (ticket_id, author_id, internal, body_text, body_html, email_message_id, source, search,
                          sender_check, sender_flagged)
    SELECT t.id, i.requester_id, false, i.body, i.body_html, i.email_id, i.source, i.bodyv, i.sender_check,
           i.sender_flagged
    FROM i JOIN t ON t.id = i.id ORDER BY i.ord
    RETURNING id, ticket_id
), mid AS (
    INSERT INTO ticket_message_ids (message_id, ticket_id)
    SELECT i.email_id, t.id FROM i JOIN t ON t.id = i.id WHERE i.email_id IS NOT NULL ORDER BY i.ord
    ON CONFLICT DO NOTHING
), e AS (
    INSERT INTO ticket_events (ticket_id, actor_id, kind, before, after, reason)
    SELECT m.ticket_id, x.actor_id, x.kind, x.before, x.after, x.reason
    FROM i JOIN m ON m.ticket_id = i.id, LATERAL (
        SELECT i.actor_id, 'created'::text AS kind, NULL::jsonb AS before,
               jsonb_build_object('subject', i.subject, 'priority', i.filed_priority, 'impact', i.impact,
                   'urgency', i.urgency, 'source', i.source, 'message_id', m.id) AS after,
               ''::text AS reason, 0::bigint AS ord
        UNION ALL
        SELECT NULL::bigint, k.e->>'kind', NULLIF(k.e->'before', 'null'::jsonb), NULLIF(k.e->'after', 'null'::jsonb),
               coalesce(k.e->>'reason', ''), k.ord
        FROM jsonb_array_elements(i.events::jsonb) WITH ORDINALITY AS k(e, ord)
    ) x
    ORDER BY i.ord, x.ord
)
SELECT t.number, t.created_at, t.updated_at, c.name, tm.name, tm.slug, r.name, r.email, a.name, a.email, m.id
FROM i JOIN t ON t.id = i.id JOIN m ON m.ticket_id = i.id
JOIN users r ON r.id = i.requester_id
LEFT JOIN categories c ON c.id = i.category_id
LEFT JOIN teams tm ON tm.id = i.team_id
LEFT JOIN users a ON a.id = i.assignee_id
ORDER BY i.ord`

// bornEvent is one of triage's events as the insert reads it.
type bornEvent struct {
	Kind   string          `json:"kind"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
	Reason string          `json:"reason,omitempty"`
}

// Born is what InsertTriagedTickets wrote and read.
type Born struct {
	// Tickets are the tickets as stored (names included) and Messages
	// their first messages' ids, in the order given.
	Tickets  []*helpdesk.Ticket
	Messages []int64
	// Pending are the tickets with events waiting for the rules (true:
	// only the created event waits).
	Pending map[int64]bool
	// CreatedRules are the enabled ticket.created rules (ID, TeamID and
	// Condition only) and CreatedHooks whether an active webhook hears
	// ticket.created, read after the insert: what may act on the new
	// tickets' created events.
	CreatedRules []helpdesk.Rule
	CreatedHooks bool
}

// InsertTriagedTickets stores new tickets already triaged (each
// NewTicket.Triage set, FiledPriority the priority as filed) under the ids
// StartFiling took, in one round trip with the batch's round-robin stamps
// (stampAssignedSQL: assignees in the order assigned) and the rules' check
// (automationPendingSQL): each ticket with its first message,
// Message-ID, "created" event and triage's events in order, as InsertTicket
// and ApplyTriages together wrote them, and what may act on their created
// events (createdRulesSQL). The load trigger counts
// an assignment made here.
func (tx *Tx) InsertTriagedTickets(ctx context.Context, ids []int64, ns []NewTicket, assignees []int64) (*Born, error) {
	if len(ids) < len(ns) {
		return nil, fmt.Errorf("insert triaged tickets: %d ids for %d tickets", len(ids), len(ns))
	}
	var c bornColumns
	for i, n := range ns {
		if n.Triage == nil {
			return nil, fmt.Errorf("insert triaged ticket %q: no triage", n.Subject)
		}
		if err := c.add(ids[i], n); err != nil {
			return nil, err
		}
	}
	b := &pgx.Batch{}
	b.Queue(insertTriagedSQL, c.id, c.body, c.subject, c.priority, c.impact, c.urgency, c.category, c.team,
		c.assignee, c.requester, c.source, c.frd, c.rd, c.due, c.frw, c.rw, c.retryAt, c.wait, c.waitSkill,
		c.standIn, c.bodyHTML, c.emailID, c.senderCheck, c.senderFlagged, c.actor, c.filedPriority, c.events)
	if len(assignees) > 0 {
		b.Queue(stampAssignedSQL, assignees)
	}
	b.Queue(automationPendingSQL, ids[:len(ns)])
	b.Queue(createdRulesSQL)
	ts, msgs := make([]*helpdesk.Ticket, len(ns)), make([]int64, len(ns))
	out := &Born{Tickets: ts, Messages: msgs}
	err := func() (err error) {
		br := tx.tx.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		rows, err := br.Query()
		if err != nil {
			return err
		}
		i := 0
		for rows.Next() {
			if i >= len(ns) {
				rows.Close()
				return fmt.Errorf("more rows than the %d tickets", len(ns))
			}
			n, r := ns[i], ns[i].Triage
			d := r.Deadlines
			fr, res := d.FirstResponse, d.Resolution
			t := &helpdesk.Ticket{ID: ids[i], Subject: n.Subject, Status: helpdesk.StatusNew, Priority: r.Priority,
				Impact: n.Impact, Urgency: n.Urgency, CategoryID: r.CategoryID, TeamID: r.TeamID, AssigneeID: r.AssigneeID,
				RequesterID: n.RequesterID, Source: n.Source, FirstResponseDue: &fr, ResolutionDue: &res, DueAt: d.DueAt,
				TriageWait: r.Wait}
			var cat, team, slug, aName, aEmail *string
			if err := rows.Scan(&t.Number, &t.CreatedAt, &t.UpdatedAt, &cat, &team, &slug,
				&t.RequesterName, &t.RequesterEmail, &aName, &aEmail, &msgs[i]); err != nil {
				rows.Close()
				return err
			}
			t.CategoryName, t.TeamName, t.TeamSlug = deref(cat), deref(team), deref(slug)
			t.AssigneeName, t.AssigneeEmail = deref(aName), deref(aEmail)
			ts[i] = t
			i++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if i != len(ns) {
			return fmt.Errorf("%d rows for %d tickets", i, len(ns))
		}
		if len(assignees) > 0 {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if rows, err = br.Query(); err != nil {
			return err
		}
		if out.Pending, err = pendingOf(rows); err != nil {
			return err
		}
		var rules, teams []int64
		var conds []string
		if err := br.QueryRow().Scan(&rules, &teams, &conds, &out.CreatedHooks); err != nil {
			return err
		}
		for i, id := range rules {
			r := helpdesk.Rule{ID: id, Trigger: helpdesk.TriggerCreated, Condition: conds[i], Enabled: true}
			if teams[i] != 0 {
				r.TeamID = &teams[i]
			}
			out.CreatedRules = append(out.CreatedRules, r)
		}
		return nil
	}()
	if IsForeignKey(err, "tickets_category_id_fkey") {
		return nil, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "category", Message: "Choose a category from the list."}}}
	} else if err != nil {
		return nil, fmt.Errorf("insert triaged tickets: %w", mapError(err))
	}
	for _, t := range ts {
		_ = tx.NotifyTicket(ctx, t.Number)
	}
	return out, nil
}

// bornColumns are a batch of triaged tickets as insertTriagedSQL's arrays,
// one element per ticket.
type bornColumns struct {
	triageColumns
	id, requester                                    []int64
	actor                                            []*int64
	body, subject, impact, urgency, source, bodyHTML []string
	senderCheck, filedPriority, events               []string
	emailID                                          []*string
	senderFlagged                                    []bool
}

// add appends ticket n, to be stored under id.
func (c *bornColumns) add(id int64, n NewTicket) error {
	r := n.Triage
	evs := make([]bornEvent, 0, len(r.Events))
	for _, e := range r.Events {
		before, after, err := e.encode()
		if err != nil {
			return fmt.Errorf("insert triaged ticket: %w", err)
		}
		evs = append(evs, bornEvent{Kind: e.Kind, Before: before, After: after, Reason: e.Reason})
	}
	events, err := json.Marshal(evs)
	if err != nil {
		return fmt.Errorf("insert triaged ticket: events: %w", err)
	}
	var emailID *string
	if n.EmailMessageID != "" {
		emailID = &n.EmailMessageID
	}
	c.triageColumns.add(r)
	c.id, c.requester, c.actor = append(c.id, id), append(c.requester, n.RequesterID), append(c.actor, n.ActorID)
	c.body, c.subject, c.bodyHTML = append(c.body, n.Body), append(c.subject, n.Subject), append(c.bodyHTML, n.BodyHTML)
	c.impact, c.urgency = append(c.impact, string(n.Impact)), append(c.urgency, string(n.Urgency))
	c.source, c.senderCheck = append(c.source, string(n.Source)), append(c.senderCheck, n.SenderCheck)
	c.filedPriority, c.events = append(c.filedPriority, string(n.FiledPriority)), append(c.events, string(events))
	c.emailID, c.senderFlagged = append(c.emailID, emailID), append(c.senderFlagged, n.SenderFlagged)
	return nil
}

// stampAssignedSQL records the round-robin order of a batch's assignments:
// each agent's last assignment is the statement's clock plus the position
// of their last ticket in the batch (µs), as one write per ticket stamped
// them one after another. applyTriagesSQL's step "a" stamps a triage
// batch the same way: change both together.
const stampAssignedSQL = `UPDATE agent_profiles p
SET last_assigned_at = clock_timestamp() + make_interval(secs => x.ord / 1e6)
FROM (SELECT id, max(ord) AS ord FROM unnest($1::bigint[]) WITH ORDINALITY AS a(id, ord) GROUP BY id) x
WHERE p.user_id = x.id`

// createdRulesSQL reads the enabled ticket.created rules' conditions, in
// the rules' order, and whether an active webhook hears ticket.created (no
// events listed: every event): a born ticket's created event needs the
// rules' drain only if one of them may act on it.
const createdRulesSQL = `SELECT coalesce(array_agg(id ORDER BY position, id), '{}'),
       coalesce(array_agg(coalesce(team_id, 0) ORDER BY position, id), '{}'),
       coalesce(array_agg(condition ORDER BY position, id), '{}'),
       EXISTS (SELECT 1 FROM webhooks WHERE active AND (events = '{}' OR 'ticket.created' = ANY(events)))
FROM automation_rules WHERE enabled AND trigger = 'ticket.created'`

// DropInbox removes every waiting event of the tickets from the rules'
// inbox: born tickets whose created event no rule or webhook acts on.
func (tx *Tx) DropInbox(ctx context.Context, ticketIDs []int64) error {
	if _, err := tx.tx.Exec(ctx, `DELETE FROM automation_inbox WHERE ticket_id = ANY($1)`, ticketIDs); err != nil {
		return fmt.Errorf("drop inbox of tickets %v: %w", ticketIDs, mapError(err))
	}
	return nil
}

// automationPendingSQL is AutomationPendingAmong's statement: the tickets
// with events waiting for the rules, each with whether its created event
// is all that waits (triage's events at birth are not among the kinds the
// inbox takes; the born check does not count on it).
const automationPendingSQL = `SELECT ticket_id, bool_and(kind = 'created') FROM automation_inbox
WHERE ticket_id = ANY($1::bigint[]) GROUP BY ticket_id`
