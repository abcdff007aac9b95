package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres/internal/dbsqlc"
)

// PresenceChannel is the LISTEN/NOTIFY channel that carries the numbers of
// tickets whose viewers changed.
const PresenceChannel = "ticket_presence"

// LockedTicket is what a ticket's writers read under its row lock.
type LockedTicket struct {
	Status           helpdesk.Status
	Priority         helpdesk.Priority
	FirstRespondedAt *time.Time
	RequesterID      int64
	AssigneeID       *int64
	ResolutionCount  int
}

// LockTicket takes the ticket's row lock for the rest of the transaction
// (NO KEY UPDATE: writers of the ticket queue, inserts that only reference
// it do not) and reads its state; ENOTFOUND when there is no such ticket.
func (tx *Tx) LockTicket(ctx context.Context, ticketID int64) (*LockedTicket, error) {
	r, err := tx.q.LockTicket(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("lock ticket %d: %w", ticketID, mapError(err))
	}
	return &LockedTicket{Status: helpdesk.Status(r.Status), Priority: helpdesk.Priority(r.Priority),
		FirstRespondedAt: r.FirstRespondedAt, RequesterID: r.RequesterID, AssigneeID: r.AssigneeID,
		ResolutionCount: int(r.ResolutionCount)}, nil
}

// TicketFields are the fields a person edits on a ticket.
type TicketFields struct {
	Status     helpdesk.Status
	Priority   helpdesk.Priority
	CategoryID *int64
	TeamID     *int64
	AssigneeID *int64
}

// LockTicketFields locks the ticket and reads the fields an edit may change.
func (tx *Tx) LockTicketFields(ctx context.Context, ticketID int64) (*TicketFields, error) {
	r, err := tx.q.LockTicketFields(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("lock ticket %d: %w", ticketID, mapError(err))
	}
	return &TicketFields{Status: helpdesk.Status(r.Status), Priority: helpdesk.Priority(r.Priority),
		CategoryID: r.CategoryID, TeamID: r.TeamID, AssigneeID: r.AssigneeID}, nil
}

// UpdateTicketFields writes priority, category, team and assignee (not the
// status: SetTicketStatus keeps its ledger).
func (tx *Tx) UpdateTicketFields(ctx context.Context, ticketID int64, f TicketFields) error {
	err := tx.q.UpdateTicketFields(ctx, dbsqlc.UpdateTicketFieldsParams{ID: ticketID, Priority: string(f.Priority),
		CategoryID: f.CategoryID, TeamID: f.TeamID, AssigneeID: f.AssigneeID})
	if err != nil {
		return fmt.Errorf("update ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// NewTicket is a ticket and its first message as filed.
type NewTicket struct {
	Subject        string
	Impact         helpdesk.Impact
	Urgency        helpdesk.Urgency
	CategoryID     *int64
	TeamID         *int64
	RequesterID    int64
	Source         helpdesk.Source
	Body, BodyHTML string
	EmailMessageID string
	ActorID        *int64
	// SenderCheck and SenderFlagged go onto the first message (see
	// helpdesk.Message): mail intake knows them before the insert.
	SenderCheck   string
	SenderFlagged bool
	// Triage and FiledPriority are for InsertTriagedTickets only: triage's
	// decision, written with the ticket, and the priority as filed (the
	// matrix's, which the created event records).
	Triage        *TriageResult
	FiledPriority helpdesk.Priority
	// Extras says the creating transaction adds to the ticket after its
	// row (the caller's AfterInsert: tags, participants, links), so rules'
	// conditions cannot be judged from the row alone at birth.
	Extras bool
}

// InsertTicket stores a new ticket with its first message and its `created`
// event, tells every node's live view, and returns the ticket as stored and
// the first message's id. An unknown category is a field error on
// "category", found by the foreign key rather than by a query first.
func (tx *Tx) InsertTicket(ctx context.Context, n NewTicket) (*helpdesk.Ticket, int64, error) {
	var emailID *string
	if n.EmailMessageID != "" {
		emailID = &n.EmailMessageID
	}
	row, err := tx.q.InsertTicket(ctx, dbsqlc.InsertTicketParams{
		Subject: n.Subject, Impact: string(n.Impact), Urgency: string(n.Urgency),
		CategoryID: n.CategoryID, TeamID: n.TeamID, RequesterID: n.RequesterID,
		Source: string(n.Source), Body: n.Body, BodyHtml: n.BodyHTML, EmailMessageID: emailID,
		ActorID: n.ActorID, SenderCheck: n.SenderCheck, SenderFlagged: n.SenderFlagged,
	})
	if IsForeignKey(err, "tickets_category_id_fkey") {
		return nil, 0, &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "category", Message: "Choose a category from the list."}}}
	} else if err != nil {
		return nil, 0, fmt.Errorf("insert ticket: %w", mapError(err))
	}
	_ = tx.NotifyTicket(ctx, row.Number)
	return &helpdesk.Ticket{ID: row.ID, Number: row.Number, Subject: n.Subject, Status: helpdesk.StatusNew,
		Priority: helpdesk.Priority(row.Priority), Impact: n.Impact, Urgency: n.Urgency,
		CategoryID: n.CategoryID, CategoryName: deref(row.CategoryName),
		TeamID: row.TeamID, TeamName: deref(row.TeamName), TeamSlug: deref(row.TeamSlug),
		RequesterID: n.RequesterID, RequesterName: row.RequesterName, RequesterEmail: row.RequesterEmail,
		Source: n.Source, FirstResponseDue: row.FirstResponseDue, ResolutionDue: row.ResolutionDue, DueAt: row.DueAt,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}, row.MessageID, nil
}

