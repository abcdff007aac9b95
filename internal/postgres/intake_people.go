package postgres

import (
	"context"
	"fmt"
)

// MailPerson is someone copied on a mail: an address (lower case), the name
// a new account gets, and whether the sender policy lets one be made.
type MailPerson struct {
	Email  string
	Name   string
	Create bool
}

// MailParticipantsEvent is the event written when copied people join a
// ticket: who did it, its kind and why (the added addresses go into its
// "emails").
type MailParticipantsEvent struct {
	ActorID *int64
	Kind    string
	Reason  string
}

// AddMailParticipants makes the people copied on a mail followers of a
// ticket in one statement: accounts are made for those without one (as
// Create allows, in address order, so two mails copying the same new people
// in another order cannot deadlock), everyone but the requester joins, and
// one event names those newly added. It returns the addresses added, in the
// order given. A mail's processing ran a look-up, perhaps an account, an
// insert per person and the event as separate statements: most mail copies
// someone, so that was three or more round trips per mail.
//
// An account made by a concurrent transaction that commits while this
// statement waits on it is invisible to this statement's snapshot; the
// insert's DO UPDATE (a no-op) returns it anyway, and it runs only in that
// race, because only addresses without an account in the snapshot are
// inserted. It sets updated_at, not email: an UPDATE naming email (even in
// DO UPDATE, even when no row conflicts) fires users_auth_changed, whose
// NOTIFY makes every node drop all its cached sessions and API tokens, and
// most mail copies someone.
func (tx *Tx) AddMailParticipants(ctx context.Context, ticketID, requesterID int64, people []MailPerson,
	ev MailParticipantsEvent) ([]string, error) {
	if len(people) == 0 {
		return nil, nil
	}
	emails := make([]string, len(people))
	names := make([]string, len(people))
	create := make([]bool, len(people))
	for i, p := range people {
		emails[i], names[i], create[i] = p.Email, p.Name, p.Create
	}
	rows, err := tx.tx.Query(ctx, `WITH input AS (
		SELECT x.email, x.name, x.make, x.ord FROM unnest($1::text[], $2::text[], $3::boolean[]) WITH ORDINALITY AS x(email, name, make, ord)
	), found AS (
		SELECT i.ord, u.id FROM input i JOIN users u ON lower(u.email) = i.email
	), made AS (
		INSERT INTO users (email, name, role)
		SELECT i.email, i.name, 'requester' FROM input i
		WHERE i.make AND NOT EXISTS (SELECT 1 FROM found f WHERE f.ord = i.ord)
		ORDER BY i.email
		ON CONFLICT ((lower(email))) DO UPDATE SET updated_at = users.updated_at
		RETURNING id, lower(email) AS email
	), who AS (
		SELECT f.ord, f.id FROM found f
		UNION ALL
		SELECT i.ord, m.id FROM input i JOIN made m ON m.email = i.email
	), joined AS (
		INSERT INTO ticket_participants (ticket_id, user_id)
		SELECT $4, w.id FROM who w WHERE w.id <> $5 ORDER BY w.ord
		ON CONFLICT DO NOTHING
		RETURNING user_id
	), added AS (
		SELECT i.email, i.ord FROM input i JOIN who w ON w.ord = i.ord JOIN joined j ON j.user_id = w.id
	), ev AS (
		INSERT INTO ticket_events (ticket_id, actor_id, kind, after, reason)
		SELECT $4, $6, $7, jsonb_build_object('emails', jsonb_agg(a.email ORDER BY a.ord)), $8
		FROM added a HAVING count(*) > 0
	)
	SELECT email FROM added ORDER BY ord`, emails, names, create, ticketID, requesterID, ev.ActorID, ev.Kind, ev.Reason)
	if err != nil {
		return nil, fmt.Errorf("add copied people to ticket %d: %w", ticketID, mapError(err))
	}
	defer rows.Close()
	var added []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("add copied people to ticket %d: %w", ticketID, mapError(err))
		}
		added = append(added, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("add copied people to ticket %d: %w", ticketID, mapError(err))
	}
	return added, nil
}
