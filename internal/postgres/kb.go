package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"switchboard/internal/helpdesk"
)

// The knowledge base's store: articles with their versions, categories,
// files, feedback, search log and deflections. Who may read what is the kb
// service's rule; these methods take it as plain arguments (staff: may read
// staff-only articles and drafts).

const kbArticleColumns = `a.id, a.title, a.body, a.body_html, a.category_id, coalesce(c.name, ''), a.visibility,
	a.published, a.version, a.owner_id, coalesce(o.name, ''), a.review_on, a.source_ticket_id, a.helpful_yes,
	a.helpful_no, a.created_at, a.updated_at, a.draft_version`

const kbArticleJoins = `LEFT JOIN kb_categories c ON c.id = a.category_id LEFT JOIN users o ON o.id = a.owner_id`

func scanArticle(row pgx.Row, extra ...any) (*helpdesk.Article, error) {
	var a helpdesk.Article
	var vis string
	dest := append([]any{&a.ID, &a.Title, &a.Body, &a.BodyHTML, &a.CategoryID, &a.Category, &vis, &a.Published,
		&a.Version, &a.OwnerID, &a.Owner, &a.ReviewOn, &a.SourceTicketID, &a.HelpfulYes, &a.HelpfulNo,
		&a.CreatedAt, &a.UpdatedAt, &a.DraftVersion}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, mapError(err)
	}
	a.Visibility = helpdesk.Visibility(vis)
	return &a, nil
}

func collectArticles(rows pgx.Rows, err error, extra func(a *helpdesk.Article) []any) ([]helpdesk.Article, error) {
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.Article
	for rows.Next() {
		var tmp helpdesk.Article
		var ex []any
		if extra != nil {
			ex = extra(&tmp)
		}
		a, err := scanArticle(rows, ex...)
		if err != nil {
			return nil, err
		}
		a.Rank, a.Snippet = tmp.Rank, tmp.Snippet
		out = append(out, *a)
	}
	return out, mapError(rows.Err())
}