// InsertMessage stores m and fills in its id and time; a mail's Message-ID
// is also kept for threading replies onto the ticket.
func (tx *Tx) InsertMessage(ctx context.Context, m *helpdesk.Message) error {
	var emailPtr *string
	if m.EmailMessageID != "" {
		emailPtr = &m.EmailMessageID
	}
	row, err := tx.q.InsertMessage(ctx, dbsqlc.InsertMessageParams{
		TicketID: m.TicketID, AuthorID: m.AuthorID, Internal: m.Internal, BodyText: m.BodyText, BodyHtml: m.BodyHTML,
		EmailMessageID: emailPtr, Source: string(m.Source), SenderCheck: m.SenderCheck, SenderFlagged: m.SenderFlagged,
	})
	if err != nil {
		return fmt.Errorf("insert message on ticket %d: %w", m.TicketID, mapError(err))
	}
	m.ID, m.CreatedAt = row.ID, row.CreatedAt
	if m.EmailMessageID != "" {
		if err := tx.q.MailAddThreadID(ctx, dbsqlc.MailAddThreadIDParams{MessageID: m.EmailMessageID,
			TicketID: m.TicketID}); err != nil {
			return fmt.Errorf("keep Message-ID of ticket %d: %w", m.TicketID, mapError(err))
		}
	}
	return nil
}

// InsertAttachment stores a file and fills in its id and time.
func (tx *Tx) InsertAttachment(ctx context.Context, a *helpdesk.Attachment, contentID string, data []byte) error {
	var cid *string
	if contentID != "" {
		cid = &contentID
	}
	row, err := tx.q.InsertAttachment(ctx, dbsqlc.InsertAttachmentParams{
		TicketID: a.TicketID, MessageID: a.MessageID, Filename: a.Filename,
		ContentType: a.ContentType, Size: a.Size, ContentID: cid, Inline: a.Inline, Data: data,
	})
	if err != nil {
		return fmt.Errorf("insert attachment on ticket %d: %w", a.TicketID, mapError(err))
	}
	a.ID, a.CreatedAt = row.ID, row.CreatedAt
	return nil
}

