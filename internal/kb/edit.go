package kb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"switchboard/internal/helpdesk"
	"switchboard/internal/postgres"
)

// Input is an article as the editor or the API sends it.
type Input struct {
	Title      string
	Body       string // Markdown
	Category   string // a category id or name; a new name creates it; empty: none
	Visibility helpdesk.Visibility
	Published  bool
	OwnerID    *int64 // nil: the author
	ReviewOn   string // YYYY-MM-DD or empty
	Note       string // what changed, for the version list
	// BaseVersion is the version the editor started from (edits only).
	BaseVersion int
	// SourceTicket is the ticket number an article was written from.
	SourceTicket int64
	// Unpublish takes a published article off the help centre. Without
	// it, saving a published article unpublished keeps the live version
	// and makes the save its pending draft.
	Unpublish bool
}

// validate checks the input and resolves it into what the store writes.
func (s *Service) validate(ctx context.Context, actor *helpdesk.User, in Input) (postgres.KBSaveInput, error) {
	var v helpdesk.Validation
	out := postgres.KBSaveInput{Title: strings.TrimSpace(in.Title), Body: in.Body, Visibility: in.Visibility,
		Published: in.Published, OwnerID: in.OwnerID, AuthorID: actor.ID, Note: strings.TrimSpace(in.Note),
		BaseVersion: in.BaseVersion, Unpublish: in.Unpublish && !in.Published}
	if out.Title == "" {
		v.Add("title", "Give the article a title.")
	} else if utf8.RuneCountInString(out.Title) > 200 {
		v.Add("title", "Keep the title under 200 characters.")
	}
	if strings.TrimSpace(out.Body) == "" {
		v.Add("body", "Write the article.")
	} else if len(out.Body) > 200000 {
		v.Add("body", "The article is longer than 200,000 characters; split it.")
	}
	if out.Visibility == "" {
		out.Visibility = helpdesk.VisibleEmployees
	}
	if !out.Visibility.Valid() {
		v.Add("visibility", `Choose "employees" or "staff".`)
	}
	if in.ReviewOn != "" {
		d, err := time.Parse(time.DateOnly, in.ReviewOn)
		if err != nil {
			v.Add("review_on", "Give the review date as YYYY-MM-DD.")
		} else {
			out.ReviewOn = &d
		}
	}
	if utf8.RuneCountInString(out.Note) > 200 {
		v.Add("note", "Keep the note under 200 characters.")
	}
	if err := v.Err(); err != nil {
		return out, err
	}
	if c := strings.TrimSpace(in.Category); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			if utf8.RuneCountInString(c) > 80 {
				v.Add("category", "Keep the category name under 80 characters.")
				return out, v.Err()
			}
			if id, err = s.DB.KBCreateCategory(ctx, c, 0); err != nil {
				return out, err
			}
		}
		out.CategoryID = &id
	}
	if out.OwnerID == nil {
		out.OwnerID = &actor.ID
	}
	out.BodyHTML = RenderMarkdown(out.Body)
	return out, nil
}

