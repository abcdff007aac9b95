package server

import (
	"net/http"
	"strconv"

	"switchboard/internal/helpdesk"
	"switchboard/internal/kb"
	"switchboard/web"
)

// parseID reads a positive id from a form value; anything else is a thing
// that does not exist.
func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, helpdesk.Errorf(helpdesk.ENOTFOUND, "Not found.")
	}
	return n, nil
}

// kbList is the staff's article list with their articles due for review.
func (s *Server) kbList(w http.ResponseWriter, r *http.Request) error {
	return s.renderKBList(w, r, http.StatusOK, nil)
}

func (s *Server) renderKBList(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	u := CurrentUser(r.Context())
	due, err := s.KB.DueForReview(r.Context(), u)
	if err != nil {
		return err
	}
	all, err := s.KB.All(r.Context(), u)
	if err != nil {
		return err
	}
	cats, err := s.KB.Categories(r.Context(), u)
	if err != nil {
		return err
	}
	s.render(w, r, status, web.KBListPage(web.KBList{Page: s.page(r, "Knowledge base", "kb"), Due: due, Articles: all,
		Categories: cats, Errors: errs}))
	return nil
}

// kbCreateCategory adds a category.
func (s *Server) kbCreateCategory(w http.ResponseWriter, r *http.Request) error {
	_, err := s.KB.CreateCategory(r.Context(), CurrentUser(r.Context()), r.PostFormValue("name"))
	if isInvalid(err) {
		return s.renderKBList(w, r, http.StatusUnprocessableEntity, fieldErrors(err))
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/kb", "Category added.")
	return nil
}

// kbNew is a blank editor, or one pre-filled from ?ticket=N ("create
// article from this ticket").
func (s *Server) kbNew(w http.ResponseWriter, r *http.Request) error {
	v := web.KBEdit{Visibility: "employees", Published: true}
	if t := r.URL.Query().Get("ticket"); t != "" {
		n, err := parseID(t)
		if err != nil {
			return err
		}
		in, err := s.KB.Draft(r.Context(), CurrentUser(r.Context()), n)
		if err != nil {
			return err
		}
		v = editView(in)
		v.Ticket = n
	}
	return s.renderKBEdit(w, r, http.StatusOK, v)
}

func editView(in kb.Input) web.KBEdit {
	return web.KBEdit{Title: in.Title, Body: in.Body, Category: in.Category, Visibility: string(in.Visibility),
		Published: in.Published, ReviewOn: in.ReviewOn, Note: in.Note, BaseVersion: in.BaseVersion}
}

func (s *Server) renderKBEdit(w http.ResponseWriter, r *http.Request, status int, v web.KBEdit) error {
	u := CurrentUser(r.Context())
	cats, err := s.KB.Categories(r.Context(), u)
	if err != nil {
		return err
	}
	v.Categories = cats
	if v.ID != 0 {
		if v.Files, err = s.KB.Files(r.Context(), u, v.ID); err != nil {
			return err
		}
	}
	title := "New article"
	if v.ID != 0 {
		title = "Edit: " + v.Title
	}
	v.Page = s.page(r, title, "kb")
	s.render(w, r, status, web.KBEditPage(v))
	return nil
}

// kbInput reads the editor's form.
func kbInput(r *http.Request) kb.Input {
	base, _ := strconv.Atoi(r.PostFormValue("base_version"))
	ticket, _ := strconv.ParseInt(r.PostFormValue("ticket"), 10, 64)
	in := kb.Input{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Category: r.PostFormValue("category"),
		Visibility: helpdesk.Visibility(r.PostFormValue("visibility")), Published: r.PostFormValue("published") == "true",
		ReviewOn: r.PostFormValue("review_on"), Note: r.PostFormValue("note"), BaseVersion: base, SourceTicket: ticket}
	// A published article's editor says what the save does instead.
	switch r.PostFormValue("state") {
	case "publish":
		in.Published = true
	case "draft":
		in.Published = false
	case "unpublish":
		in.Published, in.Unpublish = false, true
	}
	return in
}

// editState fills the live article's part of the editor view.
func editState(v *web.KBEdit, a *helpdesk.Article, state string) {
	v.Live, v.LiveVersion, v.State = a.Published, a.Version, state
	if a.DraftVersion != nil {
		v.DraftVersion = *a.DraftVersion
	}
	if v.State == "" {
		v.State = "publish"
		if v.DraftVersion > 0 {
			v.State = "draft"
		}
	}
}

// kbCreate saves a new article.
func (s *Server) kbCreate(w http.ResponseWriter, r *http.Request) error {
	in := kbInput(r)
	v := editView(in)
	v.Ticket = in.SourceTicket
	if r.PostFormValue("action") == "preview" {
		v.Preview = kb.RenderMarkdown(in.Body)
		return s.renderKBEdit(w, r, http.StatusOK, v)
	}
	a, err := s.KB.Create(r.Context(), CurrentUser(r.Context()), in)
	if isInvalid(err) {
		v.Errors = fieldErrors(err)
		return s.renderKBEdit(w, r, http.StatusUnprocessableEntity, v)
	} else if err != nil {
		return err
	}
	seeOther(w, r, web.ArticleURL(a.ID), "Article saved.")
	return nil
}

// kbEdit opens the editor on an article's newest version.
func (s *Server) kbEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, in, err := s.KB.Editing(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	v := editView(in)
	v.ID = a.ID
	editState(&v, a, "")
	return s.renderKBEdit(w, r, http.StatusOK, v)
}

// kbUpdate saves a new version.
func (s *Server) kbUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in := kbInput(r)
	v := editView(in)
	v.ID = id
	a, err := s.KB.Article(r.Context(), CurrentUser(r.Context()), id)
	if err != nil {
		return err
	}
	editState(&v, a, r.PostFormValue("state"))
	if r.PostFormValue("action") == "preview" {
		v.Preview = kb.RenderMarkdown(in.Body)
		return s.renderKBEdit(w, r, http.StatusOK, v)
	}
	_, err = s.KB.Update(r.Context(), CurrentUser(r.Context()), id, in)
	if isInvalid(err) {
		v.Errors = fieldErrors(err)
		return s.renderKBEdit(w, r, http.StatusUnprocessableEntity, v)
	} else if helpdesk.ErrorCode(err) == helpdesk.ECONFLICT {
		v.Errors = map[string]string{"body": helpdesk.ErrorMessage(err)}
		return s.renderKBEdit(w, r, http.StatusConflict, v)
	} else if err != nil {
		return err
	}
	msg := "Article saved as a new version."
	if a.Published && !in.Published && !in.Unpublish {
		msg = "Draft saved. Employees keep reading the published version until you publish it."
	}
	seeOther(w, r, web.ArticleURL(id), msg)
	return nil
}

