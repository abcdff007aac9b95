package ticket

import (
	"context"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Merge folds ticket number into ticket into: its messages, attachments and
// search text move, its requester and followers become followers of the
// surviving ticket, and it closes with a pointer to it. Both tickets get a
// "merged" event. Staff only; both tickets must be visible to the actor.
func (s *Service) Merge(ctx context.Context, actor *helpdesk.User, number, into int64) (_ *helpdesk.Ticket, err error) {
	defer helpdesk.WrapOp(&err, "merge ticket %d into %d", number, into)
	if !actor.IsStaff() {
		return nil, notFound()
	}
	from, err := s.Get(ctx, actor, number)
	if err != nil {
		return nil, err
	}
	target, err := s.Get(ctx, actor, into)
	if helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return nil, invalidField("into", "No ticket with that number.")
	} else if err != nil {
		return nil, err
	}
	switch {
	case from.ID == target.ID:
		return nil, invalidField("into", "A ticket cannot be merged into itself.")
	case from.MergedIntoID != nil:
		return nil, invalidField("into", "This ticket was already merged.")
	case target.MergedIntoID != nil:
		return nil, invalidField("into", "That ticket was itself merged; merge into the one it points to.")
	}
	err = s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		// Lock both in id order so two opposite merges cannot deadlock.
		first, second := from.ID, target.ID
		if first > second {
			first, second = second, first
		}
		cur, err := tx.LockTicket(ctx, first)
		if err != nil {
			return err
		}
		cur2, err := tx.LockTicket(ctx, second)
		if err != nil {
			return err
		}
		fromStatus := cur.Status
		if first != from.ID {
			fromStatus = cur2.Status
		}
		if err := tx.MergeInto(ctx, from.ID, target.ID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, target.ID, target.Number, actor, helpdesk.EventMerged,
			nil, map[string]any{"merged_from": from.Number}, "", nil); err != nil {
			return err
		}
		if err := s.record(ctx, tx, from.ID, from.Number, actor, helpdesk.EventMerged,
			nil, map[string]any{"merged_into": target.Number}, "", nil); err != nil {
			return err
		}
		if fromStatus != helpdesk.StatusClosed {
			return s.changeStatus(ctx, tx, from, actor, fromStatus, helpdesk.StatusClosed, "merged into #"+itoa(target.Number))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return target, nil
}

func invalidField(field, msg string) error {
	return &helpdesk.Error{Code: helpdesk.EINVALID, Message: msg, Fields: []helpdesk.FieldError{{Field: field, Message: msg}}}
}
