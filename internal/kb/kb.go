// Package kb is the knowledge base: Markdown articles (rendered with the
// ticket pipeline: goldmark, then bluemonday) in categories, drafts and
// versions with a diff, visibility for employees or staff only, owners with
// review dates, full-text search ranked like ticket search, files and
// images, "Did this help?" feedback, and deflection: articles suggested
// while someone types a ticket, and the tickets they made unnecessary.
//
// Every read takes the viewer and applies one rule (mayRead): staff read
// everything; everyone else reads published articles for employees, and a
// staff-only article or a draft does not exist for them (ENOTFOUND).
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
	"switchboard/internal/ticket"
)

// Service is the knowledge base.
type Service struct {
	DB      *postgres.DB
	Tickets *ticket.Service  // "create article from this ticket" reads the ticket through it
	MaxFile int64            // bytes per file; 0: 25 MB
	Now     func() time.Time // nil: time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// SuggestLimit is how many articles the new-ticket form offers.
const SuggestLimit = 3

var errNotFound = helpdesk.Errorf(helpdesk.ENOTFOUND, "No such article.")

// mayRead is the one visibility rule.
func mayRead(u *helpdesk.User, a *helpdesk.Article) bool {
	if u.IsStaff() {
		return true
	}
	return u != nil && a.Published && a.Visibility == helpdesk.VisibleEmployees
}

// mustBeStaff guards staff-only reads: to anyone else they do not exist.
func mustBeStaff(u *helpdesk.User) error {
	if !u.IsStaff() {
		return errNotFound
	}
	return nil
}

// mayWrite guards writes: only staff write articles.
func mayWrite(u *helpdesk.User) error {
	if !u.IsStaff() {
		return helpdesk.Errorf(helpdesk.EFORBIDDEN, "Only IT staff write knowledge-base articles.")
	}
	return nil
}

// Article returns one article the viewer may read.
func (s *Service) Article(ctx context.Context, viewer *helpdesk.User, id int64) (*helpdesk.Article, error) {
	a, err := s.DB.KBArticle(ctx, id)
	if postgres.IsNotFound(err) {
		return nil, errNotFound
	} else if err != nil {
		return nil, err
	}
	if !mayRead(viewer, a) {
		return nil, errNotFound
	}
	return a, nil
}

// Home is the help centre's start: categories and the articles the viewer
// may read.
func (s *Service) Home(ctx context.Context, viewer *helpdesk.User) ([]helpdesk.KBCategory, []helpdesk.Article, error) {
	cats, err := s.DB.KBCategories(ctx, viewer.IsStaff())
	if err != nil {
		return nil, nil, fmt.Errorf("help centre categories: %w", err)
	}
	arts, err := s.DB.KBArticles(ctx, postgres.KBListFilter{Staff: viewer.IsStaff()})
	if err != nil {
		return nil, nil, fmt.Errorf("help centre articles: %w", err)
	}
	return cats, arts, nil
}

// All lists every article, drafts included, for the staff's list.
func (s *Service) All(ctx context.Context, viewer *helpdesk.User) ([]helpdesk.Article, error) {
	if err := mustBeStaff(viewer); err != nil {
		return nil, err
	}
	return s.DB.KBArticles(ctx, postgres.KBListFilter{Staff: true, Drafts: true, Limit: 2000})
}

// DueForReview lists the viewer's own articles whose review date has come.
func (s *Service) DueForReview(ctx context.Context, viewer *helpdesk.User) ([]helpdesk.Article, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	return s.DB.KBDueForReview(ctx, viewer.ID, s.now().In(viewer.Location()))
}

// Search finds published articles the viewer may read for a help-centre
// query: every word first; when that finds nothing, any word, best first.
// With log set the search is remembered for the reports ("searched, no
// article").
func (s *Service) Search(ctx context.Context, viewer *helpdesk.User, q string, limit int, log bool) ([]helpdesk.Article, error) {
	q = normalQuery(q)
	if q == "" {
		return nil, nil
	}
	out, err := s.DB.KBSearch(ctx, q, postgres.KBAllWords, viewer.IsStaff(), limit)
	if err == nil && len(out) == 0 {
		out, err = s.DB.KBSearch(ctx, q, postgres.KBAnyWord, viewer.IsStaff(), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search articles for %q: %w", q, err)
	}
	if log && viewer != nil {
		if err := s.DB.KBLogSearch(ctx, q, len(out), viewer.ID); err != nil {
			return nil, fmt.Errorf("log search: %w", err)
		}
	}
	return out, nil
}

// Suggest offers up to SuggestLimit articles for a ticket subject being
// typed: any of its words, the last one as a prefix.
func (s *Service) Suggest(ctx context.Context, viewer *helpdesk.User, subject string) ([]helpdesk.Article, error) {
	if utf8.RuneCountInString(strings.TrimSpace(subject)) < 3 {
		return nil, nil
	}
	out, err := s.DB.KBSearch(ctx, subject, postgres.KBAnyWord, viewer.IsStaff(), SuggestLimit)
	if err != nil {
		return nil, fmt.Errorf("suggest articles: %w", err)
	}
	return out, nil
}

// normalQuery lower-cases, collapses spaces and bounds the length, so the
// search log groups the same question typed differently.
func normalQuery(q string) string {
	q = strings.Join(strings.Fields(strings.ToLower(q)), " ")
	if r := []rune(q); len(r) > 200 {
		q = string(r[:200])
	}
	return q
}

// Feedback records a "Did this help?" answer on an article the viewer may
// read.
func (s *Service) Feedback(ctx context.Context, viewer *helpdesk.User, id int64, helpful bool, comment string) error {
	if _, err := s.Article(ctx, viewer, id); err != nil {
		return err
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 2000 {
		var v helpdesk.Validation
		v.Add("comment", "Please keep the comment under 2,000 characters.")
		return v.Err()
	}
	return s.DB.KBAddFeedback(ctx, id, viewer.ID, helpful, comment)
}

// FeedbackList is an article's newest feedback, for staff.
func (s *Service) FeedbackList(ctx context.Context, viewer *helpdesk.User, id int64) ([]helpdesk.ArticleFeedback, error) {
	if !viewer.IsStaff() {
		return nil, nil
	}
	return s.DB.KBFeedback(ctx, id, 20)
}

// Deflect records that an article solved what the viewer was about to file
// a ticket for.
func (s *Service) Deflect(ctx context.Context, viewer *helpdesk.User, id int64, subject, category string) error {
	if _, err := s.Article(ctx, viewer, id); err != nil {
		return err
	}
	var cat *int64
	if n, err := strconv.ParseInt(category, 10, 64); err == nil && n > 0 {
		cat = &n
	}
	subject = strings.TrimSpace(subject)
	if r := []rune(subject); len(r) > 200 {
		subject = string(r[:200])
	}
	err := s.DB.KBDeflect(ctx, id, viewer.ID, subject, cat)
	if helpdesk.ErrorCode(err) == helpdesk.EINVALID { // a category that is gone: keep the deflection
		err = s.DB.KBDeflect(ctx, id, viewer.ID, subject, nil)
	}
	return err
}

// Categories lists the help centre's categories.
func (s *Service) Categories(ctx context.Context, viewer *helpdesk.User) ([]helpdesk.KBCategory, error) {
	return s.DB.KBCategories(ctx, viewer.IsStaff())
}

// CreateCategory adds a category (staff).
func (s *Service) CreateCategory(ctx context.Context, actor *helpdesk.User, name string) (int64, error) {
	if err := mayWrite(actor); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 80 {
		var v helpdesk.Validation
		v.Add("name", "Give the category a name of up to 80 characters.")
		return 0, v.Err()
	}
	return s.DB.KBCreateCategory(ctx, name, 0)
}

// RenderMarkdown is the ticket pipeline, so an article shows exactly as a
// message with the same Markdown would.
func RenderMarkdown(src string) string { return ticket.RenderMarkdown(src) }
