package ticket

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/jobs"
	"switchboard/internal/postgres"
	"switchboard/internal/postgres/dbsqlc"
)

// MaxRatingComment bounds the optional comment of a satisfaction rating.
const MaxRatingComment = 2000

// Rating is a requester's verdict on one resolution of a ticket.
type Rating struct {
	Score     int // 1 (poor) to 5 (excellent)
	Comment   string
	CreatedAt time.Time
}

// Rate stores the requester's 1–5 satisfaction rating of the ticket's
// current resolution, with the `rated` event, in one transaction. Only the
// requester rates, only a resolved or closed ticket, and only once per
// resolution: a reopened and again resolved ticket can be rated again.
func (s *Service) Rate(ctx context.Context, actor *helpdesk.User, number int64, score int, comment string) error {
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
		cur, err := tx.Q.LockTicket(ctx, t.ID)
		if err != nil {
			return err
		}
		if st := helpdesk.Status(cur.Status); st.IsOpen() || cur.ResolutionCount == 0 {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "You can rate a ticket once it is solved.")
		}
		n, err := tx.Q.InsertRating(ctx, dbsqlc.InsertRatingParams{TicketID: t.ID, ResolutionNo: cur.ResolutionCount,
			Rating: int32(score), Comment: comment, UserID: &actor.ID})
		if err != nil {
			return err
		}
		if n == 0 {
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
	r, err := s.DB.Q().GetRating(ctx, dbsqlc.GetRatingParams{TicketID: t.ID, ResolutionNo: int32(t.ResolutionCount)})
	if err = postgres.MapError(err); helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &Rating{Score: int(r.Rating), Comment: r.Comment, CreatedAt: r.CreatedAt}, nil
}

// Categories lists the categories a requester may pick when filing a ticket.
func (s *Service) Categories(ctx context.Context) ([]helpdesk.Category, error) {
	rows, err := s.DB.Q().ListCategories(ctx)
	if err != nil {
		return nil, postgres.MapError(err)
	}
	out := make([]helpdesk.Category, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.Category{ID: r.ID, Name: r.Name, TeamID: r.TeamID,
			DefaultImpact: helpdesk.Impact(r.DefaultImpact), DefaultUrgency: helpdesk.Urgency(r.DefaultUrgency)})
	}
	return out, nil
}