// kbPublishDraft makes the pending draft the live version.
func (s *Server) kbPublishDraft(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(r.PostFormValue("base_version"))
	if _, err := s.KB.PublishDraft(r.Context(), CurrentUser(r.Context()), id, base); err != nil {
		return err
	}
	seeOther(w, r, web.ArticleURL(id), "Draft published: it is now the live version.")
	return nil
}

// kbDiscardDraft drops the pending draft; the live version stays.
func (s *Server) kbDiscardDraft(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(r.PostFormValue("base_version"))
	if err := s.KB.DiscardDraft(r.Context(), CurrentUser(r.Context()), id, base); err != nil {
		return err
	}
	seeOther(w, r, "/kb/"+strconv.FormatInt(id, 10)+"/edit", "Draft discarded; it stays in the version history.")
	return nil
}

// kbUpload attaches a file to an article.
func (s *Server) kbUpload(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ups, err := s.readUploads(w, r)
	if err == nil && len(ups) == 0 {
		err = helpdesk.Invalid("file", "Choose a file.")
	}
	if err == nil {
		_, err = s.KB.AddFile(r.Context(), CurrentUser(r.Context()), id, ups[0].Filename, ups[0].Data)
	}
	if isInvalid(err) {
		a, aerr := s.KB.Article(r.Context(), CurrentUser(r.Context()), id)
		if aerr != nil {
			return aerr
		}
		msg := fieldErrors(err)
		for _, m := range msg {
			msg["file"] = m
		}
		return s.renderKBEdit(w, r, http.StatusUnprocessableEntity, web.KBEdit{ID: id, Title: a.Title, Body: a.Body,
			Category: a.Category, Visibility: string(a.Visibility), Published: a.Published, BaseVersion: a.Version, Errors: msg})
	} else if err != nil {
		return err
	}
	seeOther(w, r, "/kb/"+strconv.FormatInt(id, 10)+"/edit#files-title", "File added. Link it from the article with its address.")
	return nil
}

// kbVersions lists the versions and shows the diff of ?from=&to=
// (default: the previous version against the newest).
func (s *Server) kbVersions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u := CurrentUser(r.Context())
	a, err := s.KB.Article(r.Context(), u, id)
	if err != nil {
		return err
	}
	vs, err := s.KB.Versions(r.Context(), u, id)
	if err != nil {
		return err
	}
	v := web.KBVersions{Page: s.page(r, "Versions: "+a.Title, "kb"), Article: *a, Versions: vs, To: vs[0].Version, From: vs[0].Version}
	if len(vs) > 1 {
		v.From = vs[1].Version
	}
	if f, err := strconv.Atoi(r.URL.Query().Get("from")); err == nil {
		v.From = f
	}
	if t, err := strconv.Atoi(r.URL.Query().Get("to")); err == nil {
		v.To = t
	}
	if v.From != v.To {
		_, _, diff, err := s.KB.Compare(r.Context(), u, id, v.From, v.To)
		if err != nil {
			return err
		}
		for _, l := range diff {
			v.Diff = append(v.Diff, web.DiffLine{Op: string(l.Op), Text: l.Text})
		}
	}
	s.render(w, r, http.StatusOK, web.KBVersionsPage(v))
	return nil
}
