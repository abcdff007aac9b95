package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
)

// articleJSON is an article in API answers.
type articleJSON struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	Visibility string    `json:"visibility"`
	Published  bool      `json:"published"`
	Category   *string   `json:"category"`
	Version    int       `json:"version"`
	URL        string    `json:"url"`
	Body       string    `json:"body,omitempty"`
	Snippet    string    `json:"snippet,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func articleView(a *helpdesk.Article, body bool) articleJSON {
	out := articleJSON{ID: a.ID, Title: a.Title, Visibility: string(a.Visibility), Published: a.Published,
		Category: opt(a.Category), Version: a.Version, URL: "/help/articles/" + strconv.FormatInt(a.ID, 10),
		UpdatedAt: a.UpdatedAt.UTC()}
	if body {
		out.Body = a.Body
	}
	if a.Snippet != "" {
		out.Snippet = strings.NewReplacer("\x02", "", "\x03", "").Replace(a.Snippet)
	}
	return out
}

// listArticles: GET /kb/articles?q= -> {articles: [...]}: the caller's
// search, or without q every article the caller may read.
func (h *Handler) listArticles(w http.ResponseWriter, r *http.Request) error {
	u := caller(r)
	var arts []helpdesk.Article
	var err error
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		arts, err = h.KB.Search(r.Context(), u, q, 50, false)
	} else {
		_, arts, err = h.KB.Home(r.Context(), u)
	}
	if err != nil {
		return err
	}
	out := make([]articleJSON, 0, len(arts))
	for i := range arts {
		out = append(out, articleView(&arts[i], false))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"articles": out})
}

type createArticleRequest struct {
	Title      string `json:"title"`
	Body       string `json:"body"`
	Category   string `json:"category"`
	Visibility string `json:"visibility"`
	Published  *bool  `json:"published"`
}

// createArticle: POST /kb/articles (staff) -> 201 with the article.
func (h *Handler) createArticle(w http.ResponseWriter, r *http.Request) error {
	var in createArticleRequest
	if _, err := decodeJSON(w, r, h.MaxJSONBody, &in); err != nil {
		return err
	}
	if in.Visibility == "" {
		return &helpdesk.Error{Code: helpdesk.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: []helpdesk.FieldError{{Field: "visibility", Message: `Required: "employees" or "staff".`}}}
	}
	published := in.Published == nil || *in.Published
	a, err := h.KB.Create(r.Context(), caller(r), kb.Input{Title: in.Title, Body: in.Body, Category: in.Category,
		Visibility: helpdesk.Visibility(in.Visibility), Published: published})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/kb/articles/"+strconv.FormatInt(a.ID, 10))
	return writeJSON(w, http.StatusCreated, articleView(a, true))
}

// getArticle: GET /kb/articles/{id}, as the caller may read it.
func (h *Handler) getArticle(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return helpdesk.Errorf(helpdesk.ENOTFOUND, "No such article.")
	}
	a, err := h.KB.Article(r.Context(), caller(r), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, articleView(a, true))
}
