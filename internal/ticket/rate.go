package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
)

// MaxRatingComment bounds the optional comment of a satisfaction rating.
const MaxRatingComment = 2000

// Rating is a requester's verdict on one resolution of a ticket.
type Rating = helpdesk.Rating

// Rate stores the requester's 1–5 satisfaction rating of the ticket's
// current resolution, with the `rated` event, in one transaction. Only the
// requester rates, only a resolved or closed ticket, and only once per
// resolution: a reopened and again resolved ticket can be rated again.
func (s *Service) Rate(ctx context.Context, actor *helpdesk.User, number int64, score int, comment string) (err error) {
	defer helpdesk.WrapOp(&err, "rate ticket %d", number)
	t, err := s.Get(ctx, actor, number)
	if err != nil {
		return err
	}
	if t.RequesterID != actor.ID {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only the person who asked for help can rate it.")
	}
	comment = strings.TrimSpace(comment)
	var v helpdesk.Validation
	if score < 1 || score > 5 {
		v.Add("rating", "Choose a rating from 1 to 5.")
	}
	if utf8.RuneCountInString(comment) > MaxRatingComment {
		v.Add("comment", "Keep the comment under 2,000 characters.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return s.DB.InTx(ctx, func(tx *postgres.Tx) error {
		cur, err := tx.LockTicket(ctx, t.ID)
		if err != nil {
			return err
		}
		if cur.Status.IsOpen() || cur.ResolutionCount == 0 {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "You can rate a ticket once it is solved.")
		}
		added, err := tx.InsertRating(ctx, t.ID, cur.ResolutionCount, score, comment, actor.ID)
		if err != nil {
			return err
		}
		if !added {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "You have already rated this resolution. Thank you!")
		}
		after := map[string]any{"rating": score, "resolution_no": cur.ResolutionCount, "comment": comment != ""}
		return s.record(ctx, tx, t.ID, t.Number, actor, helpdesk.EventRated, nil, after, "",
			jobs.ChangedArgs{TicketID: t.ID, Event: helpdesk.EventRated, ActorID: actor.ID})
	})
}

// CurrentRating returns the rating of the ticket's latest resolution, or nil
// when there is none yet (or the ticket was never resolved). t must come from
// Get, so the viewer is already known to see it.
func (s *Service) CurrentRating(ctx context.Context, t *helpdesk.Ticket) (*Rating, error) {
	if t.ResolutionCount == 0 {
		return nil, nil
	}
	return s.DB.Rating(ctx, t.ID, t.ResolutionCount)
}

// Categories lists the categories a requester may pick when filing a ticket.
func (s *Service) Categories(ctx context.Context) ([]helpdesk.Category, error) {
	cats, err := s.DB.Categories(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]helpdesk.Category, 0, len(cats))
	for _, c := range cats {
		out = append(out, c.Category)
	}
	return out, nil
}
