package server

import (
	"net/http"
	"strings"

	"switchboard/web"
)

// help is the help centre (/help) and its search (/help?q=…). Searches are
// logged, so the reports can list what people looked for and did not find.
func (s *Server) help(w http.ResponseWriter, r *http.Request) error {
	u := CurrentUser(r.Context())
	v := web.HelpHome{Page: s.page(r, "Help centre", "help"), Query: strings.TrimSpace(r.URL.Query().Get("q"))}
	if v.Query != "" {
		res, err := s.KB.Search(r.Context(), u, v.Query, 20, true)
		if err != nil {
			return err
		}
		v.Searched, v.Results = true, res
		v.Page.Title = "Help: " + v.Query
	} else {
		cats, arts, err := s.KB.Home(r.Context(), u)
		if err != nil {
			return err
		}
		v.Categories, v.Articles = cats, arts
	}
	s.render(w, r, http.StatusOK, web.HelpPage(v))
	return nil
}

// helpArticle shows an article; a staff-only article or a draft is the same
// 404 as a missing one for employees.
func (s *Server) helpArticle(w http.ResponseWriter, r *http.Request) error {
	return s.renderArticle(w, r, http.StatusOK, func(*web.ArticleView) {})
}

func (s *Server) renderArticle(w http.ResponseWriter, r *http.Request, status int, adjust func(*web.ArticleView)) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	a, err := s.KB.Article(r.Context(), u, id)
	if err != nil {
		return err
	}
	files, err := s.KB.Files(r.Context(), u, id)
	if err != nil {
		return err
	}
	fb, err := s.KB.FeedbackList(r.Context(), u, id)
	if err != nil {
		return err
	}
	v := web.ArticleView{Page: s.page(r, a.Title, "help"), Article: *a, Files: files, Staff: u.IsStaff(), Feedback: fb,
		Thanked: r.URL.Query().Get("thanks") == "1"}
	adjust(&v)
	s.render(w, r, status, web.HelpArticle(v))
	return nil
}

// helpFeedback records "Did this help?".
func (s *Server) helpFeedback(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	comment := r.PostFormValue("comment")
	err = s.KB.Feedback(r.Context(), CurrentUser(r.Context()), id, r.PostFormValue("helpful") == "yes", comment)
	if isInvalid(err) {
		return s.renderArticle(w, r, http.StatusUnprocessableEntity, func(v *web.ArticleView) {
			v.Errors, v.Comment = fieldErrors(err), comment
		})
	} else if err != nil {
		return err
	}
	seeOther(w, r, web.ArticleURL(id)+"?thanks=1#feedback", "Thank you for the feedback.")
	return nil
}

// helpFile sends a file of an article the viewer may read.
func (s *Server) helpFile(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "file")
	if err != nil {
		return err
	}
	f, err := s.KB.File(r.Context(), CurrentUser(r.Context()), id, fid)
	if err != nil {
		return err
	}
	sendFile(w, f.Filename, f.ContentType, f.Data)
	return nil
}

// helpSuggest is the new-ticket form's suggestion fragment for the subject
// typed so far (htmx swaps it in under the subject field).
func (s *Server) helpSuggest(w http.ResponseWriter, r *http.Request) error {
	subject := r.URL.Query().Get("subject")
	arts, err := s.KB.Suggest(r.Context(), CurrentUser(r.Context()), subject)
	if err != nil {
		return err
	}
	v := web.SuggestView{Subject: subject, Articles: arts}
	if s.Incidents != nil {
		if v.KnownIssues, err = s.Incidents.MatchKnownIssues(r.Context(), subject+" "+r.URL.Query().Get("description")); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, web.HelpSuggestions(v))
	return nil
}

// helpDeflect is "This solved it": the new-ticket form, submitted here
// instead of being filed, records a deflected ticket and opens the article.
func (s *Server) helpDeflect(w http.ResponseWriter, r *http.Request) error {
	// The form is multipart (it carries attachments): read its fields only.
	if _, err := s.readUploads(w, r); err != nil && !isInvalid(err) {
		return err
	}
	id, err := parseID(r.PostFormValue("article"))
	if err != nil {
		return err
	}
	if err := s.KB.Deflect(r.Context(), CurrentUser(r.Context()), id, r.PostFormValue("subject"), r.PostFormValue("category")); err != nil {
		return err
	}
	seeOther(w, r, web.ArticleURL(id), "Glad it is solved. No ticket was filed.")
	return nil
}
