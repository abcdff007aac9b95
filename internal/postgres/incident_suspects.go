package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// InsertSuspect stores a proposal and its tickets; s.ID is filled in.
// target is the incident ticket a child proposal is for (0 for a new one).
func (db *DB) InsertSuspect(ctx context.Context, s *helpdesk.Suspect, target, alert int64, ticketIDs []int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.tx.QueryRow(ctx, `INSERT INTO suspected_incidents (target_id, alert_id, started_at, confidence, entities, words)
			VALUES (nullif($1, 0), nullif($2, 0), $3, $4, $5, $6) RETURNING id, proposed_at`,
			target, alert, s.StartedAt, s.Confidence, s.Entities, s.Words).Scan(&s.ID, &s.ProposedAt); err != nil {
			return err
		}
		return tx.addSuspectTickets(ctx, s.ID, ticketIDs)
	})
}

// AddSuspectTickets adds tickets to an open proposal.
func (db *DB) AddSuspectTickets(ctx context.Context, id int64, ticketIDs []int64) error {
	return db.InTx(ctx, func(tx *Tx) error { return tx.addSuspectTickets(ctx, id, ticketIDs) })
}

func (tx *Tx) addSuspectTickets(ctx context.Context, id int64, ticketIDs []int64) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO suspected_incident_tickets (suspect_id, ticket_id)
		SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, id, ticketIDs)
	return err
}

// OpenChildProposal is the open proposal of more children for incident
// target, 0 when there is none.
func (db *DB) OpenChildProposal(ctx context.Context, target int64) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM suspected_incidents WHERE target_id = $1 AND status = 'open'
		ORDER BY id DESC LIMIT 1`, target).Scan(&id)
	if IsNotFound(err) {
		return 0, nil
	}
	return id, mapError(err)
}

// OpenAlertRelated is the open alert incident related to a suspected
// incident: one that shares an entity (kind:value) with it, or else one
// routed to a team of its tickets; the newest such, 0 when none. A shared
// entity is the stronger evidence, so it wins over a shared team.
func (db *DB) OpenAlertRelated(ctx context.Context, entities []string, ticketIDs []int64) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT t.id FROM tickets t JOIN incidents i ON i.ticket_id = t.id AND i.kind = 'alert'
		WHERE t.status NOT IN ('resolved', 'closed') AND t.id <> ALL($2) AND (
			EXISTS (SELECT 1 FROM ticket_entities e WHERE e.ticket_id = t.id AND e.kind || ':' || e.value = ANY($1))
			OR t.team_id IN (SELECT team_id FROM tickets WHERE id = ANY($2) AND team_id IS NOT NULL))
		ORDER BY EXISTS (SELECT 1 FROM ticket_entities e WHERE e.ticket_id = t.id AND e.kind || ':' || e.value = ANY($1)) DESC,
			t.created_at DESC LIMIT 1`, entities, ticketIDs).Scan(&id)
	if IsNotFound(err) {
		return 0, nil
	}
	return id, mapError(err)
}

const suspectColumns = `s.id, s.status, s.started_at, s.proposed_at, s.confidence, s.entities, s.words,
	tg.id, tg.number, tg.subject, tg.status, al.id, al.number, al.subject, al.status, inc.id, inc.number, inc.subject, inc.status`

func scanSuspect(r pgx.Row) (*helpdesk.Suspect, error) {
	var s helpdesk.Suspect
	var tid, tnum, aid, anum, iid, inum *int64
	var tsub, tst, asub, ast, isub, ist *string
	if err := r.Scan(&s.ID, &s.Status, &s.StartedAt, &s.ProposedAt, &s.Confidence, &s.Entities, &s.Words,
		&tid, &tnum, &tsub, &tst, &aid, &anum, &asub, &ast, &iid, &inum, &isub, &ist); err != nil {
		return nil, err
	}
	ref := func(id, num *int64, sub, st *string) *helpdesk.TicketRef {
		if id == nil {
			return nil
		}
		return &helpdesk.TicketRef{ID: *id, Number: *num, Subject: *sub, Status: helpdesk.Status(*st)}
	}
	s.Target, s.Alert, s.Incident = ref(tid, tnum, tsub, tst), ref(aid, anum, asub, ast), ref(iid, inum, isub, ist)
	return &s, nil
}

const suspectFrom = ` FROM suspected_incidents s LEFT JOIN tickets tg ON tg.id = s.target_id
	LEFT JOIN tickets al ON al.id = s.alert_id LEFT JOIN tickets inc ON inc.id = s.incident_id`

// Suspects lists proposals (open ones, or all when status is ""), newest
// first, with their tickets.
func (db *DB) Suspects(ctx context.Context, status string, limit int) ([]helpdesk.Suspect, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+suspectColumns+suspectFrom+`
		WHERE $1 = '' OR s.status = $1 ORDER BY s.proposed_at DESC LIMIT $2`, status, limit)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.Suspect, error) {
		s, err := scanSuspect(r)
		if err != nil {
			return helpdesk.Suspect{}, err
		}
		return *s, nil
	})
	if err != nil {
		return nil, mapError(err)
	}
	for i := range out {
		if out[i].Tickets, err = db.suspectTickets(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Suspect loads one proposal with its tickets.
func (db *DB) Suspect(ctx context.Context, id int64) (*helpdesk.Suspect, error) {
	s, err := scanSuspect(db.pool.QueryRow(ctx, `SELECT `+suspectColumns+suspectFrom+` WHERE s.id = $1`, id))
	if err != nil {
		return nil, mapError(err)
	}
	s.Tickets, err = db.suspectTickets(ctx, id)
	return s, err
}

func (db *DB) suspectTickets(ctx context.Context, id int64) ([]helpdesk.TicketRef, error) {
	rows, err := db.pool.Query(ctx, `SELECT t.id, t.number, t.subject, t.status, t.created_at, u.email
		FROM suspected_incident_tickets st JOIN tickets t ON t.id = st.ticket_id JOIN users u ON u.id = t.requester_id
		WHERE st.suspect_id = $1 ORDER BY t.created_at, t.id`, id)
	if err != nil {
		return nil, mapError(err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (helpdesk.TicketRef, error) {
		var t helpdesk.TicketRef
		var st string
		err := r.Scan(&t.ID, &t.Number, &t.Subject, &st, &t.CreatedAt, &t.Requester)
		t.Status = helpdesk.Status(st)
		return t, err
	})
	return out, mapError(err)
}

// DecideSuspect closes an open proposal as confirmed (with the incident it
// became or joined) or dismissed; ECONFLICT when it was already decided.
// A dismissal also stores every pair of its tickets, so the detector never
// proposes them together again.
func (db *DB) DecideSuspect(ctx context.Context, id int64, status string, by, incidentID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		tag, err := tx.tx.Exec(ctx, `UPDATE suspected_incidents SET status = $2, decided_by = $3, decided_at = now(),
			incident_id = nullif($4, 0) WHERE id = $1 AND status = 'open'`, id, status, by, incidentID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "Someone already decided on this proposal.")
		}
		if status != "dismissed" {
			return nil
		}
		_, err = tx.tx.Exec(ctx, `INSERT INTO incident_dismissed_pairs (a, b)
			SELECT x.ticket_id, y.ticket_id FROM suspected_incident_tickets x JOIN suspected_incident_tickets y
				ON y.suspect_id = x.suspect_id AND x.ticket_id < y.ticket_id
			WHERE x.suspect_id = $1 ON CONFLICT DO NOTHING`, id)
		return err
	})
}
