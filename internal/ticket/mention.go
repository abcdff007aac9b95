package ticket

import (
	"context"
	"regexp"
	"strings"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// mentionRE finds @handles: a full email or the part before the @. A
// handle must follow the start or a space, so email addresses written in
// the text are not read as mentions of their domain.
var mentionRE = regexp.MustCompile(`(?:^|[\s(])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)`)

// Handles returns the distinct @handles in body, lower-cased, in order.
func Handles(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		h := strings.ToLower(strings.TrimRight(m[1], "."))
		if h != "" && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// Write posts a reply or an internal note from staff and records its
// @mentions, all in one transaction: the mentioned agents find the ticket
// under their Mentions view. Handles that name nobody (or several people)
// are ignored rather than refused, as in chat tools.
func (s *Service) Write(ctx context.Context, author *helpdesk.User, number int64, body string, internal bool) (_ *helpdesk.Message, err error) {
	defer helpdesk.WrapOp(&err, "write on ticket %d", number)
	if !author.IsStaff() {
		return nil, notFound()
	}
	in := MessageInput{Body: body, Internal: internal, Source: helpdesk.SourcePortal}
	in.AfterInsert = func(ctx context.Context, tx *postgres.Tx, m *helpdesk.Message) error {
		var mentioned []int64
		for _, h := range Handles(body) {
			users, err := tx.StaffByHandle(ctx, h)
			if err != nil {
				return err
			}
			if len(users) != 1 || users[0] == author.ID {
				continue
			}
			// Someone who would get 404 on the ticket is not told of it,
			// nor mailed the note's text.
			visible, err := tx.StaffCanSeeTicket(ctx, users[0], m.TicketID)
			if err != nil {
				return err
			}
			if !visible {
				continue
			}
			if err := tx.InsertMention(ctx, m.ID, users[0], m.TicketID); err != nil {
				return err
			}
			mentioned = append(mentioned, users[0])
		}
		if len(mentioned) == 0 || s.Jobs == nil {
			return nil
		}
		// Mentioned agents get mail once the message commits.
		_, err := s.Jobs.InsertTx(ctx, tx, jobs.MentionArgs{TicketID: m.TicketID, MessageID: m.ID,
			AgentIDs: mentioned, ActorID: author.ID}, nil)
		return err
	}
	return s.AddMessage(ctx, author, number, in)
}

// SeenMentions marks the viewer's mentions on a ticket as read, so it
// leaves their Mentions view once they have opened it.
func (s *Service) SeenMentions(ctx context.Context, viewer *helpdesk.User, t *helpdesk.Ticket) error {
	return s.DB.MarkMentionsSeen(ctx, viewer.ID, t.ID)
}