// Create writes a new article (staff only) and returns it.
func (s *Service) Create(ctx context.Context, actor *helpdesk.User, in Input) (_ *helpdesk.Article, err error) {
	defer helpdesk.WrapOp(&err, "create article")
	if err := mayWrite(actor); err != nil {
		return nil, err
	}
	save, err := s.validate(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	if in.SourceTicket > 0 {
		t, err := s.Tickets.Get(ctx, actor, in.SourceTicket)
		if err == nil {
			save.SourceTicketID = &t.ID
		}
	}
	id, err := s.DB.KBCreateArticle(ctx, save)
	if helpdesk.ErrorCode(err) == helpdesk.EINVALID {
		var v helpdesk.Validation
		v.Add("category", "That category does not exist.")
		return nil, v.Err()
	} else if err != nil {
		return nil, err
	}
	return s.DB.KBArticle(ctx, id)
}

// Update saves a new version of an article (staff only).
func (s *Service) Update(ctx context.Context, actor *helpdesk.User, id int64, in Input) (_ *helpdesk.Article, err error) {
	defer helpdesk.WrapOp(&err, "update article %d", id)
	if err := mayWrite(actor); err != nil {
		return nil, err
	}
	if _, err := s.Article(ctx, actor, id); err != nil {
		return nil, err
	}
	save, err := s.validate(ctx, actor, in)
	if err != nil {
		return nil, err
	}
	if err := s.DB.KBUpdateArticle(ctx, id, save); err != nil {
		return nil, err
	}
	return s.DB.KBArticle(ctx, id)
}

// Editing returns an article and what its editor starts from: the pending
// draft when there is one, else the live version (staff only).
func (s *Service) Editing(ctx context.Context, actor *helpdesk.User, id int64) (*helpdesk.Article, Input, error) {
	if err := mayWrite(actor); err != nil {
		return nil, Input{}, err
	}
	a, err := s.Article(ctx, actor, id)
	if err != nil {
		return nil, Input{}, err
	}
	in := Input{Title: a.Title, Body: a.Body, Category: a.Category, Visibility: a.Visibility, Published: a.Published,
		OwnerID: a.OwnerID, BaseVersion: a.Version}
	if a.ReviewOn != nil {
		in.ReviewOn = a.ReviewOn.Format(time.DateOnly)
	}
	if a.DraftVersion != nil {
		d, err := s.version(ctx, actor, id, *a.DraftVersion)
		if err != nil {
			return nil, Input{}, err
		}
		in.Title, in.Body, in.Visibility, in.Published, in.BaseVersion = d.Title, d.Body, d.Visibility, false, d.Version
		in.Category = ""
		if d.CategoryID != nil {
			cats, err := s.Categories(ctx, actor)
			if err != nil {
				return nil, Input{}, err
			}
			in.Category = strconv.FormatInt(*d.CategoryID, 10)
			for _, c := range cats {
				if c.ID == *d.CategoryID {
					in.Category = c.Name
				}
			}
		}
	}
	return a, in, nil
}

// version is one version of an article.
func (s *Service) version(ctx context.Context, actor *helpdesk.User, id int64, v int) (*helpdesk.ArticleVersion, error) {
	vs, err := s.Versions(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Version == v {
			return &vs[i], nil
		}
	}
	return nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such version.")
}

// PublishDraft makes an article's pending draft its live version (a new
// published version; the draft's stays in the history). base is the draft
// version the person saw: a newer draft is a conflict.
func (s *Service) PublishDraft(ctx context.Context, actor *helpdesk.User, id int64, base int) (_ *helpdesk.Article, err error) {
	defer helpdesk.WrapOp(&err, "publish draft of article %d", id)
	a, in, err := s.Editing(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if a.DraftVersion == nil || *a.DraftVersion != base {
		return nil, helpdesk.Errorf(helpdesk.ECONFLICT, "The draft changed or was published meanwhile. Open the article again.")
	}
	in.Published = true
	in.Note = fmt.Sprintf("Published the draft of version %d", base)
	return s.Update(ctx, actor, id, in)
}

// DiscardDraft drops an article's pending draft; the live version stays
// and the draft remains in the version history.
func (s *Service) DiscardDraft(ctx context.Context, actor *helpdesk.User, id int64, base int) (err error) {
	defer helpdesk.WrapOp(&err, "discard draft of article %d", id)
	if err := mayWrite(actor); err != nil {
		return err
	}
	if _, err := s.Article(ctx, actor, id); err != nil {
		return err
	}
	return s.DB.KBDiscardDraft(ctx, id, base)
}

// Versions lists an article's versions, newest first (staff only).
func (s *Service) Versions(ctx context.Context, viewer *helpdesk.User, id int64) ([]helpdesk.ArticleVersion, error) {
	if err := mustBeStaff(viewer); err != nil {
		return nil, err
	}
	vs, err := s.DB.KBVersions(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("versions of article %d: %w", id, err)
	}
	if len(vs) == 0 {
		return nil, errNotFound
	}
	return vs, nil
}

// Compare returns two versions of an article and the line diff from the
// first to the second (staff only).
func (s *Service) Compare(ctx context.Context, viewer *helpdesk.User, id int64, from, to int) (*helpdesk.ArticleVersion, *helpdesk.ArticleVersion, []DiffLine, error) {
	vs, err := s.Versions(ctx, viewer, id)
	if err != nil {
		return nil, nil, nil, err
	}
	var a, b *helpdesk.ArticleVersion
	for i := range vs {
		switch vs[i].Version {
		case from:
			a = &vs[i]
		case to:
			b = &vs[i]
		}
	}
	if a == nil || b == nil {
		return nil, nil, nil, helpdesk.Errorf(helpdesk.ENOTFOUND, "No such version.")
	}
	old := "# " + a.Title + "\n\n" + a.Body
	cur := "# " + b.Title + "\n\n" + b.Body
	return a, b, Diff(old, cur), nil
}

// Draft is an article pre-filled from a ticket: its subject as the title,
// the description as the problem and the newest public staff reply as the
// resolution, for staff to edit before saving.
func (s *Service) Draft(ctx context.Context, actor *helpdesk.User, number int64) (_ Input, err error) {
	defer helpdesk.WrapOp(&err, "draft article from ticket %d", number)
	if err := mustBeStaff(actor); err != nil {
		return Input{}, err
	}
	t, err := s.Tickets.Get(ctx, actor, number)
	if err != nil {
		return Input{}, err
	}
	msgs, err := s.Tickets.Conversation(ctx, actor, t)
	if err != nil {
		return Input{}, err
	}
	var problem, fix string
	for _, m := range msgs {
		if m.Internal {
			continue
		}
		if problem == "" && !m.AuthorIsStaff {
			problem = m.BodyText
		}
		if m.AuthorIsStaff {
			fix = m.BodyText
		}
	}
	var b strings.Builder
	b.WriteString("## Problem\n\n")
	b.WriteString(strings.TrimSpace(problem))
	b.WriteString("\n\n## Solution\n\n")
	b.WriteString(strings.TrimSpace(fix))
	b.WriteString("\n")
	return Input{Title: t.Subject, Body: b.String(), Visibility: helpdesk.VisibleEmployees, Published: false,
		SourceTicket: number}, nil
}