// KBArticle reads one article, whatever its visibility.
func (db *DB) KBArticle(ctx context.Context, id int64) (*helpdesk.Article, error) {
	a, err := scanArticle(db.pool.QueryRow(ctx, `SELECT `+kbArticleColumns+` FROM kb_articles a `+kbArticleJoins+` WHERE a.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("read article %d: %w", id, err)
	}
	return a, nil
}

// KBListFilter selects articles for the help centre or the staff list.
type KBListFilter struct {
	Staff      bool   // staff-only articles too
	Drafts     bool   // unpublished articles too (staff list)
	CategoryID *int64 // one category
	Limit      int
}

// KBArticles lists articles by category and title.
func (db *DB) KBArticles(ctx context.Context, f KBListFilter) ([]helpdesk.Article, error) {
	limit := f.Limit
	if limit <= 0 || limit > 2000 {
		limit = 500
	}
	rows, err := db.pool.Query(ctx, `SELECT `+kbArticleColumns+` FROM kb_articles a `+kbArticleJoins+`
WHERE ($1 OR a.visibility = 'employees') AND ($2 OR a.published)
  AND ($3::bigint IS NULL OR a.category_id = $3)
ORDER BY c.position NULLS LAST, c.name NULLS LAST, lower(a.title), a.id
LIMIT $4`, f.Staff, f.Drafts, f.CategoryID, limit)
	return collectArticles(rows, err, nil)
}

// KBDueForReview lists the owner's articles whose review date is on or
// before today.
func (db *DB) KBDueForReview(ctx context.Context, ownerID int64, today time.Time) ([]helpdesk.Article, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+kbArticleColumns+` FROM kb_articles a `+kbArticleJoins+`
WHERE a.owner_id = $1 AND a.review_on <= $2::date ORDER BY a.review_on, a.id`, ownerID, today.Format(time.DateOnly))
	return collectArticles(rows, err, nil)
}

// KBSearchMode says how the words of a query combine.
type KBSearchMode int

// Search modes.
const (
	KBAllWords KBSearchMode = iota // websearch syntax: every word (or "phrase", -not, or)
	KBAnyWord                      // any word, the last one as a prefix (typing ahead)
)

// KBSearch finds published articles the viewer may read, best first. The
// title counts as a ticket's subject does (weight A) and a title match
// counts again on top, so an article named after the problem beats one
// that mentions it in passing.
func (db *DB) KBSearch(ctx context.Context, query string, mode KBSearchMode, staff bool, limit int) ([]helpdesk.Article, error) {
	tsq := "websearch_to_tsquery('english', $1)"
	if mode == KBAnyWord {
		query = anyWordQuery(query)
		if query == "" {
			return nil, nil
		}
		tsq = "to_tsquery('english', $1)"
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	hl := "'StartSel=" + HighlightStart + ", StopSel=" + HighlightStop + ", MaxFragments=1, MaxWords=30, MinWords=12'"
	rows, err := db.pool.Query(ctx, `WITH q AS (SELECT `+tsq+` AS q),
m AS (
    SELECT a.id, ts_rank_cd(a.search, q.q) + ts_rank_cd('{0,0,0,1}', a.search, q.q) AS rank
    FROM kb_articles a, q
    WHERE a.search @@ q.q AND a.published AND ($2 OR a.visibility = 'employees')
    ORDER BY rank DESC, a.id
    LIMIT $3
)
SELECT `+kbArticleColumns+`, m.rank, ts_headline('english', a.body, q.q, `+hl+`)
FROM m JOIN kb_articles a ON a.id = m.id `+kbArticleJoins+`, q
ORDER BY m.rank DESC, a.id`, query, staff, limit)
	return collectArticles(rows, err, func(a *helpdesk.Article) []any { return []any{&a.Rank, &a.Snippet} })
}

// KBSaveInput is what creating or editing an article writes.
type KBSaveInput struct {
	Title, Body, BodyHTML string
	CategoryID            *int64
	Visibility            helpdesk.Visibility
	Published             bool
	OwnerID               *int64
	ReviewOn              *time.Time
	SourceTicketID        *int64
	AuthorID              int64
	Note                  string
	// BaseVersion is the version the editor started from; a save on top of
	// a newer one is a conflict, not a silent overwrite. 0 on create.
	BaseVersion int
	// Unpublish takes a live article off the help centre; without it, a
	// save that is not Published on a live article is a pending draft
	// and the live version stays.
	Unpublish bool
}

// KBCreateArticle inserts an article and its first version together.
func (db *DB) KBCreateArticle(ctx context.Context, in KBSaveInput) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.tx.QueryRow(ctx, `INSERT INTO kb_articles (title, body, body_html, category_id, visibility, published,
    owner_id, review_on, source_ticket_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9) RETURNING id`, in.Title, in.Body, in.BodyHTML, in.CategoryID,
			string(in.Visibility), in.Published, in.OwnerID, dateArg(in.ReviewOn), in.SourceTicketID).Scan(&id); err != nil {
			return err
		}
		return insertVersion(ctx, tx, id, 1, in)
	})
	if err != nil {
		return 0, fmt.Errorf("create article: %w", err)
	}
	return id, nil
}

// KBUpdateArticle writes a new version of an article. On a published
// article a save that is not Published (and not Unpublish) becomes its
// pending draft: a version of its own, the live row unchanged. Publishing
// or unpublishing writes the row and drops the pending draft.
func (db *DB) KBUpdateArticle(ctx context.Context, id int64, in KBSaveInput) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		var live, newest int
		var published bool
		var draft *int
		if err := tx.tx.QueryRow(ctx, `SELECT version, published, draft_version,
    (SELECT coalesce(max(version), 0) FROM kb_article_versions WHERE article_id = a.id)
FROM kb_articles a WHERE id = $1 FOR UPDATE`, id).Scan(&live, &published, &draft, &newest); err != nil {
			return err
		}
		head := live
		if draft != nil {
			head = *draft
		}
		if in.BaseVersion != 0 && in.BaseVersion != head {
			return helpdesk.Errorf(helpdesk.ECONFLICT, "Someone saved version %d of this article while you were editing version %d. Open it again to see their changes.", head, in.BaseVersion)
		}
		next := max(newest, live) + 1
		if published && !in.Published && !in.Unpublish {
			if _, err := tx.tx.Exec(ctx, `UPDATE kb_articles SET draft_version = $2 WHERE id = $1`, id, next); err != nil {
				return err
			}
			return insertVersion(ctx, tx, id, next, in)
		}
		if _, err := tx.tx.Exec(ctx, `UPDATE kb_articles SET title = $2, body = $3, body_html = $4, category_id = $5,
    visibility = $6, published = $7, owner_id = $8, review_on = $9::date, version = $10, draft_version = NULL, updated_at = now()
WHERE id = $1`, id, in.Title, in.Body, in.BodyHTML, in.CategoryID, string(in.Visibility), in.Published, in.OwnerID,
			dateArg(in.ReviewOn), next); err != nil {
			return err
		}
		return insertVersion(ctx, tx, id, next, in)
	})
	if err != nil {
		return fmt.Errorf("update article %d: %w", id, err)
	}
	return nil
}

// KBDiscardDraft drops an article's pending draft (its version stays in
// the history); base is the draft version the editor showed.
func (db *DB) KBDiscardDraft(ctx context.Context, id int64, base int) error {
	tag, err := db.pool.Exec(ctx, `UPDATE kb_articles SET draft_version = NULL WHERE id = $1 AND draft_version = $2`, id, base)
	if err != nil {
		return fmt.Errorf("discard draft of article %d: %w", id, mapError(err))
	}
	if tag.RowsAffected() == 0 {
		return helpdesk.Errorf(helpdesk.ECONFLICT, "The draft changed or was published meanwhile. Open the article again.")
	}
	return nil
}

func insertVersion(ctx context.Context, tx *Tx, id int64, v int, in KBSaveInput) error {
	_, err := tx.tx.Exec(ctx, `INSERT INTO kb_article_versions (article_id, version, title, body, category_id, visibility,
    published, author_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, v, in.Title, in.Body, in.CategoryID,
		string(in.Visibility), in.Published, in.AuthorID, in.Note)
	return err
}

func dateArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

// KBVersions lists an article's versions, newest first (bodies included).
func (db *DB) KBVersions(ctx context.Context, id int64) ([]helpdesk.ArticleVersion, error) {
	rows, err := db.pool.Query(ctx, `SELECT v.article_id, v.version, v.title, v.body, v.category_id, v.visibility,
    v.published, coalesce(u.name, ''), v.note, v.created_at
FROM kb_article_versions v LEFT JOIN users u ON u.id = v.author_id
WHERE v.article_id = $1 ORDER BY v.version DESC`, id)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.ArticleVersion
	for rows.Next() {
		var v helpdesk.ArticleVersion
		var vis string
		if err := rows.Scan(&v.ArticleID, &v.Version, &v.Title, &v.Body, &v.CategoryID, &vis, &v.Published, &v.Author,
			&v.Note, &v.CreatedAt); err != nil {
			return nil, mapError(err)
		}
		v.Visibility = helpdesk.Visibility(vis)
		out = append(out, v)
	}
	return out, mapError(rows.Err())
}
