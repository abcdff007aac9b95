package web

import (
	"strconv"

	"switchboard/internal/helpdesk"
)

// HelpHome is the help centre: a search box, and either the results of a
// search or the categories with their articles.
type HelpHome struct {
	Page       Page
	Query      string
	Searched   bool
	Results    []helpdesk.Article
	Categories []helpdesk.KBCategory
	Articles   []helpdesk.Article // by category, then title
}

// ArticlesIn returns the home's articles of one category (nil: none).
func (h HelpHome) ArticlesIn(cat *int64) []helpdesk.Article {
	var out []helpdesk.Article
	for _, a := range h.Articles {
		if (cat == nil && a.CategoryID == nil) || (cat != nil && a.CategoryID != nil && *a.CategoryID == *cat) {
			out = append(out, a)
		}
	}
	return out
}

// ArticleView is one article page.
type ArticleView struct {
	Page     Page
	Article  helpdesk.Article
	Files    []helpdesk.KBFile
	Staff    bool
	Feedback []helpdesk.ArticleFeedback // staff only
	Thanked  bool                       // feedback was just given
	Errors   map[string]string
	Comment  string
}

// SuggestView is the new-ticket form's suggestion list (an htmx fragment
// and part of the form when it comes back).
type SuggestView struct {
	Subject  string
	Articles []helpdesk.Article
	// KnownIssues are published incidents the subject may be about: "Is
	// it this?" with "I'm affected too" instead of filing.
	KnownIssues []helpdesk.KnownIssue
}

// ArticleURL is an article's page.
func ArticleURL(id int64) string { return "/help/articles/" + strconv.FormatInt(id, 10) }

// FileURL is an article file's address.
func FileURL(f helpdesk.KBFile) string {
	return ArticleURL(f.ArticleID) + "/files/" + strconv.FormatInt(f.ID, 10)
}

// KBList is the staff's article list.
type KBList struct {
	Page       Page
	Due        []helpdesk.Article
	Articles   []helpdesk.Article
	Categories []helpdesk.KBCategory
	Errors     map[string]string
}

// KBEdit is the article editor, for a new article or a new version.
type KBEdit struct {
	Page        Page
	ID          int64 // 0: new
	Title       string
	Body        string
	Category    string
	Visibility  string
	Published   bool
	ReviewOn    string
	Note        string
	BaseVersion int
	// Live: the article is published, so saving offers "publish", "keep as
	// a pending draft" (State "draft") or "unpublish". LiveVersion is what
	// employees read; DraftVersion the pending draft being edited (0: none).
	Live         bool
	State        string
	LiveVersion  int
	DraftVersion int
	Ticket       int64
	Categories   []helpdesk.KBCategory
	Files        []helpdesk.KBFile
	Errors       map[string]string
	Preview      string
}

// KBVersions is an article's version list and, when two are chosen, their
// diff.
type KBVersions struct {
	Page     Page
	Article  helpdesk.Article
	Versions []helpdesk.ArticleVersion
	From, To int
	Diff     []DiffLine
}

// DiffLine is one line of a version diff: "+", "-" or " ".
type DiffLine struct {
	Op   string
	Text string
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
