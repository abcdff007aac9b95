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

// errWaitParent makes the worker snooze the job: the mail's parent is queued.
var errWaitParent = errors.New("parent mail received but not processed yet")

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

// parentPending reports whether a mail that threads nowhere should wait for
// a parent that is stored but not yet processed.
func (pr *Processor) parentPending(ctx context.Context, row *postgres.InboundMail, p *mail.Parsed) (bool, error) {
	ids := threadIDs(p)
	if len(ids) == 0 || time.Since(row.ReceivedAt) > parentWait {
		return false, nil
	}
	queued, err := pr.DB.QueuedMailWithIDs(ctx, row.ID, ids)
	if err != nil || queued {
		return queued, err
	}
	// Not stored at all: in a burst the parent is often a few mails behind.
	// A reply that starts a ticket now, naming only its own parent
	// (In-Reply-To), can never be found by the conversation's root, which
	// names neither: the conversation splits. So it waits a moment too.
	return time.Since(row.ReceivedAt) < unknownParentWait, nil
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
