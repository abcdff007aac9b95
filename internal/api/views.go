package api

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
)

// ticketJSON is a ticket as the API shows it; people are identified by
// email, teams by slug and categories by name, as clients write them.
type ticketJSON struct {
	Number           int64      `json:"number"`
	URL              string     `json:"url"`
	Subject          string     `json:"subject"`
	Status           string     `json:"status"`
	Priority         string     `json:"priority"`
	Impact           string     `json:"impact"`
	Urgency          string     `json:"urgency"`
	Category         *string    `json:"category"`
	Team             *string    `json:"team"`
	TeamName         *string    `json:"team_name"`
	Assignee         *string    `json:"assignee"`
	AssigneeName     *string    `json:"assignee_name"`
	Requester        string     `json:"requester"`
	RequesterName    string     `json:"requester_name"`
	Source           string     `json:"source"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	FirstResponseDue *time.Time `json:"first_response_due"`
	ResolutionDue    *time.Time `json:"resolution_due"`
	FirstRespondedAt *time.Time `json:"first_responded_at"`
	ResolvedAt       *time.Time `json:"resolved_at"`
	// Parent is the number of the incident the ticket belongs to;
	// ChildrenCount how many tickets belong to it as an incident.
	Parent        *int64 `json:"parent"`
	ChildrenCount int    `json:"children_count"`
	// Phishing is set on phishing reports only: the verdict, its score
	// and the reasons in plain words.
	Phishing *phishingJSON `json:"phishing,omitempty"`
	id       int64
}

// phishingJSON is a report's verdict: malicious, suspicious, likely_safe,
// simulation or pending (not analysed yet, or no reported mail found).
type phishingJSON struct {
	Verdict string   `json:"verdict"`
	Score   int      `json:"score"`
	Reasons []string `json:"reasons"`
}

func ticketURL(number int64) string { return "/api/v1/tickets/" + strconv.FormatInt(number, 10) }

func ticketView(t *helpdesk.Ticket) ticketJSON {
	return ticketJSON{
		Number: t.Number, URL: ticketURL(t.Number), Subject: t.Subject, Status: string(t.Status),
		Priority: string(t.Priority), Impact: string(t.Impact), Urgency: string(t.Urgency),
		Category: opt(t.CategoryName), Team: opt(t.TeamSlug), TeamName: opt(t.TeamName),
		Assignee: opt(t.AssigneeEmail), AssigneeName: opt(t.AssigneeName),
		Requester: t.RequesterEmail, RequesterName: t.RequesterName, Source: string(t.Source),
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		FirstResponseDue: utc(t.FirstResponseDue), ResolutionDue: utc(t.ResolutionDue),
		FirstRespondedAt: utc(t.FirstRespondedAt), ResolvedAt: utc(t.ResolvedAt), id: t.ID,
	}
}

// withLinks fills in parent and children_count, one query for a page.
func (h *Handler) withLinks(ctx context.Context, ts []ticketJSON) error {
	ids := make([]int64, len(ts))
	for i := range ts {
		ids[i] = ts[i].id
	}
	links, err := h.DB.IncidentLinks(ctx, ids)
	if err != nil {
		return err
	}
	for i := range ts {
		l := links[ts[i].id]
		ts[i].Parent, ts[i].ChildrenCount = l.Parent, l.Children
	}
	return nil
}

// linked is ticketView with parent and children_count filled in.
func (h *Handler) linked(ctx context.Context, t *helpdesk.Ticket) (ticketJSON, error) {
	v := []ticketJSON{ticketView(t)}
	err := h.withLinks(ctx, v)
	return v[0], err
}

// ticketList is GET /tickets' answer.
type ticketList struct {
	Tickets    []ticketJSON `json:"tickets"`
	NextCursor *string      `json:"next_cursor"`
}

// messageJSON is a reply or (for staff) an internal note.
type messageJSON struct {
	ID          int64            `json:"id"`
	Author      *string          `json:"author"`
	AuthorName  *string          `json:"author_name"`
	FromStaff   bool             `json:"from_staff"`
	Internal    bool             `json:"internal"`
	Body        string           `json:"body"`
	BodyHTML    string           `json:"body_html"`
	Source      string           `json:"source"`
	CreatedAt   time.Time        `json:"created_at"`
	Attachments []attachmentJSON `json:"attachments"`
}

type attachmentJSON struct {
	ID          int64  `json:"id"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	URL         string `json:"url"`
}

func messageView(number int64, m *helpdesk.Message) messageJSON {
	out := messageJSON{ID: m.ID, Author: opt(m.AuthorEmail), AuthorName: opt(m.AuthorName), FromStaff: m.AuthorIsStaff,
		Internal: m.Internal, Body: m.BodyText, BodyHTML: m.BodyHTML, Source: string(m.Source),
		CreatedAt: m.CreatedAt.UTC(), Attachments: []attachmentJSON{}}
	for _, a := range m.Attachments {
		out.Attachments = append(out.Attachments, attachmentJSON{ID: a.ID, Filename: a.Filename,
			ContentType: a.ContentType, Size: a.Size,
			URL: ticketURL(number) + "/attachments/" + strconv.FormatInt(a.ID, 10)})
	}
	return out
}

// eventJSON is one audit-trail entry; before and after are the event's own
// JSON objects (null when absent).
type eventJSON struct {
	ID        int64           `json:"id"`
	Kind      string          `json:"kind"`
	Actor     *string         `json:"actor"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	Reason    string          `json:"reason"`
	CreatedAt time.Time       `json:"created_at"`
}

func eventView(e *helpdesk.Event) eventJSON {
	null := json.RawMessage("null")
	out := eventJSON{ID: e.ID, Kind: e.Kind, Actor: opt(e.ActorName), Before: e.Before, After: e.After,
		Reason: e.Reason, CreatedAt: e.CreatedAt.UTC()}
	if len(out.Before) == 0 {
		out.Before = null
	}
	if len(out.After) == 0 {
		out.After = null
	}
	return out
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
