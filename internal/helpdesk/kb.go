package helpdesk

import "time"

// Visibility says who may read a knowledge-base article.
type Visibility string

// Article visibilities.
const (
	VisibleEmployees Visibility = "employees" // everyone signed in
	VisibleStaff     Visibility = "staff"     // agents, leads and admins only
)

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool { return v == VisibleEmployees || v == VisibleStaff }

// KBCategory groups articles in the help centre.
type KBCategory struct {
	ID       int64
	Name     string
	Position int
	Articles int // published articles the viewer may read (lists only)
}

// Article is a knowledge-base article as it stands now.
type Article struct {
	ID             int64
	Title          string
	Body           string // Markdown
	BodyHTML       string // rendered and sanitised
	CategoryID     *int64
	Category       string
	Visibility     Visibility
	Published      bool
	Version        int
	OwnerID        *int64
	Owner          string
	ReviewOn       *time.Time // a date; past means due for review
	SourceTicketID *int64
	HelpfulYes     int
	HelpfulNo      int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// DraftVersion is the pending draft of a published article: a newer
	// version staff edit while employees keep reading the live one.
	DraftVersion *int
	// Search results only: the match's rank and a highlighted excerpt
	// (plain text with HighlightStart/HighlightStop marks).
	Rank    float64
	Snippet string
}

// ArticleVersion is one saved state of an article.
type ArticleVersion struct {
	ArticleID  int64
	Version    int
	Title      string
	Body       string
	CategoryID *int64
	Visibility Visibility
	Published  bool
	Author     string
	Note       string
	CreatedAt  time.Time
}

// KBFile is a file or image attached to an article.
type KBFile struct {
	ID          int64
	ArticleID   int64
	Filename    string
	ContentType string
	Size        int64
	Data        []byte // only when downloading
	CreatedAt   time.Time
}

// ArticleFeedback is one "Did this help?" answer.
type ArticleFeedback struct {
	Helpful   bool
	Comment   string
	User      string
	CreatedAt time.Time
}