// TouchTicketForMessage updates the ticket after its message messageID
// (stored by InsertMessage in the same transaction): its time, its search
// text (the message's own vector, not parsed again) and, for a staff
// member's first public reply, the first response time.
func (tx *Tx) TouchTicketForMessage(ctx context.Context, ticketID, messageID int64, internal, firstResponse bool) error {
	err := tx.q.TouchTicketForMessage(ctx, dbsqlc.TouchTicketForMessageParams{ID: ticketID, MessageID: messageID,
		Internal: internal, FirstResponse: firstResponse})
	if err != nil {
		return fmt.Errorf("touch ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// SetTicketStatus writes a status change and the SLA pause ledger: entering
// pending opens a pause, leaving it closes the pause.
func (tx *Tx) SetTicketStatus(ctx context.Context, ticketID int64, from, to helpdesk.Status) error {
	if err := tx.q.SetTicketStatus(ctx, dbsqlc.SetTicketStatusParams{ID: ticketID, Status: string(to)}); err != nil {
		return fmt.Errorf("set status of ticket %d: %w", ticketID, mapError(err))
	}
	var err error
	if to == helpdesk.StatusPending {
		err = tx.q.OpenPause(ctx, ticketID)
	} else if from == helpdesk.StatusPending {
		err = tx.q.ClosePause(ctx, ticketID)
	}
	if err != nil {
		return fmt.Errorf("SLA pause of ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// SetParent links a ticket under an incident (nil unlinks).
func (tx *Tx) SetParent(ctx context.Context, ticketID int64, parentID *int64) error {
	if err := tx.q.SetParent(ctx, dbsqlc.SetParentParams{ID: ticketID, ParentID: parentID}); err != nil {
		return fmt.Errorf("link ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// Children lists the tickets linked under incident parentID, leaving out
// those of the hidden teams (restricted teams the viewer is not in).
func (db *DB) Children(ctx context.Context, parentID int64, hidden []int64) ([]helpdesk.ChildTicket, error) {
	rows, err := db.q().ListChildren(ctx, dbsqlc.ListChildrenParams{ParentID: &parentID, Hidden: hidden})
	if err != nil {
		return nil, fmt.Errorf("list children of ticket %d: %w", parentID, mapError(err))
	}
	out := make([]helpdesk.ChildTicket, len(rows))
	for i, r := range rows {
		out[i] = helpdesk.ChildTicket{Number: r.Number, Subject: r.Subject, Status: helpdesk.Status(r.Status)}
	}
	return out, nil
}

// MergeInto moves a ticket's participants, messages, attachments and search
// text into another and marks it merged; the caller holds both row locks.
func (tx *Tx) MergeInto(ctx context.Context, fromID, intoID int64) error {
	steps := []struct {
		what string
		run  func() error
	}{
		{"participants", func() error {
			return tx.q.MoveParticipants(ctx, dbsqlc.MoveParticipantsParams{FromID: fromID, IntoID: intoID})
		}},
		{"messages", func() error { return tx.q.MoveMessages(ctx, dbsqlc.MoveMessagesParams{FromID: fromID, IntoID: intoID}) }},
		{"attachments", func() error {
			return tx.q.MoveAttachments(ctx, dbsqlc.MoveAttachmentsParams{FromID: fromID, IntoID: intoID})
		}},
		{"search text", func() error { return tx.q.MergeSearch(ctx, dbsqlc.MergeSearchParams{FromID: fromID, IntoID: intoID}) }},
		{"merge mark", func() error { return tx.q.SetMergedInto(ctx, dbsqlc.SetMergedIntoParams{ID: fromID, IntoID: &intoID}) }},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			return fmt.Errorf("merge ticket %d into %d: %s: %w", fromID, intoID, s.what, mapError(err))
		}
	}
	return nil
}

// CanSeeRestrictedTeam reports whether a staff member belongs to a
// restricted team (and so sees its tickets).
func (db *DB) CanSeeRestrictedTeam(ctx context.Context, teamID, userID int64) (bool, error) {
	ok, err := db.q().CanSeeRestrictedTeam(ctx, dbsqlc.CanSeeRestrictedTeamParams{TeamID: teamID, UserID: userID})
	if err != nil {
		return false, fmt.Errorf("check team %d membership: %w", teamID, mapError(err))
	}
	return ok, nil
}

// IsParticipant reports whether a user was copied on a ticket.
func (db *DB) IsParticipant(ctx context.Context, ticketID, userID int64) (bool, error) {
	ok, err := db.q().IsParticipant(ctx, dbsqlc.IsParticipantParams{TicketID: ticketID, UserID: userID})
	if err != nil {
		return false, fmt.Errorf("check participants of ticket %d: %w", ticketID, mapError(err))
	}
	return ok, nil
}

// Attachment reads an attachment with its bytes; internal says whether it
// sits on an internal note.
func (db *DB) Attachment(ctx context.Context, id int64) (a *helpdesk.Attachment, data []byte, internal bool, err error) {
	r, err := db.q().GetAttachment(ctx, id)
	if err != nil {
		return nil, nil, false, fmt.Errorf("read attachment %d: %w", id, mapError(err))
	}
	return &helpdesk.Attachment{ID: r.ID, TicketID: r.TicketID, MessageID: r.MessageID, Filename: r.Filename,
		ContentType: r.ContentType, Size: r.Size, Inline: r.Inline, CreatedAt: r.CreatedAt}, r.Data, r.Internal, nil
}

// SetPresence records that a user is viewing or replying to a ticket
// ("" leaves it) and tells every node through PresenceChannel.
func (db *DB) SetPresence(ctx context.Context, ticketID, number, userID int64, activity string) error {
	var err error
	if activity == "" {
		err = db.q().DeletePresence(ctx, dbsqlc.DeletePresenceParams{TicketID: ticketID, UserID: userID})
	} else {
		err = db.q().UpsertPresence(ctx, dbsqlc.UpsertPresenceParams{TicketID: ticketID, UserID: userID, Activity: activity})
	}
	if err == nil {
		_, err = db.pool.Exec(ctx, "SELECT pg_notify($1, $2)", PresenceChannel, strconv.FormatInt(number, 10))
	}
	if err != nil {
		return fmt.Errorf("set presence on ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// Presence lists who is on a ticket now.
func (db *DB) Presence(ctx context.Context, ticketID int64) ([]helpdesk.Presence, error) {
	rows, err := db.q().ListPresence(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("read presence on ticket %d: %w", ticketID, mapError(err))
	}
	out := make([]helpdesk.Presence, 0, len(rows))
	for _, r := range rows {
		out = append(out, helpdesk.Presence{UserID: r.UserID, Name: r.Name, Replying: r.Activity == "replying"})
	}
	return out, nil
}

// SetAvailability stores a staff member's availability and returns the one
// before.
func (tx *Tx) SetAvailability(ctx context.Context, userID int64, a helpdesk.Availability) (helpdesk.Availability, error) {
	before, err := tx.q.SetAvailability(ctx, dbsqlc.SetAvailabilityParams{UserID: userID, Availability: string(a)})
	if err != nil {
		return "", fmt.Errorf("set availability of user %d: %w", userID, mapError(err))
	}
	return helpdesk.Availability(before), nil
}

// Audit writes one entry of the admin audit log; before and after are
// stored as JSON.
func (tx *Tx) Audit(ctx context.Context, actorID *int64, objectType, objectID, action string, before, after any) error {
	b, err := eventJSON(before)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", objectType, action, err)
	}
	a, err := eventJSON(after)
	if err != nil {
		return fmt.Errorf("audit %s %s: %w", objectType, action, err)
	}
	if err := tx.q.AdminInsertAudit(ctx, dbsqlc.AdminInsertAuditParams{ActorID: actorID, ObjectType: objectType,
		ObjectID: objectID, Action: action, Before: b, After: a}); err != nil {
		return fmt.Errorf("audit %s %s: %w", objectType, action, mapError(err))
	}
	return nil
}

// InsertRating stores a rating of a ticket's resolution; false when that
// resolution was already rated.
func (tx *Tx) InsertRating(ctx context.Context, ticketID int64, resolutionNo, score int, comment string, userID int64) (bool, error) {
	n, err := tx.q.InsertRating(ctx, dbsqlc.InsertRatingParams{TicketID: ticketID, ResolutionNo: int32(resolutionNo), //nolint:gosec // a count of resolutions
		Rating: int32(score), Comment: comment, UserID: &userID}) //nolint:gosec // 1 to 5, validated
	if err != nil {
		return false, fmt.Errorf("rate ticket %d: %w", ticketID, mapError(err))
	}
	return n > 0, nil
}

// Rating reads the rating of a ticket's resolution; nil when there is none.
func (db *DB) Rating(ctx context.Context, ticketID int64, resolutionNo int) (*helpdesk.Rating, error) {
	r, err := db.q().GetRating(ctx, dbsqlc.GetRatingParams{TicketID: ticketID, ResolutionNo: int32(resolutionNo)}) //nolint:gosec // a count of resolutions
	if err = mapError(err); helpdesk.ErrorCode(err) == helpdesk.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read rating of ticket %d: %w", ticketID, err)
	}
	return &helpdesk.Rating{Score: int(r.Rating), Comment: r.Comment, CreatedAt: r.CreatedAt}, nil
}

// StaffByHandle finds active staff by full email or by the part before @;
// at most two, so a caller can tell an ambiguous handle.
func (tx *Tx) StaffByHandle(ctx context.Context, handle string) ([]int64, error) {
	rows, err := tx.q.StaffByHandle(ctx, handle)
	if err != nil {
		return nil, fmt.Errorf("find @%s: %w", handle, mapError(err))
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}

// StaffCanSeeTicket reports whether a staff member would see the ticket
// (it is not in a restricted team they are outside of).
func (tx *Tx) StaffCanSeeTicket(ctx context.Context, userID, ticketID int64) (bool, error) {
	ok, err := tx.q.StaffCanSeeTicket(ctx, dbsqlc.StaffCanSeeTicketParams{UserID: userID, TicketID: ticketID})
	if err != nil {
		return false, fmt.Errorf("check user %d sees ticket %d: %w", userID, ticketID, mapError(err))
	}
	return ok, nil
}

// InsertMention records that a message mentions a user.
func (tx *Tx) InsertMention(ctx context.Context, messageID, userID, ticketID int64) error {
	if err := tx.q.InsertMention(ctx, dbsqlc.InsertMentionParams{MessageID: messageID, UserID: userID, TicketID: ticketID}); err != nil {
		return fmt.Errorf("record mention on ticket %d: %w", ticketID, mapError(err))
	}
	return nil
}

// MarkMentionsSeen marks a user's mentions on a ticket as read.
func (db *DB) MarkMentionsSeen(ctx context.Context, userID, ticketID int64) error {
	if err := db.q().MarkMentionsSeen(ctx, dbsqlc.MarkMentionsSeenParams{UserID: userID, TicketID: ticketID}); err != nil {
		return fmt.Errorf("mark mentions on ticket %d seen: %w", ticketID, mapError(err))
	}
	return nil
}

// CategoryByName finds a category by name (case-insensitive).
func (tx *Tx) CategoryByName(ctx context.Context, name string) (*helpdesk.Category, error) {
	c, err := tx.q.GetCategoryByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("find category %q: %w", name, mapError(err))
	}
	cs := categorySettings(c)
	return &cs.Category, nil
}

// TeamBySlug finds a team by slug.
func (tx *Tx) TeamBySlug(ctx context.Context, slug string) (*helpdesk.Team, error) {
	t, err := tx.q.GetTeamBySlug(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("find team %q: %w", slug, mapError(err))
	}
	return &helpdesk.Team{ID: t.ID, Slug: t.Slug, Name: t.Name, TimeZone: t.TimeZone, Restricted: t.Restricted}, nil
}

// UserByEmail finds a user by email inside the transaction.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*helpdesk.User, error) {
	u, err := tx.q.GetUserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("find user %s: %w", email, mapError(err))
	}
	return userFromRow(u), nil
}

// CannedReplies lists every canned reply by title.
func (db *DB) CannedReplies(ctx context.Context) ([]helpdesk.CannedReply, error) {
	rows, err := db.q().ListCanned(ctx)
	if err != nil {
		return nil, fmt.Errorf("list canned replies: %w", mapError(err))
	}
	out := make([]helpdesk.CannedReply, len(rows))
	for i, r := range rows {
		out[i] = helpdesk.CannedReply{ID: r.ID, TeamID: r.TeamID, TeamName: deref(r.TeamName), Title: r.Title, Body: r.Body, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}

// CannedReply reads one canned reply.
func (db *DB) CannedReply(ctx context.Context, id int64) (*helpdesk.CannedReply, error) {
	r, err := db.q().GetCanned(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read canned reply %d: %w", id, mapError(err))
	}
	return &helpdesk.CannedReply{ID: r.ID, TeamID: r.TeamID, Title: r.Title, Body: r.Body, UpdatedAt: r.UpdatedAt}, nil
}

// SaveCannedReply creates (c.ID 0) or updates a canned reply and returns its id.
func (db *DB) SaveCannedReply(ctx context.Context, c helpdesk.CannedReply, createdBy int64) (int64, error) {
	if c.ID == 0 {
		r, err := db.q().CreateCanned(ctx, dbsqlc.CreateCannedParams{TeamID: c.TeamID, Title: c.Title, Body: c.Body, CreatedBy: &createdBy})
		if err != nil {
			return 0, fmt.Errorf("create canned reply: %w", mapError(err))
		}
		return r.ID, nil
	}
	if err := db.q().UpdateCanned(ctx, dbsqlc.UpdateCannedParams{ID: c.ID, TeamID: c.TeamID, Title: c.Title, Body: c.Body}); err != nil {
		return 0, fmt.Errorf("update canned reply %d: %w", c.ID, mapError(err))
	}
	return c.ID, nil
}

// DeleteCannedReply removes a canned reply.
func (db *DB) DeleteCannedReply(ctx context.Context, id int64) error {
	if err := db.q().DeleteCanned(ctx, id); err != nil {
		return fmt.Errorf("delete canned reply %d: %w", id, mapError(err))
	}
	return nil
}

// IsTeamLead reports whether a user leads the team (any team when teamID is
// nil).
func (db *DB) IsTeamLead(ctx context.Context, userID int64, teamID *int64) (bool, error) {
	ok, err := db.q().IsTeamLead(ctx, dbsqlc.IsTeamLeadParams{UserID: userID, TeamID: teamID})
	if err != nil {
		return false, fmt.Errorf("check lead of user %d: %w", userID, mapError(err))
	}
	return ok, nil
}

// CategoryByName finds a category by name (case-insensitive).
func (db *DB) CategoryByName(ctx context.Context, name string) (*helpdesk.Category, error) {
	c, err := db.q().GetCategoryByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("find category %q: %w", name, mapError(err))
	}
	cs := categorySettings(c)
	return &cs.Category, nil
}
