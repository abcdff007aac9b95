package intake

import (
	"context"
	"errors"
	"time"

	"switchboard/internal/mail"
	"switchboard/internal/postgres"
)

// Threading under bursts. When a mail server flushes its queue or an IMAP
// poller catches up, a reply can be processed before the mail it answers,
// and two replies of one conversation can be processed at once. Three rules
// keep them on one ticket while unrelated mail still runs in parallel:
//
//  1. a reply whose parent was received but not yet processed waits for it
//     (the job snoozes, for at most parentWait after the reply arrived), and
//     one whose parent has not arrived at all waits unknownParentWait;
//  2. the transaction creating a ticket locks the conversation's
//     Message-IDs, so two of its mails create one after the other, and the
//     second, seeing the first's ticket, threads to it instead;
//  3. a new ticket records the Message-IDs its mail referred to, so a parent
//     that arrives later still (or was lost for a while) joins that ticket.

// errWaitParent makes the worker snooze the job: the mail's parent is queued
// or not arrived yet. A waitParent error carries how long.
var errWaitParent = errors.New("parent mail not processed yet")

// waitParent is errWaitParent with how long to wait before the next try.
type waitParent struct{ after time.Duration }

func (w waitParent) Error() string     { return errWaitParent.Error() }
func (w waitParent) Is(err error) bool { return err == errWaitParent }

// parentDelay is how long err (an errWaitParent) asks to wait.
func parentDelay(err error) time.Duration {
	var w waitParent
	if errors.As(err, &w) && w.after > 0 {
		return w.after
	}
	return parentSnooze
}

// errRethread rolls back a new ticket whose conversation got a ticket in the
// meantime; the mail is handled again and threads to it.
var errRethread = errors.New("conversation got a ticket meanwhile")

// parentWait bounds how long a reply waits for its parent; parentSnooze is
// how long each wait is.
const (
	parentWait   = 2 * time.Minute
	parentSnooze = 300 * time.Millisecond
	// unknownParentWait is how long a reply waits for a parent that has not
	// arrived at all; replies to mail Switchboard never sees wait this long.
	unknownParentWait = 3 * time.Second
)

// threadIDs are the Message-IDs a mail refers to that may thread it: its
// In-Reply-To first, then References newest first, never ids we assigned.
func threadIDs(p *mail.Parsed) []string {
	var ids []string
	add := func(id string) {
		if id != "" && !mail.IsAssignedMessageID(id) && len(id) <= mail.MaxIDLen {
			ids = append(ids, id)
		}
	}
	for _, id := range p.InReplyTo {
		add(id)
	}
	for i := len(p.References) - 1; i >= 0; i-- {
		add(p.References[i])
	}
	if len(ids) > 100 {
		ids = ids[:100]
	}
	return ids
}

// parentPending returns how long a mail that threads nowhere should wait
// for its parent before it is tried again, 0 for not at all.
func (pr *Processor) parentPending(ctx context.Context, row *postgres.InboundMail, p *mail.Parsed) (time.Duration, error) {
	ids := threadIDs(p)
	age := time.Since(row.ReceivedAt)
	if len(ids) == 0 || age > parentWait {
		return 0, nil
	}
	queued, err := pr.DB.QueuedMailWithIDs(ctx, row.ID, ids)
	if err != nil || queued {
		return parentSnooze, err
	}
	// Not stored at all: in a burst the parent is often a few mails behind.
	// A reply that starts a ticket now, naming only its own parent
	// (In-Reply-To), can never be found by the conversation's root, which
	// names neither: the conversation splits. So it waits a moment too, in
	// one go: a try every parentSnooze cost a parse, a query and a River
	// job round each, for the few replies whose parent does arrive (they
	// thread to it all the same, just up to unknownParentWait later).
	if age < unknownParentWait {
		return unknownParentWait - age, nil
	}
	return 0, nil
}

// claimThread runs in the transaction that creates ticketID for a mail: it
// locks the conversation, gives up (errRethread) when another ticket took it
// meanwhile, and otherwise records the ids the mail referred to.
func claimThread(ctx context.Context, tx *postgres.Tx, ticketID int64, p *mail.Parsed, emailID string) error {
	refs := threadIDs(p)
	other, err := tx.ClaimThreadIDs(ctx, append(refs, emailID), ticketID)
	if err != nil {
		return err
	}
	if other != 0 {
		return errRethread
	}
	if len(refs) == 0 {
		return nil
	}
	return tx.AddThreadIDs(ctx, ticketID, refs)
}
