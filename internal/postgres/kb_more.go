package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"switchboard/internal/helpdesk"
)

// anyWordQuery turns typed text into to_tsquery syntax that matches any of
// its words, the last one also as a prefix when it is long enough (the
// person is still typing it). Only letters and digits survive, so the
// result is always valid tsquery input; PostgreSQL stems each word and
// drops stop words.
func anyWordQuery(s string) string {
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) > 12 {
		words = words[:12]
	}
	var parts []string
	for i, w := range words {
		w = strings.ToLower(w)
		if i == len(words)-1 && len([]rune(w)) >= 3 && !strings.HasSuffix(s, " ") {
			parts = append(parts, w+":*")
			continue
		}
		if len([]rune(w)) < 2 {
			continue
		}
		parts = append(parts, w)
	}
	return strings.Join(parts, " | ")
}

// KBCategories lists the categories with the number of published articles
// the viewer may read in each.
func (db *DB) KBCategories(ctx context.Context, staff bool) ([]helpdesk.KBCategory, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.id, c.name, c.position,
    (SELECT count(*) FROM kb_articles a WHERE a.category_id = c.id AND a.published AND ($1 OR a.visibility = 'employees'))
FROM kb_categories c ORDER BY c.position, c.name`, staff)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.KBCategory
	for rows.Next() {
		var c helpdesk.KBCategory
		if err := rows.Scan(&c.ID, &c.Name, &c.Position, &c.Articles); err != nil {
			return nil, mapError(err)
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// KBCreateCategory adds a category (or returns the one of that name).
func (db *DB) KBCreateCategory(ctx context.Context, name string, position int) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO kb_categories (name, position) VALUES ($1, $2)
ON CONFLICT (lower(name)) DO UPDATE SET name = kb_categories.name RETURNING id`, name, position).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("create kb category: %w", mapError(err))
	}
	return id, nil
}

// KBCategoryByName finds a category by name, case-insensitively.
func (db *DB) KBCategoryByName(ctx context.Context, name string) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM kb_categories WHERE lower(name) = lower($1)`, name).Scan(&id)
	return id, mapError(err)
}

// KBAddFile stores a file of an article.
func (db *DB) KBAddFile(ctx context.Context, f helpdesk.KBFile) (int64, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO kb_files (article_id, filename, content_type, size, data)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, f.ArticleID, f.Filename, f.ContentType, len(f.Data), f.Data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store file of article %d: %w", f.ArticleID, mapError(err))
	}
	return id, nil
}

// KBFiles lists an article's files, without their data.
func (db *DB) KBFiles(ctx context.Context, articleID int64) ([]helpdesk.KBFile, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, article_id, filename, content_type, size, created_at
FROM kb_files WHERE article_id = $1 ORDER BY id`, articleID)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.KBFile
	for rows.Next() {
		var f helpdesk.KBFile
		if err := rows.Scan(&f.ID, &f.ArticleID, &f.Filename, &f.ContentType, &f.Size, &f.CreatedAt); err != nil {
			return nil, mapError(err)
		}
		out = append(out, f)
	}
	return out, mapError(rows.Err())
}

// KBFile reads one file of an article, with its data.
func (db *DB) KBFile(ctx context.Context, articleID, id int64) (*helpdesk.KBFile, error) {
	var f helpdesk.KBFile
	err := db.pool.QueryRow(ctx, `SELECT id, article_id, filename, content_type, size, data, created_at
FROM kb_files WHERE article_id = $1 AND id = $2`, articleID, id).Scan(&f.ID, &f.ArticleID, &f.Filename,
		&f.ContentType, &f.Size, &f.Data, &f.CreatedAt)
	if err != nil {
		return nil, mapError(err)
	}
	return &f, nil
}

// KBAddFeedback records a "Did this help?" answer and counts it on the
// article, in one transaction.
func (db *DB) KBAddFeedback(ctx context.Context, articleID, userID int64, helpful bool, comment string) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.Exec(ctx, `INSERT INTO kb_feedback (article_id, user_id, helpful, comment) VALUES ($1, $2, $3, $4)`,
			articleID, userID, helpful, comment); err != nil {
			return err
		}
		_, err := tx.tx.Exec(ctx, `UPDATE kb_articles SET helpful_yes = helpful_yes + $2::int, helpful_no = helpful_no + $3::int
WHERE id = $1`, articleID, b2i(helpful), b2i(!helpful))
		return err
	})
	if err != nil {
		return fmt.Errorf("feedback on article %d: %w", articleID, err)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// KBFeedback lists an article's newest answers.
func (db *DB) KBFeedback(ctx context.Context, articleID int64, limit int) ([]helpdesk.ArticleFeedback, error) {
	rows, err := db.pool.Query(ctx, `SELECT f.helpful, f.comment, coalesce(u.name, ''), f.created_at
FROM kb_feedback f LEFT JOIN users u ON u.id = f.user_id
WHERE f.article_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2`, articleID, limit)
	if err != nil {
		return nil, mapError(err)
	}
	defer rows.Close()
	var out []helpdesk.ArticleFeedback
	for rows.Next() {
		var f helpdesk.ArticleFeedback
		if err := rows.Scan(&f.Helpful, &f.Comment, &f.User, &f.CreatedAt); err != nil {
			return nil, mapError(err)
		}
		out = append(out, f)
	}
	return out, mapError(rows.Err())
}

// KBLogSearch records a help-centre search and how many articles it found.
func (db *DB) KBLogSearch(ctx context.Context, query string, results int, userID int64) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO kb_searches (query, results, user_id) VALUES ($1, $2, $3)`,
		query, results, userID)
	return mapError(err)
}

// KBDeflect records a ticket that was not filed because an article solved
// it.
func (db *DB) KBDeflect(ctx context.Context, articleID, userID int64, subject string, categoryID *int64) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO kb_deflections (article_id, user_id, subject, category_id) VALUES ($1, $2, $3, $4)`,
		articleID, userID, subject, categoryID)
	if err != nil {
		return fmt.Errorf("record deflection by article %d: %w", articleID, mapError(err))
	}
	return nil
}

// KBDeflections counts deflections recorded for an article (tests and the
// article's staff view).
func (db *DB) KBDeflections(ctx context.Context, articleID int64) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM kb_deflections WHERE article_id = $1`, articleID).Scan(&n)
	return n, mapError(err)
}
