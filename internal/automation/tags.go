package automation

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// tagPattern is what a tag may be (the database checks the same).
var tagPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)

// planned reports whether a plan already adds value to field (two actions
// adding one tag change the ticket once).
func planned(cs []helpdesk.RunChange, field, value string) bool {
	for _, c := range cs {
		if c.Field == field && sameJSON(c.After, jsonValue(value)) {
			return true
		}
	}
	return false
}

// participantEmail finds an active user by email for add_participant and
// returns the email as stored.
func (s *Service) participantEmail(ctx context.Context, email string) (string, error) {
	var out string
	err := s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if !u.Active {
			return helpdesk.Errorf(helpdesk.ENOTFOUND, "not active")
		}
		out = u.Email
		return nil
	})
	return out, err
}

// addTag tags t (no change when it has the tag), with a timeline event and
// the run's change.
func (s *Service) addTag(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, tag string, runID int64,
	reason string) (string, int, error) {
	added, err := tx.AddTicketTag(ctx, t.ID, tag)
	if err != nil || !added {
		return "", 0, err
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventTagged,
		After: map[string]any{"tags": []string{tag}}, Reason: reason}); err != nil {
		return "", 0, err
	}
	return "", 1, tx.InsertRunChange(ctx, runID, t.ID, "tag", nil, tag)
}

// addParticipant makes the user with email follow t (they are copied on
// its public replies). The requester and people following already are no
// change.
func (s *Service) addParticipant(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, email string, runID int64,
	reason string) (string, int, error) {
	u, err := tx.UserByEmail(ctx, email)
	if err != nil {
		return "", 0, err
	}
	if u.ID == t.RequesterID {
		return "", 0, nil
	}
	if added, err := tx.AddParticipant(ctx, t.ID, u.ID); err != nil || !added {
		return "", 0, err
	}
	if err := tx.RecordEvent(ctx, postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: helpdesk.EventParticipantAdd,
		After: map[string]any{"emails": []string{u.Email}}, Reason: reason}); err != nil {
		return "", 0, err
	}
	return "", 1, tx.InsertRunChange(ctx, runID, t.ID, "participant", nil, u.Email)
}

// revertMembership undoes a tag or participant change of a run: what the
// run added is removed if it is still there, what it removed (a rollback
// being undone) is added back. Gone already is a conflict.
func (s *Service) revertMembership(ctx context.Context, tx *postgres.Tx, t *postgres.RuleTicket, runID int64,
	c helpdesk.RunChange, reason string, out *Rollback, conflict func(string, json.RawMessage)) error {
	var before, after string
	_ = json.Unmarshal(c.Before, &before)
	_ = json.Unmarshal(c.After, &after)
	remove := after != ""
	value := after
	if !remove {
		value = before
	}
	var changed bool
	var err error
	var kind string
	var ev map[string]any
	switch c.Field {
	case "tag":
		if remove {
			changed, err = tx.RemoveTicketTag(ctx, t.ID, value)
			kind = helpdesk.EventUntagged
		} else {
			changed, err = tx.AddTicketTag(ctx, t.ID, value)
			kind = helpdesk.EventTagged
		}
		ev = map[string]any{"tags": []string{value}}
	case "participant":
		u, uerr := tx.UserByEmail(ctx, value)
		if uerr != nil {
			conflict("the person is gone", c.After)
			return nil //nolint:nilerr // listed
		}
		if remove {
			changed, err = tx.RemoveParticipant(ctx, t.ID, u.ID)
			kind = helpdesk.EventParticipantRemoved
		} else {
			changed, err = tx.AddParticipant(ctx, t.ID, u.ID)
			kind = helpdesk.EventParticipantAdd
		}
		ev = map[string]any{"emails": []string{value}}
	}
	if err != nil {
		return err
	}
	if !changed {
		state := "removed"
		if !remove {
			state = "back"
		}
		conflict(strings.TrimSpace(c.Field+" "+state+" already"), c.After)
		return nil
	}
	e := postgres.NewEvent{TicketID: t.ID, Number: t.Number, Kind: kind, Reason: reason}
	if remove {
		e.Before = ev
	} else {
		e.After = ev
	}
	if err := tx.RecordEvent(ctx, e); err != nil {
		return err
	}
	var b, a any
	if remove {
		b = value
	} else {
		a = value
	}
	if err := tx.InsertRunChange(ctx, runID, t.ID, c.Field, b, a); err != nil {
		return err
	}
	out.Reverted = append(out.Reverted, helpdesk.RunChange{Ticket: c.Ticket, Field: c.Field, Before: rawJSON(b), After: rawJSON(a)})
	return nil
}
